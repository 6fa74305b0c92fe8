package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// summaryOptions is the one set of options every weekly summary is built
// with, whoever builds it: the dispatcher sending the summary job, the
// dashboard's summary page, `npsd summary` and the demo. now is the clock
// the summary judges by (a case overdue, the week so far): the caller's,
// so that a command run on another clock than the machine's agrees with
// itself.
func summaryOptions(cfg *config.Config, signed links.Links, now func() time.Time) report.SummaryOptions {
	return report.SummaryOptions{Segments: cfg.Summary.Segments, Benchmark: cfg.Business.BenchmarkNPS, Location: cfg.Location(), CaseURL: signed.Case, PublicURL: cfg.HTTP.PublicURL, Now: now}
}

// summaryPlan maps summary.* onto the scheduler's plan; the recipients
// default to the owners.
func summaryPlan(cfg *config.Config) scheduler.SummaryPlan {
	to := cfg.Summary.To
	if len(to) == 0 {
		to = cfg.Business.Owners
	}
	return scheduler.SummaryPlan{Schedule: cfg.Summary.Schedule, To: to}
}

// Summary builds the summary of the week starting monday as the daemon
// mails it, and renders it with the config's templates.
func Summary(ctx context.Context, st *store.Store, cfg *config.Config, monday time.Time, now func() time.Time) (templates.Summary, templates.Message, error) {
	sign, err := signer(ctx, st)
	if err != nil {
		return templates.Summary{}, templates.Message{}, err
	}
	var sum templates.Summary
	err = st.View(func(tx *store.Tx) (err error) {
		sum, err = report.BuildSummary(tx, monday, summaryOptions(cfg, wiring{now: now}.links(cfg, sign), now))
		return err
	})
	if err != nil {
		return templates.Summary{}, templates.Message{}, err
	}
	msg, err := renderSummary(cfg, sum)
	return sum, msg, err
}

// renderSummary renders a summary as the email the owners receive.
func renderSummary(cfg *config.Config, sum templates.Summary) (templates.Message, error) {
	tpl, err := LoadTemplates(cfg)
	if err != nil {
		return templates.Message{}, err
	}
	return tpl.Render(templates.Template{Kind: templates.WeeklySummary, Channel: templates.Email}, "",
		templates.Data{Business: templates.Business{Name: cfg.Business.Name}, Summary: &sum})
}

// QueueSummary queues the summary of the week starting monday for its
// recipients now, as the scheduler does on its schedule; it returns how
// many.
func QueueSummary(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger, now func() time.Time, monday time.Time) (int, error) {
	s, err := NewScheduler(cfg, st, log, now)
	if err != nil {
		return 0, err
	}
	return s.QueueSummary(ctx, monday, true)
}
