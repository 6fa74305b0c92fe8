package main

import (
	"context"
	"io"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdContactsList(ctx context.Context, args []string) int {
	return c.listContacts("contacts list", "table", args)
}

// cmdContactsExport is the list of every customer as a spreadsheet (or
// JSON), written to --out with the owner's rights only.
func (c *cli) cmdContactsExport(ctx context.Context, args []string) int {
	return c.listContacts("contacts export", "csv", args)
}

func (c *cli) listContacts(name, format string, args []string) int {
	fs, configFlag := c.flags(name)
	search := fs.String("search", "", "keep the customers in whom each word is found: name, email, phone, external id or an attribute")
	segment := fs.String("segment", "", "keep the customers of a segment: `KEY=VALUE,…` such as city=Montréal")
	formats := map[string][]string{"table": {"table", "csv", "json"}, "csv": {"csv", "json", "table"}}[format]
	chosen := cliargs.Choice(fs, "format", "how to print the list", formats...)
	out := fs.String("out", "", "write to this file, readable by you only (default: stdout)")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		q := report.ContactQuery{Search: *search}
		var err error
		if q.Segment, err = report.ParseSegment(*segment); err != nil {
			return c.fail(exitUnusable, "npsd %s: --segment: %v", name, err)
		}
		return c.failed(name, c.output(*out, func(w io.Writer) error {
			_, err := report.WriteContacts(w, st, q, *chosen, app.Printer(cfg))
			return err
		}))
	})
}

// cmdContactsShow prints one customer's file: who they are, the channels
// npsd may write on, and everything that happened with them in time order.
func (c *cli) cmdContactsShow(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("contacts show")
	format := cliargs.Choice(fs, "format", "how to print the file", "text", "json")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		p := i18n.For(cfg.Business.Language, cfg.Location())
		f, err := report.ReadContactFile(st, pos[0], contact.PhoneKey(pos[0], cfg.Business.DefaultRegion), p)
		if err == nil {
			err = report.WriteContactFile(c.stdout, f, *format, p)
		}
		return c.failed("contacts show", err)
	})
}
