package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/app"
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
	format := fs.String("format", "table", "table or json")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(c.stderr, "npsd messages: --format must be table or json, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		var from time.Time
		if *since != "" {
			t, err := time.ParseInLocation("2006-01-02", *since, cfg.Location())
			if err != nil {
				fmt.Fprintf(c.stderr, "npsd messages: --since %q is not a day (YYYY-MM-DD)\n", *since)
				return exitUnusable
			}
			from = t
		}
		rows, err := report.Messages(st, from)
		if err == nil && *format == "json" {
			err = safeout.WriteJSON(c.stdout, rows, true)
		} else if err == nil {
			err = report.WriteMessagesTable(c.stdout, rows, cfg.Location())
		}
		return c.failed("messages", err)
	})
}

// cmdMessagesDecide records the owner's decision about a message kept for
// them: the score they read in it (--score N), an opt-out of the channel it
// came by (--opt-out), or nothing (--dismiss). What follows a score or an
// opt-out is queued as for a customer's own, and the message leaves the
// list. The decision is recorded as the owner's (--by names who).
func (c *cli) cmdMessagesDecide(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("messages decide")
	score := fs.String("score", "", "record the score `N` (0 to 10) read in the message, as the owner's")
	optOut := fs.Bool("opt-out", false, "take the sender off the channel the message came by")
	dismiss := fs.Bool("dismiss", false, "take the message off the list, with nothing else done")
	by := fs.String("by", "", "`NAME` of who decides, recorded with the decision (default "+inbound.DefaultDecidedBy+")")
	pos, err := c.parse(fs, args, "KEY")
	if err != nil {
		return exitUnusable
	}
	d, err := decisionFromFlags(fs, *score, *optOut, *dismiss, *by)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd messages decide: %v\n", err)
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		log := c.logger(cfg, slog.LevelWarn)
		cv, err := app.DecidingConversation(ctx, cfg, st, log, c.now)
		if err != nil {
			return c.failed("messages decide", err)
		}
		key, err := report.MessageKey(st, pos[0])
		if err == nil {
			var out inbound.Outcome
			if out, err = cv.Decide(ctx, key, d); err == nil {
				fmt.Fprintf(c.stdout, "message %s: %s\n", safeout.TerminalText(key, false), safeout.TerminalText(out.Note, false))
				return exitOK
			}
		}
		fmt.Fprintf(c.stderr, "npsd messages decide: %s\n", safeout.TerminalText(err.Error(), false))
		if errors.Is(err, store.ErrNotFound) {
			fmt.Fprintln(c.stderr, "npsd messages lists the keys of the messages waiting")
		}
		return exitPartial
	})
}

// decisionFromFlags reads the one action the flags give.
func decisionFromFlags(fs *flag.FlagSet, score string, optOut, dismiss bool, by string) (store.OwnerDecision, error) {
	var given []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "score", "opt-out", "dismiss":
			given = append(given, "--"+f.Name)
		}
	})
	if len(given) != 1 {
		what := "none was"
		if len(given) > 1 {
			what = strings.Join(given, " and ") + " were"
		}
		return store.OwnerDecision{}, fmt.Errorf("give exactly one of --score N, --opt-out or --dismiss (%s given)", what)
	}
	d := store.OwnerDecision{By: by}
	switch {
	case given[0] == "--score":
		n, err := strconv.Atoi(strings.TrimSpace(score))
		if err != nil || n < 0 || n > 10 {
			return d, fmt.Errorf("--score %q: a score is a whole number from 0 to 10", score)
		}
		d.Action, d.Score = store.DecisionScore, n
	case given[0] == "--opt-out" && optOut:
		d.Action = store.DecisionOptOut
	case given[0] == "--dismiss" && dismiss:
		d.Action = store.DecisionDismiss
	default:
		return d, fmt.Errorf("%s=false decides nothing: give exactly one of --score N, --opt-out or --dismiss", given[0])
	}
	return d, nil
}
