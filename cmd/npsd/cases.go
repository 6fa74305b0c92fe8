package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/npsd/npsd/store"
)

// caseRow is a case as `npsd cases` prints it; the JSON names are stable.
type caseRow struct {
	ID       string    `json:"id"`
	Contact  string    `json:"contact"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
	Score    int       `json:"score"`
	Comment  string    `json:"comment,omitempty"`
	State    string    `json:"state"`
	Opened   time.Time `json:"opened"`
	Due      time.Time `json:"due"`
	Overdue  bool      `json:"overdue"`
	Assignee string    `json:"assignee,omitempty"`
	Notes    int       `json:"notes"`
}

func (c *cli) cmdCases(ctx context.Context, args []string) int {
	fs, config := c.flags("cases")
	open := fs.Bool("open", false, "only the cases not yet resolved")
	format := fs.String("format", "table", "table or json")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(c.stderr, "npsd cases: --format must be table or json, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		now := c.now()
		var rows []caseRow
		err := st.View(func(tx *store.Tx) error {
			return tx.ForEachCase(func(k store.Case) error {
				if *open && !k.Open() {
					return nil
				}
				row := caseRow{ID: k.ID.String(), Contact: k.ContactID.String(), Score: k.Score, State: string(k.State),
					Opened: k.Opened, Due: k.Due, Overdue: k.Overdue(now), Assignee: k.Assignee, Notes: len(k.Notes)}
				if ct, err := tx.Contact(k.ContactID); err == nil {
					row.Name, row.Phone, row.Email = ct.DisplayName(), ct.Phone, ct.Email
				}
				if r, err := tx.Response(k.ResponseID); err == nil {
					row.Comment = r.Comment
				}
				rows = append(rows, row)
				return nil
			})
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd cases: %v\n", err)
			return exitPartial
		}
		if *format == "json" {
			if rows == nil {
				rows = []caseRow{}
			}
			if err := writeTerminalJSON(c.stdout, rows, true); err != nil {
				fmt.Fprintf(c.stderr, "npsd cases: %v\n", err)
				return exitPartial
			}
			return exitOK
		}
		loc := cfg.location()
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "case\tcustomer\tscore\tstate\tdue\tassignee\tphone\tcomment")
		for _, r := range rows {
			state := r.State
			if r.Overdue {
				state += " (overdue)"
			}
			// Names, phones and comments come from customers: one line each,
			// nothing a terminal would act on.
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, terminalText(r.Name, false), r.Score, state, r.Due.In(loc).Format("2006-01-02 15:04"),
				terminalText(r.Assignee, false), terminalText(r.Phone, false), terminalText(r.Comment, false))
		}
		tw.Flush()
		return exitOK
	})
}
