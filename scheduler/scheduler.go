// Package scheduler owns when and to whom npsd writes: campaign waves on
// cron schedules in the business's time zone, surveys triggered by events,
// the eligibility rules and their named reasons, the send window, and the
// reminder and expiry of unanswered surveys, and when the weekly summary is
// queued (internal/report builds it). It only plans: every decision
// becomes a survey and an outbox job in the store, for the dispatcher.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	Rehearse(fn func(*store.Tx) error) error
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
	s := &Scheduler{st: st, opts: opts, campaigns: map[string]Campaign{}, schedules: map[string]cron.Schedule{}, log: opts.Logger}
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
	Queued         int
	Skipped        map[string]int // by reason
	Moved          map[string]int // due times moved into the window, by reason
	FirstDue       time.Time
	LastDue        time.Time
	DryRun         bool
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

// write runs fn for real or, for a dry run, in a rolled-back transaction.
func (s *Scheduler) write(ctx context.Context, dryRun bool, fn func(*store.Tx) error) error {
	if dryRun {
		return s.st.Rehearse(fn)
	}
	return s.st.Update(ctx, fn)
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

func (s *Scheduler) planWave(ctx context.Context, c Campaign, at time.Time, dryRun bool) (Plan, error) {
	period := s.periodOf(c, at)
	var plan Plan
	err := s.write(ctx, dryRun, func(tx *store.Tx) error {
		plan = newPlan(c.Name, period, dryRun)
		if _, done, err := tx.CampaignPeriod(c.Name, period); err != nil || done {
			plan.AlreadyPlanned = done
			return err
		}
		var eligible []candidate
		err := tx.ForEachContact(func(ct store.Contact) error {
			surveys, err := tx.SurveysOf(ct.ID)
			if err != nil {
				return err
			}
			ch, reason := s.opts.Rules.decide(ct, surveys, c.Segment, at)
			if reason != "" {
				plan.Skipped[reason]++
				return nil
			}
			eligible = append(eligible, candidate{ct, ch})
			return nil
		})
		if err != nil {
			return err
		}
		for i, cand := range eligible {
			due := at
			if n := len(eligible); n > 1 && c.Spread > 0 {
				due = at.Add(time.Duration(int64(c.Spread) / int64(n) * int64(i)))
			}
			if err := s.queueSurvey(tx, &plan, c, cand, at, due); err != nil {
				return err
			}
		}
		return tx.PutCampaignPeriod(store.CampaignPeriod{Campaign: c.Name, Period: period, Queued: plan.Queued, Skipped: plan.Skipped})
	})
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", c.Name, err)
	}
	return plan, nil
}

// queueSurvey creates the survey and its outbox job, due at the first
// opening of the window at or after due in the contact's time zone.
func (s *Scheduler) queueSurvey(tx *store.Tx, plan *Plan, c Campaign, cand candidate, planned, due time.Time) error {
	loc := sendwindow.ContactLocation(cand.contact, s.opts.Rules.Timing.Business)
	due, moved, err := s.opts.Rules.Timing.Next(due, loc, cand.channel)
	if err != nil {
		return err
	}
	if moved != "" {
		plan.Moved[moved]++
	}
	sv, err := tx.PutSurvey(store.Survey{
		ContactID: cand.contact.ID, Campaign: c.Name, Channel: cand.channel,
		State: store.SurveyPending, Planned: planned, Due: due,
	})
	if err != nil {
		return err
	}
	if _, err := tx.EnqueueJob(store.Job{Kind: store.JobSurvey, SurveyID: sv.ID, ContactID: cand.contact.ID, Channel: cand.channel, Due: due}); err != nil {
		return err
	}
	plan.queued(due)
	return nil
}

func eventCursor(campaign string) string { return "events/" + campaign }

// planEvents looks at the events that arrived since the campaign last
// looked, and plans one survey per triggering event. The cursor moves in
// the same transaction as the surveys, so an event is planned exactly once.
func (s *Scheduler) planEvents(ctx context.Context, c Campaign, now time.Time, dryRun bool) (Plan, error) {
	var plan Plan
	err := s.write(ctx, dryRun, func(tx *store.Tx) error {
		plan = newPlan(c.Name, "events", dryRun)
		cursor := tx.Cursor(eventCursor(c.Name))
		last := cursor
		err := tx.EventsAfter(store.EventID(cursor), func(e store.Event) error {
			last = uint64(e.ID)
			if e.Type != c.Event {
				return nil
			}
			reason, err := s.eventReason(tx, c, e, now)
			if err != nil {
				return err
			}
			if reason != "" {
				plan.Skipped[reason]++
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
			ch, reason := s.opts.Rules.decide(ct, surveys, c.Segment, now)
			if reason != "" {
				plan.Skipped[reason]++
				return nil
			}
			return s.queueSurvey(tx, &plan, c, candidate{ct, ch}, now, latest(e.At.Add(c.Delay), now))
		})
		if err != nil {
			return err
		}
		if last == cursor {
			return nil
		}
		return tx.SetCursor(eventCursor(c.Name), last)
	})
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", c.Name, err)
	}
	return plan, nil
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
		if (s.State == store.SurveyAnswered || s.State == store.SurveyExpired) && s.Sent.After(lastAsked) {
			lastAsked = s.Sent
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
