package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/csvimport"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// cmdResponsesAdd records an answer a customer gave in person, on the
// telephone or at the counter (see inbound.RecordInPerson).
func (c *cli) cmdResponsesAdd(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("responses add")
	score := fs.String("score", "", "the score `N` (0 to 10) the customer gave (required)")
	comment := fs.String("comment", "", "what the customer said, in their words")
	channel := fs.String("channel", string(store.ChannelPhone), "how they answered: phone or counter")
	at := fs.String("at", "", "when they answered, in the business time zone: 2026-11-25 14:30, 25/11/2026 14h30, or RFC 3339 (default now); the same answer entered twice with its time is recorded once")
	by := fs.String("by", "", "`NAME` of who took the answer (default "+inbound.DefaultDecidedBy+")")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		a := inbound.InPerson{Channel: store.Channel(*channel), Comment: *comment, By: *by}
		var err error
		if a.Score, err = strconv.Atoi(*score); err != nil {
			return c.fail(exitUnusable, "npsd responses add: --score %q: give the score as a whole number from 0 to 10", *score)
		}
		if *at != "" {
			if a.At, err = csvimport.ParseDate(*at, cfg.Location(), cfg.DayFirst()); err != nil {
				return c.fail(exitUnusable, "npsd responses add: --at: %v", err)
			}
		}
		cv, err := app.DecidingConversation(ctx, cfg, st, c.logger(cfg, slog.LevelWarn), c.now)
		if err == nil {
			a.Contact, err = contact.Resolve(st, pos[0], cfg.Business.DefaultRegion)
		}
		if err == nil {
			var out inbound.Outcome
			if out, err = cv.RecordInPerson(ctx, a); err == nil {
				fmt.Fprintln(c.stdout, safeout.TerminalText(app.InPersonNote(app.Printer(cfg), st, out, a), false))
				return exitOK
			}
		}
		return c.failed("responses add", err)
	})
}
