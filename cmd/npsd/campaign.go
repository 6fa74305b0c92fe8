package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdCampaignPlan(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("campaign plan")
	dryRun := fs.Bool("dry-run", false, "count what would be queued, and write nothing")
	pos, err := c.parse(fs, args, "NAME")
	if err != nil {
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		s, err := app.NewScheduler(cfg, st, c.logger(cfg, slog.LevelWarn), c.now)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd campaign plan: %v\n", err)
			return exitUnusable
		}
		if _, ok := s.Campaign(pos[0]); !ok {
			fmt.Fprintf(c.stderr, "npsd campaign plan: no campaign named %q (the config has %s)\n", pos[0], strings.Join(s.Campaigns(), ", "))
			return exitUnusable
		}
		p, err := s.Plan(ctx, pos[0], *dryRun)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd campaign plan: %v\n", err)
			return exitPartial
		}
		printPlan(c, cfg, p)
		return exitOK
	})
}

func printPlan(c *cli, cfg *config.Config, p scheduler.Plan) {
	loc := cfg.Location()
	suffix := ""
	if p.DryRun {
		suffix = " (dry run: nothing written)"
	}
	if p.AlreadyPlanned {
		fmt.Fprintf(c.stdout, "campaign %s: period %s was already planned: nothing queued%s\n", p.Campaign, p.Period, suffix)
		return
	}
	fmt.Fprintf(c.stdout, "campaign %s, period %s: %d surveys queued%s\n", p.Campaign, p.Period, p.Queued, suffix)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	if p.Queued > 0 {
		fmt.Fprintf(tw, "  first due\t%s\n", p.FirstDue.In(loc).Format("2006-01-02 15:04 MST"))
		fmt.Fprintf(tw, "  last due\t%s\n", p.LastDue.In(loc).Format("2006-01-02 15:04 MST"))
	}
	for _, group := range []struct {
		title  string
		counts map[string]int
	}{{"skipped", p.Skipped}, {"moved to the next opening", p.Moved}} {
		if len(group.counts) == 0 {
			continue
		}
		fmt.Fprintf(tw, "  %s:\n", group.title)
		for _, reason := range slices.Sorted(maps.Keys(group.counts)) {
			fmt.Fprintf(tw, "    %s\t%d\n", reason, group.counts[reason])
		}
	}
	tw.Flush()
}

func (c *cli) cmdOutbox(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("outbox")
	state := fs.String("state", "", "pending, inflight, sent, failed, canceled or all (default: pending, inflight and failed)")
	limit := fs.Int("limit", 100, "list at most this many jobs (the counts cover all)")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	want := map[store.JobState]bool{store.JobPending: true, store.JobInflight: true, store.JobFailed: true}
	switch s := store.JobState(*state); s {
	case "":
	case "all":
		want = nil
	case store.JobPending, store.JobInflight, store.JobSent, store.JobFailed, store.JobCanceled:
		want = map[store.JobState]bool{s: true}
	default:
		fmt.Fprintf(c.stderr, "npsd outbox: --state must be pending, inflight, sent, failed, canceled or all, not %q\n", *state)
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		return c.failed("outbox", report.WriteOutbox(c.stdout, st, want, *limit, cfg.Location()))
	})
}
