// Command npsd runs Net Promoter Score surveys for a small business by email
// and SMS. This package is the composition root: flags and subcommands, the
// config file mapped onto each package's options, the wiring, and signals.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Time zones must resolve on a minimal machine without tzdata.

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/term"

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
	// The first SIGTERM or SIGINT stops gracefully; a second one means now.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		stop()
		<-sigs
		fmt.Fprintln(os.Stderr, "npsd: second signal, exiting at once")
		os.Exit(exitPartial)
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
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

	// args is the command line being run, for forwarding it to a running
	// daemon.
	args []string
	// shared is the daemon's open store when the daemon runs a command
	// for a client of its admin socket; fixed is the daemon's config.
	shared *store.Store
	fixed  *Config
}

type command struct {
	name    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) int
}

func commands() []command {
	return []command{
		{"run", "run the daemon (the default)", (*cli).cmdRun},
		{"demo", "play the whole loop in a temporary folder, with no account needed", (*cli).cmdDemo},
		{"check", "validate the config file and list every problem", (*cli).cmdCheck},
		{"contacts import", "import or update contacts from a CSV file", (*cli).cmdContactsImport},
		{"events import", "import events (purchases…) from a CSV file", (*cli).cmdEventsImport},
		{"events add", "record one event for a contact", (*cli).cmdEventsAdd},
		{"responses import", "import past NPS answers from a CSV file", (*cli).cmdResponsesImport},
		{"responses export", "write every response with its contact, as CSV or JSON", (*cli).cmdResponsesExport},
		{"report", "print NPS, categories and margin of error", (*cli).cmdReport},
		{"cases", "list detractor cases: who to call back, by when", (*cli).cmdCases},
		{"messages", "list the messages npsd kept for the owner to read and decide (unclear, strangers', failed)", (*cli).cmdMessages},
		{"messages decide", "record the owner's decision on a kept message: --score N, --opt-out or --dismiss", (*cli).cmdMessagesDecide},
		{"summary", "show the weekly summary, write it to a file, or send it now", (*cli).cmdSummary},
		{"campaign plan", "plan a campaign's wave (or its new events) now", (*cli).cmdCampaignPlan},
		{"outbox", "list the messages waiting, in flight or failed", (*cli).cmdOutbox},
		{"backup", "write a consistent copy of the database, while npsd runs", (*cli).cmdBackup},
		{"forget", "erase a contact's personal data, keep their anonymous scores", (*cli).cmdForget},
		{"hash-password", "print the bcrypt hash of a password read on stdin, for http.admin_password_hash", (*cli).cmdHashPassword},
		{"parse-reply", "show how a reply (SMS on stdin, or a raw email) is read", (*cli).cmdParseReply},
	}
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
		c.args = args
		return found.run(c, ctx, args[n:])
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
		fmt.Fprintf(c.stderr, "  %-18s %s\n", cmd.name, cmd.summary)
	}
}

// flags starts a command's flag set with the --config flag every command has.
func (c *cli) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("npsd "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	config := fs.String("config", "", "config file (default $NPSD_CONFIG, ./config.yaml, /etc/npsd/config.yaml, else built-in defaults)")
	return fs, config
}

// parse parses flags placed before, between or after the positional
// arguments, as people type them ("import file.csv --dry-run"), and checks
// the number of positional arguments.
func parse(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != len(positional) {
		want := "no argument"
		if len(positional) > 0 {
			want = strings.Join(positional, " ")
		}
		err := fmt.Errorf("%s takes %s, got %d argument(s)", fs.Name(), want, len(pos))
		fmt.Fprintln(fs.Output(), err)
		return nil, err
	}
	return pos, nil
}

// config loads the config named by the flag (or found by the usual search)
// and reports problems on stderr.
func (c *cli) config(flagValue string) (*Config, bool) {
	if c.fixed != nil {
		return c.fixed, true
	}
	path, err := findConfig(flagValue, c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return nil, false
	}
	cfg, err := loadConfig(path, c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return nil, false
	}
	return cfg, true
}

// logger builds the slog logger the config asks for: text on a terminal,
// JSON for the journal or a log collector, unless log.format says.
// Data commands pass minLevel warn: they print their own results, and an
// info line about the store would only be noise around them.
func (c *cli) logger(cfg *Config, minLevel slog.Level) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: max(level, minLevel)}
	// No full phone number reaches a log line, whatever a provider's error
	// message quotes.
	if cfg.Log.Format == "json" || (cfg.Log.Format == "auto" && !c.terminal) {
		return slog.New(redactHandler{slog.NewJSONHandler(c.stderr, opts)})
	}
	return slog.New(redactHandler{slog.NewTextHandler(c.stderr, opts)})
}

// openStore opens the configured store for a command.
func (c *cli) openStore(cfg *Config, log *slog.Logger) (*store.Store, error) {
	return store.Open(store.Options{
		Path:      cfg.Store.Path,
		CreateDir: cfg.storeDirIsDefault,
		Logger:    log,
		Now:       c.now,
	})
}

// withStore loads the config and opens the store for a data command; the
// logger only shows warnings, since the command prints its own results.
func (c *cli) withStore(configFlag string, fn func(cfg *Config, st *store.Store) int) int {
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
	if _, err := parseForwarded(c.args); err == nil {
		if code, ok := c.forward(cfg); ok {
			return code
		}
	}
	log := c.logger(cfg, slog.LevelWarn)
	st, err := c.openStore(cfg, log)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			// The daemon holds the file: let it run the command.
			if code, ok := c.forward(cfg); ok {
				return code
			}
		}
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		if errors.Is(err, store.ErrInUse) {
			return exitPartial
		}
		return exitUnusable
	}
	defer func() {
		if err := st.Close(); err != nil {
			fmt.Fprintf(c.stderr, "npsd: closing the store: %v\n", err)
		}
	}()
	return fn(cfg, st)
}
