// Package scheduler owns when and to whom npsd writes: campaign waves on
// cron schedules in the business's time zone, surveys triggered by events,
// the eligibility rules and their named reasons, the send window, and the
// reminder and expiry of unanswered surveys, and when the weekly summary is
// queued (internal/report builds it). It only plans: every decision
// becomes a survey and an outbox job in the store, for the dispatcher.
package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/npsd/npsd/internal/sendwindow"
	"github.com/npsd/npsd/store"
)

// Store is what the scheduler needs of the store.
type Store interface {
	View(fn func(*store.Tx) error) error
	Update(ctx context.Context, fn func(*store.Tx) error) error
}

// Campaign decides who is asked, when. It has either a Schedule (a wave of
// every eligible contact at each cron time) or an Event (one survey per
// triggering event).
type Campaign struct {
	Name     string
	Schedule string // five-field cron spec, in the business time zone
	Event    string // event type, such as "purchase"
	// FirstOnly makes only a contact's first event of that type count.
	FirstOnly bool
	// Delay is how long after the event the survey is due.
	Delay time.Duration
	// Spread stretches a wave over this long, so thousands of contacts do
	// not go out in one minute.
	Spread time.Duration
	// Segment keeps contacts whose attributes have these values.
	Segment map[string]string
}

// Rules are the eligibility rules every campaign shares.
type Rules struct {
	// Channels in order of preference: the first usable one wins.
	Channels []store.Channel
	// MinDaysBetween is the least number of days between two surveys of one
	// contact, by any campaign.
	MinDaysBetween int
	Timing         sendwindow.Timing
	// MaxEventAge drops events whose survey would be overdue by more than
	// this: importing last year's purchases must not survey everyone today.
	// Default 7 days.
	MaxEventAge time.Duration
}

// Options configures New.
type Options struct {
	Campaigns []Campaign
	Rules     Rules
	// ReminderAfter is how long after sending a survey the one reminder is
	// due; zero disables reminders.
	ReminderAfter time.Duration
	// ExpireAfter is how long after sending a survey stops waiting for an
	// answer. Default 14 days.
	ExpireAfter time.Duration
	// Summary is the weekly summary's schedule and recipients.
	Summary SummaryPlan
	// KeepUnknownSenders is how long a message from nobody npsd knows is
	// kept for the owner before it is deleted. Default 90 days.
	KeepUnknownSenders time.Duration
	// CaseURL links a detractor case to its page in reminders; nil for none.
	CaseURL func(store.CaseID) string
	// Tick is how often events, reminders and expiries are looked at.
	// Default one minute.
	Tick   time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Skip and move reasons, as counted in a Plan.
const (
	ReasonSegment          = "segment"
	ReasonOptedOut         = "opted_out"
	ReasonUndeliverable    = "undeliverable"
	ReasonNoAddress        = "no_address"
	ReasonSurveyOpen       = "survey_open"
	ReasonRecentlySurveyed = "recently_surveyed"
	ReasonNotFirstEvent    = "not_first_event"
	ReasonEventTooOld      = "event_too_old"
)

// Scheduler plans campaigns into the outbox.
type Scheduler struct {
	st        Store
	opts      Options
	campaigns map[string]Campaign
	order     []string
	schedules map[string]cron.Schedule
	summary   cron.Schedule // nil: no weekly summary
	log       *slog.Logger
	lastTick  atomic.Int64 // unix nanos of the last sweep
	// batch is how many contacts or events one write transaction of a
	// plan looks at: planBatch, smaller in tests.
	batch int
	// planning is held while a wave is planned for real, so that the
	// sweep does not resume a wave its cron run is planning right now.
	planning sync.Mutex
}

// LastTick is when the periodic sweep last ran; zero before the first.
func (s *Scheduler) LastTick() time.Time {
	if n := s.lastTick.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Timing is the send window and closures the scheduler plans with, for
// the parts that check them again at send time.
func (s *Scheduler) Timing() sendwindow.Timing { return s.opts.Rules.Timing }

// Tick is how often the sweep runs.
func (s *Scheduler) Tick() time.Duration { return s.opts.Tick }

// New checks the campaigns and returns a scheduler; nothing runs until Run.
func New(st Store, opts Options) (*Scheduler, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Minute
	}
	if opts.ExpireAfter <= 0 {
		opts.ExpireAfter = 14 * 24 * time.Hour
	}
	if opts.KeepUnknownSenders <= 0 {
		opts.KeepUnknownSenders = 90 * 24 * time.Hour
	}
	if opts.Rules.MaxEventAge <= 0 {
		opts.Rules.MaxEventAge = 7 * 24 * time.Hour
	}
	if opts.Rules.Timing.Business == nil {
		opts.Rules.Timing.Business = time.UTC
	}
	if len(opts.Rules.Channels) == 0 {
		return nil, errors.New("scheduler: no channel to survey on")
	}
	s := &Scheduler{st: st, opts: opts, campaigns: map[string]Campaign{}, schedules: map[string]cron.Schedule{}, log: opts.Logger, batch: planBatch}
	if opts.Summary.Schedule != "" {
		sched, err := ParseSchedule(opts.Summary.Schedule)
		if err != nil {
			return nil, fmt.Errorf("scheduler: summary: %w", err)
		}
		s.summary = sched
	}
	for _, c := range opts.Campaigns {
		if _, dup := s.campaigns[c.Name]; dup {
			return nil, fmt.Errorf("scheduler: campaign %q is defined twice", c.Name)
		}
		if (c.Schedule == "") == (c.Event == "") {
			return nil, fmt.Errorf("scheduler: campaign %q needs a schedule or an event, not both or neither", c.Name)
		}
		if c.Schedule != "" {
			sched, err := ParseSchedule(c.Schedule)
			if err != nil {
				return nil, fmt.Errorf("scheduler: campaign %q: %w", c.Name, err)
			}
			s.schedules[c.Name] = sched
		}
		s.campaigns[c.Name] = c
		s.order = append(s.order, c.Name)
	}
	return s, nil
}

// ParseSchedule parses a five-field cron spec. robfig/cron panics on some
// malformed specs instead of returning an error, so the parse is guarded.
func ParseSchedule(spec string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("invalid cron spec %q: %v", spec, r)
		}
	}()
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %v (five fields: minute hour day-of-month month day-of-week)", spec, err)
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("invalid cron spec %q: schedules run in business.timezone; remove the TZ= prefix", spec)
	}
	return sched, nil
}

// Plan is the outcome of planning one wave or one sweep of events.
type Plan struct {
	Campaign string
	Period   string
	// AlreadyPlanned is true when this period was planned before: nothing
	// was queued this time.
	AlreadyPlanned bool
	// Resumed is true when this run went on with a wave an earlier run
	// began and did not finish: the counts are this run's only.
	Resumed  bool
	Queued   int
	Skipped  map[string]int // by reason
	Moved    map[string]int // due times moved into the window, by reason
	FirstDue time.Time
	LastDue  time.Time
	DryRun   bool

	// each is told of every contact a listing dry run looks at.
	each func(Entry)
}

// Entry is one contact in the list of a dry run (PlanListing): asked, by
// Channel at Due, or skipped, with the reason in Skipped.
type Entry struct {
	Contact store.Contact
	Channel store.Channel
	Due     time.Time
	Skipped string
}

// skip counts a contact skipped for reason, and lists it in a listing.
func (p *Plan) skip(ct store.Contact, reason string) {
	p.Skipped[reason]++
	if p.each != nil {
		p.each(Entry{Contact: ct, Skipped: reason})
	}
}

func newPlan(campaign, period string, dryRun bool) Plan {
	return Plan{Campaign: campaign, Period: period, Skipped: map[string]int{}, Moved: map[string]int{}, DryRun: dryRun}
}

func (p *Plan) queued(due time.Time) {
	p.Queued++
	if p.FirstDue.IsZero() || due.Before(p.FirstDue) {
		p.FirstDue = due
	}
	if due.After(p.LastDue) {
		p.LastDue = due
	}
}

// add counts a batch's outcome into p.
func (p *Plan) add(b Plan) {
	if b.Queued > 0 {
		if p.Queued == 0 || b.FirstDue.Before(p.FirstDue) {
			p.FirstDue = b.FirstDue
		}
		if b.LastDue.After(p.LastDue) {
			p.LastDue = b.LastDue
		}
	}
	p.Queued += b.Queued
	for reason, n := range b.Skipped {
		p.Skipped[reason] += n
	}
	for reason, n := range b.Moved {
		p.Moved[reason] += n
	}
}

// Campaign returns a campaign by name.
func (s *Scheduler) Campaign(name string) (Campaign, bool) {
	c, ok := s.campaigns[name]
	return c, ok
}

// Campaigns returns the campaign names in config order.
func (s *Scheduler) Campaigns() []string { return append([]string(nil), s.order...) }

// Plan plans a campaign now: a wave for a scheduled campaign (the period
// of its latest cron time), the events not yet looked at for an event
// campaign. With dryRun nothing is written and the counts are what a real
// run would produce.
func (s *Scheduler) Plan(ctx context.Context, name string, dryRun bool) (Plan, error) {
	c, ok := s.campaigns[name]
	if !ok {
		return Plan{}, fmt.Errorf("no campaign named %q (have %s)", name, strings.Join(s.order, ", "))
	}
	now := s.opts.Now()
	if c.Event != "" {
		return s.planEvents(ctx, c, now, dryRun)
	}
	return s.planWave(ctx, c, now, dryRun)
}

// PlanListing is Plan's dry run that also tells each, in the order it
// looks at them, of every contact it would ask (channel, when) or skip
// (why): who a wave would reach, before it is queued.
func (s *Scheduler) PlanListing(ctx context.Context, name string, each func(Entry)) (Plan, error) {
	c, ok := s.campaigns[name]
	if !ok {
		return Plan{}, fmt.Errorf("no campaign named %q (have %s)", name, strings.Join(s.order, ", "))
	}
	now := s.opts.Now()
	var plan Plan
	var err error
	if c.Event != "" {
		plan, err = s.rehearseEvents(c, now, each)
	} else {
		plan, err = s.rehearseWave(c, s.periodOf(c, now), now, each)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", c.Name, err)
	}
	return plan, nil
}

// periodOf names the cron period that contains at: the latest scheduled
// time at or before at, written as the business's wall-clock time. Two runs
// for one period share the name — including the second run robfig/cron
// makes when clocks fall back through the scheduled hour.
func (s *Scheduler) periodOf(c Campaign, at time.Time) string {
	loc := s.opts.Rules.Timing.Business
	if fire, ok := lastFire(s.schedules[c.Name], at.In(loc)); ok {
		return fire.In(loc).Format("2006-01-02T15:04")
	}
	// No scheduled time in the past year (a Feb 29 spec): the day of the
	// run is the period.
	return "manual-" + at.In(loc).Format("2006-01-02")
}

// lastFire finds the latest activation of sched at or before at, looking
// back as little as the schedule needs.
func lastFire(sched cron.Schedule, at time.Time) (time.Time, bool) {
	for _, back := range []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 93 * 24 * time.Hour, 367 * 24 * time.Hour} {
		t := sched.Next(at.Add(-back))
		if t.IsZero() || t.After(at) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.IsZero() || n.After(at) {
				return t, true
			}
			t = n
		}
	}
	return time.Time{}, false
}

type candidate struct {
	contact store.Contact
	channel store.Channel
}

// planBatch is how many contacts (or events) one write transaction of a
// plan looks at. A transaction keeps its dirty pages in memory and every
// other writer (answers, sends) waiting until it commits: a thousand keeps
// both to a few megabytes and milliseconds, while the fsync per batch stays
// small next to the work.
const planBatch = 1000

// errBatchFull stops a walk over the store once a batch has all it takes.
var errBatchFull = errors.New("batch full")

// queueFunc queues one survey at a due time and counts it in plan: for
// real, or only counted in a dry run.
type queueFunc func(plan *Plan, cand candidate, due time.Time) error

// planWave plans the wave of the period that contains at, or finishes it
// when an earlier run stopped part way. Waves are planned one at a time.
func (s *Scheduler) planWave(ctx context.Context, c Campaign, at time.Time, dryRun bool) (Plan, error) {
	if !dryRun {
		s.planning.Lock()
		defer s.planning.Unlock()
	}
	return s.planPeriod(ctx, c, s.periodOf(c, at), at, dryRun)
}

// planPeriod plans one period of a wave: a dry run in one read
// transaction that writes nothing, a real run in batches.
func (s *Scheduler) planPeriod(ctx context.Context, c Campaign, period string, at time.Time, dryRun bool) (Plan, error) {
	var plan Plan
	var err error
	if dryRun {
		plan, err = s.rehearseWave(c, period, at, nil)
	} else {
		plan, err = s.writeWave(ctx, c, period, at)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", c.Name, err)
	}
	return plan, nil
}

// waveRecord returns the period's record: the stored one, or for a period
// not begun a new one, in progress from the first contact, whose Eligible
// counts the contacts the rules let through at at. The spread needs that
// count before the first due time; counting reads one contact at a time
// and keeps none.
func (s *Scheduler) waveRecord(tx *store.Tx, c Campaign, period string, at time.Time) (store.CampaignPeriod, error) {
	rec, ok, err := tx.CampaignPeriod(c.Name, period)
	if err != nil || ok {
		return rec, err
	}
	rec = store.CampaignPeriod{Campaign: c.Name, Period: period, Planned: at, InProgress: true}
	looked := 0
	err = tx.ForEachContact(func(ct store.Contact) error {
		if err := releaseEvery(tx, &looked); err != nil {
			return err
		}
		_, reason, err := s.eligibility(tx, c, ct, at)
		if err == nil && reason == "" {
			rec.Eligible++
		}
		return err
	})
	return rec, err
}

// writeWave plans a wave in batches of s.batch contacts. Each batch commits
// its surveys and jobs together with the period record that says how far
// the wave has gone, so a run stopped anywhere (a crash, a full disk, a
// shutdown) leaves each contact either planned or after the cursor, and the
// next run of the period goes on from there: nobody twice, nobody left out.
func (s *Scheduler) writeWave(ctx context.Context, c Campaign, period string, at time.Time) (Plan, error) {
	plan := newPlan(c.Name, period, false)
	var start store.CampaignPeriod
	err := s.st.View(func(tx *store.Tx) (err error) {
		start, err = s.waveRecord(tx, c, period, at)
		return err
	})
	if err != nil {
		return Plan{}, err
	}
	if !start.InProgress {
		plan.AlreadyPlanned = true
		return plan, nil
	}
	plan.Resumed = start.Cursor != 0
	for prev, batches := start.Cursor, 1; ; batches++ {
		part, next, err := s.waveBatch(ctx, c, start)
		if err != nil {
			return Plan{}, err
		}
		plan.add(part)
		if batches%max(releaseContacts/max(s.batch, 1), 1) == 0 {
			// About releaseContacts contacts read since the last release.
			if err := s.st.View(func(tx *store.Tx) error { return tx.ReleaseMapped() }); err != nil {
				return Plan{}, err
			}
		}
		if !next.InProgress {
			return plan, nil
		}
		// A batch that left the cursor where it was would be planned again
		// and again: fail instead of spinning.
		if next.Cursor <= prev {
			return Plan{}, fmt.Errorf("period %s: the wave stopped moving at contact %s", period, next.Cursor)
		}
		prev = next.Cursor
	}
}

// waveBatch plans the next batch of a wave in one write transaction and
// returns its counts and the period record as committed. start stands for
// the record until the first batch stores it.
func (s *Scheduler) waveBatch(ctx context.Context, c Campaign, start store.CampaignPeriod) (part Plan, next store.CampaignPeriod, err error) {
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		// The stored record says how far the wave has gone, whoever moved
		// it: another run of the same period may have planned batches since
		// start was read.
		stored, ok, err := tx.CampaignPeriod(c.Name, start.Period)
		if err != nil {
			return err
		}
		next, part = start, newPlan(c.Name, start.Period, false)
		if ok {
			next = stored
		}
		if !next.InProgress {
			return nil
		}
		queue := func(p *Plan, cand candidate, due time.Time) error {
			return s.queueSurvey(tx, p, c, cand, next.Planned, due)
		}
		if err := s.waveStep(tx, c, &next, &part, s.batch, queue); err != nil {
			return err
		}
		return tx.PutCampaignPeriod(next)
	})
	return part, next, err
}

// rehearseWave counts what writeWave would queue, skip and move, in one
// read transaction that writes nothing and keeps nothing per contact.
func (s *Scheduler) rehearseWave(c Campaign, period string, at time.Time, each func(Entry)) (Plan, error) {
	var plan Plan
	err := s.st.View(func(tx *store.Tx) error {
		plan = newPlan(c.Name, period, true)
		plan.each = each
		rec, err := s.waveRecord(tx, c, period, at)
		if err != nil || !rec.InProgress {
			plan.AlreadyPlanned = err == nil
			return err
		}
		plan.Resumed = rec.Cursor != 0
		return s.waveStep(tx, c, &rec, &plan, 0, func(p *Plan, cand candidate, due time.Time) error {
			_, err := s.place(p, cand, due)
			return err
		})
	})
	return plan, err
}

// waveStep looks at the contacts after rec's cursor, at most limit of them
// (all when limit is 0), counts each into part and queues the eligible ones
// at the next places of the spread. It moves rec on: the cursor, the
// counts, and InProgress, false once no contact is left.
func (s *Scheduler) waveStep(tx *store.Tx, c Campaign, rec *store.CampaignPeriod, part *Plan, limit int, queue queueFunc) error {
	looked := 0
	err := tx.ContactsAfter(rec.Cursor, func(ct store.Contact) error {
		if limit > 0 && looked == limit {
			return errBatchFull
		}
		if err := releaseEvery(tx, &looked); err != nil {
			return err
		}
		rec.Cursor = ct.ID
		ch, reason, err := s.eligibility(tx, c, ct, rec.Planned)
		if err != nil || reason != "" {
			if reason != "" {
				part.skip(ct, reason)
			}
			return err
		}
		return queue(part, candidate{ct, ch}, spreadDue(c, *rec, rec.Queued+part.Queued))
	})
	full := errors.Is(err, errBatchFull)
	if err != nil && !full {
		return err
	}
	rec.Queued += part.Queued
	rec.Skipped = addCounts(rec.Skipped, part.Skipped)
	rec.InProgress = full
	return nil
}

// releaseEvery counts a contact looked at and, every releaseContacts of
// them, lets go of the store's pages the pass has read (see
// store.Tx.ReleaseMapped): a pass over a million contacts would otherwise
// keep the whole contacts bucket resident.
func releaseEvery(tx *store.Tx, looked *int) error {
	*looked++
	if *looked%releaseContacts != 0 {
		return nil
	}
	return tx.ReleaseMapped()
}

// releaseContacts is how many contacts a pass reads between two releases:
// a few megabytes of the file.
const releaseContacts = 10_000

// eligibility applies the rules to one contact at at, with the surveys it
// already has.
func (s *Scheduler) eligibility(tx *store.Tx, c Campaign, ct store.Contact, at time.Time) (store.Channel, string, error) {
	surveys, err := tx.SurveysOf(ct.ID)
	if err != nil {
		return "", "", err
	}
	ch, reason := s.opts.Rules.decide(ct, surveys, c.Segment, at)
	return ch, reason, nil
}

// spreadDue is when the i-th eligible contact of a wave is due: the
// contacts counted eligible when the wave began share the spread evenly. A
// contact who became eligible after the count takes the last place rather
// than a time beyond the spread.
func spreadDue(c Campaign, rec store.CampaignPeriod, i int) time.Time {
	n := rec.Eligible
	if n <= 1 || c.Spread <= 0 {
		return rec.Planned
	}
	return rec.Planned.Add(time.Duration(int64(c.Spread) / int64(n) * int64(min(i, n-1))))
}

// addCounts returns the sum of two counts by reason as a new map: a write
// function may run again, so it must not change what it read.
func addCounts(a, b map[string]int) map[string]int {
	sum := maps.Clone(a)
	if sum == nil {
		sum = map[string]int{}
	}
	for reason, n := range b {
		sum[reason] += n
	}
	return sum
}

// place moves due to the first opening of the window at or after it in the
// contact's time zone, and counts the survey in plan.
func (s *Scheduler) place(plan *Plan, cand candidate, due time.Time) (time.Time, error) {
	loc := s.opts.Rules.Timing.ContactLocation(cand.contact)
	due, moved, err := s.opts.Rules.Timing.Next(due, loc, cand.channel)
	if err != nil {
		return time.Time{}, err
	}
	if moved != "" {
		plan.Moved[moved]++
	}
	plan.queued(due)
	if plan.each != nil {
		plan.each(Entry{Contact: cand.contact, Channel: cand.channel, Due: due})
	}
	return due, nil
}

// queueSurvey creates the survey and its outbox job, due at the first
// opening of the window at or after due in the contact's time zone.
func (s *Scheduler) queueSurvey(tx *store.Tx, plan *Plan, c Campaign, cand candidate, planned, due time.Time) error {
	due, err := s.place(plan, cand, due)
	if err != nil {
		return err
	}
	sv, err := tx.PutSurvey(store.Survey{
		ContactID: cand.contact.ID, Campaign: c.Name, Channel: cand.channel,
		State: store.SurveyPending, Planned: planned, Due: due,
	})
	if err != nil {
		return err
	}
	_, err = tx.EnqueueJob(store.Job{Kind: store.JobSurvey, SurveyID: sv.ID, ContactID: cand.contact.ID, Channel: cand.channel, Due: due})
	return err
}

func eventCursor(campaign string) string { return "events/" + campaign }

// planEvents looks at the events that arrived since the campaign last
// looked, and plans one survey per triggering event. A real run commits
// every s.batch events together with the cursor past the last of them, so
// an event is planned exactly once even when a run stops part way; a dry
// run reads them all in one transaction and writes nothing.
func (s *Scheduler) planEvents(ctx context.Context, c Campaign, now time.Time, dryRun bool) (Plan, error) {
	var plan Plan
	var err error
	if dryRun {
		plan, err = s.rehearseEvents(c, now, nil)
	} else {
		plan, err = s.writeEvents(ctx, c, now)
	}
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", c.Name, err)
	}
	return plan, nil
}

// writeEvents plans the new events in batches, each its own transaction.
func (s *Scheduler) writeEvents(ctx context.Context, c Campaign, now time.Time) (Plan, error) {
	plan := newPlan(c.Name, "events", false)
	for {
		var part Plan
		more := false
		err := s.st.Update(ctx, func(tx *store.Tx) error {
			part, more = newPlan(c.Name, "events", false), false
			queue := func(p *Plan, cand candidate, due time.Time) error {
				return s.queueSurvey(tx, p, c, cand, now, due)
			}
			cursor := tx.Cursor(eventCursor(c.Name))
			last, full, err := s.eventStep(tx, c, now, cursor, &part, s.batch, queue, nil)
			if err != nil || last == cursor {
				return err
			}
			more = full
			return tx.SetCursor(eventCursor(c.Name), last)
		})
		if err != nil {
			return Plan{}, err
		}
		plan.add(part)
		if !more {
			return plan, nil
		}
	}
}

// rehearseEvents counts what writeEvents would do, writing nothing. It
// keeps the contacts it counted a survey for, since a real run's second
// event of one contact finds the survey the first one queued.
func (s *Scheduler) rehearseEvents(c Campaign, now time.Time, each func(Entry)) (Plan, error) {
	var plan Plan
	err := s.st.View(func(tx *store.Tx) error {
		plan = newPlan(c.Name, "events", true)
		plan.each = each
		opened := map[store.ContactID]bool{}
		queue := func(p *Plan, cand candidate, due time.Time) error {
			opened[cand.contact.ID] = true
			_, err := s.place(p, cand, due)
			return err
		}
		_, _, err := s.eventStep(tx, c, now, tx.Cursor(eventCursor(c.Name)), &plan, 0, queue, opened)
		return err
	})
	return plan, err
}

// eventStep looks at the events after the cursor, at most limit of them
// (all when limit is 0), counts each into part and queues the surveys they
// trigger. It returns the last event looked at and whether more are left.
// opened holds the contacts a dry run counted a survey for.
func (s *Scheduler) eventStep(tx *store.Tx, c Campaign, now time.Time, cursor uint64, part *Plan, limit int, queue queueFunc, opened map[store.ContactID]bool) (last uint64, more bool, err error) {
	last, looked := cursor, 0
	err = tx.EventsAfter(store.EventID(cursor), func(e store.Event) error {
		if limit > 0 && looked == limit {
			return errBatchFull
		}
		looked++
		last = uint64(e.ID)
		if e.Type != c.Event {
			return nil
		}
		return s.planEvent(tx, c, e, now, part, queue, opened)
	})
	more = errors.Is(err, errBatchFull)
	if err != nil && !more {
		return cursor, false, err
	}
	return last, more, nil
}

// planEvent queues the survey one triggering event asks for, or counts why
// not.
func (s *Scheduler) planEvent(tx *store.Tx, c Campaign, e store.Event, now time.Time, part *Plan, queue queueFunc, opened map[store.ContactID]bool) error {
	reason, err := s.eventReason(tx, c, e, now)
	if err != nil {
		return err
	}
	if reason != "" {
		part.skip(store.Contact{ID: e.ContactID}, reason)
		return nil
	}
	ct, err := tx.Contact(e.ContactID)
	if err != nil {
		return err
	}
	surveys, err := tx.SurveysOf(ct.ID)
	if err != nil {
		return err
	}
	if opened[ct.ID] {
		// A dry run wrote nothing: this stands for the survey a real run
		// would have written for the contact's earlier event.
		surveys = append(surveys, store.Survey{State: store.SurveyPending})
	}
	ch, reason := s.opts.Rules.decide(ct, surveys, c.Segment, now)
	if reason != "" {
		part.skip(ct, reason)
		return nil
	}
	return queue(part, candidate{ct, ch}, latest(e.At.Add(c.Delay), now))
}

// eventReason says why an event triggers nothing, or "".
func (s *Scheduler) eventReason(tx *store.Tx, c Campaign, e store.Event, now time.Time) (string, error) {
	if e.At.Add(c.Delay).Before(now.Add(-s.opts.Rules.MaxEventAge)) {
		return ReasonEventTooOld, nil
	}
	if !c.FirstOnly {
		return "", nil
	}
	events, err := tx.EventsOf(e.ContactID)
	if err != nil {
		return "", err
	}
	for _, other := range events {
		if other.ID != e.ID && other.Type == e.Type && (other.At.Before(e.At) || other.At.Equal(e.At) && other.ID < e.ID) {
			return ReasonNotFirstEvent, nil
		}
	}
	return "", nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// decide applies the eligibility rules to one contact and returns the
// channel to survey on, or the reason not to.
func (r Rules) decide(c store.Contact, surveys []store.Survey, segment map[string]string, now time.Time) (store.Channel, string) {
	for k, want := range segment {
		if !strings.EqualFold(strings.TrimSpace(c.Attributes[strings.ToLower(k)]), strings.TrimSpace(want)) {
			return "", ReasonSegment
		}
	}
	ch, reason := r.channelFor(c)
	if reason != "" {
		return "", reason
	}
	var lastAsked time.Time
	for _, s := range surveys {
		if s.State.Open() {
			return "", ReasonSurveyOpen
		}
		// A survey answered in person was never sent: it was asked when
		// it was answered.
		asked := cmp.Or(s.Sent, s.Answered)
		if (s.State == store.SurveyAnswered || s.State == store.SurveyExpired) && asked.After(lastAsked) {
			lastAsked = asked
		}
	}
	if r.MinDaysBetween > 0 && !lastAsked.IsZero() && now.Before(lastAsked.AddDate(0, 0, r.MinDaysBetween)) {
		return "", ReasonRecentlySurveyed
	}
	return ch, ""
}

// channelFor returns the first channel of the preference list on which the
// contact has an address and has not opted out or bounced; else the most
// telling reason why none is usable.
func (r Rules) channelFor(c store.Contact) (store.Channel, string) {
	reason := ReasonNoAddress
	for _, ch := range r.Channels {
		if Address(c, ch) == "" {
			continue
		}
		switch st := c.ChannelStatus(ch); st.State {
		case store.ChannelOK:
			return ch, ""
		case store.ChannelOptedOut:
			reason = ReasonOptedOut
		case store.ChannelUndeliverable:
			if reason != ReasonOptedOut {
				reason = ReasonUndeliverable
			}
		}
	}
	return "", reason
}

// Address is the contact's address on a channel, "" when none.
func Address(c store.Contact, ch store.Channel) string {
	switch ch {
	case store.ChannelEmail:
		return c.Email
	case store.ChannelSMS:
		return c.Phone
	}
	return ""
}
