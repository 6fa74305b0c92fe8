// Command npsd runs Net Promoter Score surveys for a small business by email
// and SMS. This package is the door: flags, signals, one list of commands,
// the calls each makes to the packages that do the work (internal/app runs
// the daemon) and the printing of what they return.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Time zones must resolve on a minimal machine without tzdata.

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/term"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/cliargs"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/store"
)

// Exit codes shared by every command.
const (
	exitOK       = 0
	exitPartial  = 1 // the command ran but refused some of its input, or failed
	exitUnusable = 2 // bad usage, a bad config or input that could not be read at all
)

func main() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	reload := app.Signals(stop, os.Stderr)
	c := &cli{
		stdin:    os.Stdin,
		stdout:   os.Stdout,
		stderr:   os.Stderr,
		getenv:   os.Getenv,
		terminal: term.IsTerminal(int(os.Stderr.Fd())),
		now:      time.Now,
		reload:   reload,
		notify:   func(state string) { _, _ = daemon.SdNotify(false, state) },
	}
	code := c.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// cli holds what a command may touch of the outside world, so that tests
// run commands in-process with their own input, output and clock.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	terminal       bool // stderr is a terminal: progress bars and text logs
	now            func() time.Time
	// reload delivers SIGHUP to the daemon.
	reload <-chan struct{}
	// notify tells systemd about the daemon's state (READY=1,
	// WATCHDOG=1…); nil outside systemd's reach.
	notify func(state string)

	// cmd is the command being run, fs its flags and pos its positional
	// arguments once parsed: what a running daemon is sent.
	cmd *command
	fs  *flag.FlagSet
	pos []string
	// helped is set when the command's --help was printed.
	helped bool
	// shared is the daemon's open store when the daemon runs a command
	// for a client of its admin socket; fixed is the daemon's config.
	shared *store.Store
	fixed  *config.Config
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" {
		return c.cmdRun(ctx, args)
	}
	// The longest name that matches wins: "messages decide" over "messages".
	var found *command
	n := 0
	for _, cmd := range commands() {
		words := strings.Fields(cmd.name)
		if len(words) > n && len(args) >= len(words) && slices.Equal(args[:len(words)], words) {
			found, n = &cmd, len(words)
		}
	}
	if found != nil {
		c.cmd = found
		if code := found.run(c, ctx, args[n:]); !c.helped {
			return code
		}
		return exitOK // --help asked for, and printed
	}
	if args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
		fmt.Fprintf(c.stderr, "npsd: unknown command %q\n\n", strings.Join(args, " "))
	}
	c.usage()
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return exitOK
	}
	return exitUnusable
}

func (c *cli) usage() {
	fmt.Fprintln(c.stderr, "usage: npsd COMMAND [flags]   (each command takes --config FILE; --help lists its flags)")
	fmt.Fprintln(c.stderr)
	for _, cmd := range commands() {
		fmt.Fprintf(c.stderr, "  %-27s %s\n", strings.TrimSuffix(cliargs.Line(cmd.name, strings.Fields(cmd.args)...), " [flags]"), cmd.summary)
	}
}
