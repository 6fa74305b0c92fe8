package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/store"
)

// messageRow is a message kept for the owner as `npsd messages` prints it;
// the JSON names are stable.
type messageRow struct {
	// Key is the message's id, which `npsd messages decide` takes.
	Key      string    `json:"key"`
	Received time.Time `json:"received"`
	Channel  string    `json:"channel"`
	From     string    `json:"from"`
	Contact  string    `json:"contact,omitempty"`
	// Kind is what npsd read (unclear, comment, opt-out…); Reading adds
	// the rule that read it.
	Kind    string `json:"kind,omitempty"`
	Reading string `json:"reading,omitempty"`
	Outcome string `json:"outcome"`
	Text    string `json:"text"`
}

// cmdMessages lists the messages npsd kept without acting on them, for the
// owner to read and decide (npsd messages decide): replies it could not
// read, messages from senders it does not know, messages it could not
// trust or handle (too large, refused by the store), with what it read and
// did. A decided message leaves the list.
func (c *cli) cmdMessages(ctx context.Context, args []string) int {
	fs, config := c.flags("messages")
	since := fs.String("since", "", "only the messages received on or after this day (YYYY-MM-DD)")
	format := fs.String("format", "table", "table or json")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(c.stderr, "npsd messages: --format must be table or json, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		var from time.Time
		if *since != "" {
			t, err := time.ParseInLocation("2006-01-02", *since, cfg.location())
			if err != nil {
				fmt.Fprintf(c.stderr, "npsd messages: --since %q is not a day (YYYY-MM-DD)\n", *since)
				return exitUnusable
			}
			from = t
		}
		rows := []messageRow{}
		err := st.View(func(tx *store.Tx) error {
			return tx.ForEachForOwner(from, func(m store.InboundMessage) error {
				row := messageRow{Key: m.Key, Received: m.Received, Channel: string(m.Channel), From: m.From,
					Kind: inbound.ReadingKind(m.Reading), Reading: m.Reading, Outcome: m.Outcome, Text: m.Body}
				if m.ContactID != 0 {
					row.Contact = m.ContactID.String()
				}
				rows = append(rows, row)
				return nil
			})
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd messages: %v\n", err)
			return exitPartial
		}
		if *format == "json" {
			if err := writeTerminalJSON(c.stdout, rows, true); err != nil {
				fmt.Fprintf(c.stderr, "npsd messages: %v\n", err)
				return exitPartial
			}
			return exitOK
		}
		loc := cfg.location()
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "key\treceived\tchannel\tfrom\tkind\toutcome\ttext")
		for _, r := range rows {
			// Keys, senders and texts come from outside: one line each,
			// nothing a terminal would act on, and only the start of the
			// text. A key changed by that is still taken by decide.
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", terminalText(r.Key, false), r.Received.In(loc).Format("2006-01-02 15:04"), r.Channel,
				terminalText(r.From, false), cmp.Or(terminalText(r.Kind, false), "-"), terminalText(r.Outcome, false), terminalText(clipText(r.Text, 80), false))
		}
		tw.Flush()
		return exitOK
	})
}

// cmdMessagesDecide records the owner's decision about a message kept for
// them: the score they read in it (--score N), an opt-out of the channel it
// came by (--opt-out), or nothing (--dismiss). What follows a score or an
// opt-out is queued as for a customer's own, and the message leaves the
// list. The decision is recorded as the owner's (--by names who).
func (c *cli) cmdMessagesDecide(ctx context.Context, args []string) int {
	fs, config := c.flags("messages decide")
	score := fs.String("score", "", "record the score `N` (0 to 10) read in the message, as the owner's")
	optOut := fs.Bool("opt-out", false, "take the sender off the channel the message came by")
	dismiss := fs.Bool("dismiss", false, "take the message off the list, with nothing else done")
	by := fs.String("by", "", "`NAME` of who decides, recorded with the decision (default "+inbound.DefaultDecidedBy+")")
	pos, err := parse(fs, args, "KEY")
	if err != nil {
		return exitUnusable
	}
	d, err := decisionFromFlags(fs, *score, *optOut, *dismiss, *by)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd messages decide: %v\n", err)
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		log := c.logger(cfg, slog.LevelWarn)
		cv, err := c.decidingConversation(ctx, cfg, st, log)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd messages decide: %v\n", err)
			return exitPartial
		}
		key, err := messageKey(st, pos[0])
		if err == nil {
			var out inbound.Outcome
			if out, err = cv.Decide(ctx, key, d); err == nil {
				fmt.Fprintf(c.stdout, "message %s: %s\n", terminalText(key, false), terminalText(out.Note, false))
				return exitOK
			}
		}
		fmt.Fprintf(c.stderr, "npsd messages decide: %s\n", terminalText(err.Error(), false))
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

// decidingConversation builds the conversation the daemon would, for the
// owner's decision: the config's follow-up rules, templates, send window
// and webhooks. What it queues waits in the outbox for the daemon.
func (c *cli) decidingConversation(ctx context.Context, cfg *Config, st *store.Store, log *slog.Logger) (*inbound.Conversation, error) {
	sign, err := signer(ctx, st)
	if err != nil {
		return nil, err
	}
	tpl, err := loadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	so, err := cfg.schedulerOptions(log, c.now)
	if err != nil {
		return nil, err
	}
	return inbound.NewConversation(st, c.conversationOptions(cfg, sign, log, tpl, so.Rules.Timing))
}

// messageKey returns the stored key the owner means by arg: the key
// itself, or the key as npsd messages showed it when the terminal's
// safety changed it (a Message-ID with control characters in it), if
// exactly one message waiting shows so.
func messageKey(st *store.Store, arg string) (string, error) {
	key := arg
	err := st.View(func(tx *store.Tx) error {
		if _, ok, err := tx.Inbound(arg); err != nil || ok {
			return err
		}
		var found []string
		if err := tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error {
			if terminalText(m.Key, false) == arg {
				found = append(found, m.Key)
			}
			return nil
		}); err != nil {
			return err
		}
		if len(found) == 1 {
			key = found[0]
		}
		return nil
	})
	return key, err
}

// clipText keeps the first n characters of s, with "…" where it was cut.
func clipText(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}
