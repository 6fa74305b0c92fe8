package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// flags starts a command's flag set with the --config flag every command has.
func (c *cli) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("npsd "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	config := fs.String("config", "", "config file (default $NPSD_CONFIG, ./config.yaml, /etc/npsd/config.yaml, else built-in defaults)")
	c.fs = fs
	return fs, config
}

// parse reads the command's flags and the positional arguments its entry
// in commands names (see cliargs.Parse), and keeps them for a running
// daemon.
func (c *cli) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	if c.cmd != nil {
		positional = strings.Fields(c.cmd.args)
	}
	pos, err := cliargs.Parse(fs, args, positional...)
	c.pos, c.helped = pos, errors.Is(err, flag.ErrHelp)
	return pos, err
}

// config loads the config named by the flag (or found by the usual search)
// and reports problems on stderr.
func (c *cli) config(flagValue string) (*config.Config, bool) {
	if c.fixed != nil {
		return c.fixed, true
	}
	cfg, err := config.Read(flagValue, c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return nil, false
	}
	return cfg, true
}

// logger builds the logger the config asks for, on stderr.
func (c *cli) logger(cfg *config.Config, minLevel slog.Level) *slog.Logger {
	return app.Logger(cfg, c.stderr, c.terminal, minLevel)
}

// withStore loads the config and opens the store for a data command; the
// logger only shows warnings, since the command prints its own results.
func (c *cli) withStore(configFlag string, fn func(cfg *config.Config, st *store.Store) int) int {
	cfg, ok := c.config(configFlag)
	if !ok {
		return exitUnusable
	}
	if c.shared != nil {
		return fn(cfg, c.shared)
	}
	// A running daemon holds the store: ask it first, through its socket,
	// so that the command runs at once rather than after waiting out the
	// store's lock. No socket (or a stale one) answers at once too.
	if code, ok := c.forward(cfg); ok {
		return code
	}
	st, err := app.OpenStore(cfg, c.logger(cfg, slog.LevelWarn), c.now)
	if errors.Is(err, store.ErrInUse) {
		// A daemon that started meanwhile holds the file: let it run the
		// command.
		if code, ok := c.forward(cfg); ok {
			return code
		}
		return c.fail(exitPartial, "npsd: %v", err)
	} else if err != nil {
		return c.fail(exitUnusable, "npsd: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			fmt.Fprintf(c.stderr, "npsd: closing the store: %v\n", err)
		}
	}()
	return fn(cfg, st)
}

// dataCommand parses a data command's flags and runs fn on the store
// (see withStore) with the command's positional arguments.
func (c *cli) dataCommand(fs *flag.FlagSet, configFlag *string, args []string, fn func(cfg *config.Config, st *store.Store, pos []string) int) int {
	pos, err := c.parse(fs, args)
	if err != nil {
		return exitUnusable
	}
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int { return fn(cfg, st, pos) })
}

// output sends a command's result to path, private, or to stdout when path
// is empty.
func (c *cli) output(path string, write func(io.Writer) error) error {
	if path == "" {
		return write(c.stdout)
	}
	return safeout.WritePrivateFile(path, write)
}

// fail prints why the command stops, as printf does, and returns code.
func (c *cli) fail(code int, format string, args ...any) int {
	fmt.Fprintf(c.stderr, format+"\n", args...)
	return code
}

// failed prints a command's error and returns its exit code: a flag that
// cannot be read is bad usage, anything else a failure.
func (c *cli) failed(name string, err error) int {
	if err == nil {
		return exitOK
	}
	var bound *report.BoundError
	if errors.As(err, &bound) {
		return c.fail(exitUnusable, "npsd %s: --%v", name, err)
	}
	return c.fail(exitPartial, "npsd %s: %v", name, err)
}
