package main

import (
	"context"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdOutbox(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("outbox")
	state := fs.String("state", "", "pending, inflight, sent, failed, canceled or all (default: pending, inflight and failed)")
	limit := fs.Int("limit", 100, "list at most this many jobs (the counts cover all)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		want, err := report.OutboxStates(*state)
		if err != nil {
			return c.fail(exitUnusable, "npsd outbox: --state %v", err)
		}
		return c.failed("outbox", report.WriteOutbox(c.stdout, st, want, *limit, app.Printer(cfg)))
	})
}
