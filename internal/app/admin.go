package app

import (
	"context"
	"io"

	"github.com/npsd/npsd/internal/adminsock"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/store"
)

// AdminRunner runs the data commands a client sends on the admin socket:
// the binary's own list of commands, so that a command runs the same from
// a terminal and through the daemon.
type AdminRunner interface {
	// Lookup says whether a command runs through the daemon, and with
	// which flags and arguments.
	Lookup(command string) (adminsock.Spec, bool)
	// Run runs a checked request on the daemon's store and config.
	Run(ctx context.Context, cfg *config.Config, st *store.Store, req adminsock.Request, stdout, stderr io.Writer) int
}

// serveAdminSocket answers commands on the socket beside the store until
// ctx ends, each with the config running at the time.
func serveAdminSocket(ctx context.Context, a *App, r AdminRunner) error {
	run := func(ctx context.Context, req adminsock.Request, stdout, stderr io.Writer) int {
		return r.Run(ctx, a.Config(), a.parts.st, req, stdout, stderr)
	}
	return adminsock.Serve(ctx, adminsock.Path(a.Config().Store.Path), r.Lookup, run, a.log)
}
