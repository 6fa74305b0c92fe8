package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestCasesOfReadsOnlyTheContactsCases: the index gives a contact's cases
// and nobody else's, for cases written now and for cases a store of
// schema 4 held before the index existed.
func TestCasesOfReadsOnlyTheContactsCases(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	var ann, bob Contact
	if ann, _, err = s.UpsertContact(ctx, Contact{Email: "ann@example.fr"}); err != nil {
		t.Fatal(err)
	}
	if bob, _, err = s.UpsertContact(ctx, Contact{Email: "bob@example.fr"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		for _, c := range []ContactID{ann.ID, bob.ID, ann.ID, bob.ID, bob.ID} {
			if _, err := tx.PutCase(Case{ContactID: c, Score: 2}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	casesOf := func(s *Store, c ContactID) []CaseID {
		var ids []CaseID
		if err := s.View(func(tx *Tx) error {
			return tx.CasesOf(c, func(k Case) error {
				if k.ContactID != c {
					t.Errorf("case %s of %s given for %s", k.ID, k.ContactID, c)
				}
				ids = append(ids, k.ID)
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := fmt.Sprint(casesOf(s, ann.ID), casesOf(s, bob.ID)); got != "[k1 k3] [k2 k4 k5]" {
		t.Errorf("cases of Ann and Bob = %s", got)
	}
	s.Close()

	// As a store of schema 4 left it: no index of cases by contact.
	asSchema(t, path, 4, bucketCasesByContact)
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := fmt.Sprint(casesOf(s, ann.ID), casesOf(s, bob.ID)); got != "[k1 k3] [k2 k4 k5]" {
		t.Errorf("after the migration, cases of Ann and Bob = %s", got)
	}
}

// BenchmarkCasesOf reads one contact's two cases among n others' cases:
// the cost an answer pays for the cases, flat from 0 to 100,000.
func BenchmarkCasesOf(b *testing.B) {
	for _, n := range []int{0, 1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := openTest(b)
			ctx := context.Background()
			other, _, _ := s.UpsertContact(ctx, Contact{Email: "other@example.fr"})
			me, _, _ := s.UpsertContact(ctx, Contact{Email: "me@example.fr"})
			if err := s.Update(ctx, func(tx *Tx) error {
				for i := range n + 2 {
					c := other.ID
					if i == n/2 || i == n+1 {
						c = me.ID
					}
					if _, err := tx.PutCase(Case{ContactID: c, Score: 3}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				found := 0
				_ = s.View(func(tx *Tx) error {
					return tx.CasesOf(me.ID, func(Case) error { found++; return nil })
				})
				if found != 2 {
					b.Fatalf("found %d cases, want 2", found)
				}
			}
		})
	}
}

// TestCasesNewestFirst: the cases come newest first, from the one before
// the cursor, and the scan stops where fn says, having read no further.
func TestCasesNewestFirst(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ann, _, err := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		for range 7 {
			if _, err := tx.PutCase(Case{ContactID: ann.ID, Score: 3}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	read := func(before CaseID, stopAfter int) string {
		var ids []CaseID
		if err := s.View(func(tx *Tx) error {
			return tx.CasesNewestFirst(before, func(c Case) (bool, error) {
				ids = append(ids, c.ID)
				return len(ids) < stopAfter, nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(ids)
	}
	for _, c := range []struct {
		before    CaseID
		stopAfter int
		want      string
	}{
		{0, 100, "[k7 k6 k5 k4 k3 k2 k1]"},
		{0, 3, "[k7 k6 k5]"},
		{5, 100, "[k4 k3 k2 k1]"},
		{5, 2, "[k4 k3]"},
		{1, 100, "[]"},
		// A cursor past the newest case (one deleted since, or typed by
		// hand) starts from the newest.
		{99, 2, "[k7 k6]"},
	} {
		if got := read(c.before, c.stopAfter); got != c.want {
			t.Errorf("before %s, stop after %d: %s, want %s", c.before, c.stopAfter, got, c.want)
		}
	}
}
