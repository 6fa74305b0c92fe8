package adminsock

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
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Handler runs a checked request whose file arguments name the daemon's
// own temporary files, and returns the command's exit code.
type Handler func(ctx context.Context, req Request, stdout, stderr io.Writer) int

// server answers commands on the admin socket.
type server struct {
	lookup Lookup
	handle Handler
	log    *slog.Logger
	// allowed says whether a peer's uid may use the socket.
	allowed func(uid uint32) bool
	// served names who allowed lets in, for a refused peer.
	served string
}

// Serve answers commands on the socket at path until ctx ends. Only the
// daemon's own user and root are served.
func Serve(ctx context.Context, path string, lookup Lookup, handle Handler, log *slog.Logger) error {
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
	srv := &server{lookup: lookup, handle: handle, log: log, allowed: ownerOrRoot(uint32(uid)), served: fmt.Sprintf("uid %d and root", uid)}
	return srv.serve(ctx, l)
}

// ownerOrRoot lets in the daemon's own user and root (see the top of
// this file for why root).
func ownerOrRoot(owner uint32) func(uid uint32) bool {
	return func(uid uint32) bool { return uid == owner || uid == 0 }
}

// serve accepts connections on l until ctx ends, and closes l. It returns
// once the commands it runs have ended too: the daemon closes the store
// after, and a command must not find it closed under it.
func (s *server) serve(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var running sync.WaitGroup
	defer running.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("admin socket: %w", err)
		}
		running.Go(func() { s.serveConn(ctx, conn) })
	}
}

// serveConn checks the peer, then runs its command.
func (s *server) serveConn(ctx context.Context, conn net.Conn) {
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
func (s *server) runRequest(ctx context.Context, conn net.Conn) {
	dec := json.NewDecoder(io.LimitReader(conn, maxSocketHeaderBytes))
	// The version is read first, so that a client of another protocol,
	// whose request has another shape, is told why rather than dropped.
	var line json.RawMessage
	if err := dec.Decode(&line); err != nil {
		return
	}
	var version struct {
		Version int `json:"version"`
	}
	var req Request
	err := json.Unmarshal(line, &version)
	if err == nil && version.Version == Protocol {
		err = json.Unmarshal(line, &req)
	} else {
		req.Version = version.Version
		err = nil
	}
	if err != nil {
		_ = json.NewEncoder(conn).Encode(refusal("admin socket: a request that cannot be read: %v", err))
		return
	}
	spec, err := s.check(req)
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
	list := args(&req, spec)
	names, err := substituteFiles(list, tmp, req.Inputs, bodyAfter(dec, conn))
	if err != nil {
		_ = json.NewEncoder(conn).Encode(refusal("%v", err))
		return
	}
	var stdout, stderr bytes.Buffer
	code := s.handle(ctx, req, &stdout, &stderr)
	out, errOut := stdout.String(), stderr.String()
	for p, user := range names {
		out, errOut = strings.ReplaceAll(out, p, user), strings.ReplaceAll(errOut, p, user)
	}
	s.log.Info("admin command", "command", req.Command, "exit", code)
	_ = sendAnswer(conn, Answer{Version: Protocol, Code: code, Stdout: []byte(out), Stderr: []byte(errOut)}, ofKind(list, OutputFile, WholeOutputFile))
}

// check reads a request against the command's spec: a command the daemon
// runs, flags it knows, its positional arguments, and the content of each
// of its input files.
func (s *server) check(req Request) (Spec, error) {
	if req.Version != Protocol {
		return Spec{}, fmt.Errorf("admin socket: this daemon speaks protocol %d, the client %d: use the daemon's npsd binary", Protocol, req.Version)
	}
	spec, ok := s.lookup(req.Command)
	if !ok {
		return Spec{}, fmt.Errorf("%q is not run through the daemon", req.Command)
	}
	for _, f := range req.Flags {
		if _, ok := spec.Flags[f.Name]; !ok {
			return Spec{}, fmt.Errorf("%s: flag -%s is not run through the daemon", req.Command, f.Name)
		}
	}
	if n := len(req.Args); n > len(spec.Positional) || n < len(spec.Positional)-spec.Optional {
		return Spec{}, fmt.Errorf("%s takes %d argument(s) through the daemon, got %d", req.Command, len(spec.Positional), len(req.Args))
	}
	if n := len(ofKind(args(&req, spec), InputFile)); len(req.Inputs) != n {
		return Spec{}, fmt.Errorf("admin socket: %q takes %d file(s) sent with it, got %d: the daemon opens no file for a client", req.Command, n, len(req.Inputs))
	}
	for _, size := range req.Inputs {
		if size < 0 || size > maxForwardedFileBytes {
			return Spec{}, fmt.Errorf("admin socket: a file of %d bytes: the daemon takes up to %d MB", size, maxForwardedFileBytes>>20)
		}
	}
	return spec, nil
}

// substituteFiles puts the daemon's temporary files in place of the
// client's paths: inputs receive the bytes streamed in body. It returns
// the client's name of each temporary file, to show in what the command
// prints.
func substituteFiles(list []arg, tmp string, sizes []int64, body io.Reader) (map[string]string, error) {
	names := map[string]string{}
	in, out := 0, 0
	for _, a := range ofKind(list, InputFile, OutputFile, WholeOutputFile) {
		var p string
		if a.kind == InputFile {
			// The extension stays: it tells the reader what the file is.
			p = filepath.Join(tmp, fmt.Sprintf("in%d%s", in, filepath.Ext(*a.value)))
			if err := receiveFile(p, io.LimitReader(body, sizes[in]), sizes[in]); err != nil {
				return nil, err
			}
			in++
		} else {
			p = filepath.Join(tmp, fmt.Sprintf("out%d", out))
			out++
		}
		names[p] = *a.value
		*a.value = p
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

// sendAnswer writes the answer line, then streams the output files the
// command wrote (outputs hold the daemon's temporary paths).
func sendAnswer(w io.Writer, ans Answer, outputs []arg) error {
	var files []*os.File
	defer func() { closeAll(files) }()
	for _, a := range outputs {
		f, err := os.Open(*a.value)
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
