package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"npsd/store"
)

// messageRow is a message kept for the owner as `npsd messages` prints it;
// the JSON names are stable.
type messageRow struct {
	Received time.Time `json:"received"`
	Channel  string    `json:"channel"`
	From     string    `json:"from"`
	Contact  string    `json:"contact,omitempty"`
	Outcome  string    `json:"outcome"`
	Text     string    `json:"text"`
}

// cmdMessages lists the messages npsd kept without acting on them, for the
// owner to read: the ones it could not handle (too large, refused by the
// store), with the reason.
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
				row := messageRow{Received: m.Received, Channel: string(m.Channel), From: m.From, Outcome: m.Outcome, Text: m.Body}
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
		fmt.Fprintln(tw, "received\tchannel\tfrom\toutcome\ttext")
		for _, r := range rows {
			// Senders and texts come from outside: one line each, nothing a
			// terminal would act on, and only the start of the text.
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Received.In(loc).Format("2006-01-02 15:04"), r.Channel,
				terminalText(r.From, false), terminalText(r.Outcome, false), terminalText(clipText(r.Text, 80), false))
		}
		tw.Flush()
		return exitOK
	})
}

// clipText keeps the first n characters of s, with "…" where it was cut.
func clipText(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}
