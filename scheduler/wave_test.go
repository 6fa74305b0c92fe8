package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/sendwindow"
	"github.com/npsd/npsd/store"
)

// errStopped stands for a crash: the write it fails is not kept.
var errStopped = errors.New("stopped before the commit")

// stopAfter lets its first n writes through and fails every later one
// after running it, as a process killed before the commit would: nothing
// of that write is kept. A negative n stops nothing; writes counts them.
type stopAfter struct {
	*store.Store
	n      int
	writes int
}

func (s *stopAfter) Update(ctx context.Context, fn func(*store.Tx) error) error {
	s.writes++
	if s.n < 0 || s.writes <= s.n {
		return s.Store.Update(ctx, fn)
	}
	return s.Store.Update(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errStopped
	})
}

// The wave tests run on a business in UTC whose quarterly wave is at 08:00.
var (
	waveStart = time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	wave      = Campaign{Name: "quarterly", Schedule: "0 8 1 1,4,7,10 *", Spread: 72 * time.Hour, Segment: map[string]string{"city": "Lyon"}}
)

const wavePeriod = "2026-10-01T08:00"

// openWave returns a scheduler whose send window is always open and which
// surveys by email only, so that each due time is the contact's place in
// the spread, with batch contacts per write.
func openWave(t *testing.T, st Store, clk *clock, batch int) *Scheduler {
	t.Helper()
	always := sendwindow.Window{Start: 0, End: 24 * time.Hour}
	for d := range always.Days {
		always.Days[d] = true
	}
	s, err := New(st, Options{
		Campaigns: []Campaign{wave},
		Rules: Rules{
			Channels: []store.Channel{store.ChannelEmail},
			Timing:   sendwindow.Timing{Window: always, Business: time.UTC},
		},
		Now:    clk.now,
		Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.batch = batch
	return s
}

// seedWave stores the contacts numbered from to from+n-1: one in ten
// lives in Paris (outside the segment), one in ten has only a phone, on
// which it opted out; the rest may be surveyed.
func seedWave(t testing.TB, st *store.Store, from, n int) {
	t.Helper()
	for lo := from; lo < from+n; lo += 1000 {
		err := st.Update(context.Background(), func(tx *store.Tx) error {
			for i := lo; i < min(lo+1000, from+n); i++ {
				c := store.Contact{Email: fmt.Sprintf("w%d@example.com", i), Attributes: map[string]string{"city": "Lyon"}}
				switch {
				case i%10 == 3:
					c.Attributes["city"] = "Paris"
				case i%10 == 7:
					c.Email, c.Phone = "", fmt.Sprintf("+336%08d", i)
				case i%4 == 0:
					c.Phone = fmt.Sprintf("+336%08d", i)
				}
				if i%3 == 1 {
					c.TimeZone = "America/Toronto"
				}
				c, _, err := tx.UpsertContact(c)
				if err != nil {
					return err
				}
				if i%10 == 7 {
					if err := tx.SetChannelStatus(c.ID, store.ChannelSMS, store.ChannelStatus{State: store.ChannelOptedOut, Reason: "STOP"}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// eligibleOf counts the contacts of seedWave from to from+n-1 that may be
// surveyed.
func eligibleOf(from, n int) int {
	count := 0
	for i := from; i < from+n; i++ {
		if i%10 != 3 && i%10 != 7 {
			count++
		}
	}
	return count
}

func periodOf(t *testing.T, st *store.Store, campaign, period string) store.CampaignPeriod {
	t.Helper()
	var p store.CampaignPeriod
	st.View(func(tx *store.Tx) (err error) {
		p, _, err = tx.CampaignPeriod(campaign, period)
		return err
	})
	return p
}

// checkWave checks that each contact has at most one survey, that want
// contacts have one, and that their due times are the places of the spread
// in contact order, counted from start and cut for eligible contacts.
func checkWave(t *testing.T, st *store.Store, start time.Time, eligible, want int) {
	t.Helper()
	due := map[store.ContactID]time.Time{}
	st.View(func(tx *store.Tx) error {
		return tx.ForEachSurvey(func(sv store.Survey) error {
			if _, twice := due[sv.ContactID]; twice {
				t.Errorf("contact %s has two surveys", sv.ContactID)
			}
			due[sv.ContactID] = sv.Due
			return nil
		})
	})
	if len(due) != want {
		t.Errorf("%d contacts have a survey, want %d", len(due), want)
	}
	if jobs := len(jobsOf(t, st)); jobs != want {
		t.Errorf("%d jobs, want %d", jobs, want)
	}
	ids := slices.Sorted(func(yield func(store.ContactID) bool) {
		for id := range due {
			if !yield(id) {
				return
			}
		}
	})
	step := wave.Spread / time.Duration(eligible)
	for i, id := range ids {
		if want := start.Add(step * time.Duration(min(i, eligible-1))); !due[id].Equal(want) {
			t.Errorf("contact %s (place %d) due %s, want %s", id, i, due[id], want)
			return
		}
	}
}

// TestWaveInBatches plans a wave of thousands of contacts in many small
// transactions: everyone eligible once, each at their place in the spread,
// and the period recorded as done.
func TestWaveInBatches(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: waveStart}
	st := openStore(t, clk.now)
	const n, batch = 3000, 250
	seedWave(t, st, 0, n)
	counting := &stopAfter{Store: st, n: -1}
	s := openWave(t, counting, clk, batch)

	p, err := s.Plan(ctx, wave.Name, false)
	want := eligibleOf(0, n)
	if err != nil || p.Queued != want || p.Resumed || p.Period != wavePeriod {
		t.Fatalf("plan = %+v, %v; want %d queued", p, err, want)
	}
	if got, wantSkipped := fmt.Sprint(p.Skipped), fmt.Sprint(map[string]int{ReasonSegment: n / 10, ReasonNoAddress: n / 10}); got != wantSkipped {
		t.Errorf("skipped %s, want %s", got, wantSkipped)
	}
	if counting.writes != n/batch {
		t.Errorf("%d write transactions, want %d", counting.writes, n/batch)
	}
	rec := periodOf(t, st, wave.Name, wavePeriod)
	if rec.InProgress || rec.Queued != want || rec.Eligible != want || rec.Cursor != n || fmt.Sprint(rec.Skipped) != fmt.Sprint(p.Skipped) {
		t.Errorf("period record = %+v", rec)
	}
	checkWave(t, st, waveStart, want, want)
	if !p.FirstDue.Equal(waveStart) || !p.LastDue.Equal(waveStart.Add(wave.Spread/time.Duration(want)*time.Duration(want-1))) {
		t.Errorf("first due %s, last due %s", p.FirstDue, p.LastDue)
	}

	// A period fully planned plans nothing, for real or in a dry run.
	clk.set(waveStart.Add(day(1)))
	for _, dry := range []bool{true, false} {
		again, err := s.Plan(ctx, wave.Name, dry)
		if err != nil || !again.AlreadyPlanned || again.Queued != 0 {
			t.Errorf("plan again (dry run %v) = %+v, %v", dry, again, err)
		}
	}
	checkWave(t, st, waveStart, want, want)
}

// TestWaveResumesWhereItStopped kills a wave's planning in its fourth
// batch. What the three committed batches planned stays; the next run of
// the period, later, goes on from the cursor: everyone once, the spread
// places going on from where they stopped, counted from the wave's start.
func TestWaveResumesWhereItStopped(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: waveStart}
	st := openStore(t, clk.now)
	const n, batch = 2000, 150
	seedWave(t, st, 0, n)
	want := eligibleOf(0, n)

	if _, err := openWave(t, &stopAfter{Store: st, n: 3}, clk, batch).Plan(ctx, wave.Name, false); !errors.Is(err, errStopped) {
		t.Fatalf("stopped plan: %v", err)
	}
	rec := periodOf(t, st, wave.Name, wavePeriod)
	if !rec.InProgress || rec.Cursor != 3*batch || rec.Queued != eligibleOf(0, 3*batch) || rec.Eligible != want || !rec.Planned.Equal(waveStart) {
		t.Fatalf("period record after the stop = %+v", rec)
	}
	checkWave(t, st, waveStart, want, rec.Queued)

	clk.set(waveStart.Add(2 * time.Hour))
	s := openWave(t, st, clk, batch)
	dry, err := s.Plan(ctx, wave.Name, true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(ctx, wave.Name, false)
	if err != nil || !p.Resumed || p.Queued != want-rec.Queued {
		t.Fatalf("resumed plan = %+v, %v; want %d queued", p, err, want-rec.Queued)
	}
	if !dry.Resumed || dry.Queued != p.Queued || fmt.Sprint(dry.Skipped) != fmt.Sprint(p.Skipped) || !dry.FirstDue.Equal(p.FirstDue) || !dry.LastDue.Equal(p.LastDue) {
		t.Errorf("dry run of the resumption = %+v; the resumption = %+v", dry, p)
	}
	checkWave(t, st, waveStart, want, want)
	if rec := periodOf(t, st, wave.Name, wavePeriod); rec.InProgress || rec.Queued != want || rec.Skipped[ReasonSegment] != n/10 {
		t.Errorf("period record at the end = %+v", rec)
	}
	if again, err := s.Plan(ctx, wave.Name, false); err != nil || !again.AlreadyPlanned {
		t.Errorf("plan after the resumption = %+v, %v", again, err)
	}
}

// TestSweepResumesUnfinishedWave: a daemon killed while planning a wave
// finishes it at its next sweep, though no cron time comes back for that
// period; later sweeps plan nothing more.
func TestSweepResumesUnfinishedWave(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: waveStart}
	st := openStore(t, clk.now)
	const n, batch = 500, 40
	seedWave(t, st, 0, n)
	want := eligibleOf(0, n)
	if _, err := openWave(t, &stopAfter{Store: st, n: 2}, clk, batch).Plan(ctx, wave.Name, false); !errors.Is(err, errStopped) {
		t.Fatalf("stopped plan: %v", err)
	}

	clk.set(waveStart.Add(10 * time.Minute))
	s := openWave(t, st, clk, batch)
	for range 2 {
		s.sweep(ctx)
		checkWave(t, st, waveStart, want, want)
	}
	if rec := periodOf(t, st, wave.Name, wavePeriod); rec.InProgress || rec.Queued != want {
		t.Errorf("period record after the sweep = %+v", rec)
	}
}

// TestWaveCountChangesBetweenPasses: contacts who arrive after the count
// are planned too, at the last place of the spread rather than beyond it.
func TestWaveCountChangesBetweenPasses(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: waveStart}
	st := openStore(t, clk.now)
	seedWave(t, st, 0, 100)
	if _, err := openWave(t, &stopAfter{Store: st, n: 1}, clk, 30).Plan(ctx, wave.Name, false); !errors.Is(err, errStopped) {
		t.Fatalf("stopped plan: %v", err)
	}
	seedWave(t, st, 100, 20)
	p, err := openWave(t, st, clk, 30).Plan(ctx, wave.Name, false)
	counted, all := eligibleOf(0, 100), eligibleOf(0, 120)
	if err != nil || p.Queued != all-eligibleOf(0, 30) {
		t.Fatalf("plan = %+v, %v", p, err)
	}
	if end := waveStart.Add(wave.Spread); p.LastDue.After(end) {
		t.Errorf("last due %s, after the spread's end %s", p.LastDue, end)
	}
	checkWave(t, st, waveStart, counted, all)
}

// TestOldPeriodRecordPlansNothing: a period recorded before waves were
// planned in batches (no progress fields) was planned in full.
func TestOldPeriodRecordPlansNothing(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: waveStart}
	st := openStore(t, clk.now)
	seedWave(t, st, 0, 50)
	err := st.Update(ctx, func(tx *store.Tx) error {
		return tx.PutCampaignPeriod(store.CampaignPeriod{Campaign: wave.Name, Period: wavePeriod, Queued: 3})
	})
	if err != nil {
		t.Fatal(err)
	}
	s := openWave(t, st, clk, 10)
	for _, dry := range []bool{true, false} {
		if p, err := s.Plan(ctx, wave.Name, dry); err != nil || !p.AlreadyPlanned {
			t.Errorf("plan (dry run %v) = %+v, %v", dry, p, err)
		}
	}
	s.sweep(ctx)
	if jobs := jobsOf(t, st); len(jobs) != 0 {
		t.Errorf("%d jobs queued for a period planned before", len(jobs))
	}
}

// TestDryRunCountsEqualRealRun: a dry run reads what a real run writes, in
// batches, on the same store: the same queued, skipped and moved counts,
// the same first and last due times.
func TestDryRunCountsEqualRealRun(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: at(paris, 2026, 10, 1, 10, 0)}
	st := openStore(t, clk.now)
	const n = 3000
	seedWave(t, st, 0, n)
	// Some were asked lately, some have a survey under way.
	err := st.Update(ctx, func(tx *store.Tx) error {
		for i := 0; i < n; i += 13 {
			sv := store.Survey{ContactID: store.ContactID(i + 1), Campaign: "after-purchase", Channel: store.ChannelSMS, State: store.SurveyAnswered, Sent: clk.now().Add(-day(30))}
			if i%26 == 0 {
				sv.State, sv.Sent = store.SurveyPending, time.Time{}
			}
			if _, err := tx.PutSurvey(sv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, st, clk, paris, Campaign{Name: "quarterly", Schedule: "0 10 1 1,4,7,10 *", Spread: 72 * time.Hour, Segment: map[string]string{"city": "Lyon"}})
	s.batch = 200
	dry, err := s.Plan(ctx, "quarterly", true)
	if err != nil {
		t.Fatal(err)
	}
	// The listing tells of every contact, and counts as the dry run does.
	var asked []Entry
	listedSkips := map[string]int{}
	listed, err := s.PlanListing(ctx, "quarterly", func(e Entry) {
		if e.Skipped != "" {
			listedSkips[e.Skipped]++
			return
		}
		asked = append(asked, e)
	})
	if err != nil || listed.Queued != dry.Queued || len(asked) != dry.Queued || fmt.Sprint(listedSkips) != fmt.Sprint(dry.Skipped) {
		t.Fatalf("listing: %d asked, skipped %v (%+v, %v); dry run %d, %v", len(asked), listedSkips, listed, err, dry.Queued, dry.Skipped)
	}
	if len(jobsOf(t, st)) != 0 {
		t.Fatal("the dry run queued jobs")
	}
	real, err := s.Plan(ctx, "quarterly", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(real.Skipped) < 4 || len(real.Moved) == 0 {
		t.Fatalf("the test store should skip for several reasons and move due times: %+v", real)
	}
	if dry.Queued != real.Queued || fmt.Sprint(dry.Skipped) != fmt.Sprint(real.Skipped) || fmt.Sprint(dry.Moved) != fmt.Sprint(real.Moved) ||
		!dry.FirstDue.Equal(real.FirstDue) || !dry.LastDue.Equal(real.LastDue) {
		t.Errorf("dry run:\n%+v\nreal run:\n%+v", dry, real)
	}
	if jobs := len(jobsOf(t, st)); jobs != real.Queued {
		t.Errorf("%d jobs for %d queued", jobs, real.Queued)
	}
	// Each contact listed as asked got its survey on the channel and at the
	// time the listing said.
	byContact := map[store.ContactID]store.Job{}
	for _, j := range jobsOf(t, st) {
		byContact[j.ContactID] = j
	}
	for _, e := range asked {
		if j, ok := byContact[e.Contact.ID]; !ok || j.Channel != e.Channel || !j.Due.Equal(e.Due) {
			t.Fatalf("listed %s by %s at %v; the real run queued %+v", e.Contact.ID, e.Channel, e.Due, j)
		}
	}
}

// seedTickets stores 40 contacts and their events, in arrival order: a
// first ticket closed by each, a purchase by some, a ticket closed too long
// ago by some, then a second ticket closed by each (which finds the survey
// the first one queued). It returns the last event's id.
func seedTickets(t *testing.T, st *store.Store, now time.Time) store.EventID {
	t.Helper()
	ctx := context.Background()
	var events []store.Event
	for i := range 40 {
		c := addContact(t, st, store.Contact{Email: fmt.Sprintf("t%d@example.fr", i)})
		events = append(events, store.Event{ContactID: c.ID, Type: "ticket_closed", At: now.Add(-2 * time.Hour)})
		if i%3 == 0 {
			events = append(events, store.Event{ContactID: c.ID, Type: "purchase", At: now.Add(-time.Hour)})
		}
		if i%5 == 0 {
			events = append(events, store.Event{ContactID: c.ID, Type: "ticket_closed", At: now.Add(-day(60))})
		}
	}
	for i := range 40 {
		events = append(events, store.Event{ContactID: store.ContactID(i + 1), Type: "ticket_closed", At: now.Add(-time.Hour)})
	}
	var last store.EventID
	for _, e := range events {
		e, _, err := st.AddEvent(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		last = e.ID
	}
	return last
}

// TestEventsInBatches plans the events since the cursor in batches, each
// with the cursor past its last event: a dry run counts what the real run
// does, and a run stopped part way then resumed plans each event once.
func TestEventsInBatches(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: at(paris, 2026, 11, 23, 15, 0)} // a Monday
	support := Campaign{Name: "support", Event: "ticket_closed", Delay: time.Hour}
	want := map[string]int{ReasonSurveyOpen: 40, ReasonEventTooOld: 8}

	st := openStore(t, clk.now)
	last := seedTickets(t, st, clk.now())
	s := newScheduler(t, st, clk, paris, support)
	s.batch = 7
	dry, err := s.Plan(ctx, "support", true)
	if err != nil || dry.Queued != 40 || fmt.Sprint(dry.Skipped) != fmt.Sprint(want) {
		t.Fatalf("dry run = %+v, %v; want 40 queued, skipped %v", dry, err, want)
	}
	listed := map[string]int{}
	if _, err := s.PlanListing(ctx, "support", func(e Entry) { listed[cmp.Or(e.Skipped, "asked by "+string(e.Channel))]++ }); err != nil ||
		fmt.Sprint(listed) != fmt.Sprint(map[string]int{"asked by email": 40, ReasonSurveyOpen: 40, ReasonEventTooOld: 8}) {
		t.Errorf("listing of the events: %v, %v", listed, err)
	}
	real, err := s.Plan(ctx, "support", false)
	if err != nil || real.Queued != dry.Queued || fmt.Sprint(real.Skipped) != fmt.Sprint(dry.Skipped) || fmt.Sprint(real.Moved) != fmt.Sprint(dry.Moved) ||
		!real.FirstDue.Equal(dry.FirstDue) || !real.LastDue.Equal(dry.LastDue) {
		t.Errorf("real run = %+v, %v; dry run = %+v", real, err, dry)
	}

	// The same events, planned by a run that stops in its fourth batch.
	st = openStore(t, clk.now)
	seedTickets(t, st, clk.now())
	stopped := newScheduler(t, &stopAfter{Store: st, n: 3}, clk, paris, support)
	stopped.batch = 7
	if _, err := stopped.Plan(ctx, "support", false); !errors.Is(err, errStopped) {
		t.Fatalf("stopped plan: %v", err)
	}
	var cursor uint64
	st.View(func(tx *store.Tx) error { cursor = tx.Cursor(eventCursor("support")); return nil })
	if cursor != 3*7 || len(jobsOf(t, st)) == 0 {
		t.Fatalf("after the stop: cursor %d, %d jobs; want the first three batches planned", cursor, len(jobsOf(t, st)))
	}
	s = newScheduler(t, st, clk, paris, support)
	s.batch = 7
	if _, err := s.Plan(ctx, "support", false); err != nil {
		t.Fatal(err)
	}
	perContact := map[store.ContactID]int{}
	for _, j := range jobsOf(t, st) {
		perContact[j.ContactID]++
	}
	for id, n := range perContact {
		if n != 1 {
			t.Errorf("contact %s has %d surveys", id, n)
		}
	}
	st.View(func(tx *store.Tx) error { cursor = tx.Cursor(eventCursor("support")); return nil })
	if len(perContact) != 40 || cursor != uint64(last) {
		t.Errorf("after the resumption: %d contacts surveyed, cursor %d; want 40 and %d", len(perContact), cursor, last)
	}
	if p, err := s.Plan(ctx, "support", false); err != nil || p.Queued != 0 || len(p.Skipped) != 0 {
		t.Errorf("nothing new: %+v, %v", p, err)
	}
}
