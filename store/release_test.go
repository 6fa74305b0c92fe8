package store

import (
	"context"
	"fmt"
	"testing"
)

// TestReleaseMappedKeepsEverything: letting go of the mapped pages in the
// middle of a pass, and between passes, loses nothing the pass reads.
func TestReleaseMappedKeepsEverything(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const n = 3000
	fns := make([]func(*Tx) error, n)
	for i := range fns {
		fns[i] = func(tx *Tx) error {
			_, _, err := tx.UpsertContact(Contact{Email: fmt.Sprintf("c%d@example.fr", i), Name: fmt.Sprintf("Client %d", i)})
			return err
		}
	}
	for i, err := range s.UpdateAll(ctx, fns) {
		if err != nil {
			t.Fatalf("contact %d: %v", i, err)
		}
	}
	for pass := range 2 {
		seen := 0
		if err := s.View(func(tx *Tx) error {
			return tx.ForEachContact(func(c Contact) error {
				if c.Name != fmt.Sprintf("Client %d", seen) {
					return fmt.Errorf("contact %d reads %q", seen, c.Name)
				}
				seen++
				if seen%500 == 0 {
					return tx.ReleaseMapped()
				}
				return nil
			})
		}); err != nil || seen != n {
			t.Fatalf("pass %d: %d contacts read, %v", pass, seen, err)
		}
		if err := s.ReleaseMapped(); err != nil {
			t.Fatal(err)
		}
	}
}
