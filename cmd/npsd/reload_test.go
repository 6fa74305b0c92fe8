package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// healthz answers /healthz at addr: its status code and body, or an error
// when nothing answers there.
func healthz(addr string) (int, string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), nil
}

// wantHealthy fails the test unless /healthz at addr answers 200.
func wantHealthy(t *testing.T, when, addr string) {
	t.Helper()
	code, body, err := healthz(addr)
	if err != nil || code != http.StatusOK {
		t.Fatalf("%s: /healthz at %s: %d %s %v", when, addr, code, body, err)
	}
}

// alive fails the test if the daemon has exited.
func (p *daemonProc) alive(t *testing.T, when string) {
	t.Helper()
	select {
	case err := <-p.exit:
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Fatalf("%s: npsd exited (%v):\n%s", when, err, strings.Join(p.lines, "\n"))
	default:
	}
}

// logged reports whether any log line from index after on contains s.
func (p *daemonProc) logged(s string, after int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines[after:] {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestBinaryReloadRefusedChangesNothing sends the real binary a SIGHUP
// with a broken config, then with a config whose new listen address is
// taken: each is refused with a log line naming each problem's key, and
// the daemon goes on as it was, on the same socket. A good reload after
// them applies, and one to a free address moves the socket.
func TestBinaryReloadRefusedChangesNothing(t *testing.T) {
	e := newEnv(t)
	config := func(name, listen, extra string) {
		e.file("config.yaml", fmt.Sprintf("business:\n  name: %s\n  default_region: FR\nhttp:\n  listen: %s\nshutdown_timeout: 2s\n%s", name, listen, extra))
	}
	// A fixed port, as in production: a second listener on it would fail.
	addr := freeAddr(t)
	config("Garage Dupont", addr, "")
	p := startDaemon(t, e.dir)
	rec, pos := p.waitLog(t, "npsd running", 0)
	if rec["http"] != addr {
		t.Fatalf("npsd serves %v, want %s", rec["http"], addr)
	}
	wantHealthy(t, "at start", addr)

	// A typo and a value out of range: two problems, two lines, two keys.
	config("Garage Dupont", addr, "surveys:\n  min_days_between: -3\nemial:\n  from: a@b.fr\n")
	p.cmd.Process.Signal(syscall.SIGHUP)
	keys := map[string]bool{}
	for range 2 {
		rec, pos = p.waitLog(t, "reload refused: the running config is kept", pos)
		keys[fmt.Sprint(rec["key"])] = true
		if rec["problem"] == nil || rec["line"] == nil {
			t.Errorf("refusal line without its problem and line: %v", rec)
		}
	}
	if !keys["surveys.min_days_between"] || !keys["emial"] {
		t.Errorf("refusal lines name %v; want surveys.min_days_between and emial", keys)
	}
	// Give a broken restart the time to happen, then look.
	time.Sleep(500 * time.Millisecond)
	p.alive(t, "after a refused reload")
	wantHealthy(t, "after a refused reload", addr)
	if p.logged("cannot start", pos) || p.logged("address already in use", 0) {
		t.Errorf("a refused reload touched the listener:\n%s", strings.Join(p.lines, "\n"))
	}

	// A new address that another program holds: refused, the old one kept.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	config("Garage Dupont", taken.Addr().String(), "")
	p.cmd.Process.Signal(syscall.SIGHUP)
	rec, pos = p.waitLog(t, "reload refused: the running config is kept", pos)
	if rec["key"] != "http.listen" {
		t.Errorf("refusal for a taken address names %v, want http.listen", rec["key"])
	}
	time.Sleep(200 * time.Millisecond)
	p.alive(t, "after a reload to a taken address")
	wantHealthy(t, "after a reload to a taken address", addr)

	// A good reload applies, on the same socket.
	config("Garage Dupont & Fils", addr, "")
	p.cmd.Process.Signal(syscall.SIGHUP)
	_, pos = p.waitLog(t, "config reloaded", pos)
	rec, pos = p.waitLog(t, "npsd running", pos)
	if rec["http"] != addr {
		t.Errorf("after a reload with the same listen address npsd serves %v, want %s", rec["http"], addr)
	}
	wantHealthy(t, "after a good reload", addr)

	// A free new address: opened, then the old one closed.
	newAddr := freeAddr(t)
	config("Garage Dupont & Fils", newAddr, "")
	p.cmd.Process.Signal(syscall.SIGHUP)
	_, pos = p.waitLog(t, "config reloaded", pos)
	p.waitLog(t, "npsd running", pos)
	wantHealthy(t, "on the new address", newAddr)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, _, err := healthz(addr); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the old address %s still answers after the move", addr)
			break
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.exit; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// TestBinaryReloadMidWaveSendsOnce reloads the real binary in the middle of
// a wave whose SMTP server takes longer to accept each message than
// shutdown_timeout allows: the old config's sends are still in flight when
// the new dispatcher starts. It must not take them for the orphans of a
// crash and send them again: every customer gets one email.
func TestBinaryReloadMidWaveSendsOnce(t *testing.T) {
	const contacts = 5
	smtp := testpeers.NewSMTP(t, "none")
	smtp.SlowData.Store(int64(1500 * time.Millisecond))
	e := newEnv(t)
	config := func(name string) {
		e.file("config.yaml", peerConfig{Business: name, Region: "FR", SMTP: smtp, Outbox: []string{"workers: 4"}, Channels: "[email]", ShutdownTimeout: "1s"}.yaml())
	}
	config("Garage Dupont")
	var csv strings.Builder
	csv.WriteString("email\n")
	for i := range contacts {
		fmt.Fprintf(&csv, "client-%c@example.fr\n", 'a'+i)
	}
	e.want(e.npsd("contacts", "import", e.file("c.csv", csv.String())), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "wave"), exitOK, []string{fmt.Sprintf("%d surveys queued", contacts)}, nil)

	p := startDaemon(t, e.dir)
	_, pos := p.waitLog(t, "npsd running", 0)
	// Reload once the first survey is out: the workers hold more claimed
	// jobs behind the slow connection than one second can finish.
	for deadline := time.Now().Add(20 * time.Second); len(smtp.Received()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no survey reached the SMTP server")
		}
	}
	config("Garage Dupont & Fils")
	p.cmd.Process.Signal(syscall.SIGHUP)
	_, pos = p.waitLog(t, "config reloaded", pos)
	if n := len(smtp.Received()); n >= contacts {
		t.Fatalf("the wave (%d) had ended before the reload: nothing was tested", n)
	}
	if !p.logged("the previous config's sends are still finishing", 0) {
		t.Error("the old sends ended within shutdown_timeout: the hand-over was not exercised")
	}

	// Until everyone has had a survey, and a little longer for any second
	// copy to arrive.
	surveyed := func() map[string]int {
		got := map[string]int{}
		for _, m := range smtp.Received() {
			got[header(m, "To")]++
		}
		return got
	}
	for deadline := time.Now().Add(60 * time.Second); len(surveyed()) < contacts; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after the reload, %d of %d customers got their survey", len(surveyed()), contacts)
		}
	}
	time.Sleep(2 * time.Second)
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exit
	for to, n := range surveyed() {
		if n != 1 {
			t.Errorf("%s got %d surveys across the reload", to, n)
		}
	}
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error {
			if j.Kind == "survey" && (j.State != store.JobSent || len(j.Attempts) != 1) {
				t.Errorf("survey job %s: %s after %d attempts (%+v)", j.ID, j.State, len(j.Attempts), j.Attempts)
			}
			return nil
		})
	})
}
