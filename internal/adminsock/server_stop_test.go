package adminsock

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TestServeWaitsForItsCommands: a stop while a command runs closes the
// socket at once, but serve returns only when the command has ended: the
// daemon closes the store after serve returns, and a command must not find
// it closed under it.
func TestServeWaitsForItsCommands(t *testing.T) {
	path := Path(filepath.Join(t.TempDir(), "npsd.db"))
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	srv := &server{lookup: func(string) (Spec, bool) { return Spec{}, true },
		handle: func(context.Context, Request, io.Writer, io.Writer) int {
			close(started)
			<-release
			return 0
		},
		log: slog.New(slog.DiscardHandler), allowed: func(uint32) bool { return true }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, l) }()
	called := make(chan int, 1)
	go func() {
		code, _ := Call(path, Request{Version: Protocol, Command: "report"}, Spec{}, io.Discard, &bytes.Buffer{})
		called <- code
	}()
	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("serve returned while its command was still running")
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := net.DialTimeout("unix", path, time.Second); err == nil {
		t.Error("the socket still let a command in after the stop")
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return once its command ended")
	}
	if code := <-called; code != 0 {
		t.Errorf("the command running at the stop ended with %d", code)
	}
}
