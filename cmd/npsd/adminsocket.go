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
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"npsd/store"
)

// The admin socket lets data commands work while the daemon holds the
// store: the command line goes to the daemon, which runs the very same
// command on its open store and sends back what it printed. Files travel
// in the request and the answer, so the daemon reads none of the user's
// paths and writes none of them.

// socketPath is the socket beside the store file: whoever may read the
// store folder may talk to the daemon, and nobody else (mode 0600).
func socketPath(cfg *Config) string { return filepath.Join(filepath.Dir(cfg.Store.Path), "npsd.sock") }

type socketRequest struct {
	Args  []string `json:"args"`
	Stdin []byte   `json:"stdin,omitempty"`
	// Files holds the content of input files by the path given.
	Files map[string][]byte `json:"files,omitempty"`
}

type socketAnswer struct {
	Code   int    `json:"code"`
	Stdout []byte `json:"stdout"`
	Stderr []byte `json:"stderr"`
	// Files holds output files by the path given.
	Files map[string][]byte `json:"files,omitempty"`
}

// fileArgs says which arguments of a command are files: inputs (the CSV of
// an import) and outputs (--out, the backup file).
func fileArgs(args []string) (inputs, outputs []int) {
	cmd := strings.Join(args[:min(2, len(args))], " ")
	positional := func() int {
		for i := 2; i < len(args); i++ {
			if strings.HasPrefix(args[i], "-") {
				if !strings.Contains(args[i], "=") && i+1 < len(args) && !isBoolFlag(args[i]) {
					i++ // the flag's value
				}
				continue
			}
			return i
		}
		return -1
	}
	switch cmd {
	case "contacts import", "events import", "responses import":
		if i := positional(); i >= 0 {
			inputs = append(inputs, i)
		}
	}
	if args[0] == "backup" && len(args) > 1 {
		for i := 1; i < len(args); i++ {
			if !strings.HasPrefix(args[i], "-") && (i == 1 || args[i-1] != "--config") {
				outputs = append(outputs, i)
				break
			}
		}
	}
	for i := range args {
		if (args[i] == "--out" || args[i] == "-out") && i+1 < len(args) {
			outputs = append(outputs, i+1)
		}
	}
	return inputs, outputs
}

func isBoolFlag(f string) bool {
	return slices.Contains([]string{"--dry-run", "-dry-run", "--open", "-open", "--send", "-send"}, f)
}

// forward runs the current command in the daemon; ok is false when no
// daemon answers on the socket.
func (c *cli) forward(cfg *Config) (int, bool) {
	conn, err := net.DialTimeout("unix", socketPath(cfg), time.Second)
	if err != nil {
		return 0, false
	}
	defer conn.Close()
	req := socketRequest{Args: c.args, Files: map[string][]byte{}}
	inputs, outputs := fileArgs(c.args)
	for _, i := range inputs {
		data, err := os.ReadFile(c.args[i])
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd: %v\n", err)
			return exitUnusable, true
		}
		req.Files[c.args[i]] = data
	}
	if c.args[0] == "parse-reply" || c.args[0] == "hash-password" {
		req.Stdin, _ = io.ReadAll(c.stdin)
	}
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		fmt.Fprintf(c.stderr, "npsd: admin socket: %v\n", err)
		return exitPartial, true
	}
	var ans socketAnswer
	if err := json.NewDecoder(conn).Decode(&ans); err != nil {
		fmt.Fprintf(c.stderr, "npsd: admin socket: %v\n", err)
		return exitPartial, true
	}
	for _, i := range outputs {
		if data, ok := ans.Files[c.args[i]]; ok {
			if err := os.WriteFile(c.args[i], data, 0o600); err != nil {
				fmt.Fprintf(c.stderr, "npsd: %v\n", err)
				return exitPartial, true
			}
		}
	}
	c.stdout.Write(ans.Stdout)
	c.stderr.Write(ans.Stderr)
	return ans.Code, true
}

// serveAdminSocket answers commands on the socket until ctx ends, each
// with the config running at the time (a reload changes it).
func (c *cli) serveAdminSocket(ctx context.Context, current *atomic.Pointer[Config], st *store.Store, log *slog.Logger) error {
	path := socketPath(current.Load())
	// A socket left by a killed daemon blocks the listen: the store lock
	// proves no other daemon runs, so it is ours to remove.
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("admin socket: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	defer os.Remove(path)
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("admin socket: %w", err)
		}
		go c.serveCommand(ctx, conn, current.Load(), st, log)
	}
}

// socketCommands are the commands the daemon runs for a client.
var socketCommands = []string{"contacts import", "events import", "events add", "responses import", "responses export",
	"report", "summary", "cases", "campaign plan", "outbox", "forget", "backup"}

func (c *cli) serveCommand(ctx context.Context, conn net.Conn, cfg *Config, st *store.Store, log *slog.Logger) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Minute))
	var req socketRequest
	if err := json.NewDecoder(io.LimitReader(conn, 512<<20)).Decode(&req); err != nil || len(req.Args) == 0 {
		return
	}
	ans := socketAnswer{Files: map[string][]byte{}}
	name := strings.Join(req.Args[:min(2, len(req.Args))], " ")
	if !slices.Contains(socketCommands, name) && !slices.Contains(socketCommands, req.Args[0]) {
		ans.Code, ans.Stderr = exitUnusable, []byte(fmt.Sprintf("npsd: %q is not run through the daemon\n", name))
		_ = json.NewEncoder(conn).Encode(ans)
		return
	}
	tmp, err := os.MkdirTemp("", "npsd-admin-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp)
	args := slices.Clone(req.Args)
	inputs, outputs := fileArgs(args)
	for n, i := range inputs {
		p := filepath.Join(tmp, fmt.Sprintf("in%d%s", n, filepath.Ext(args[i])))
		_ = os.WriteFile(p, req.Files[args[i]], 0o600)
		args[i] = p
	}
	outPaths := map[string]string{}
	for n, i := range outputs {
		p := filepath.Join(tmp, fmt.Sprintf("out%d", n))
		outPaths[req.Args[i]] = p
		args[i] = p
	}
	var stdout, stderr bytes.Buffer
	child := &cli{stdin: bytes.NewReader(req.Stdin), stdout: &stdout, stderr: &stderr, getenv: c.getenv, now: c.now, shared: st, fixed: cfg}
	ans.Code = child.run(ctx, args)
	// Paths the command printed are the daemon's temporary ones: show the
	// user's own.
	out, errOut := stdout.String(), stderr.String()
	for user, p := range outPaths {
		out, errOut = strings.ReplaceAll(out, p, user), strings.ReplaceAll(errOut, p, user)
	}
	for n, i := range inputs {
		p := filepath.Join(tmp, fmt.Sprintf("in%d%s", n, filepath.Ext(req.Args[i])))
		out, errOut = strings.ReplaceAll(out, p, req.Args[i]), strings.ReplaceAll(errOut, p, req.Args[i])
	}
	ans.Stdout, ans.Stderr = []byte(out), []byte(errOut)
	for user, p := range outPaths {
		if data, err := os.ReadFile(p); err == nil {
			ans.Files[user] = data
		}
	}
	log.Info("admin command", "command", name, "exit", ans.Code)
	_ = json.NewEncoder(conn).Encode(ans)
}
