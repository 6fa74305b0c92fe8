package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdCampaignPlan(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("campaign plan")
	dryRun := fs.Bool("dry-run", false, "count what would be queued, and write nothing")
	list := fs.Bool("list", false, "a dry run that also lists each contact: asked (channel, when) or skipped (why)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		s, err := app.NewScheduler(cfg, st, c.logger(cfg, slog.LevelWarn), c.now)
		if err != nil {
			return c.fail(exitUnusable, "npsd campaign plan: %v", err)
		}
		if _, ok := s.Campaign(pos[0]); !ok {
			return c.fail(exitUnusable, "npsd campaign plan: no campaign named %q (the config has %s)", pos[0], strings.Join(s.Campaigns(), ", "))
		}
		var p scheduler.Plan
		if *list {
			p, err = s.PlanListing(ctx, pos[0], report.PlanLister(c.stdout, app.Printer(cfg)))
		} else {
			p, err = s.Plan(ctx, pos[0], *dryRun)
		}
		if err != nil {
			return c.failed("campaign plan", err)
		}
		return c.failed("campaign plan", report.WritePlan(c.stdout, p, app.Printer(cfg)))
	})
}
