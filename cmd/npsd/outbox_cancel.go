package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/internal/app"
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
		p := app.Printer(cfg)
		if *campaign != "" {
			n, err := dispatcher.CancelCampaign(ctx, st, *campaign, *reason)
			fmt.Fprintln(c.stdout, p.T(p.PluralKey("outbox.cancel.campaign", n), n, *campaign))
			return c.failed("outbox cancel", err)
		}
		j, err := dispatcher.CancelJob(ctx, st, pos[0], *reason)
		if err == nil {
			fmt.Fprintln(c.stdout, p.T("outbox.cancel.job", j.ID, p.Stored("kind", string(j.Kind)), p.Stored("channel", string(j.Channel))))
		}
		return c.failed("outbox cancel", err)
	})
}
