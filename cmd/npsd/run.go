package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
)

// cmdRun runs the daemon: the store, the scheduler, the dispatcher, the
// HTTP server and the IMAP reader under one context. A stop (the context
// ends) lets sends in progress finish, within shutdown_timeout; a reload
// (SIGHUP) reads the config again and replaces everything but the store,
// the HTTP socket and the jobs in flight, or changes nothing at all when
// the new config cannot be used.
func (c *cli) cmdRun(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("run")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	cfg, ok := c.config(*configFlag)
	if !ok {
		return exitUnusable
	}
	log := c.logger(cfg, slog.LevelDebug)
	app.TuneGC(c.getenv)
	d, err := app.New(cfg, app.Options{
		Reload: func() (*config.Config, error) { return config.Read(*configFlag, c.getenv) },
		Logger: log,
		Now:    c.now,
		Notify: c.notify,
		Admin:  daemonCommands{c},
	})
	if err != nil {
		log.Error("cannot start", "err", err)
		if errors.Is(err, app.ErrStore) {
			return exitPartial
		}
		return exitUnusable
	}
	if err := d.Serve(ctx, c.reload); err != nil {
		return exitPartial
	}
	return exitOK
}
