package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// seedResponses stores n responses from 1,000 contacts spread over 5 cities
// and two campaigns, one a minute from 2024-01-01, in transactions of 10,000.
func seedResponses(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	const contacts = 1000
	err := s.Update(ctx, func(tx *Tx) error {
		for i := range contacts {
			if _, _, err := tx.UpsertContact(Contact{
				Email:      fmt.Sprintf("c%d@example.com", i),
				Attributes: map[string]string{"city": fmt.Sprintf("city-%d", i%5)},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const perTx = 10000
	for done := 0; done < n; done += perTx {
		err := s.Update(ctx, func(tx *Tx) error {
			for i := done; i < min(done+perTx, n); i++ {
				if _, _, err := tx.AddResponse(Response{
					ContactID: ContactID(i%contacts + 1),
					Campaign:  []string{"quarterly", "after-purchase"}[i%2],
					Score:     (i * 7) % 11,
					Received:  start.Add(time.Duration(i) * time.Minute),
					Source:    SourceImport,
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTallyMillion measures the report query over 1,000,000 stored
// responses: all of them, grouped by an attribute, and one campaign.
func BenchmarkTallyMillion(b *testing.B) {
	s, err := Open(Options{Path: filepath.Join(b.TempDir(), "npsd.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	const n = 1_000_000
	seedResponses(b, s, n)
	for _, q := range []struct {
		name string
		q    TallyQuery
	}{
		{"all", TallyQuery{}},
		{"by-city", TallyQuery{By: "city"}},
		{"campaign", TallyQuery{Campaign: "quarterly"}},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := s.Tally(q.q)
				if err != nil {
					b.Fatal(err)
				}
				if q.q.Campaign == "" && res.Total.Responses() != n {
					b.Fatalf("counted %d responses, want %d", res.Total.Responses(), n)
				}
			}
		})
	}
}

// BenchmarkCountJobs measures what each /metrics scrape costs: the outbox's
// jobs by state, flat from 1,000 to 100,000 jobs (a year of a busy shop's
// messages), where reading every job's state took 28 ms at 100,000.
func BenchmarkCountJobs(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := openTest(b)
			ctx := context.Background()
			due := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
			for done := 0; done < n; done += 10000 {
				err := s.Update(ctx, func(tx *Tx) error {
					for i := done; i < min(done+10000, n); i++ {
						j, err := tx.EnqueueJob(Job{Kind: "alert", To: "owner@example.fr", Channel: ChannelEmail, Due: due,
							MessageID: fmt.Sprintf("<npsd.%d.abc@example.fr>", i), Payload: Payload{Score: IntPtr(9), Comment: "Très bon accueil, merci"}})
						if err != nil {
							return err
						}
						if i%10 != 0 {
							j.State = JobSent
							j.Attempts = []Attempt{{At: due, MessageID: j.MessageID}}
							if _, err := tx.UpdateJob(j); err != nil {
								return err
							}
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				var counts map[JobState]int
				if err := s.View(func(tx *Tx) (err error) { counts, err = tx.CountJobs(); return err }); err != nil {
					b.Fatal(err)
				}
				if counts[JobSent] != n*9/10 || counts[JobPending] != n/10 {
					b.Fatalf("counts %v", counts)
				}
			}
		})
	}
}
