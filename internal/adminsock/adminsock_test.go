package adminsock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// syncBuffer is a buffer the server's log writes to from its goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServesItsOwnerOnly: a peer of another uid is refused with one line
// and logged by uid and pid; the owner and root pass.
func TestServesItsOwnerOnly(t *testing.T) {
	uid := uint32(os.Getuid())
	allow := ownerOrRoot(1000)
	if !allow(1000) || !allow(0) || allow(1001) {
		t.Error("ownerOrRoot(1000) should let in 1000 and 0, and only them")
	}

	dir := t.TempDir()
	path := Path(filepath.Join(dir, "npsd.db"))
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	other := uid + 1
	ran := false
	srv := &server{lookup: func(string) (Spec, bool) { return Spec{}, true },
		handle:  func(context.Context, Request, io.Writer, io.Writer) int { ran = true; return 0 },
		log:     slog.New(slog.NewJSONHandler(&logs, nil)),
		allowed: func(peer uint32) bool { return peer == other }, served: fmt.Sprintf("uid %d", other)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, l) }()
	defer func() { cancel(); <-done }()

	var out, errb bytes.Buffer
	code, ok := Call(path, Request{Command: "report"}, Spec{}, &out, &errb)
	want := fmt.Sprintf("npsd: refused: the admin socket serves uid %d only\n", other)
	if !ok || code != ExitUnusable || errb.String() != want || out.Len() != 0 || ran {
		t.Errorf("forward by uid %d: ok %v, code %d, stdout %q, stderr %q; want %q", uid, ok, code, out.String(), errb.String(), want)
	}
	var rec struct {
		Msg      string
		UID, PID int
	}
	_ = json.Unmarshal([]byte(logs.String()), &rec)
	if rec.Msg != "admin socket: peer refused" || rec.UID != int(uid) || rec.PID != os.Getpid() {
		t.Errorf("refusal logged as %s", logs.String())
	}
}
