package record

import (
	"bytes"
	"testing"
)

// TestMemo: a value comes back only for bytes equal to its own, as a copy;
// a nil memo remembers nothing; a full one starts over.
func TestMemo(t *testing.T) {
	var m Memo[SurveyID, Survey]
	data, err := m.Encode(1, Survey{ID: 1, State: SurveySent, Attempts: []Attempt{{Error: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.Recall(1, bytes.Clone(data))
	if !ok || got.State != SurveySent {
		t.Fatalf("recall of equal bytes: %+v, %v", got, ok)
	}
	got.Attempts[0].Error = "changed"
	if again, _ := m.Recall(1, data); again.Attempts[0].Error != "x" {
		t.Errorf("a caller's change reached the memo: %+v", again.Attempts)
	}
	other := bytes.Replace(data, []byte(`"sent"`), []byte(`"sEnt"`), 1)
	if _, ok := m.Recall(1, other); ok {
		t.Error("recalled for other bytes of the same length")
	}
	if _, ok := m.Recall(2, data); ok {
		t.Error("recalled under another id")
	}
	if v, err := m.Decode(3, []byte(`{"id":3,"state":"pending"}`)); err != nil || v.State != SurveyPending {
		t.Errorf("decode: %+v, %v", v, err)
	}
	if _, err := m.Decode(4, nil); err != ErrNotFound {
		t.Errorf("no bytes: %v", err)
	}
	for i := range memoCap {
		m.keep(SurveyID(100+i), []byte("{}"), Survey{})
	}
	if len(m.entries) > memoCap {
		t.Errorf("%d entries, more than %d", len(m.entries), memoCap)
	}

	var none *Memo[SurveyID, Survey]
	if v, err := none.Decode(5, []byte(`{"id":5}`)); err != nil || v.ID != 5 {
		t.Errorf("nil memo decode: %+v, %v", v, err)
	}
	if _, err := none.Encode(5, Survey{ID: 5}); err != nil {
		t.Error(err)
	}
	if _, ok := none.Recall(5, []byte(`{"id":5}`)); ok {
		t.Error("a nil memo remembered")
	}
}
