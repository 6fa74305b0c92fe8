package main

import (
	"context"
	"fmt"
	"time"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/csvimport"
	"github.com/npsd/npsd/store"
)

func (c *cli) cmdEventsAdd(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("events add")
	key := fs.String("contact", "", "the contact: id (c42), external id, email or phone (required)")
	typ := fs.String("type", "", "event type, such as purchase (required)")
	at := fs.String("at", "", "when it happened, in the business time zone: 2026-11-25 14:30, 25/11/2026, 25 nov. 2026, or RFC 3339 (default now)")
	id := fs.String("id", "", "external id: the same id recorded twice is one event")
	amount := fs.String("amount", "", "amount of the purchase")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		if *key == "" || *typ == "" {
			return c.fail(exitUnusable, "npsd events add: --contact and --type are required")
		}
		ev := store.Event{Type: *typ, ExternalID: *id, At: c.now()}
		var err error
		if *at != "" {
			if ev.At, err = csvimport.ParseDate(*at, cfg.Location(), cfg.DayFirst()); err != nil {
				return c.fail(exitUnusable, "npsd events add: --at: %v", err)
			}
		}
		if *amount != "" {
			a, err := csvimport.ParseAmount(*amount)
			if err != nil {
				return c.fail(exitUnusable, "npsd events add: --amount: %v", err)
			}
			ev.Amount = &a
		}
		saved, created, err := csvimport.AddEvent(ctx, st, cfg.Business.DefaultRegion, *key, nil, ev)
		if err != nil {
			return c.failed("events add", err)
		}
		if p := app.Printer(cfg); created {
			fmt.Fprintln(c.stdout, p.T("event.recorded", saved.ID, saved.Type, saved.ContactID, saved.At.In(cfg.Location()).Format(time.RFC3339)))
		} else {
			fmt.Fprintln(c.stdout, p.T("event.already", saved.ID, saved.ExternalID))
		}
		return exitOK
	})
}
