package main

import (
	"context"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdCases(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("cases")
	open := fs.Bool("open", false, "only the cases not yet resolved")
	format := cliargs.Choice(fs, "format", "table or json", "table", "json")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		rows, err := report.Cases(st, *open, c.now())
		if err == nil && *format == "json" {
			err = safeout.WriteJSON(c.stdout, rows, true)
		} else if err == nil {
			err = report.WriteCasesTable(c.stdout, rows, app.Printer(cfg))
		}
		return c.failed("cases", err)
	})
}
