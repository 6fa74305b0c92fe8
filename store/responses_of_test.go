package store

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// TestResponsesOfReadsOnlyTheContactsResponses checks the index by
// contact, as AddResponse keeps it and as migration 7 builds it for a
// store written before it.
func TestResponsesOfReadsOnlyTheContactsResponses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ann, _, _ := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
	bob, _, _ := s.UpsertContact(ctx, Contact{Email: "bob@example.fr"})
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, c := range []ContactID{ann.ID, bob.ID, ann.ID, bob.ID, bob.ID} {
		if _, _, err := s.AddResponse(ctx, Response{ContactID: c, Score: i + 3, Received: at.Add(time.Duration(i) * time.Hour), Source: SourceImport}); err != nil {
			t.Fatal(err)
		}
	}
	of := func(s *Store, c ContactID) string {
		var scores []int
		if err := s.View(func(tx *Tx) error {
			return tx.ResponsesOf(c, func(r Response) error {
				if r.ContactID != c {
					t.Errorf("response %s of %s given for %s", r.ID, r.ContactID, c)
				}
				scores = append(scores, r.Score)
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(scores)
	}
	if got := of(s, ann.ID) + of(s, bob.ID); got != "[3 5][4 6 7]" {
		t.Errorf("responses of Ann and Bob = %s", got)
	}
	s.Close()

	// As a store of schema 6 left it: no index of responses by contact.
	asSchema(t, path, 6, bucketResponsesByContact)
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := of(s, ann.ID) + of(s, bob.ID); got != "[3 5][4 6 7]" {
		t.Errorf("after the migration, responses of Ann and Bob = %s", got)
	}
}

// BenchmarkResponsesOf reads one contact's two answers among n others':
// what a customer's page and forget pay, flat from 0 to 100,000 answers.
func BenchmarkResponsesOf(b *testing.B) {
	for _, n := range []int{0, 1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s, err := Open(Options{Path: filepath.Join(b.TempDir(), "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			other, _, _ := s.UpsertContact(ctx, Contact{Email: "other@example.fr"})
			me, _, _ := s.UpsertContact(ctx, Contact{Email: "me@example.fr"})
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for done := 0; done < n+2; done += 10_000 {
				if err := s.Update(ctx, func(tx *Tx) error {
					for i := done; i < min(done+10_000, n+2); i++ {
						c := other.ID
						if i == n/2 || i == n+1 {
							c = me.ID
						}
						if _, _, err := tx.AddResponse(Response{ContactID: c, Score: 7, Received: at.Add(time.Duration(i) * time.Minute), Source: SourceImport}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				found := 0
				if err := s.View(func(tx *Tx) error {
					return tx.ResponsesOf(me.ID, func(Response) error { found++; return nil })
				}); err != nil || found != 2 {
					b.Fatalf("%d responses, %v", found, err)
				}
			}
		})
	}
}
