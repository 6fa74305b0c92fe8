package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/npsd/npsd/store"
)

// WeekStart returns the Monday 00:00 that starts the ISO week of t, in loc.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	offset := (int(t.Weekday()) + 6) % 7 // days since Monday
	return time.Date(t.Year(), t.Month(), t.Day()-offset, 0, 0, 0, 0, loc)
}

// ParseISOWeek reads "2026-W47" as the Monday that starts it, in loc.
func ParseISOWeek(s string, loc *time.Location) (time.Time, error) {
	var year, week int
	if _, err := fmt.Sscanf(s, "%d-W%d", &year, &week); err != nil || week < 1 || week > 53 {
		return time.Time{}, fmt.Errorf("%q is not an ISO week such as 2026-W47", s)
	}
	// January 4th is always in week 1.
	monday := WeekStart(time.Date(year, 1, 4, 12, 0, 0, 0, loc), loc).AddDate(0, 0, 7*(week-1))
	if y, w := monday.ISOWeek(); y != year || w != week {
		return time.Time{}, fmt.Errorf("%d has no week %d", year, week)
	}
	return monday, nil
}

// SummaryPlan is when the weekly summary goes out and to whom.
// What the summary shows is internal/report's (report.SummaryOptions): the
// scheduler only queues the job that names the week.
type SummaryPlan struct {
	// Schedule is a cron spec in the business's time zone; empty disables.
	Schedule string
	To       []string
}

// summaryPeriods is the campaign under which each queued week is recorded
// as a period. The value is stored: it stays what it has always been.
const summaryPeriods = "weekly_summary"

// LastCompleteWeek is the Monday starting the last full week before t.
func LastCompleteWeek(t time.Time, loc *time.Location) time.Time {
	return WeekStart(t, loc).AddDate(0, 0, -7)
}

// QueueSummary queues the summary of the week starting at monday for each
// recipient. The week is recorded as a period, so a second run (a restart,
// the cron's fall-back repeat) queues nothing; force queues it all the
// same, for an owner who asks for it again.
func (s *Scheduler) QueueSummary(ctx context.Context, monday time.Time, force bool) (queued int, err error) {
	plan := s.opts.Summary
	if len(plan.To) == 0 {
		return 0, errors.New("the summary has no recipient: set summary.to or business.owners")
	}
	now := s.opts.Now()
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		queued = 0
		period := monday.Format("2006-01-02")
		if _, done, err := tx.CampaignPeriod(summaryPeriods, period); err != nil || (done && !force) {
			return err
		}
		// The job names the week only: the dispatcher builds the summary
		// from the store when it sends it, so that no name, address or
		// comment waits in the outbox, where forgetting a contact would
		// not find it.
		year, week := monday.In(s.opts.Rules.Timing.Business).ISOWeek()
		p := store.Payload{SummaryWeek: fmt.Sprintf("%d-W%02d", year, week)}
		for _, to := range plan.To {
			if _, err := tx.EnqueueJob(store.Job{Kind: store.JobWeeklySummary, To: to, Channel: store.ChannelEmail, Due: now, Payload: p}); err != nil {
				return err
			}
			queued++
		}
		return tx.PutCampaignPeriod(store.CampaignPeriod{Campaign: summaryPeriods, Period: period, Queued: queued})
	})
	return queued, err
}

// ReferSummaryJobs rewrites every summary job of the old form, which holds
// the names, addresses and comments of its week, into the form that names
// the week only, and returns how many it rewrote. The store does the work
// (forgetting a contact does it too); this stays for the callers that
// name it.
func ReferSummaryJobs(tx *store.Tx) (int, error) {
	return tx.ReferLegacySummaries()
}
