// Command npsd runs Net Promoter Score surveys for a small business by email
// and SMS. This package is the door: flags, signals, one list of commands,
// the calls each makes to the packages that do the work (internal/app runs
// the daemon) and the printing of what they return.
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

	"github.com/npsd/npsd/internal/adminsock"
	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/safeout"
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

	// cmd is the command being run, fs its flags and pos its positional
	// arguments once parsed: what a running daemon is sent.
	cmd *command
	fs  *flag.FlagSet
	pos []string
	// shared is the daemon's open store when the daemon runs a command
	// for a client of its admin socket; fixed is the daemon's config.
	shared *store.Store
	fixed  *config.Config
}

// command is one of npsd's commands. The same list serves the command
// line and the admin socket: daemon says how a data command runs through
// a running daemon (its flags and arguments, and which name files), nil
// for a command that never does.
type command struct {
	name    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) int
	daemon  *adminsock.Spec
}

// Kinds of arguments, for the daemon specs below.
const (
	val, boolean, in, out, whole = adminsock.Value, adminsock.Bool, adminsock.InputFile, adminsock.OutputFile, adminsock.WholeOutputFile
)

// through says a command runs through the daemon with these flags (name,
// kind, name, kind…) and positional arguments.
func through(positional []adminsock.ArgKind, flags ...any) *adminsock.Spec {
	s := &adminsock.Spec{Flags: map[string]adminsock.ArgKind{}, Positional: positional}
	for i := 0; i+1 < len(flags); i += 2 {
		s.Flags[flags[i].(string)] = flags[i+1].(adminsock.ArgKind)
	}
	return s
}

func commands() []command {
	csv := []adminsock.ArgKind{in}
	one := []adminsock.ArgKind{val}
	return []command{
		{"run", "run the daemon (the default)", (*cli).cmdRun, nil},
		{"demo", "play the whole loop in a temporary folder, with no account needed", (*cli).cmdDemo, nil},
		{"check", "validate the config file and list every problem", (*cli).cmdCheck, nil},
		{"contacts import", "import or update contacts from a CSV file", (*cli).cmdContactsImport, through(csv, "dry-run", boolean, "encoding", val)},
		{"events import", "import events (purchases…) from a CSV file", (*cli).cmdEventsImport, through(csv, "dry-run", boolean, "encoding", val, "type", val)},
		{"events add", "record one event for a contact", (*cli).cmdEventsAdd, through(nil, "contact", val, "type", val, "at", val, "id", val, "amount", val)},
		{"responses import", "import past NPS answers from a CSV file", (*cli).cmdResponsesImport, through(csv, "dry-run", boolean, "encoding", val)},
		{"responses export", "write every response with its contact, as CSV or JSON", (*cli).cmdResponsesExport, through(nil, "format", val, "from", val, "to", val, "out", out)},
		{"report", "print NPS, categories and margin of error", (*cli).cmdReport, through(nil, "from", val, "to", val, "by", val, "campaign", val, "format", val, "out", out)},
		{"cases", "list detractor cases: who to call back, by when", (*cli).cmdCases, through(nil, "format", val, "open", boolean)},
		{"messages", "list the messages npsd kept for the owner to read and decide (unclear, strangers', failed)", (*cli).cmdMessages, through(nil, "since", val, "format", val)},
		{"messages decide", "record the owner's decision on a kept message: --score N, --opt-out or --dismiss", (*cli).cmdMessagesDecide, through(one, "score", val, "by", val, "opt-out", boolean, "dismiss", boolean)},
		{"summary", "show the weekly summary, write it to a file, or send it now", (*cli).cmdSummary, through(nil, "week", val, "out", out, "send", boolean)},
		{"campaign plan", "plan a campaign's wave (or its new events) now", (*cli).cmdCampaignPlan, through(one, "dry-run", boolean)},
		{"outbox", "list the messages waiting, in flight or failed", (*cli).cmdOutbox, through(nil, "state", val, "limit", val)},
		{"backup", "write a consistent copy of the database, while npsd runs", (*cli).cmdBackup, through([]adminsock.ArgKind{whole})},
		{"forget", "erase a contact's personal data, keep their anonymous scores", (*cli).cmdForget, through(one, "yes", boolean)},
		{"hash-password", "print the bcrypt hash of a password read on stdin, for http.admin_password_hash", (*cli).cmdHashPassword, nil},
		{"parse-reply", "show how a reply (SMS on stdin, or a raw email) is read", (*cli).cmdParseReply, nil},
	}
}

// lookup finds the command of a name, and says whether a running daemon
// runs it for a client.
func lookup(name string) (adminsock.Spec, bool) {
	for _, cmd := range commands() {
		if cmd.name == name && cmd.daemon != nil {
			return *cmd.daemon, true
		}
	}
	return adminsock.Spec{}, false
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
	c.fs = fs
	return fs, config
}

// parse parses flags placed before, between or after the positional
// arguments, as people type them ("import file.csv --dry-run"), checks
// the number of positional arguments, and keeps them for a running daemon.
func (c *cli) parse(fs *flag.FlagSet, args []string, positional ...string) ([]string, error) {
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
	c.pos = pos
	return pos, nil
}

// config loads the config named by the flag (or found by the usual search)
// and reports problems on stderr.
func (c *cli) config(flagValue string) (*config.Config, bool) {
	if c.fixed != nil {
		return c.fixed, true
	}
	path, err := config.Find(flagValue, c.getenv)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return nil, false
	}
	cfg, err := config.Load(path, c.getenv)
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

// output sends a command's result to path, private, or to stdout when path
// is empty.
func (c *cli) output(path string, write func(io.Writer) error) error {
	if path == "" {
		return write(c.stdout)
	}
	return safeout.WritePrivateFile(path, write)
}

// forward runs the command in a running daemon; ok is false when the
// command never runs there or no daemon answers on the socket.
func (c *cli) forward(cfg *config.Config) (code int, ok bool) {
	if c.cmd == nil || c.cmd.daemon == nil || c.fs == nil {
		return 0, false
	}
	req := adminsock.Request{Command: c.cmd.name, Args: c.pos}
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name != "config" {
			req.Flags = append(req.Flags, adminsock.Flag{Name: f.Name, Value: f.Value.String()})
		}
	})
	return adminsock.Call(adminsock.Path(cfg.Store.Path), req, *c.cmd.daemon, c.stdout, c.stderr)
}

// daemonCommands runs the commands clients send on the admin socket, on
// the daemon's store, through the same list and flag sets as the command
// line.
type daemonCommands struct{ c *cli }

func (d daemonCommands) Lookup(name string) (adminsock.Spec, bool) { return lookup(name) }

func (d daemonCommands) Run(ctx context.Context, cfg *config.Config, st *store.Store, req adminsock.Request, stdout, stderr io.Writer) int {
	child := &cli{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: d.c.getenv, now: d.c.now, shared: st, fixed: cfg}
	return child.run(ctx, req.Argv())
}
