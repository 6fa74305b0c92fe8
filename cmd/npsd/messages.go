package main

import (
	"context"
	"time"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// cmdMessages lists the messages npsd kept without acting on them, for the
// owner to read and decide (npsd messages decide): replies it could not
// read, messages from senders it does not know, messages it could not
// trust or handle (too large, refused by the store), with what it read and
// did. A decided message leaves the list.
func (c *cli) cmdMessages(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("messages")
	since := fs.String("since", "", "only the messages received on or after this day (YYYY-MM-DD)")
	format := cliargs.Choice(fs, "format", "table or json", "table", "json")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		var from time.Time
		if *since != "" {
			t, err := time.ParseInLocation("2006-01-02", *since, cfg.Location())
			if err != nil {
				return c.fail(exitUnusable, "npsd messages: --since %q is not a day (YYYY-MM-DD)", *since)
			}
			from = t
		}
		rows, err := report.Messages(st, from)
		if err == nil && *format == "json" {
			err = safeout.WriteJSON(c.stdout, rows, true)
		} else if err == nil {
			err = report.WriteMessagesTable(c.stdout, rows, app.Printer(cfg))
		}
		return c.failed("messages", err)
	})
}
