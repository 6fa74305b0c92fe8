// Package adminsock owns the admin socket: the wire between a data
// command and a running daemon that holds the store, the client that
// sends a command with its input files, and the server that checks who
// calls, receives the files into a private folder and answers with what
// the command printed and wrote. Which commands run through it, and
// their flags, is the caller's list (a Lookup): this package runs none
// itself.
//
// The admin socket lets data commands work while the daemon holds the
// store: the command, as a structured request, goes to the daemon, which
// runs the very same command on its open store and sends back what it
// printed.
//
// Files named on the command line are opened by the client only. The
// client streams an input file's bytes after its request, and writes an
// output file from the bytes the daemon streams after its answer. The
// daemon runs the command on copies in a private temporary folder, so it
// never opens a path a client names: it may run as another user, with
// other permissions and another working directory, and must not lend
// them (a confused deputy). A command line naming a file in a way the
// daemon cannot substitute (an unknown flag) is refused whole.
//
// Only the daemon's own user, and root, may talk to it: the socket is
// mode 0600 and owned by that user, and SO_PEERCRED checks it again, so a
// socket folder opened up by mistake lends nobody the daemon's rights.
// Root passes because it can read the store file and this socket anyway,
// and `sudo npsd backup` is how operators work; refusing it would only
// get in their way.
//
// The wire, private between the client and server of one binary: a
// Request as one JSON line, then the content of each input file,
// in order, of the sizes it declares; back, an Answer as one JSON
// line, then the content of each output file, likewise.
package adminsock

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// Protocol is the version of the wire: a client and a daemon of
// different versions refuse each other with a message saying so.
// Protocol 3 sends a command as its name, its flags and its arguments,
// read by the command's own flag set on both sides; protocol 2 sent a
// command line for the daemon to parse again.
const Protocol = 3

// maxForwardedFileBytes bounds an input file the daemon accepts from a
// client, as it holds each one on disk while the command runs.
const maxForwardedFileBytes = 256 << 20

// maxSocketHeaderBytes bounds a request or answer line: a command line,
// or what a command printed.
const maxSocketHeaderBytes = 64 << 20

// Path is the socket beside the store file: whoever may read the store
// folder may talk to the daemon, and nobody else (mode 0600).
func Path(storePath string) string { return filepath.Join(filepath.Dir(storePath), "npsd.sock") }

// ArgKind says what an argument of a command is.
type ArgKind int

const (
	Value           ArgKind = iota // a flag's value, or a positional that names no file
	Bool                           // a flag that takes no separate value
	InputFile                      // a file the command reads
	OutputFile                     // a file the command writes in place, private (--out)
	WholeOutputFile                // a file written whole or not at all (a backup)
)

// Spec is what a command run through the daemon takes: its flags by name
// and its positional arguments in order. The daemon runs nothing it
// cannot read this way, so a file argument it does not know is refused,
// not opened.
type Spec struct {
	Flags      map[string]ArgKind
	Positional []ArgKind
	// Optional is how many of the last positional arguments may be left
	// out.
	Optional int
}

// WithOptional marks the last n positional arguments as ones that may be
// left out.
func (s *Spec) WithOptional(n int) *Spec {
	s.Optional = n
	return s
}

// Lookup finds the spec of a command by name; ok is false for a command
// the daemon does not run for a client.
type Lookup func(command string) (spec Spec, ok bool)

// Flag is one flag set on the command line, with its value as the flag
// set prints it.
type Flag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Request is a command for the daemon, as one JSON line; the content of
// each input file follows it, in order, of the sizes it declares.
type Request struct {
	Version int `json:"version"`
	// Command is the command's name ("messages decide").
	Command string `json:"command"`
	// Flags are the flags the client set, its --config left out.
	Flags []Flag `json:"flags,omitempty"`
	// Args are the positional arguments.
	Args []string `json:"args,omitempty"`
	// Inputs are the sizes of the input files that follow, in the order
	// of the arguments.
	Inputs []int64 `json:"inputs,omitempty"`
}

// Answer is what the command printed and how it ended, as one JSON line;
// the content of each output file follows it.
type Answer struct {
	Version int    `json:"version"`
	Code    int    `json:"code"`
	Stdout  []byte `json:"stdout"`
	Stderr  []byte `json:"stderr"`
	// Outputs are the sizes of the output files that follow, in the order
	// of the arguments; -1 for a file the command did not write.
	Outputs []int64 `json:"outputs,omitempty"`
}

// ExitUnusable is the exit code of a refused request: bad usage.
const ExitUnusable = 2

// exitFailed is the exit code of a request that failed on the way.
const exitFailed = 1

// refusal is an answer that runs nothing.
func refusal(format string, args ...any) Answer {
	return Answer{Version: Protocol, Code: ExitUnusable, Stderr: fmt.Appendf(nil, "npsd: "+format+"\n", args...)}
}

// arg is one flag (with its value) or positional argument of a request,
// with its kind from the spec.
type arg struct {
	flag  string // "" for a positional argument
	value *string
	kind  ArgKind
}

// args lists a request's arguments that the spec marks, flags first then
// positionals, each pointing into the request so that a file's path can
// be replaced in place.
func args(req *Request, spec Spec) []arg {
	var out []arg
	for i := range req.Flags {
		out = append(out, arg{flag: req.Flags[i].Name, value: &req.Flags[i].Value, kind: spec.Flags[req.Flags[i].Name]})
	}
	for i := range req.Args {
		if i < len(spec.Positional) {
			out = append(out, arg{value: &req.Args[i], kind: spec.Positional[i]})
		}
	}
	return out
}

func ofKind(list []arg, kinds ...ArgKind) []arg {
	var out []arg
	for _, a := range list {
		if slices.Contains(kinds, a.kind) {
			out = append(out, a)
		}
	}
	return out
}

// Argv writes a request back as a command line in one unambiguous form,
// for the command's own flag set: flags as -name=value, then each
// positional argument after "--", so that a file name starting with "-"
// stays a file name.
func (r Request) Argv() []string {
	argv := strings.Fields(r.Command)
	for _, f := range r.Flags {
		argv = append(argv, "-"+f.Name+"="+f.Value)
	}
	for _, a := range r.Args {
		argv = append(argv, "--", a)
	}
	return argv
}

// bodyAfter returns what follows the JSON line dec read. The encoder ends
// the line with a newline, which the decoder leaves unread: it is skipped
// at the first read, so a line with nothing after it is never waited on.
func bodyAfter(dec *json.Decoder, conn io.Reader) io.Reader {
	return &afterNewline{r: io.MultiReader(dec.Buffered(), conn)}
}

type afterNewline struct {
	r       io.Reader
	skipped bool
}

func (a *afterNewline) Read(p []byte) (int, error) {
	if !a.skipped {
		var nl [1]byte
		if _, err := io.ReadFull(a.r, nl[:]); err != nil {
			return 0, fmt.Errorf("admin socket: reading a file: %w", err)
		}
		if nl[0] != '\n' {
			return 0, errors.New("admin socket: a file does not follow its JSON line")
		}
		a.skipped = true
	}
	return a.r.Read(p)
}

// NewSpec is the spec of a command with these positional arguments and
// flags, given as name, kind, name, kind…
func NewSpec(positional []ArgKind, flags ...any) *Spec {
	s := &Spec{Flags: map[string]ArgKind{}, Positional: positional}
	for i := 0; i+1 < len(flags); i += 2 {
		s.Flags[flags[i].(string)] = flags[i+1].(ArgKind)
	}
	return s
}

// RequestFrom is the request for a command whose flag set has parsed its
// command line: the flags set on it (but the config, which stays with
// the client) and its positional arguments. Both ends read the flags with
// the same flag set, so no command line is parsed twice by hand.
func RequestFrom(command string, fs *flag.FlagSet, positional []string) Request {
	req := Request{Command: command, Args: positional}
	fs.Visit(func(f *flag.Flag) {
		if f.Name != "config" {
			req.Flags = append(req.Flags, Flag{Name: f.Name, Value: f.Value.String()})
		}
	})
	return req
}
