package main

import (
	"context"
	"io"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdReport(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("report")
	var q report.Query
	fs.StringVar(&q.From, "from", "", "first day counted, YYYY-MM-DD in the business time zone, or RFC 3339")
	fs.StringVar(&q.To, "to", "", "last day counted (inclusive), YYYY-MM-DD, or RFC 3339 (exclusive)")
	fs.StringVar(&q.By, "by", "", "group by a contact attribute, such as city, or by period: week, month or quarter")
	fs.StringVar(&q.Campaign, "campaign", "", "count only this campaign's responses")
	format := cliargs.Choice(fs, "format", "table, json or csv", "table", "json", "csv")
	out := fs.String("out", "", "write to this file, readable by its owner only (default: stdout)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		rep, err := report.Build(st, q, cfg.Location(), c.now())
		if err == nil {
			err = c.output(*out, func(w io.Writer) error { return report.Write(w, rep, *format, app.Printer(cfg)) })
		}
		return c.failed("report", err)
	})
}
