package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// The person to forget: every form in which they could be found.
const (
	forgetName     = "Zephyrine Quaglia"
	forgetEmail    = "zephyrine.quaglia@example.org"
	forgetPhone    = "06 98 76 54 32"
	forgetE164     = "+33698765432"
	forgetComment  = "the almond croissant was stale again"
	forgetContacts = "external_id,name,email,phone,city\nK1," + forgetName + "," + forgetEmail + "," + forgetPhone + ",Lyon\nK2,Paul,paul@example.org,,Paris\n"
)

var forgetSecrets = []string{forgetName, forgetEmail, forgetPhone, strings.ReplaceAll(forgetPhone, " ", ""), forgetE164, forgetComment}

// forgetEnv is an env whose store holds the person, with a comment, an
// open case and a weekly summary queued that mentions them.
func forgetEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.file("config.yaml", "business:\n  name: Boulangerie Martin\n  timezone: Europe/Paris\n  language: en\n  default_region: FR\n  owners: [marie@example.fr]\nhttp:\n  listen: 127.0.0.1:0\n")
	e.want(e.npsd("contacts", "import", e.file("c.csv", forgetContacts)), exitOK, nil, nil)
	e.want(e.npsd("responses", "import", e.file("r.csv", "contact,score,comment,date\nK1,3,"+forgetComment+",2026-11-17\nK2,9,Parfait,2026-11-18\n")), exitOK, nil, nil)
	st, err := store.Open(store.Options{Path: e.storePath(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		id, err := tx.ContactIDByKey(forgetEmail, "")
		if err != nil {
			return err
		}
		var resp store.ResponseID
		if err := tx.ScanResponses(time.Time{}, time.Now(), func(r store.ResponseSummary) error {
			if r.ContactID == id {
				resp = r.ID
			}
			return nil
		}); err != nil {
			return err
		}
		_, err = tx.PutCase(store.Case{ContactID: id, ResponseID: resp, Score: 3, Due: time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)})
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The summary shows them: their name, comment, phone and email.
	e.want(e.npsd("summary", "--week", "2026-W47"), exitOK, []string{forgetName, forgetComment}, nil)
	e.want(e.npsd("summary", "--send", "--week", "2026-W47"), exitOK, []string{"queued for 1 recipient"}, nil)
	return e
}

func (e *env) storePath() string { return filepath.Join(e.dir, "npsd-data", "npsd.db") }

// secretsIn returns which forms of the person occur in a file's raw bytes.
func secretsIn(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, s := range forgetSecrets {
		if bytes.Contains(raw, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

// TestForgetLeavesNoBytes: after forget, with the daemon stopped, nothing
// of the person is left in the store file — not in the queued summary,
// not in its freed pages — and the summary still goes out, built when
// sent.
func TestForgetLeavesNoBytes(t *testing.T) {
	e := forgetEnv(t)
	e.want(e.npsd("forget", forgetEmail, "--yes"), exitOK, []string{"contact c1 forgotten", "store file rewritten", "backups taken before"}, nil)
	if found := secretsIn(t, e.storePath()); len(found) > 0 {
		t.Errorf("after forget the store file still holds %q", found)
	}
	// The summary job is still queued, naming its week only.
	out := e.npsd("outbox", "--state", "all")
	e.want(out, exitOK, []string{"weekly_summary"}, nil)
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 2`}, nil)
}

// TestForgetThroughTheDaemon: the same with the daemon running, forget
// going through its admin socket, and a backup taken afterwards; the
// daemon's log does not name the person.
func TestForgetThroughTheDaemon(t *testing.T) {
	e := forgetEnv(t)
	d := e.runDaemon(func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) })
	e.want(e.npsd("forget", forgetEmail, "--yes"), exitOK, []string{"contact c1 forgotten", "store file rewritten"}, nil)
	if found := secretsIn(t, e.storePath()); len(found) > 0 {
		t.Errorf("after forget through the daemon the store file still holds %q", found)
	}
	// The daemon goes on reading and writing the rewritten file.
	e.want(e.npsd("contacts", "import", e.file("more.csv", "email\nzoe@example.fr\n")), exitOK, []string{"1 contacts created"}, nil)
	backup := filepath.Join(e.dir, "after.db")
	e.want(e.npsd("backup", backup), exitOK, []string{"written to"}, nil)
	if found := secretsIn(t, backup); len(found) > 0 {
		t.Errorf("a backup taken after forget holds %q", found)
	}
	if code := d.Stop(); code != exitOK {
		t.Errorf("daemon exited %d:\n%s", code, d.Logs.String())
	}
	if strings.Contains(d.Logs.String(), forgetEmail) {
		t.Errorf("the daemon's log names the person:\n%s", d.Logs.String())
	}
	if found := secretsIn(t, e.storePath()); len(found) > 0 {
		t.Errorf("after the daemon stopped the store file holds %q", found)
	}
	if _, ok := e.contacts()["zoe@example.fr"]; !ok {
		t.Error("the contact imported after the compaction was lost")
	}
}

// TestForgetAsksFirst: forget erases for good, so it asks on a terminal
// and refuses without one unless --yes says so.
func TestForgetAsksFirst(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "email\nann@example.com\n")), exitOK, nil, nil)
	e.want(e.npsd("forget", "ann@example.com"), exitUnusable, nil, []string{"--yes"})
	ask := func(answer string) result {
		var out, errb bytes.Buffer
		c := &cli{stdin: strings.NewReader(answer), stdout: &out, stderr: &errb, terminal: true,
			getenv: func(string) string { return "" }, now: time.Now}
		code := c.run(context.Background(), []string{"forget", "ann@example.com", "--config", filepath.Join(e.dir, "config.yaml")})
		return result{code, out.String(), errb.String()}
	}
	e.want(ask("n\n"), exitPartial, nil, []string{"[y/N]", "nothing erased"})
	if _, ok := e.contacts()["ann@example.com"]; !ok {
		t.Fatal("a refused forget erased the contact")
	}
	e.want(ask("y\n"), exitOK, []string{"forgotten"}, nil)
	if _, ok := e.contacts()["ann@example.com"]; ok {
		t.Error("a confirmed forget kept the contact")
	}
}
