package record

import (
	"bytes"
	"testing"
)

// TestMemo: a value comes back only for bytes equal to its own, as a copy;
// a nil memo remembers nothing; a full one starts over.
func TestMemo(t *testing.T) {
	var m Memo[SurveyID, Survey]
	data, err := m.Encode(1, Survey{ID: 1, State: SurveyInflight, Attempts: []Attempt{{Error: "x"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.Recall(1, bytes.Clone(data))
	if !ok || got.State != SurveyInflight {
		t.Fatalf("recall of equal bytes: %+v, %v", got, ok)
	}
	got.Attempts[0].Error = "changed"
	if again, _ := m.Recall(1, data); again.Attempts[0].Error != "x" {
		t.Errorf("a caller's change reached the memo: %+v", again.Attempts)
	}
	other := bytes.Replace(data, []byte(`"inflight"`), []byte(`"inFlight"`), 1)
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
	// A survey sent is not kept, and forgets what was kept of it.
	if _, err := m.Encode(3, Survey{ID: 3, State: SurveySent}); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Recall(3, []byte(`{"id":3,"state":"pending"}`)); ok {
		t.Error("a survey sent is still remembered as pending")
	}
	// Two generations: the most recent memoCap records at least, never
	// more than twice as many.
	for i := range 3 * memoCap {
		m.keep(SurveyID(100+i), []byte("{}"), Survey{State: SurveyPending})
		if n := len(m.newer) + len(m.older); n > 2*memoCap {
			t.Fatalf("%d entries, more than %d", n, 2*memoCap)
		}
	}
	for i := 2 * memoCap; i < 3*memoCap; i++ {
		if _, ok := m.Recall(SurveyID(100+i), []byte("{}")); !ok {
			t.Fatalf("record %d of the last %d forgotten", i, memoCap)
		}
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
