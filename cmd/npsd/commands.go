package main

import (
	"context"
	"io"
	"strings"

	"github.com/npsd/npsd/internal/adminsock"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/store"
)

// command is one of npsd's commands. The same list serves the command
// line and the admin socket: daemon says how a data command runs through
// a running daemon (its flags and arguments, and which name files), nil
// for a command that never does.
type command struct {
	name string
	// args names the positional arguments, as usage prints them.
	args    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) int
	daemon  *adminsock.Spec
}

// Kinds of arguments, for the daemon specs below.
const (
	argValue, argBool, argIn, argOut, argWhole = adminsock.Value, adminsock.Bool, adminsock.InputFile, adminsock.OutputFile, adminsock.WholeOutputFile
)

func commands() []command {
	csv := []adminsock.ArgKind{argIn}
	one := []adminsock.ArgKind{argValue}
	return []command{
		{"run", "", "run the daemon (the default)", (*cli).cmdRun, nil},
		{"demo", "", "play the whole loop in a temporary folder, with no account needed", (*cli).cmdDemo, nil},
		{"check", "", "validate the config file and list every problem", (*cli).cmdCheck, nil},
		{"contacts import", "FILE.csv", "import or update contacts from a CSV file", (*cli).cmdContactsImport, adminsock.NewSpec(csv, "dry-run", argBool, "encoding", argValue, "date-format", argValue, "map", argValue, "strict", argBool)},
		{"contacts list", "", "list the customers, to find one: --search, --segment", (*cli).cmdContactsList, adminsock.NewSpec(nil, "search", argValue, "segment", argValue, "format", argValue, "out", argOut)},
		{"contacts show", "KEY", "show a customer's file: channels, surveys, messages, answers, cases and notes in time order", (*cli).cmdContactsShow, adminsock.NewSpec(one, "format", argValue)},
		{"contacts export", "", "write every customer with their attributes, as CSV or JSON", (*cli).cmdContactsExport, adminsock.NewSpec(nil, "search", argValue, "segment", argValue, "format", argValue, "out", argOut)},
		{"events import", "FILE.csv", "import events (purchases…) from a CSV file", (*cli).cmdEventsImport, adminsock.NewSpec(csv, "dry-run", argBool, "encoding", argValue, "type", argValue, "date-format", argValue, "map", argValue)},
		{"events add", "", "record one event for a contact", (*cli).cmdEventsAdd, adminsock.NewSpec(nil, "contact", argValue, "type", argValue, "at", argValue, "id", argValue, "amount", argValue)},
		{"responses import", "FILE.csv", "import past NPS answers from a CSV file", (*cli).cmdResponsesImport, adminsock.NewSpec(csv, "dry-run", argBool, "encoding", argValue, "date-format", argValue, "map", argValue)},
		{"responses add", "KEY", "record an answer a customer gave by phone or at the counter: --score N", (*cli).cmdResponsesAdd, adminsock.NewSpec(one, "score", argValue, "comment", argValue, "channel", argValue, "at", argValue, "by", argValue)},
		{"responses export", "", "write every response with its contact, as CSV or JSON", (*cli).cmdResponsesExport, adminsock.NewSpec(nil, "format", argValue, "from", argValue, "to", argValue, "out", argOut)},
		{"report", "", "print NPS, categories and margin of error", (*cli).cmdReport, adminsock.NewSpec(nil, "from", argValue, "to", argValue, "by", argValue, "campaign", argValue, "format", argValue, "out", argOut)},
		{"cases", "", "list detractor cases: who to call back, by when", (*cli).cmdCases, adminsock.NewSpec(nil, "format", argValue, "open", argBool)},
		{"messages", "", "list the messages npsd kept for the owner to read and decide (unclear, strangers', failed)", (*cli).cmdMessages, adminsock.NewSpec(nil, "since", argValue, "format", argValue)},
		{"messages decide", "KEY", "record the owner's decision on a kept message: --score N, --opt-out or --dismiss", (*cli).cmdMessagesDecide, adminsock.NewSpec(one, "score", argValue, "by", argValue, "opt-out", argBool, "dismiss", argBool)},
		{"summary", "", "show the weekly summary, write it to a file, or send it now", (*cli).cmdSummary, adminsock.NewSpec(nil, "week", argValue, "out", argOut, "send", argBool)},
		{"campaign plan", "NAME", "plan a campaign's wave (or its new events) now", (*cli).cmdCampaignPlan, adminsock.NewSpec(one, "dry-run", argBool, "list", argBool)},
		{"outbox", "", "list the messages waiting, in flight or failed", (*cli).cmdOutbox, adminsock.NewSpec(nil, "state", argValue, "limit", argValue)},
		{"outbox cancel", "[JOB]", "cancel a waiting message, or with --campaign every one of a campaign", (*cli).cmdOutboxCancel, adminsock.NewSpec(one, "campaign", argValue, "reason", argValue).WithOptional(1)},
		{"backup", "FILE", "write a consistent copy of the database, while npsd runs", (*cli).cmdBackup, adminsock.NewSpec([]adminsock.ArgKind{argWhole})},
		{"forget", "KEY", "erase a contact's personal data, keep their anonymous scores", (*cli).cmdForget, adminsock.NewSpec(one, "yes", argBool)},
		{"hash-password", "", "print the bcrypt hash of a password read on stdin, for http.admin_password_hash", (*cli).cmdHashPassword, nil},
		{"parse-reply", "", "show how a reply (SMS on stdin, or a raw email) is read", (*cli).cmdParseReply, nil},
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

// forward runs the command in a running daemon; ok is false when the
// command never runs there or no daemon answers on the socket.
func (c *cli) forward(cfg *config.Config) (code int, ok bool) {
	if c.cmd == nil || c.cmd.daemon == nil || c.fs == nil {
		return 0, false
	}
	req := adminsock.RequestFrom(c.cmd.name, c.fs, c.pos)
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
