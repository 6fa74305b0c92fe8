package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// benchConversation opens a store and a conversation on a fixed clock for
// the answer benchmarks. It meets no real peer, so the clock is safe.
func benchConversation(b *testing.B) (*store.Store, *Conversation, time.Time) {
	b.Helper()
	now := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "npsd.db"), Now: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		b.Fatal(err)
	}
	cv, err := NewConversation(st, ConversationOptions{
		Owners: []string{"marie@example.fr"}, Webhooks: []string{"https://shop.example.fr/nps"},
		Business:  templates.Business{Name: "Boulangerie Martin"},
		Templates: tpl, Now: clock, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	return st, cv, now
}

// benchSurveyed stores a contact whose survey went out by SMS an hour ago.
func benchSurveyed(b *testing.B, st *store.Store, now time.Time, phone string) store.Contact {
	b.Helper()
	ctx := context.Background()
	c, _, err := st.UpsertContact(ctx, store.Contact{Name: "Gaëtan", Phone: phone})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "quarterly", Channel: store.ChannelSMS, State: store.SurveySent, Sent: now.Add(-time.Hour)})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkAnswerAmongCases answers a survey with a score, a promoter's
// and a detractor's in turn (a case opened, the owners alerted), the shop's
// webhook queued, while the store holds n other open cases: the cost of an
// answer, flat from 0 to 100,000 cases.
func BenchmarkAnswerAmongCases(b *testing.B) {
	for _, n := range []int{0, 1_000, 100_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			st, cv, now := benchConversation(b)
			ctx := context.Background()
			other := benchSurveyed(b, st, now, "+15145550100")
			for done := 0; done < n; done += 10_000 {
				if err := st.Update(ctx, func(tx *store.Tx) error {
					for range min(10_000, n-done) {
						if _, err := tx.PutCase(store.Case{ContactID: other.ID, Score: 2, Opened: now, Due: now.Add(48 * time.Hour), Assignee: "marie@example.fr"}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				phone := fmt.Sprintf("+1514556%04d", i)
				benchSurveyed(b, st, now, phone)
				b.StartTimer()
				text := "9, toujours un plaisir"
				if i%2 == 0 {
					text = "3, le pain était rassis"
				}
				out, err := cv.Handle(ctx, Incoming{Key: "bench-" + phone, Channel: store.ChannelSMS, From: phone, Text: text, Reply: ParseText(text)})
				if err != nil || out.Scored == nil {
					b.Fatalf("answer %d: %+v, %v", i, out, err)
				}
			}
		})
	}
}

// BenchmarkCommentAfterMessages adds a comment from a contact who has
// already sent m messages about their survey, each answered by the outbox
// (its jobs sent, as the dispatcher would): the cost of their next
// message, flat from 1 to 1,000 messages.
func BenchmarkCommentAfterMessages(b *testing.B) {
	for _, m := range []int{1, 100, 1_000} {
		b.Run(fmt.Sprintf("messages=%d", m), func(b *testing.B) {
			st, cv, now := benchConversation(b)
			ctx := context.Background()
			c := benchSurveyed(b, st, now, "+15145550101")
			send := func(i int, text string) {
				out, err := cv.Handle(ctx, Incoming{Key: fmt.Sprintf("msg-%d", i), Channel: store.ChannelSMS, From: c.Phone, Text: text, Reply: ParseText(text)})
				if err != nil || out.Duplicate {
					b.Fatalf("message %d: %+v, %v", i, out, err)
				}
			}
			for i := range m {
				text := fmt.Sprintf("Encore une remarque, la numéro %d", i)
				if i%10 == 0 {
					text = fmt.Sprint(i / 10 % 11)
				}
				send(i, text)
				markSent(b, st, c.ID)
			}
			i := m
			for b.Loop() {
				i++
				send(i, fmt.Sprintf("Et puis aussi la remarque %d", i))
			}
		})
	}
}

// markSent does what the dispatcher would: every job waiting for the
// contact goes out.
func markSent(b *testing.B, st *store.Store, id store.ContactID) {
	b.Helper()
	if err := st.Update(context.Background(), func(tx *store.Tx) error {
		jobs, err := tx.JobsOf(id)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.State != store.JobPending {
				continue
			}
			j.State = store.JobSent
			if _, err := tx.UpdateJob(j); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}
