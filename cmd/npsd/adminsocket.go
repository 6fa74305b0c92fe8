package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/npsd/npsd/store"
)

// The admin socket lets data commands work while the daemon holds the
// store: the command line goes to the daemon, which runs the very same
// command on its open store and sends back what it printed.
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
// socketRequest as one JSON line, then the content of each input file,
// in order, of the sizes it declares; back, a socketAnswer as one JSON
// line, then the content of each output file, likewise.

// socketProtocol is the version of the wire: a client and a daemon of
// different versions refuse each other with a message saying so.
const socketProtocol = 2

// maxForwardedFileBytes bounds an input file the daemon accepts from a
// client, as it holds each one on disk while the command runs.
const maxForwardedFileBytes = 256 << 20

// maxSocketHeaderBytes bounds a request or answer line: a command line,
// or what a command printed.
const maxSocketHeaderBytes = 64 << 20

// socketPath is the socket beside the store file: whoever may read the
// store folder may talk to the daemon, and nobody else (mode 0600).
func socketPath(cfg *Config) string { return filepath.Join(filepath.Dir(cfg.Store.Path), "npsd.sock") }

type socketRequest struct {
	Version int `json:"version"`
	// Command is the command line, with the client's --config left out.
	// It is not called "args", the field of protocol 1: a daemon of
	// protocol 1 then finds no command and runs nothing.
	Command []string `json:"command"`
	// Inputs are the sizes of the input files that follow, in the order
	// of the command line.
	Inputs []int64 `json:"inputs,omitempty"`
}

type socketAnswer struct {
	Version int    `json:"version"`
	Code    int    `json:"code"`
	Stdout  []byte `json:"stdout"`
	Stderr  []byte `json:"stderr"`
	// Outputs are the sizes of the output files that follow, in the order
	// of the command line; -1 for a file the command did not write.
	Outputs []int64 `json:"outputs,omitempty"`
}

// refusal is an answer that runs nothing.
func refusal(format string, args ...any) socketAnswer {
	return socketAnswer{Version: socketProtocol, Code: exitUnusable, Stderr: fmt.Appendf(nil, "npsd: "+format+"\n", args...)}
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

// forward runs the current command in the daemon; ok is false when no
// daemon answers on the socket.
func (c *cli) forward(cfg *Config) (int, bool) {
	conn, err := net.DialTimeout("unix", socketPath(cfg), time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	cmd, err := parseForwarded(c.args)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return exitUnusable, true
	}
	req, files, err := prepareRequest(cmd)
	if err != nil {
		fmt.Fprintf(c.stderr, "npsd: %v\n", err)
		return exitUnusable, true
	}
	defer closeAll(files)
	// A daemon that refuses answers before reading the request: its
	// answer, not the failed write, says why.
	sendErr := sendRequest(conn, req, files)
	return c.receiveAnswer(conn, cmd, sendErr), true
}

// prepareRequest opens the input files the client names and builds the
// request that announces them.
func prepareRequest(cmd forwardedCommand) (socketRequest, []*os.File, error) {
	req := socketRequest{Version: socketProtocol, Command: cmd.argv()}
	var files []*os.File
	for _, a := range cmd.files(inputFile) {
		f, size, err := openInput(a.value)
		if err != nil {
			closeAll(files)
			return req, nil, err
		}
		files = append(files, f)
		req.Inputs = append(req.Inputs, size)
	}
	return req, files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}

// sendRequest writes the request line and streams the input files.
func sendRequest(w io.Writer, req socketRequest, files []*os.File) error {
	if err := json.NewEncoder(w).Encode(req); err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	for i, f := range files {
		if _, err := io.CopyN(w, f, req.Inputs[i]); err != nil {
			return fmt.Errorf("admin socket: sending %s: %w", f.Name(), err)
		}
	}
	return nil
}

// openInput opens an input file the client names, within the size the
// daemon accepts.
func openInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s: not a regular file: the running daemon takes a file it can be sent whole", path)
	}
	if err == nil && fi.Size() > maxForwardedFileBytes {
		err = fmt.Errorf("%s: %d bytes, more than the %d MB the running daemon takes", path, fi.Size(), maxForwardedFileBytes>>20)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// receiveAnswer reads the daemon's answer, writes the output files it
// streams, and prints what the command printed.
func (c *cli) receiveAnswer(conn net.Conn, cmd forwardedCommand, sendErr error) int {
	dec := json.NewDecoder(io.LimitReader(conn, maxSocketHeaderBytes))
	var ans socketAnswer
	if err := dec.Decode(&ans); err != nil {
		if sendErr != nil {
			fmt.Fprintf(c.stderr, "npsd: %v\n", sendErr)
			return exitPartial
		}
		fmt.Fprintf(c.stderr, "npsd: admin socket: no answer from the daemon (%v); if it runs an older npsd, restart it with this one\n", err)
		return exitPartial
	}
	if ans.Version != socketProtocol {
		fmt.Fprintf(c.stderr, "npsd: admin socket: the daemon speaks protocol %d, this npsd %d: restart the daemon with this binary\n", ans.Version, socketProtocol)
		return exitPartial
	}
	body := bodyAfter(dec, conn)
	outputs := cmd.outputs()
	if len(ans.Outputs) != 0 && len(ans.Outputs) != len(outputs) {
		fmt.Fprintf(c.stderr, "npsd: admin socket: the daemon sent %d files for %d outputs\n", len(ans.Outputs), len(outputs))
		return exitPartial
	}
	for i, size := range ans.Outputs {
		if size < 0 {
			continue
		}
		if err := writeOutput(outputs[i], io.LimitReader(body, size), size); err != nil {
			fmt.Fprintf(c.stderr, "npsd: %v\n", err)
			return exitPartial
		}
	}
	c.stdout.Write(ans.Stdout)
	c.stderr.Write(ans.Stderr)
	return ans.Code
}

// writeOutput writes an output file the daemon streams, as the command
// would have: --out privately in place, a backup whole or not at all.
func writeOutput(a cmdArg, r io.Reader, size int64) error {
	copyAll := func(w io.Writer) error {
		if _, err := io.CopyN(w, r, size); err != nil {
			return fmt.Errorf("receiving from the daemon: %w", err)
		}
		return nil
	}
	if a.kind == wholeOutputFile {
		return writeWholeFile(a.value, copyAll)
	}
	return writePrivateFile(a.value, copyAll)
}

// writeWholeFile writes path mode 0600 under a temporary name renamed
// into place once complete, so a half-written backup never has the name
// of a good one.
func writeWholeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".npsd-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// adminServer answers commands on the admin socket.
type adminServer struct {
	cli *cli
	// current is the config running at the time (a reload changes it).
	current *atomic.Pointer[Config]
	st      *store.Store
	log     *slog.Logger
	// allowed says whether a peer's uid may use the socket.
	allowed func(uid uint32) bool
	// served names who allowed lets in, for a refused peer.
	served string
}

// serveAdminSocket answers commands on the socket until ctx ends, each
// with the config running at the time.
func (c *cli) serveAdminSocket(ctx context.Context, current *atomic.Pointer[Config], st *store.Store, log *slog.Logger) error {
	path := socketPath(current.Load())
	// A socket left by a killed daemon blocks the listen: the store lock
	// proves no other daemon runs, so it is ours to remove.
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	defer os.Remove(path)
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("admin socket: %w", err)
	}
	uid := os.Getuid()
	srv := &adminServer{cli: c, current: current, st: st, log: log,
		allowed: ownerOrRoot(uint32(uid)), served: fmt.Sprintf("uid %d and root", uid)}
	return srv.serve(ctx, l)
}

// ownerOrRoot lets in the daemon's own user and root (see the top of
// this file for why root).
func ownerOrRoot(owner uint32) func(uid uint32) bool {
	return func(uid uint32) bool { return uid == owner || uid == 0 }
}

// serve accepts connections on l until ctx ends, and closes l.
func (s *adminServer) serve(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("admin socket: %w", err)
		}
		go s.serveConn(ctx, conn)
	}
}

// serveConn checks the peer, then runs its command.
func (s *adminServer) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	cred, err := peerCredentials(conn)
	if err != nil {
		s.log.Warn("admin socket: peer unknown, refused", "err", err)
		return
	}
	if !s.allowed(cred.Uid) {
		s.log.Warn("admin socket: peer refused", "uid", cred.Uid, "pid", cred.Pid)
		_ = json.NewEncoder(conn).Encode(refusal("refused: the admin socket serves %s only", s.served))
		return
	}
	s.runRequest(ctx, conn)
}

// peerCredentials asks the kernel who is at the other end of a unix
// socket: the uid and pid it had when it connected.
func peerCredentials(conn net.Conn) (*unix.Ucred, error) {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("not a unix socket: %T", conn)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return nil, fmt.Errorf("peer credentials: %w", credErr)
	}
	return cred, nil
}

// runRequest reads a request, runs it in a private temporary folder and
// answers.
func (s *adminServer) runRequest(ctx context.Context, conn net.Conn) {
	dec := json.NewDecoder(io.LimitReader(conn, maxSocketHeaderBytes))
	var req socketRequest
	if err := dec.Decode(&req); err != nil {
		return
	}
	cmd, err := checkRequest(req)
	if err != nil {
		_ = json.NewEncoder(conn).Encode(refusal("%v", err))
		return
	}
	tmp, err := os.MkdirTemp("", "npsd-admin-")
	if err != nil {
		_ = json.NewEncoder(conn).Encode(refusal("admin socket: %v", err))
		return
	}
	defer os.RemoveAll(tmp)
	names, err := substituteFiles(&cmd, tmp, req.Inputs, bodyAfter(dec, conn))
	if err != nil {
		_ = json.NewEncoder(conn).Encode(refusal("%v", err))
		return
	}
	ans := s.run(ctx, cmd, names)
	s.log.Info("admin command", "command", cmd.name(), "exit", ans.Code)
	_ = sendAnswer(conn, ans, cmd.outputs())
}

// checkRequest parses a request's command, which must be one the daemon
// runs, with the content of each of its input files.
func checkRequest(req socketRequest) (forwardedCommand, error) {
	if req.Version != socketProtocol {
		return forwardedCommand{}, fmt.Errorf("admin socket: this daemon speaks protocol %d, the client %d: use the daemon's npsd binary", socketProtocol, req.Version)
	}
	cmd, err := parseForwarded(req.Command)
	if err != nil {
		return forwardedCommand{}, err
	}
	if n := len(cmd.files(inputFile)); len(req.Inputs) != n {
		return forwardedCommand{}, fmt.Errorf("admin socket: %q takes %d file(s) sent with it, got %d: the daemon opens no file for a client", cmd.name(), n, len(req.Inputs))
	}
	for _, size := range req.Inputs {
		if size < 0 || size > maxForwardedFileBytes {
			return forwardedCommand{}, fmt.Errorf("admin socket: a file of %d bytes: the daemon takes up to %d MB", size, maxForwardedFileBytes>>20)
		}
	}
	return cmd, nil
}

// substituteFiles puts the daemon's temporary files in place of the
// client's paths in cmd: inputs receive the bytes streamed in body. It
// returns the client's name of each temporary file, to show in what the
// command prints.
func substituteFiles(cmd *forwardedCommand, tmp string, sizes []int64, body io.Reader) (map[string]string, error) {
	names := map[string]string{}
	in, out := 0, 0
	for _, a := range cmd.fileArgs() {
		var p string
		if a.kind == inputFile {
			// The extension stays: it tells the reader what the file is.
			p = filepath.Join(tmp, fmt.Sprintf("in%d%s", in, filepath.Ext(a.value)))
			if err := receiveFile(p, io.LimitReader(body, sizes[in]), sizes[in]); err != nil {
				return nil, err
			}
			in++
		} else {
			p = filepath.Join(tmp, fmt.Sprintf("out%d", out))
			out++
		}
		names[p] = a.value
		a.value = p
	}
	return names, nil
}

// receiveFile writes the size bytes of r to path, mode 0600.
func receiveFile(path string, r io.Reader, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	_, err = io.CopyN(f, r, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("admin socket: receiving a file: %w", err)
	}
	return nil
}

// run runs cmd on the daemon's store and config, and shows the client's
// names for the daemon's temporary files in what it printed.
func (s *adminServer) run(ctx context.Context, cmd forwardedCommand, names map[string]string) socketAnswer {
	var stdout, stderr bytes.Buffer
	child := &cli{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: s.cli.getenv, now: s.cli.now, shared: s.st, fixed: s.current.Load()}
	code := child.run(ctx, cmd.argv())
	out, errOut := stdout.String(), stderr.String()
	for p, user := range names {
		out, errOut = strings.ReplaceAll(out, p, user), strings.ReplaceAll(errOut, p, user)
	}
	return socketAnswer{Version: socketProtocol, Code: code, Stdout: []byte(out), Stderr: []byte(errOut)}
}

// sendAnswer writes the answer line, then streams the output files the
// command wrote (outputs hold the daemon's temporary paths).
func sendAnswer(w io.Writer, ans socketAnswer, outputs []cmdArg) error {
	var files []*os.File
	defer func() { closeAll(files) }()
	for _, a := range outputs {
		f, err := os.Open(a.value)
		var fi os.FileInfo
		if err == nil {
			fi, err = f.Stat()
		}
		if err != nil {
			files, ans.Outputs = append(files, f), append(ans.Outputs, -1)
			continue
		}
		files, ans.Outputs = append(files, f), append(ans.Outputs, fi.Size())
	}
	if err := json.NewEncoder(w).Encode(ans); err != nil {
		return err
	}
	for i, f := range files {
		if ans.Outputs[i] < 0 {
			continue
		}
		if _, err := io.CopyN(w, f, ans.Outputs[i]); err != nil {
			return err
		}
	}
	return nil
}

// argKind says what an argument of a forwarded command is.
type argKind int

const (
	valueArg        argKind = iota // a flag's value, or a positional that names no file
	boolArg                        // a flag that takes no separate value
	inputFile                      // a file the command reads
	outputFile                     // a file the command writes in place, private (--out)
	wholeOutputFile                // a file written whole or not at all (a backup)
)

// commandSpec is what a forwarded command takes: its flags by name and
// its positional arguments in order. The daemon runs nothing it cannot
// read this way, so a file argument it does not know is refused, not
// opened.
type commandSpec struct {
	flags      map[string]argKind
	positional []argKind
}

// forwardedSpecs are the commands the daemon runs for a client, with
// the flags of each (their --config excepted: it stays with the client).
func forwardedSpecs() map[string]commandSpec {
	imports := func(extra ...string) commandSpec {
		s := commandSpec{flags: map[string]argKind{"dry-run": boolArg, "encoding": valueArg}, positional: []argKind{inputFile}}
		for _, f := range extra {
			s.flags[f] = valueArg
		}
		return s
	}
	values := func(names ...string) map[string]argKind {
		m := map[string]argKind{}
		for _, n := range names {
			m[n] = valueArg
		}
		return m
	}
	with := func(m map[string]argKind, name string, kind argKind) map[string]argKind {
		m[name] = kind
		return m
	}
	return map[string]commandSpec{
		"contacts import":  imports(),
		"events import":    imports("type"),
		"responses import": imports(),
		"events add":       {flags: values("contact", "type", "at", "id", "amount")},
		"responses export": {flags: with(values("format", "from", "to"), "out", outputFile)},
		"report":           {flags: with(values("from", "to", "by", "campaign", "format"), "out", outputFile)},
		"cases":            {flags: with(values("format"), "open", boolArg)},
		"messages":         {flags: values("since", "format")},
		"messages decide":  {flags: with(with(values("score", "by"), "opt-out", boolArg), "dismiss", boolArg), positional: []argKind{valueArg}},
		"summary":          {flags: with(with(values("week"), "out", outputFile), "send", boolArg)},
		"campaign plan":    {flags: map[string]argKind{"dry-run": boolArg}, positional: []argKind{valueArg}},
		"outbox":           {flags: values("state", "limit")},
		"forget":           {flags: map[string]argKind{"yes": boolArg}, positional: []argKind{valueArg}},
		"backup":           {flags: map[string]argKind{}, positional: []argKind{wholeOutputFile}},
	}
}

// cmdArg is one flag (with its value) or positional argument.
type cmdArg struct {
	flag  string // "" for a positional argument
	value string
	kind  argKind
}

// forwardedCommand is a command line read the way the command's flag set
// reads it, so that every file it names is known.
type forwardedCommand struct {
	words []string
	args  []cmdArg
}

func (f forwardedCommand) name() string { return strings.Join(f.words, " ") }

// argv writes the command line back in one unambiguous form: flags as
// -name=value, then each positional argument after "--", so that a file
// name starting with "-" stays a file name.
func (f forwardedCommand) argv() []string {
	argv := append([]string(nil), f.words...)
	for _, a := range f.args {
		if a.flag != "" {
			argv = append(argv, "-"+a.flag+"="+a.value)
		}
	}
	for _, a := range f.args {
		if a.flag == "" {
			argv = append(argv, "--", a.value)
		}
	}
	return argv
}

// fileArgs are the arguments that name files, in order.
func (f *forwardedCommand) fileArgs() []*cmdArg {
	var out []*cmdArg
	for i := range f.args {
		if k := f.args[i].kind; k == inputFile || k == outputFile || k == wholeOutputFile {
			out = append(out, &f.args[i])
		}
	}
	return out
}

// files are the arguments of one kind, in order.
func (f forwardedCommand) files(kind argKind) []cmdArg {
	var out []cmdArg
	for _, a := range f.args {
		if a.kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// outputs are the files the command writes, in order.
func (f forwardedCommand) outputs() []cmdArg {
	var out []cmdArg
	for _, a := range f.args {
		if a.kind == outputFile || a.kind == wholeOutputFile {
			out = append(out, a)
		}
	}
	return out
}

// parseForwarded reads a command line the daemon may run, as the flag
// package and parse do: flags before, between or after the positional
// arguments, "-name value", "-name=value" or "--name…", and "--" before
// an argument that is positional whatever it looks like. The client's
// --config is dropped.
func parseForwarded(args []string) (forwardedCommand, error) {
	specs := forwardedSpecs()
	var f forwardedCommand
	var spec commandSpec
	for _, n := range []int{2, 1} {
		if s, ok := specs[strings.Join(args[:min(n, len(args))], " ")]; ok && len(args) >= n {
			f.words, spec = args[:n], s
			break
		}
	}
	if f.words == nil {
		return f, fmt.Errorf("%q is not run through the daemon", strings.Join(args[:min(2, len(args))], " "))
	}
	var positional []string
	rest := args[len(f.words):]
	for i := 0; i < len(rest); i++ {
		s := rest[i]
		if s == "--" && i+1 < len(rest) {
			i++
			positional = append(positional, rest[i])
			continue
		}
		if len(s) < 2 || s[0] != '-' || s == "--" {
			positional = append(positional, s)
			continue
		}
		a, consumed, err := parseFlag(f.name(), spec, rest[i:])
		if err != nil {
			return f, err
		}
		i += consumed - 1
		if a.flag != "config" {
			f.args = append(f.args, a)
		}
	}
	if len(positional) != len(spec.positional) {
		return f, fmt.Errorf("%s takes %d argument(s) through the daemon, got %d", f.name(), len(spec.positional), len(positional))
	}
	for i, p := range positional {
		f.args = append(f.args, cmdArg{value: p, kind: spec.positional[i]})
	}
	return f, nil
}

// parseFlag reads the flag at args[0] and returns it with the number of
// arguments it took (2 when its value is the next one).
func parseFlag(command string, spec commandSpec, args []string) (cmdArg, int, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(args[0], "-"), "-")
	if name == "" || name[0] == '-' || name[0] == '=' {
		return cmdArg{}, 0, fmt.Errorf("%s: bad flag syntax: %s", command, args[0])
	}
	name, value, hasValue := strings.Cut(name, "=")
	kind, ok := spec.flags[name]
	if name == "config" {
		kind, ok = valueArg, true
	}
	if !ok {
		return cmdArg{}, 0, fmt.Errorf("%s: flag -%s is not run through the daemon", command, name)
	}
	switch {
	case hasValue:
		return cmdArg{flag: name, value: value, kind: kind}, 1, nil
	case kind == boolArg:
		return cmdArg{flag: name, value: "true", kind: kind}, 1, nil
	case len(args) < 2:
		return cmdArg{}, 0, fmt.Errorf("%s: flag -%s needs a value", command, name)
	}
	return cmdArg{flag: name, value: args[1], kind: kind}, 2, nil
}
