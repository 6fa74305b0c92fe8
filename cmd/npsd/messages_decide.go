package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// cmdMessagesDecide records the owner's decision about a message kept for
// them: the score they read in it (--score N), an opt-out of the channel it
// came by (--opt-out), or nothing (--dismiss). What follows a score or an
// opt-out is queued as for a customer's own, and the message leaves the
// list. The decision is recorded as the owner's (--by names who).
func (c *cli) cmdMessagesDecide(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("messages decide")
	score := fs.String("score", "", "record the score `N` (0 to 10) read in the message, as the owner's")
	fs.Bool("opt-out", false, "take the sender off the channel the message came by")
	fs.Bool("dismiss", false, "take the message off the list, with nothing else done")
	by := fs.String("by", "", "`NAME` of who decides, recorded with the decision (default "+inbound.DefaultDecidedBy+")")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		// The one action the flags give, as the dashboard's form gives it.
		action, err := cliargs.OneOf(fs, "score", "opt-out", "dismiss")
		d, derr := inbound.NewDecision(action, *score, *by)
		if derr != nil && action == "score" {
			derr = fmt.Errorf("--score %q: %w", *score, derr)
		}
		if err = cmp.Or(err, derr); err != nil {
			return c.fail(exitUnusable, "npsd messages decide: %v", err)
		}
		log := c.logger(cfg, slog.LevelWarn)
		cv, err := app.DecidingConversation(ctx, cfg, st, log, c.now)
		if err != nil {
			return c.failed("messages decide", err)
		}
		p := app.Printer(cfg)
		key, err := report.MessageKey(st, pos[0])
		if err == nil {
			var out inbound.Outcome
			if out, err = cv.Decide(ctx, key, d); err == nil {
				fmt.Fprintln(c.stdout, p.T("messages.decided", safeout.TerminalText(key, false), safeout.TerminalText(app.DecisionNote(p, out, d), false)))
				return exitOK
			}
		}
		fmt.Fprintf(c.stderr, "npsd messages decide: %s\n", safeout.TerminalText(err.Error(), false))
		if errors.Is(err, store.ErrNotFound) {
			fmt.Fprintln(c.stderr, p.T("messages.keys"))
		}
		return exitPartial
	})
}
