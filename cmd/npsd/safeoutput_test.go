package main

import (
	"context"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// hostileEnv is a store whose contact and answer try every trick: a formula
// as comment and city, escape sequences in the name, a bidi override.
func hostileEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "email\nseed@example.fr\n")), exitOK, nil, nil)
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		ct, _, err := tx.UpsertContact(store.Contact{Name: "Eve\x1b]0;pwned\a\x1b[2J", Email: "eve@example.fr", Phone: "+33612345678",
			Attributes: map[string]string{"city": "=HYPERLINK(\"http://x\")\u202e"}})
		if err != nil {
			return err
		}
		r, _, err := tx.AddResponse(store.Response{ContactID: ct.ID, Score: 2, Comment: "=1+1\x1b[31m bad \u202eevil\nsecond line",
			Received: at, Source: "import", Key: "hostile"})
		if err != nil {
			return err
		}
		_, err = tx.PutCase(store.Case{ContactID: ct.ID, ResponseID: r.ID, Score: 2, Due: at.Add(48 * time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// noTerminalControls fails when out holds anything TerminalText removes,
// line breaks aside.
func noTerminalControls(t *testing.T, what, out string) {
	t.Helper()
	if got := safeout.TerminalText(out, true); got != strings.ReplaceAll(out, "\r\n", "\n") {
		t.Errorf("%s prints terminal controls:\n%q", what, out)
	}
}

func TestExportsAreSafe(t *testing.T) {
	e := hostileEnv(t)
	for _, args := range [][]string{
		{"responses", "export", "--format", "csv"},
		{"report", "--by", "city", "--format", "csv"},
	} {
		r := e.npsd(args...)
		e.want(r, exitOK, nil, nil)
		noTerminalControls(t, strings.Join(args, " "), r.stdout)
		recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), err)
		}
		for _, rec := range recs {
			for _, cell := range rec {
				if safeout.SpreadsheetSafe(cell) != cell {
					t.Errorf("%s: cell %q would run as a formula", strings.Join(args, " "), cell)
				}
			}
		}
	}
	e.want(e.npsd("responses", "export"), exitOK, []string{"'=1+1 bad evil\nsecond line", "'=HYPERLINK(\"\"http://x\"\")", "+33612345678"}, nil)
	e.want(e.npsd("report", "--by", "city", "--format", "csv"), exitOK, []string{"\"'=HYPERLINK(\"\"http://x\"\")\",1,0,0.0,0,0.0,1,100.0,-100.0"}, nil)
}

func TestTerminalOutputIsSafe(t *testing.T) {
	e := hostileEnv(t)
	for _, args := range [][]string{
		{"cases"},
		{"cases", "--format", "json"},
		{"report", "--by", "city"},
		{"report", "--by", "city", "--format", "json"},
		{"responses", "export", "--format", "json"},
	} {
		r := e.npsd(args...)
		e.want(r, exitOK, nil, nil)
		noTerminalControls(t, strings.Join(args, " "), r.stdout)
	}
	e.want(e.npsd("cases"), exitOK, []string{"Eve", "=1+1 bad evil second line"}, nil)
}

func TestWrittenFilesArePrivate(t *testing.T) {
	e := hostileEnv(t)
	for _, args := range [][]string{
		{"summary", "--week", "2026-W47", "--out"},
		{"responses", "export", "--out"},
		{"report", "--by", "city", "--format", "csv", "--out"},
	} {
		path := filepath.Join(e.dir, args[0]+".out")
		if err := os.WriteFile(path, []byte("an older file, world-readable\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		e.want(e.npsd(append(args, path)...), exitOK, nil, nil)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %s has mode %v (%v), want 0600", strings.Join(args, " "), filepath.Base(path), fi.Mode().Perm(), err)
		}
		if b, _ := os.ReadFile(path); strings.Contains(string(b), "older") || len(b) == 0 {
			t.Errorf("%s: %s holds %q", strings.Join(args, " "), filepath.Base(path), b)
		}
	}
}
