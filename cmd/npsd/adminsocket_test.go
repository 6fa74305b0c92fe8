package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// rawAdminRequest sends header as the request line, then body, to the
// admin socket, and returns the answer line as JSON fields. It
// speaks the wire by hand, as a hostile or mistaken client could.
func rawAdminRequest(t *testing.T, socket string, header any, body string) map[string]any {
	t.Helper()
	conn, err := net.DialTimeout("unix", socket, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	// A daemon may answer and hang up before it reads it all: the
	// answer, not a failed write, is what counts.
	_ = json.NewEncoder(conn).Encode(header)
	_, _ = conn.Write([]byte(body))
	var ans map[string]any
	if err := json.NewDecoder(conn).Decode(&ans); err != nil {
		t.Errorf("no answer to %v: %v", header, err)
	}
	return ans
}

// waitForSocket waits until a daemon listens on its admin
// socket, which it opens beside the store once running.
func waitForSocket(t *testing.T, socket string) {
	t.Helper()
	waitFor(t, 20*time.Second, func() string {
		conn, err := net.Dial("unix", socket)
		if err != nil {
			return ""
		}
		conn.Close()
		return "listening"
	})
}

// answerStderr decodes the stderr field of a raw answer.
func answerStderr(ans map[string]any) string {
	s, _ := ans["stderr"].(string)
	var b []byte
	_ = json.Unmarshal([]byte(`"`+s+`"`), &b)
	return string(b)
}

// TestAdminSocketNeverOpensClientPaths: the daemon runs a command on the
// bytes the client streams, and opens no path named in a request, even
// one it could read or write: not in the old request form, not behind
// "--" or --out=, not without the file's content.
func TestAdminSocketNeverOpensClientPaths(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "email\nann@example.fr\n")), exitOK, nil, nil)
	secret := e.file("secret.csv", "email\nsecret@example.fr\n")
	victim := filepath.Join(e.dir, "victim.json")
	socket := filepath.Join(e.dir, "npsd-data", "npsd.sock")
	d := e.runDaemon(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	waitForSocket(t, socket)

	// The request forms of protocols 1 and 2 carried command lines (with
	// paths) for the daemon to parse and open.
	for _, old := range []map[string]any{
		{"args": []string{"contacts", "import", "--", secret}},
		{"version": 2, "command": []string{"contacts", "import", "--", secret}, "inputs": []int{0}},
	} {
		ans := rawAdminRequest(t, socket, old, "")
		if code, _ := ans["code"].(float64); code != exitUnusable || !strings.Contains(answerStderr(ans), "protocol") {
			t.Errorf("an older request %v: code %v, stderr %q; want refused for its protocol", old, ans["code"], answerStderr(ans))
		}
	}
	// The path names the file; the bytes streamed are what is imported.
	streamed := "email\nstreamed@example.fr\n"
	ans := rawAdminRequest(t, socket, map[string]any{"version": 3, "command": "contacts import", "args": []string{secret}, "inputs": []int{len(streamed)}}, streamed)
	if code, _ := ans["code"].(float64); code != exitOK {
		t.Errorf("import of streamed bytes: code %v, stderr %q", ans["code"], answerStderr(ans))
	}
	// An input without its content is refused, not opened.
	ans = rawAdminRequest(t, socket, map[string]any{"version": 3, "command": "contacts import", "args": []string{secret}}, "")
	if code, _ := ans["code"].(float64); code != exitUnusable || !strings.Contains(answerStderr(ans), "the daemon opens no file for a client") {
		t.Errorf("an input without content: code %v, stderr %q", ans["code"], answerStderr(ans))
	}
	// A flag the daemon cannot tell a file from is refused.
	ans = rawAdminRequest(t, socket, map[string]any{"version": 3, "command": "report", "flags": []map[string]string{{"name": "templates", "value": "/etc/shadow"}}}, "")
	if code, _ := ans["code"].(float64); code != exitUnusable || !strings.Contains(answerStderr(ans), "flag -templates is not run through the daemon") {
		t.Errorf("an unknown flag: code %v, stderr %q", ans["code"], answerStderr(ans))
	}
	// A file beyond the limit is refused before a byte of it is read.
	ans = rawAdminRequest(t, socket, map[string]any{"version": 3, "command": "contacts import", "args": []string{secret}, "inputs": []int64{256<<20 + 1}}, "")
	if code, _ := ans["code"].(float64); code != exitUnusable || !strings.Contains(answerStderr(ans), "up to 256 MB") {
		t.Errorf("an oversized file: code %v, stderr %q", ans["code"], answerStderr(ans))
	}
	// An output file comes back in the answer; the daemon writes no path.
	for _, req := range []map[string]any{
		{"args": []string{"report", "--format=json", "--out=" + victim}},
		{"version": 2, "command": []string{"report", "--format=json", "--out=" + victim}},
		{"version": 3, "command": "report", "flags": []map[string]string{{"name": "format", "value": "json"}, {"name": "out", "value": victim}}},
	} {
		rawAdminRequest(t, socket, req, "")
		if _, err := os.Stat(victim); err == nil {
			t.Errorf("the daemon wrote the client's path %s for %v", victim, req)
			os.Remove(victim)
		}
	}

	// The real client forwards the same forms, and writes its own files.
	e.want(e.npsd("contacts", "import", "--encoding=utf-8", "--", e.file("dash.csv", "email\ndash@example.fr\n")), exitOK, []string{"dash.csv: 1 rows: 1 contacts created"}, nil)
	out := filepath.Join(e.dir, "report.json")
	e.want(e.npsd("report", "--format=json", "--out="+out), exitOK, nil, nil)
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte(`"responses"`)) {
		t.Errorf("report --out= through the daemon wrote %q (%v)", b, err)
	}
	d.Stop()

	got := e.contacts()
	for _, want := range []string{"ann@example.fr", "streamed@example.fr", "dash@example.fr"} {
		if _, ok := got[want]; !ok {
			t.Errorf("contact %s missing", want)
		}
	}
	if _, ok := got["secret@example.fr"]; ok {
		t.Error("the daemon imported the file at the client's path")
	}
}

// TestAdminSocketServesItsOwner: with the daemon's own rule, its own
// user is served (the refusal of other users is tested in
// internal/adminsock).
func TestAdminSocketServesItsOwner(t *testing.T) {
	// With the daemon's own rule, its own user is served.
	e := newEnv(t)
	e.runDaemon(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	waitForSocket(t, filepath.Join(e.dir, "npsd-data", "npsd.sock"))
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 0`}, nil)
}

// TestForwardedSpecsMatchTheCommands: the daemon refuses a flag its table
// does not know, so a flag added to a command and not to the table would
// make that command fail whenever the daemon runs. Each forwarded
// command's --help must list exactly the table's flags (and --config,
// which stays with the client).
func TestForwardedSpecsMatchTheCommands(t *testing.T) {
	e := newEnv(t)
	flagName := regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)
	for _, cmd := range commands() {
		if cmd.daemon == nil {
			continue
		}
		name, spec := cmd.name, *cmd.daemon
		r := e.npsd(append(strings.Fields(name), "--help")...)
		got := map[string]bool{}
		for _, m := range flagName.FindAllStringSubmatch(r.stderr+r.stdout, -1) {
			got[m[1]] = true
		}
		want := map[string]bool{"config": true}
		for f := range spec.Flags {
			want[f] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: --help lists %v, the socket's table %v", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}
