package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// cmdSummary shows the weekly summary on demand: as text, written to an
// HTML file for a preview, or queued for the owners.
func (c *cli) cmdSummary(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("summary")
	week := fs.String("week", "", "ISO week, such as 2026-W47 (default: the last full week)")
	out := fs.String("out", "", "write the email's HTML to this file")
	send := fs.Bool("send", false, "queue the summary for the owners now (the daemon sends it)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		loc := cfg.Location()
		monday := scheduler.LastCompleteWeek(c.now(), loc)
		if *week != "" {
			var err error
			if monday, err = scheduler.ParseISOWeek(*week, loc); err != nil {
				return c.fail(exitUnusable, "npsd summary: --week: %v", err)
			}
		}
		if *send {
			n, err := app.QueueSummary(ctx, cfg, st, c.logger(cfg, slog.LevelWarn), c.now, monday)
			if err != nil {
				return c.failed("summary", err)
			}
			fmt.Fprintf(c.stdout, "summary of %s queued for %d recipient(s)\n", monday.Format("2006-01-02"), n)
			return exitOK
		}
		sum, msg, err := app.Summary(ctx, st, cfg, monday, c.now)
		if err != nil {
			return c.failed("summary", err)
		}
		if *out != "" {
			// The summary quotes customers' names and comments: owner-only.
			if err := safeout.WritePrivateFile(*out, func(w io.Writer) error { _, err := io.WriteString(w, msg.HTML); return err }); err != nil {
				return c.failed("summary", err)
			}
			fmt.Fprintf(c.stdout, "summary of %s written to %s\n", sum.Week, *out)
			return exitOK
		}
		// The text quotes customers' names and comments: nothing in it may
		// act on the terminal.
		fmt.Fprintf(c.stdout, "Subject: %s\n\n%s\n", safeout.TerminalText(msg.Subject, false), safeout.TerminalText(msg.Text, true))
		return exitOK
	})
}
