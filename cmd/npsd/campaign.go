package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
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
			return c.failed("campaign plan", err)
		}
		return c.failed("campaign plan", report.WritePlan(c.stdout, p, cfg.Location()))
	})
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
