package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func TestSpreadsheetSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Formulas and what spreadsheets run as formulas.
		{"=1+1", "'=1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
		{"-2+3", "'-2+3"},
		{"+1+1", "'+1+1"},
		{"-A1", "'-A1"},
		{"--1", "'--1"},
		{"-1E3", "'-1E3"},
		{"+1:1", "'+1:1"},
		{"-", "'-"},
		{"+", "'+"},
		{"-.", "'-."},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\tplain", "'\tplain"},
		{"\rplain", "'\rplain"},
		// Leading spaces are looked through: some importers trim them.
		{" =1", "' =1"},
		{"  @x", "'  @x"},
		{" -2+3", "' -2+3"},
		// Plain numbers stay readable.
		{"+33612345678", "+33612345678"},
		{"+33 6 12 34 56 78", "+33 6 12 34 56 78"},
		{"-12.5", "-12.5"},
		{"-20", "-20"},
		{"-20.0", "-20.0"},
		{"-12,5", "-12,5"},
		{"+.5", "+.5"},
		{" -3", " -3"},
		{"-1 2", "-1 2"},
		{"-1.2.3", "'-1.2.3"},
		{"-12 ", "'-12 "},
		// Text that no spreadsheet runs.
		{"", ""},
		{"   ", "   "},
		{"Ça va", "Ça va"},
		{"10", "10"},
		{"a=1", "a=1"},
		{"Paris", "Paris"},
		{"'=1", "'=1"},
		{"ann@example.fr", "ann@example.fr"},
		{"2026-11-17T00:00:00+01:00", "2026-11-17T00:00:00+01:00"},
	} {
		if got := spreadsheetSafe(tc.in); got != tc.want {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerminalText(t *testing.T) {
	for _, tc := range []struct {
		in        string
		multiLine bool
		want      string
	}{
		{"Très bien, merci", false, "Très bien, merci"},
		{"", false, ""},
		{"\x1b[31mred\x1b[0m", false, "red"},
		{"\x1b[2J\x1b[1;1Hcleared", false, "cleared"},
		{"a\x1b[?25lb", false, "ab"},
		{"\x1b]0;owned\atitle", false, "title"},
		{"\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", false, "link"},
		{"\x1bPq#0;2;0\x1b\\dcs", false, "dcs"},
		{"\x1b]0;never ends", false, ""},
		{"\x1b(0line", false, "line"},
		{"\x1bcreset", false, "reset"},
		{"end\x1b", false, "end"},
		{"a\u009b31mb", false, "ab"},
		{"a\u009d0;title\u009cb", false, "ab"},
		{"a\u0085b\u0080c", false, "abc"},
		{"bell\a nul\x00 bs\b del\x7f", false, "bell nul bs del"},
		{"invoice \u202egpj.exe", false, "invoice gpj.exe"},
		{"\u2066x\u2067y\u2068z\u2069\u202a\u202b\u202c\u202d", false, "xyz"},
		{"bad \x9b31m byte", false, "bad \ufffd31m byte"},
		{"col1\tcol2", false, "col1 col2"},
		{"two\nlines", false, "two lines"},
		{"two\r\nlines", false, "two lines"},
		{"fake\rover", false, "fake over"},
		{"two\nlines", true, "two\nlines"},
		{"two\r\nlines", true, "two\nlines"},
		{"fake\rover", true, "fake\nover"},
		{"tab\tin\n\x1b[1mbold", true, "tab in\nbold"},
		{"emoji 👍 and 日本", false, "emoji 👍 and 日本"},
	} {
		if got := terminalText(tc.in, tc.multiLine); got != tc.want {
			t.Errorf("terminalText(%q, %v) = %q, want %q", tc.in, tc.multiLine, got, tc.want)
		}
	}
}

// TestTerminalJSON checks what encoding/json leaves raw (DEL, C1 controls,
// bidi formatting) is escaped, and that the data decodes unchanged.
func TestTerminalJSON(t *testing.T) {
	in := map[string]string{"comment": "a\x1b[31m\u009b1m\u202eb\x7f\u2066<&>\n", "name": "Zoé"}
	var buf bytes.Buffer
	if err := writeTerminalJSON(&buf, in, false); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); strings.ContainsAny(got, "\x1b\x7f\u009b\u202e\u2066") || !strings.Contains(got, `\u202e`) || !strings.Contains(got, "Zoé") {
		t.Errorf("JSON shows controls raw: %q", got)
	}
	var out map[string]string
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("JSON decodes to %q (%v), want %q", out, err, in)
	}
}

func TestWritePrivateFile(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.csv")
	old := filepath.Join(dir, "old.csv")
	if err := os.WriteFile(old, []byte("an older, longer export\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, old} {
		err := writePrivateFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "data\n"); return err })
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", filepath.Base(path), fi.Mode().Perm(), err)
		}
		if b, _ := os.ReadFile(path); string(b) != "data\n" {
			t.Errorf("%s holds %q", filepath.Base(path), b)
		}
	}
}

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

// noTerminalControls fails when out holds anything terminalText removes,
// line breaks aside.
func noTerminalControls(t *testing.T, what, out string) {
	t.Helper()
	if got := terminalText(out, true); got != strings.ReplaceAll(out, "\r\n", "\n") {
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
				if spreadsheetSafe(cell) != cell {
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
