package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdCases(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("cases")
	open := fs.Bool("open", false, "only the cases not yet resolved")
	format := fs.String("format", "table", "table or json")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(c.stderr, "npsd cases: --format must be table or json, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		rows, err := report.Cases(st, *open, c.now())
		if err == nil && *format == "json" {
			err = safeout.WriteJSON(c.stdout, rows, true)
		} else if err == nil {
			err = report.WriteCasesTable(c.stdout, rows, cfg.Location())
		}
		return c.failed("cases", err)
	})
}
