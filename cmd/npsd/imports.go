package main

import (
	"context"
	"errors"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/csvimport"
	"github.com/npsd/npsd/store"
)

// runImport is the shape every CSV import shares: the flags, the import
// itself, then its report on stdout and every refused row on stderr.
func (c *cli) runImport(ctx context.Context, name string, args []string, kind csvimport.Kind) int {
	fs, configFlag := c.flags(name)
	dryRun := fs.Bool("dry-run", false, "check and report without writing anything")
	encoding := fs.String("encoding", "utf-8", "text encoding of the file: utf-8, windows-1252, latin1 or iso-8859-15")
	dateFormat := fs.String("date-format", "", "how dates with slashes are written: DD/MM/YYYY (JJ/MM/AAAA) or MM/DD/YYYY (default: day first for a French business)")
	rename := fs.String("map", "", "give columns the names npsd uses: `HEADER=NAME,…` such as Ville=city (a segment key) or Cellulaire=phone")
	defaultType, strict := new(string), new(bool)
	if kind == csvimport.Events {
		defaultType = fs.String("type", "", "event type for rows without a type column (e.g. purchase)")
	}
	if kind == csvimport.Contacts {
		strict = fs.Bool("strict", false, "refuse a row with any field that is wrong, rather than keep its good fields")
	}
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		var err error
		o := csvimport.Options{Region: cfg.Business.DefaultRegion, Location: cfg.Location(), DayFirst: cfg.DayFirst(), Encoding: *encoding, DryRun: *dryRun, DefaultType: *defaultType, Strict: *strict}
		if *dateFormat != "" {
			if o.DayFirst, err = csvimport.DayFirstOf(*dateFormat); err != nil {
				return c.fail(exitUnusable, "npsd: --date-format: %v", err)
			}
		}
		if o.Rename, err = csvimport.ParseRename(*rename); err != nil {
			return c.fail(exitUnusable, "npsd: --map: %v", err)
		}
		if c.terminal {
			o.ProgressTo = c.stderr
		}
		res, err := csvimport.Run(ctx, st, kind, pos[0], o)
		if errors.Is(err, csvimport.ErrUnusable) {
			return c.fail(exitUnusable, "npsd: %v", err)
		}
		whole := res.Print(c.stdout, c.stderr, app.Printer(cfg), pos[0], string(kind), *dryRun)
		if err != nil {
			return c.fail(exitPartial, "npsd: %v", err)
		} else if !whole {
			return exitPartial
		}
		return exitOK
	})
}
