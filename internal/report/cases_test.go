package report

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// TestListCasesPagesWithinTheBound walks the list of cases a page at a
// time, every case and each state alone: each page reads at most its
// bound, and the pages together hold every case the filter keeps, newest
// first, each once.
func TestListCasesPagesWithinTheBound(t *testing.T) {
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	states := []store.CaseState{store.CaseResolved, store.CaseOpen, store.CaseOpen, store.CaseContacted, store.CaseOpen}
	want := map[store.CaseState][]string{}
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		c, _, err := tx.UpsertContact(store.Contact{Name: "Zoé", Email: "zoe@example.fr"})
		if err != nil {
			return err
		}
		for i := range 233 {
			k, err := tx.PutCase(store.Case{ContactID: c.ID, Score: i % 7, State: states[i%len(states)]})
			if err != nil {
				return err
			}
			want[k.State] = append([]string{k.ID.String()}, want[k.State]...)
			want[""] = append([]string{k.ID.String()}, want[""]...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, state := range []store.CaseState{"", store.CaseOpen, store.CaseContacted, store.CaseResolved} {
		q := CaseQuery{State: state, Limit: 20, MaxExamined: 30, Now: time.Now()}
		var got []string
		for pages := 0; ; pages++ {
			page, err := ListCases(st, q)
			if err != nil {
				t.Fatal(err)
			}
			if page.Examined > q.MaxExamined || len(page.Rows) > q.Limit {
				t.Fatalf("state %q: a page read %d cases and shows %d", state, page.Examined, len(page.Rows))
			}
			for _, r := range page.Rows {
				if state != "" && r.State != string(state) {
					t.Errorf("state %q: the page shows %s, %s", state, r.ID, r.State)
				}
				got = append(got, r.ID)
			}
			if page.Next == "" || pages > 50 {
				break
			}
			q.After, _ = store.ParseCaseID(page.Next)
		}
		if !slices.Equal(got, want[state]) {
			t.Errorf("state %q: the pages list\n%v\nwant\n%v", state, got, want[state])
		}
	}
}
