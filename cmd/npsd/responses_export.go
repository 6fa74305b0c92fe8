package main

import (
	"context"
	"io"

	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdResponsesExport(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("responses export")
	var q report.ExportQuery
	format := cliargs.Choice(fs, "format", "csv or json", "csv", "json")
	fs.StringVar(&q.From, "from", "", "first day, YYYY-MM-DD (business time zone) or RFC 3339")
	fs.StringVar(&q.To, "to", "", "last day (inclusive), YYYY-MM-DD, or RFC 3339")
	out := fs.String("out", "", "write to this file, readable by its owner only (default: stdout)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		write := map[string]func(io.Writer, report.Export) error{"csv": report.WriteExportCSV, "json": report.WriteExportJSON}[*format]
		e, err := report.Responses(st, q, cfg.Location())
		if err == nil {
			err = c.output(*out, func(w io.Writer) error { return write(w, e) })
		}
		return c.failed("responses export", err)
	})
}
