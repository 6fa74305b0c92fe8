package store

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store/record"
)

// TestFunnelCountsEachStageOnce follows surveys through the funnel's
// stages and reads the counts back by hour, as the store keeps them and
// as migration 8 builds them for a store written before it.
func TestFunnelCountsEachStageOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	s, err := Open(Options{Path: path, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "ann@example.fr", Phone: "+33612345678"})
	err = s.Update(ctx, func(tx *Tx) error {
		for i, ch := range []Channel{ChannelSMS, ChannelSMS, ChannelEmail} {
			sv, err := tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "q", Channel: ch})
			if err != nil {
				return err
			}
			if sv, err = tx.MoveSurvey(sv, SurveyInflight); err != nil {
				return err
			}
			sv.Sent = now.Add(time.Hour)
			if sv, err = tx.MoveSurvey(sv, SurveySent); err != nil {
				return err
			}
			if i == 0 {
				sv.Delivered = now.Add(time.Hour + time.Minute)
				sv.Opened = now.Add(2 * time.Hour)
				sv.Answered, sv.ResponseID = now.Add(2*time.Hour), 99
				if sv, err = tx.MoveSurvey(sv, SurveyAnswered); err != nil {
					return err
				}
				// A new score moves Answered on: still one answer.
				sv.Answered = now.Add(3 * time.Hour)
				if _, err := tx.PutSurvey(sv); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(s *Store, from, to time.Time) string {
		got := map[string]uint64{}
		if err := s.View(func(tx *Tx) error {
			return tx.FunnelBetween(from, to, func(c record.FunnelCount) error {
				if c.Campaign != "q" {
					t.Errorf("count %+v: campaign lost", c)
				}
				got[fmt.Sprintf("%s %s %02d", c.Channel, c.Stage, c.Hour.Hour())] += c.N
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(got)
	}
	day := now.Truncate(24 * time.Hour)
	want := "map[email planned 09:1 email sent 10:1 sms answered 11:1 sms clicked 11:1 sms delivered 10:1 sms planned 09:2 sms sent 10:2]"
	if got := read(s, day, day.Add(24*time.Hour)); got != want {
		t.Errorf("funnel of the day:\n got %s\nwant %s", got, want)
	}
	if got := read(s, now.Add(time.Hour), now.Add(2*time.Hour)); got != "map[email sent 10:1 sms delivered 10:1 sms sent 10:2]" {
		t.Errorf("funnel of 10:30-11:30 (hours 10 only): %s", got)
	}
	s.Close()

	// As a store of schema 7 left it: no funnel; migration 8 counts the
	// surveys it finds, each stage once.
	asSchema(t, path, 7, bucketFunnel)
	if s, err = Open(Options{Path: path, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A survey whose score changed keeps only its latest answer's time:
	// the migration counts the answer then, in the same day.
	want = strings.Replace(want, "sms answered 11:1", "sms answered 12:1", 1)
	if got := read(s, day, day.Add(24*time.Hour)); got != want {
		t.Errorf("funnel after the migration:\n got %s\nwant %s", got, want)
	}
}

// BenchmarkFunnelWeek reads one week's funnel with n surveys in the weeks
// before it: the cost the weekly summary and the dashboard pay, flat from
// 0 to 100,000 surveys of history.
func BenchmarkFunnelWeek(b *testing.B) {
	week := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			clock := week.AddDate(0, 0, -365)
			s, err := Open(Options{Path: filepath.Join(b.TempDir(), "npsd.db"), Now: func() time.Time { return clock }, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			c, _, _ := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
			plant := func(count int) {
				if err := s.Update(ctx, func(tx *Tx) error {
					for range count {
						if _, err := tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "q", Channel: ChannelEmail}); err != nil {
							return err
						}
						clock = clock.Add(time.Minute)
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			for done := 0; done < n; done += 10_000 {
				plant(min(10_000, n-done))
			}
			clock = week.Add(time.Hour)
			plant(20) // the week's own surveys
			b.Run("funnel", func(b *testing.B) {
				for b.Loop() {
					if err := s.View(func(tx *Tx) error {
						return tx.FunnelBetween(week, week.AddDate(0, 0, 7), func(record.FunnelCount) error { return nil })
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// What the summary did before the funnel's counts: read every
			// survey ever stored to find the week's.
			b.Run("scan", func(b *testing.B) {
				for b.Loop() {
					if err := s.View(func(tx *Tx) error { return tx.ForEachSurvey(func(Survey) error { return nil }) }); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
