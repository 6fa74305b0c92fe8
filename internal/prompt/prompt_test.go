package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openTerminal gives a pseudo-terminal: the side a person types into
// (ptm) and the side npsd reads (tty).
func openTerminal(t *testing.T) (ptm, tty *os.File) {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	t.Cleanup(func() { ptm.Close(); tty.Close() })
	return ptm, tty
}

func echoOn(t *testing.T, tty *os.File) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// TestPasswordFromTerminal: what is typed is read and not shown, and the
// terminal shows what is typed again afterwards.
func TestPasswordFromTerminal(t *testing.T) {
	ptm, tty := openTerminal(t)
	if !echoOn(t, tty) {
		t.Fatal("a new terminal without echo")
	}
	// Everything the terminal shows is kept as it comes.
	var mu sync.Mutex
	var shown bytes.Buffer
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := ptm.Read(buf)
			mu.Lock()
			shown.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() {
		time.Sleep(100 * time.Millisecond)
		io.WriteString(ptm, "un long secret\n")
	}()
	var label bytes.Buffer
	got, err := Password(context.Background(), tty, &label, "password: ")
	if err != nil || got != "un long secret" {
		t.Fatalf("Password = %q, %v", got, err)
	}
	// Then something typed after the read is shown again.
	io.WriteString(ptm, "visible\n")
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	s := shown.String()
	mu.Unlock()
	if strings.Contains(s, "secret") {
		t.Errorf("the terminal showed what was typed: %q", s)
	}
	if !strings.Contains(s, "visible") {
		t.Errorf("after the read the terminal did not show what was typed: %q", s)
	}
	if label.String() != "password: \n" {
		t.Errorf("prompt written: %q", label.String())
	}
	if !echoOn(t, tty) {
		t.Error("the terminal was left without echo")
	}
}

// TestPasswordStopped: a stop (Ctrl-C) while the password is being typed
// ends the read at once and gives the terminal its echo back.
func TestPasswordStopped(t *testing.T) {
	ptm, tty := openTerminal(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.WriteString(ptm, "half a pass")
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	done := make(chan error, 1)
	go func() {
		_, err := Password(ctx, tty, io.Discard, "password: ")
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("stopped read = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read went on after the stop")
	}
	if !echoOn(t, tty) {
		t.Error("after a stop the terminal was left without echo")
	}
}

// TestPasswordFromPipe: a pipe or a file gives its first line, bounded,
// and a stop ends a read that waits for more.
func TestPasswordFromPipe(t *testing.T) {
	for in, want := range map[string]string{"secret\nmore\n": "secret", "secret\r\n": "secret", "no line end": "no line end"} {
		if got, err := Password(context.Background(), strings.NewReader(in), io.Discard, "password: "); err != nil || got != want {
			t.Errorf("Password(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	got, _ := Password(context.Background(), strings.NewReader(strings.Repeat("x", 3*MaxLine)), io.Discard, "")
	if len(got) != MaxLine {
		t.Errorf("a line without end gave %d bytes, want the first %d", len(got), MaxLine)
	}
	if _, err := Password(context.Background(), strings.NewReader(""), io.Discard, ""); err == nil {
		t.Error("nothing to read gave no error")
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Password(ctx, r, io.Discard, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a pipe that never writes = %v, want the context's end", err)
	}
}

// TestConfirm: yes in English or French says yes; anything else, nothing,
// or a stop says no.
func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "Oui\n": true, " YES \r\n": true, "o": true, "n\n": false, "\n": false, "": false, "yes please\n": false} {
		if got := Confirm(context.Background(), strings.NewReader(in), io.Discard, "? "); got != want {
			t.Errorf("Confirm(%q) = %v, want %v", in, got, want)
		}
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if Confirm(ctx, r, io.Discard, "? ") {
		t.Error("a stop while waiting for the answer said yes")
	}
}
