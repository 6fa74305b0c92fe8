package safeout

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
		if got := SpreadsheetSafe(tc.in); got != tc.want {
			t.Errorf("SpreadsheetSafe(%q) = %q, want %q", tc.in, got, tc.want)
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
		if got := TerminalText(tc.in, tc.multiLine); got != tc.want {
			t.Errorf("TerminalText(%q, %v) = %q, want %q", tc.in, tc.multiLine, got, tc.want)
		}
	}
}

// TestTerminalJSON checks what encoding/json leaves raw (DEL, C1 controls,
// bidi formatting) is escaped, and that the data decodes unchanged.
func TestTerminalJSON(t *testing.T) {
	in := map[string]string{"comment": "a\x1b[31m\u009b1m\u202eb\x7f\u2066<&>\n", "name": "Zoé"}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, in, false); err != nil {
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
		err := WritePrivateFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "data\n"); return err })
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
