package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/store"
)

// cmdOutboxCancel cancels one waiting message, or every waiting message of
// a campaign: the owner's "do not send this".
func (c *cli) cmdOutboxCancel(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("outbox cancel")
	campaign := fs.String("campaign", "", "cancel every waiting message of this campaign's surveys instead of one job")
	reason := fs.String("reason", "canceled by the owner", "why, as the outbox and the survey will show it")
	pos, err := c.parse(fs, args)
	if err != nil || (len(pos) == 1) == (*campaign != "") {
		return c.fail(exitUnusable, "npsd outbox cancel: name one job (j42, as npsd outbox lists it) or --campaign NAME")
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		if *campaign != "" {
			n, err := dispatcher.CancelCampaign(ctx, st, *campaign, *reason)
			fmt.Fprintf(c.stdout, "%d waiting message(s) of campaign %q canceled\n", n, *campaign)
			return c.failed("outbox cancel", err)
		}
		j, err := dispatcher.CancelJob(ctx, st, pos[0], *reason)
		if err == nil {
			fmt.Fprintf(c.stdout, "%s (%s by %s) canceled\n", j.ID, j.Kind, j.Channel)
		}
		return c.failed("outbox cancel", err)
	})
}
