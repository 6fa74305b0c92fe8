// Package safeout owns how customers' words leave npsd for the owner's
// screen and files. Customers write the comments, names and attributes that the CLI prints and
// exports, so this package treats them as hostile: a comment must not run as a
// spreadsheet formula, must not drive the owner's terminal, and must not land
// in a file that other users of the machine can read.
package safeout

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SpreadsheetSafe returns cell prefixed with a single quote when a
// spreadsheet would run it as a formula (OWASP "CSV Injection"): it starts
// with =, @, a tab or a carriage return, or with + or - followed by anything
// but a plain number. Leading spaces are looked through, because some
// importers (LibreOffice's "trim spaces", scripts that strip cells) trim them
// before deciding; quoting a comment such as " =)" costs nothing. Signed
// numbers stay as they are so that phones (+33612345678, also written
// "+33 6 12 34 56 78") and an NPS of -20 remain readable numbers.
func SpreadsheetSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '\t', '\r':
		return "'" + cell
	}
	trimmed := strings.TrimLeftFunc(cell, unicode.IsSpace)
	if trimmed == "" {
		return cell
	}
	switch trimmed[0] {
	case '=', '@':
		return "'" + cell
	case '+', '-':
		if isPlainNumber(trimmed[1:]) {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// isPlainNumber reports whether s is digits, possibly grouped by spaces and
// with a decimal point or comma: nothing a formula could be made of (no
// letters for functions or cell names, no operators, no colon for ranges).
func isPlainNumber(s string) bool {
	if s == "" || !isDigit(s[0]) && s[0] != '.' && s[0] != ',' {
		return false
	}
	digits, separators := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c == '.' || c == ',':
			separators++
		case c == ' ':
		default:
			return false
		}
	}
	return digits > 0 && separators <= 1 && s[len(s)-1] != ' '
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// TerminalText removes from s what a terminal would act on instead of
// showing: escape sequences (CSI such as colours and cursor moves, OSC such as
// window titles and hyperlinks, and the other ESC forms), C0 controls, DEL,
// C1 controls (U+0080–U+009F, whose U+009B and U+009D start sequences of
// their own) and the bidi embeddings, overrides and isolates that can make
// text read backwards. Invalid UTF-8 becomes U+FFFD, since a raw 0x9B byte is
// a CSI to a terminal that is not in UTF-8 mode. A tab becomes a space (it
// would break a table's columns). Line breaks (\n, \r\n, a lone \r) stay as
// \n when multiLine is set, and become a space otherwise: a space, not
// nothing, so that two words on two lines do not run together.
func TerminalText(s string, multiLine bool) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\x1b':
			size = 1 + escapeLength(s[i+1:])
		case r == '\u009b':
			size += csiLength(s[i+size:])
		case r == '\u0090' || r == '\u0098' || r == '\u009d' || r == '\u009e' || r == '\u009f':
			size += controlStringLength(s[i+size:])
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
			// A Windows line break is one break; the \n that follows writes it.
		case r == '\n' || r == '\r':
			if multiLine {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case !isControl(r):
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPrintable is the fast path: most comments have nothing to remove.
func isPrintable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || isControl(r) {
			return false
		}
	}
	return true
}

// isControl reports the runes TerminalText drops on their own: C0, DEL, C1
// and the bidi formatting characters.
func isControl(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// escapeLength is how many bytes of s, which follows an ESC, belong to its
// sequence: a CSI (ESC [), a control string (OSC ESC ], DCS ESC P, SOS ESC X,
// PM ESC ^, APC ESC _), or ESC, intermediates and one final byte.
func escapeLength(s string) int {
	if s == "" {
		return 0
	}
	switch s[0] {
	case '[':
		return 1 + csiLength(s[1:])
	case ']', 'P', 'X', '^', '_':
		return 1 + controlStringLength(s[1:])
	}
	n := 0
	for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
		n++
	}
	if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
		n++
	}
	return n
}

// csiLength is the length of a CSI's parameters, intermediates and final
// byte. A sequence cut short by another control ends there.
func csiLength(s string) int {
	for n := 0; n < len(s); n++ {
		switch c := s[n]; {
		case c >= 0x40 && c <= 0x7e:
			return n + 1
		case c < 0x20 || c > 0x3f:
			return n
		}
	}
	return len(s)
}

// controlStringLength is the length of an OSC, DCS, SOS, PM or APC body up to
// and including its terminator: BEL, ST (ESC \) or the 8-bit ST U+009C. An
// unterminated one runs to the end of s, as a terminal would swallow it.
func controlStringLength(s string) int {
	for n := 0; n < len(s); n++ {
		switch {
		case s[n] == '\a':
			return n + 1
		case strings.HasPrefix(s[n:], "\x1b\\"):
			return n + 2
		case strings.HasPrefix(s[n:], "\u009c"):
			return n + len("\u009c")
		}
	}
	return len(s)
}

// csvCell is a customer's text as a CSV cell: no terminal controls (a CSV
// is often read with cat or less, and spreadsheets have no use for them;
// line breaks stay, the CSV quotes them) and no formula.
func csvCell(s string) string {
	return SpreadsheetSafe(TerminalText(s, true))
}

// CSVWriter writes records whose every cell went through csvCell, so no
// export can forget a column.
type CSVWriter struct{ *csv.Writer }

func NewCSVWriter(w io.Writer) CSVWriter { return CSVWriter{csv.NewWriter(w)} }

func (w CSVWriter) Write(record []string) error {
	safe := make([]string, len(record))
	for i, cell := range record {
		safe[i] = csvCell(cell)
	}
	return w.Writer.Write(safe)
}

// WriteJSON encodes v, indented, with the characters encoding/json leaves
// raw but a terminal acts on (DEL, C1 controls, bidi formatting) written as
// \u escapes. The decoded data is unchanged: outside strings JSON is plain
// ASCII, so these runes can only be inside strings, where \u is their
// spelling.
func WriteJSON(w io.Writer, v any, escapeHTML bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	_, err := w.Write(escapeJSONControls(buf.Bytes()))
	return err
}

func escapeJSONControls(b []byte) []byte {
	out := make([]byte, 0, len(b)+32)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError && r >= 0x7f && isControl(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

// WritePrivateFile writes a file that only its owner can read, as it holds
// customers' data: created with mode 0600, and a file already there with a
// wider mode is narrowed before anything is written to it. A path that is
// not a regular file (/dev/stdout, a pipe) is written as it is.
func WritePrivateFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := narrowRegularFile(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := write(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// narrowRegularFile makes f mode 0600 and empty when it is a regular file.
// Truncating after the chmod, not at open, leaves an old file untouched
// when its mode cannot be narrowed.
func narrowRegularFile(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	if fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("making it private: %w", err)
		}
	}
	return f.Truncate(0)
}

// WriteWholeFile writes path mode 0600 under a temporary name renamed
// into place once complete, so a half-written backup never has the name
// of a good one.
func WriteWholeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".npsd-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
