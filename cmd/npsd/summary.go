package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// cmdSummary shows the weekly summary on demand: as text, written to an
// HTML file for a preview, or queued for the owners.
func (c *cli) cmdSummary(ctx context.Context, args []string) int {
	fs, config := c.flags("summary")
	week := fs.String("week", "", "ISO week, such as 2026-W47 (default: the last full week)")
	out := fs.String("out", "", "write the email's HTML to this file")
	send := fs.Bool("send", false, "queue the summary for the owners now (the daemon sends it)")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		loc := cfg.location()
		monday := scheduler.LastCompleteWeek(c.now(), loc)
		if *week != "" {
			var err error
			if monday, err = scheduler.ParseISOWeek(*week, loc); err != nil {
				fmt.Fprintf(c.stderr, "npsd summary: --week: %v\n", err)
				return exitUnusable
			}
		}
		if *send {
			s, err := c.newScheduler(cfg, st, c.logger(cfg, slog.LevelWarn))
			if err != nil {
				fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
				return exitUnusable
			}
			n, err := s.QueueSummary(ctx, monday, true)
			if err != nil {
				fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
				return exitPartial
			}
			fmt.Fprintf(c.stdout, "summary of %s queued for %d recipient(s)\n", monday.Format("2006-01-02"), n)
			return exitOK
		}
		var sum templates.Summary
		err := st.View(func(tx *store.Tx) (err error) {
			sum, err = scheduler.BuildSummary(tx, monday, cfg.summaryPlan(c.now).Options)
			return err
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
			return exitPartial
		}
		tpl, err := loadTemplates(cfg)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
			return exitUnusable
		}
		msg, err := tpl.Render(templates.Template{Kind: templates.WeeklySummary, Channel: templates.Email}, "",
			templates.Data{Business: templates.Business{Name: cfg.Business.Name}, Summary: &sum})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
			return exitPartial
		}
		if *out != "" {
			// The summary quotes customers' names and comments: owner-only.
			if err := writePrivateFile(*out, func(w io.Writer) error { _, err := io.WriteString(w, msg.HTML); return err }); err != nil {
				fmt.Fprintf(c.stderr, "npsd summary: %v\n", err)
				return exitPartial
			}
			fmt.Fprintf(c.stdout, "summary of %s written to %s\n", sum.Week, *out)
			return exitOK
		}
		// The text quotes customers' names and comments: nothing in it may
		// act on the terminal.
		fmt.Fprintf(c.stdout, "Subject: %s\n\n%s\n", terminalText(msg.Subject, false), terminalText(msg.Text, true))
		return exitOK
	})
}
