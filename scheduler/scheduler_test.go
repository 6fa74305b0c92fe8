package scheduler

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/sendwindow"
	"github.com/npsd/npsd/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func quiet() *slog.Logger        { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func day(n int) time.Duration    { return time.Duration(n) * 24 * time.Hour }
func at(loc *time.Location, y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, loc)
}

func openStore(t testing.TB, now func() time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Now: now, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newScheduler(t testing.TB, st Store, clk *clock, business *time.Location, campaigns ...Campaign) *Scheduler {
	t.Helper()
	s, err := New(st, Options{
		Campaigns: campaigns,
		Rules: Rules{
			Channels:       []store.Channel{store.ChannelSMS, store.ChannelEmail},
			MinDaysBetween: 90,
			Timing:         sendwindow.Timing{Window: sendwindow.DefaultWindow(), Business: business},
		},
		ReminderAfter: 72 * time.Hour,
		ExpireAfter:   day(14),
		Now:           clk.now,
		Logger:        quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func addContact(t *testing.T, st *store.Store, c store.Contact) store.Contact {
	t.Helper()
	c, _, err := st.UpsertContact(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jobsOf(t *testing.T, st *store.Store) []store.Job {
	t.Helper()
	var jobs []store.Job
	st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error { jobs = append(jobs, j); return nil })
	})
	return jobs
}

func TestPlanWave(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	// Thursday 2026-10-01 10:00, the quarterly wave's own time.
	clk := &clock{t: at(paris, 2026, 10, 1, 10, 0)}
	st := openStore(t, clk.now)
	s := newScheduler(t, st, clk, paris, Campaign{Name: "quarterly", Schedule: "0 10 1 1,4,7,10 *", Spread: 72 * time.Hour, Segment: map[string]string{"city": "Lyon"}})

	sms := addContact(t, st, store.Contact{Name: "Sam", Phone: "+33612345678", Email: "sam@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	mail := addContact(t, st, store.Contact{Name: "Emma", Email: "emma@example.fr", Attributes: map[string]string{"city": "lyon"}})
	// Opted out of SMS: falls back to email.
	fallback := addContact(t, st, store.Contact{Name: "Fab", Phone: "+33611111111", Email: "fab@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	optedOut := addContact(t, st, store.Contact{Phone: "+33622222222", Attributes: map[string]string{"city": "Lyon"}})
	addContact(t, st, store.Contact{Email: "paris@example.fr", Attributes: map[string]string{"city": "Paris"}})
	recent := addContact(t, st, store.Contact{Email: "recent@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	open := addContact(t, st, store.Contact{Email: "open@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	longAgo := addContact(t, st, store.Contact{Email: "old@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	st.Update(ctx, func(tx *store.Tx) error {
		tx.SetChannelStatus(fallback.ID, store.ChannelSMS, store.ChannelStatus{State: store.ChannelOptedOut, Reason: "STOP"})
		tx.SetChannelStatus(optedOut.ID, store.ChannelSMS, store.ChannelStatus{State: store.ChannelOptedOut, Reason: "STOP"})
		for _, sv := range []store.Survey{
			{ContactID: recent.ID, Campaign: "after-purchase", Channel: store.ChannelEmail, State: store.SurveyAnswered, Sent: clk.now().Add(-day(30))},
			{ContactID: open.ID, Campaign: "after-purchase", Channel: store.ChannelEmail, State: store.SurveyPending},
			{ContactID: longAgo.ID, Campaign: "quarterly", Channel: store.ChannelEmail, State: store.SurveyExpired, Sent: clk.now().Add(-day(120))},
		} {
			if _, err := tx.PutSurvey(sv); err != nil {
				return err
			}
		}
		return nil
	})

	dry, err := s.Plan(ctx, "quarterly", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobsOf(t, st)) != 0 {
		t.Fatal("dry run queued jobs")
	}
	plan, err := s.Plan(ctx, "quarterly", false)
	if err != nil {
		t.Fatal(err)
	}
	wantSkipped := map[string]int{ReasonSegment: 1, ReasonOptedOut: 1, ReasonRecentlySurveyed: 1, ReasonSurveyOpen: 1}
	for _, p := range []Plan{dry, plan} {
		if p.Queued != 4 || p.Period != "2026-10-01T10:00" || fmt.Sprint(p.Skipped) != fmt.Sprint(wantSkipped) {
			t.Errorf("plan (dry run %v) = queued %d, period %s, skipped %v; want 4, 2026-10-01T10:00, %v", p.DryRun, p.Queued, p.Period, p.Skipped, wantSkipped)
		}
	}
	jobs := jobsOf(t, st)
	channels := map[store.ContactID]store.Channel{}
	for _, j := range jobs {
		channels[j.ContactID] = j.Channel
		local := j.Due.In(paris)
		if h := local.Hour(); h < 9 || h >= 19 || local.Weekday() == time.Sunday {
			t.Errorf("job %s due %s: outside the window", j.ID, local)
		}
		if j.Due.Before(clk.now()) || j.Due.After(clk.now().Add(72*time.Hour+day(2))) {
			t.Errorf("job %s due %s: not within the spread", j.ID, local)
		}
	}
	if channels[sms.ID] != store.ChannelSMS || channels[mail.ID] != store.ChannelEmail || channels[fallback.ID] != store.ChannelEmail || channels[longAgo.ID] != store.ChannelEmail {
		t.Errorf("channels = %v", channels)
	}
	if !plan.LastDue.After(plan.FirstDue) {
		t.Errorf("the wave is not spread: first %s, last %s", plan.FirstDue, plan.LastDue)
	}

	// The same period again, a day later (a restart, a manual run): nothing.
	clk.set(clk.now().Add(day(1)))
	again, err := s.Plan(ctx, "quarterly", false)
	if err != nil || !again.AlreadyPlanned || again.Queued != 0 || len(jobsOf(t, st)) != 4 {
		t.Errorf("second plan of the period = %+v, %v; jobs %d", again, err, len(jobsOf(t, st)))
	}
}

// TestFallBackDoubleRun: robfig/cron runs a 01:30 job twice on the night
// clocks fall back. The second run is the same period and plans nothing.
func TestFallBackDoubleRun(t *testing.T) {
	ctx := context.Background()
	toronto, _ := time.LoadLocation("America/Toronto")
	first := time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC) // 01:30 EDT
	second := first.Add(time.Hour)                         // 01:30 EST
	if a, b := first.In(toronto).Format("15:04"), second.In(toronto).Format("15:04"); a != "01:30" || b != "01:30" {
		t.Fatalf("test setup: %s and %s are not both 01:30", a, b)
	}
	clk := &clock{t: first}
	st := openStore(t, clk.now)
	s := newScheduler(t, st, clk, toronto, Campaign{Name: "nightly", Schedule: "30 1 * * *"})
	addContact(t, st, store.Contact{Email: "a@example.com"})
	p1, err := s.Plan(ctx, "nightly", false)
	if err != nil || p1.Queued != 1 {
		t.Fatalf("first run: %+v %v", p1, err)
	}
	clk.set(second)
	p2, err := s.Plan(ctx, "nightly", false)
	if err != nil || !p2.AlreadyPlanned || p2.Period != p1.Period {
		t.Fatalf("second run at fall-back: %+v %v (first period %s)", p2, err, p1.Period)
	}
}

func TestPlanEvents(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: at(paris, 2026, 11, 23, 15, 0)} // a Monday
	st := openStore(t, clk.now)
	s := newScheduler(t, st, clk, paris,
		Campaign{Name: "after-purchase", Event: "purchase", FirstOnly: true, Delay: 72 * time.Hour},
		Campaign{Name: "support", Event: "ticket_closed", FirstOnly: false, Delay: time.Hour},
	)
	first := addContact(t, st, store.Contact{Email: "first@example.fr"})
	repeat := addContact(t, st, store.Contact{Email: "repeat@example.fr"})
	old := addContact(t, st, store.Contact{Email: "old@example.fr"})
	for _, e := range []store.Event{
		{ContactID: first.ID, Type: "purchase", At: clk.now().Add(-time.Hour)},
		{ContactID: repeat.ID, Type: "purchase", At: clk.now().Add(-day(60))},
		{ContactID: repeat.ID, Type: "purchase", At: clk.now().Add(-time.Hour)},
		{ContactID: old.ID, Type: "purchase", At: clk.now().Add(-day(365))},
		{ContactID: first.ID, Type: "ticket_closed", At: clk.now()},
	} {
		if _, _, err := st.AddEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.Plan(ctx, "after-purchase", false)
	if err != nil {
		t.Fatal(err)
	}
	// repeat's 60-day-old first purchase is too old; the recent one is not a first.
	want := map[string]int{ReasonEventTooOld: 2, ReasonNotFirstEvent: 1}
	if p.Queued != 1 || fmt.Sprint(p.Skipped) != fmt.Sprint(want) {
		t.Errorf("after-purchase: queued %d, skipped %v; want 1, %v", p.Queued, p.Skipped, want)
	}
	// Due three days after the purchase: Thursday 14:00.
	if want := at(paris, 2026, 11, 26, 14, 0); !p.FirstDue.Equal(want) {
		t.Errorf("due %s, want %s", p.FirstDue.In(paris), want)
	}
	// Looking again finds nothing new.
	if p, _ := s.Plan(ctx, "after-purchase", false); p.Queued != 0 || len(p.Skipped) != 0 {
		t.Errorf("second look: %+v", p)
	}
	// The support campaign sees the same contact, who now has an open survey.
	p, err = s.Plan(ctx, "support", false)
	if err != nil || p.Queued != 0 || p.Skipped[ReasonSurveyOpen] != 1 {
		t.Errorf("support: %+v %v", p, err)
	}
	// A new purchase by a new customer is picked up.
	fresh := addContact(t, st, store.Contact{Email: "fresh@example.fr"})
	st.AddEvent(ctx, store.Event{ContactID: fresh.ID, Type: "purchase", At: clk.now()})
	if p, _ := s.Plan(ctx, "after-purchase", false); p.Queued != 1 {
		t.Errorf("new event: %+v", p)
	}
}

func TestRemindAndExpire(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: at(paris, 2026, 11, 23, 10, 0)}
	st := openStore(t, clk.now)
	s := newScheduler(t, st, clk, paris)
	a := addContact(t, st, store.Contact{Phone: "+33612345678"})
	b := addContact(t, st, store.Contact{Email: "b@example.fr"})
	c := addContact(t, st, store.Contact{Email: "c@example.fr"})
	var svA store.Survey
	st.Update(ctx, func(tx *store.Tx) (err error) {
		svA, err = tx.PutSurvey(store.Survey{ContactID: a.ID, Campaign: "q", Channel: store.ChannelSMS, State: store.SurveySent, Sent: clk.now().Add(-80 * time.Hour)})
		if err != nil {
			return err
		}
		if _, err = tx.PutSurvey(store.Survey{ContactID: b.ID, Campaign: "q", Channel: store.ChannelEmail, State: store.SurveySent, Sent: clk.now().Add(-day(15))}); err != nil {
			return err
		}
		_, err = tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "q", Channel: store.ChannelEmail, State: store.SurveySent, Sent: clk.now().Add(-time.Hour)})
		return err
	})
	res, err := s.SweepSurveys(ctx)
	if err != nil || res.Reminded != 1 || res.Expired != 1 {
		t.Fatalf("sweep = %+v %v, want one reminder and one expiry", res, err)
	}
	jobs := jobsOf(t, st)
	if len(jobs) != 1 || jobs[0].Kind != store.JobReminder || jobs[0].SurveyID != svA.ID || jobs[0].Channel != store.ChannelSMS {
		t.Fatalf("jobs = %+v", jobs)
	}
	// One reminder only, however often the sweep runs.
	clk.set(clk.now().Add(day(1)))
	if res, _ := s.SweepSurveys(ctx); res.Reminded != 0 {
		t.Errorf("second sweep reminded again: %+v", res)
	}
	st.View(func(tx *store.Tx) error {
		sv, _ := tx.Survey(2)
		if sv.State != store.SurveyExpired {
			t.Errorf("survey 2 = %s, want expired", sv.State)
		}
		return nil
	})
}

func TestNewRejectsBadCampaigns(t *testing.T) {
	st := openStore(t, time.Now)
	clk := &clock{t: time.Now()}
	for _, c := range []Campaign{
		{Name: "x"},
		{Name: "x", Schedule: "0 10 * * *", Event: "purchase"},
		{Name: "x", Schedule: "0 10 1 1,4,7,10"},
		{Name: "x", Schedule: "TZ=Europe/Paris 0 10 * * *"},
	} {
		_, err := New(st, Options{Campaigns: []Campaign{c}, Rules: Rules{Channels: []store.Channel{store.ChannelEmail}}, Now: clk.now})
		if err == nil {
			t.Errorf("campaign %+v accepted", c)
		}
	}
}

// TestUnknownSendersAreKeptForABoundedTime: a message from nobody npsd knows
// is kept for the owner 90 days, then deleted; a message from a customer
// stays.
func TestUnknownSendersAreKeptForABoundedTime(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	start := at(paris, 2026, 11, 23, 10, 0)
	clk := &clock{t: start}
	st := openStore(t, clk.now)
	s := newScheduler(t, st, clk, paris)
	ann := addContact(t, st, store.Contact{Name: "Ann", Email: "ann@example.fr"})
	ctx := context.Background()
	err := st.Update(ctx, func(tx *store.Tx) error {
		for i, m := range []store.InboundMessage{
			{Key: "twilio:SMstranger", From: "+33600000000", Body: "c'est qui ?", Received: start, UnknownSender: true, NeedsOwner: true},
			{Key: "email:ann-1@example.fr", From: "ann@example.fr", Body: "9", Received: start, ContactID: ann.ID},
			{Key: "email:stranger-2@example.net", From: "x@example.net", Body: "later", Received: start.Add(day(30)), UnknownSender: true, NeedsOwner: true},
		} {
			if err := tx.PutInbound(m); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kept := func() []string {
		var keys []string
		st.View(func(tx *store.Tx) error {
			return tx.ForEachInbound(func(m store.InboundMessage) error { keys = append(keys, m.Key); return nil })
		})
		return keys
	}
	clk.set(start.Add(day(89)))
	if n, err := s.SweepUnknownSenders(ctx); err != nil || n != 0 {
		t.Fatalf("after 89 days: %d deleted, %v", n, err)
	}
	clk.set(start.Add(day(91)))
	if n, err := s.SweepUnknownSenders(ctx); err != nil || n != 1 {
		t.Fatalf("after 91 days: %d deleted, %v; want the first stranger's", n, err)
	}
	if got := kept(); len(got) != 2 || slices.Contains(got, "twilio:SMstranger") {
		t.Errorf("kept after 91 days: %v", got)
	}
	var owner int
	st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(store.InboundMessage) error { owner++; return nil })
	})
	if owner != 1 {
		t.Errorf("%d messages listed for the owner, want the later stranger's only", owner)
	}
}

// TestAnsweredInPersonCountsAsAsked: a survey answered by phone or at the
// counter was never sent; it was asked when it was answered, and the next
// wave leaves the customer alone as after any other survey.
func TestAnsweredInPersonCountsAsAsked(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	r := Rules{Channels: []store.Channel{store.ChannelEmail}, MinDaysBetween: 90}
	c := store.Contact{ID: 1, Email: "lea@example.fr"}
	inPerson := store.Survey{ID: 1, ContactID: 1, Channel: store.ChannelCounter, State: store.SurveyAnswered, Answered: now.AddDate(0, 0, -10)}
	if _, reason := r.decide(c, []store.Survey{inPerson}, nil, now); reason != ReasonRecentlySurveyed {
		t.Errorf("10 days after an answer at the counter: reason %q, want %q", reason, ReasonRecentlySurveyed)
	}
	inPerson.Answered = now.AddDate(0, 0, -91)
	if ch, reason := r.decide(c, []store.Survey{inPerson}, nil, now); reason != "" || ch != store.ChannelEmail {
		t.Errorf("91 days after: %q %q, want asked by email", ch, reason)
	}
	// A survey that was sent is judged by when it was sent, answered or not.
	sent := store.Survey{ID: 2, ContactID: 1, Channel: store.ChannelEmail, State: store.SurveyAnswered, Sent: now.AddDate(0, 0, -100), Answered: now.AddDate(0, 0, -30)}
	if _, reason := r.decide(c, []store.Survey{sent}, nil, now); reason != "" {
		t.Errorf("100 days after a survey answered 30 days ago: %q, want asked", reason)
	}
}
