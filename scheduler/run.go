package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/npsd/npsd/store"
)

// SweepResult counts what one sweep of sent surveys did.
type SweepResult struct {
	Reminded int
	Expired  int
}

// SweepSurveys queues the one reminder of each sent survey that waited
// ReminderAfter without an answer, and expires those that waited
// ExpireAfter. It reads only the index of sent, unanswered surveys.
func (s *Scheduler) SweepSurveys(ctx context.Context) (SweepResult, error) {
	now := s.opts.Now()
	var res SweepResult
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		res = SweepResult{}
		expireBefore := now.Add(-s.opts.ExpireAfter)
		remindBefore := now.Add(-s.opts.ReminderAfter)
		if s.opts.ReminderAfter <= 0 {
			remindBefore = time.Time{}
		}
		return tx.SentSurveysBefore(latest(expireBefore, remindBefore), func(sv store.Survey) error {
			if sv.Sent.Before(expireBefore) {
				if _, err := tx.MoveSurvey(sv, store.SurveyExpired); err != nil {
					return err
				}
				res.Expired++
				return nil
			}
			if !sv.Reminded.IsZero() || remindBefore.IsZero() || !sv.Sent.Before(remindBefore) {
				return nil
			}
			ct, err := tx.Contact(sv.ContactID)
			if err != nil {
				return err
			}
			due, _, err := s.opts.Rules.Timing.Next(now, s.opts.Rules.Timing.ContactLocation(ct), sv.Channel)
			if err != nil {
				return err
			}
			if _, err := tx.EnqueueJob(store.Job{Kind: store.JobReminder, SurveyID: sv.ID, ContactID: sv.ContactID, Channel: sv.Channel, Due: due}); err != nil {
				return err
			}
			sv.Reminded = now
			if _, err := tx.PutSurvey(sv); err != nil {
				return err
			}
			res.Reminded++
			return nil
		})
	})
	return res, err
}

// SweepCases reminds the assignee, once, of each case still open past its
// due time.
func (s *Scheduler) SweepCases(ctx context.Context) (int, error) {
	now := s.opts.Now()
	n := 0
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		n = 0
		// The index holds only the cases still waiting for their reminder,
		// so a tick reads none of the store's resolved or reminded cases.
		return tx.OverdueCases(now, func(k store.Case) error {
			p := store.Payload{Score: store.IntPtr(k.Score)}
			if r, err := tx.Response(k.ResponseID); err == nil {
				p.Comment = r.Comment
			}
			if s.opts.CaseURL != nil {
				p.CaseURL = s.opts.CaseURL(k.ID)
			}
			if _, err := tx.EnqueueJob(store.Job{Kind: store.JobCaseReminder, To: k.Assignee, ContactID: k.ContactID, SurveyID: k.SurveyID, Channel: store.ChannelEmail, Due: now, Payload: p}); err != nil {
				return err
			}
			k.Reminded = now
			if _, err := tx.PutCase(k); err != nil {
				return err
			}
			n++
			return nil
		})
	})
	return n, err
}

// unknownSendersPerSweep bounds one sweep's deletions, so that a first
// sweep over years of strangers' messages does not hold the writer long;
// the next sweeps take the rest.
const unknownSendersPerSweep = 1000

// SweepUnknownSenders deletes the messages from unknown senders older than
// KeepUnknownSenders and returns how many went.
func (s *Scheduler) SweepUnknownSenders(ctx context.Context) (int, error) {
	cutoff := s.opts.Now().Add(-s.opts.KeepUnknownSenders)
	n := 0
	err := s.st.Update(ctx, func(tx *store.Tx) (err error) {
		n, err = tx.DropUnknownSenders(cutoff, unknownSendersPerSweep)
		return err
	})
	return n, err
}

// Run plans waves at their cron times and sweeps events, reminders and
// expiries every Tick, until ctx ends. Each run is logged; a failed run is
// logged and retried at the next time rather than stopping the daemon.
func (s *Scheduler) Run(ctx context.Context) error {
	loc := s.opts.Rules.Timing.Business
	c := cron.New(
		cron.WithLocation(loc),
		// The default chain does not recover panics: one bad wave would take
		// the daemon down with it.
		cron.WithChain(cron.Recover(cronLogger{s.log})),
	)
	for _, name := range s.order {
		sched, ok := s.schedules[name]
		if !ok {
			continue
		}
		camp := s.campaigns[name]
		c.Schedule(sched, cron.FuncJob(func() {
			s.logPlan(s.planWave(ctx, camp, s.opts.Now(), false))
		}))
	}
	if s.summary != nil && len(s.opts.Summary.To) > 0 {
		c.Schedule(s.summary, cron.FuncJob(func() {
			week := LastCompleteWeek(s.opts.Now(), loc)
			n, err := s.QueueSummary(ctx, week, false)
			if err != nil {
				s.log.Error("weekly summary not queued", "err", err)
				return
			}
			s.log.Info("weekly summary queued", "week", week.Format("2006-01-02"), "recipients", n)
		}))
	}
	c.Start()
	defer func() { <-c.Stop().Done() }()

	tick := time.NewTicker(s.opts.Tick)
	defer tick.Stop()
	for {
		s.sweep(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// sweep runs the periodic work once.
func (s *Scheduler) sweep(ctx context.Context) {
	defer s.lastTick.Store(time.Now().UnixNano())
	s.resumeWaves(ctx)
	for _, name := range s.order {
		if c := s.campaigns[name]; c.Event != "" {
			s.logPlan(s.planEvents(ctx, c, s.opts.Now(), false))
		}
	}
	if n, err := s.SweepCases(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("case sweep failed", "err", err)
	} else if n > 0 {
		s.log.Info("overdue cases reminded", "cases", n)
	}
	if n, err := s.SweepUnknownSenders(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("unknown senders' sweep failed", "err", err)
	} else if n > 0 {
		s.log.Info("unknown senders' messages deleted", "messages", n, "older_than", s.opts.KeepUnknownSenders.String())
	}
	res, err := s.SweepSurveys(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("survey sweep failed", "err", err)
	case res.Reminded > 0 || res.Expired > 0:
		s.log.Info("survey sweep", "reminders_queued", res.Reminded, "expired", res.Expired)
	}
}

// resumeWaves finishes the waves a run stopped part way (the daemon was
// killed or shut down while planning one): their cron time has passed and
// does not come back for that period, so each sweep, the first one at
// start included, looks for them. A wave this process is planning right
// now is left to its planner.
func (s *Scheduler) resumeWaves(ctx context.Context) {
	if !s.planning.TryLock() {
		return
	}
	defer s.planning.Unlock()
	for _, name := range s.order {
		c := s.campaigns[name]
		if c.Schedule == "" {
			continue
		}
		var periods []string
		err := s.st.View(func(tx *store.Tx) error {
			periods = periods[:0]
			return tx.PeriodsInProgress(c.Name, func(p store.CampaignPeriod) error {
				periods = append(periods, p.Period)
				return nil
			})
		})
		if err != nil {
			s.log.Error("looking for unfinished waves failed", "campaign", c.Name, "err", err)
			continue
		}
		for _, period := range periods {
			s.logPlan(s.planPeriod(ctx, c, period, s.opts.Now(), false))
		}
	}
}

func (s *Scheduler) logPlan(p Plan, err error) {
	switch {
	case errors.Is(err, context.Canceled):
		// A wave stopped by a shutdown is finished by the next start.
		s.log.Info("campaign planning stopped part way; it goes on at the next start", "err", err)
	case err != nil:
		s.log.Error("campaign planning failed", "err", err)
	case p.AlreadyPlanned:
		s.log.Info("campaign period already planned", "campaign", p.Campaign, "period", p.Period)
	case p.Queued > 0 || len(p.Skipped) > 0:
		args := []any{"campaign", p.Campaign, "period", p.Period, "queued", p.Queued}
		if p.Resumed {
			args = append(args, "resumed", true)
		}
		for reason, n := range p.Skipped {
			args = append(args, "skipped_"+reason, n)
		}
		if p.Queued > 0 {
			args = append(args, "first_due", p.FirstDue, "last_due", p.LastDue)
		}
		s.log.Info("campaign planned", args...)
	}
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error(fmt.Sprintf("cron: %s", msg), append(kv, "err", err)...)
}
