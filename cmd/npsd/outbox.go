package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdOutbox(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("outbox")
	state := fs.String("state", "", "pending, inflight, sent, failed, canceled or all (default: pending, inflight and failed)")
	limit := fs.Int("limit", 100, "list at most this many jobs (the counts cover all)")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	want, err := report.OutboxStates(*state)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd outbox: --state %v\n", err)
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		return c.failed("outbox", report.WriteOutbox(c.stdout, st, want, *limit, cfg.Location()))
	})
}
