package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"github.com/npsd/npsd/internal/contact"
)

// csvTable is what the header of a CSV file says: where each column is.
type csvTable struct {
	name    string
	columns map[string]int // canonical column name → index
	extra   []string       // header names that are not canonical columns, in order
	header  []string
	// defaults fill a canonical column the file lacks (events import --type).
	defaults map[string]string
}

// csvRow is one row as a pass reads it. The reader reuses the fields slice
// for the next row: what is kept of a row is copied out of it (the strings
// themselves are not reused).
type csvRow struct {
	line   int // line of the row's first field, 1-based, as a spreadsheet shows it
	fields []string
	// err refuses the row before any builder sees it (a field too long);
	// its fields are then dropped.
	err error
}

// maxCSVFieldBytes bounds one field of an imported row. Names, addresses,
// ids and attributes are a few dozen bytes; a field of megabytes is a
// broken export (an unclosed quote swallowing lines) or hostile, and would
// otherwise be stored whole in a contact, an event or a response and
// copied into every page, export and webhook that shows it.
const maxCSVFieldBytes = 4096

// maxCSVColumns bounds the columns of an import's header. An import uses a
// handful of known columns plus a few attributes; each other column
// becomes an attribute of every row, so a header of thousands would
// multiply what each row stores. Beyond it the file is refused whole,
// since no row of it could be right.
const maxCSVColumns = 200

// get returns a row's value for a canonical column, "" when absent.
func (t *csvTable) get(r csvRow, column string) string {
	if i, ok := t.columns[column]; ok && i < len(r.fields) {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

// inputError is input that cannot be used at all: exit 2, nothing written.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func unusable(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// newTable reads a header line: each column's canonical name by aliases
// (lower-cased header spellings onto canonical column names), the others
// kept as attributes, under their own name or the one rename gives them
// (see Options.Rename).
func newTable(name string, header []string, aliases, rename map[string]string) (*csvTable, error) {
	if len(header) > maxCSVColumns {
		return nil, unusable("%s line 1: the header has %d columns, more than the %d an import takes; keep only the columns to import", name, len(header), maxCSVColumns)
	}
	t := &csvTable{name: name, columns: map[string]int{}, header: header}
	// Headers match whatever their case, accents and separators.
	folded, renamed := map[string]string{}, map[string]bool{}
	for from, to := range rename {
		folded[foldHeader(from)] = to
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, unusable("%s line 1: column %d has no name in the header", name, i+1)
		}
		if len(h) > maxCSVFieldBytes {
			return nil, unusable("%s line 1: the name of column %d is %d bytes long, more than %d", name, i+1, len(h), maxCSVFieldBytes)
		}
		called := h
		if to, ok := folded[foldHeader(h)]; ok {
			called, renamed[foldHeader(h)] = to, true
		}
		canon, known := aliases[foldHeader(called)]
		if !known {
			key := contact.AttributeKey(called)
			t.extra = append(t.extra, key)
			canon = "attr:" + key
		}
		if j, dup := t.columns[canon]; dup {
			return nil, unusable("%s line 1: columns %d (%q) and %d (%q) both mean %s", name, j+1, header[j], i+1, h, strings.TrimPrefix(canon, "attr:"))
		}
		t.columns[canon] = i
	}
	for from := range rename {
		if !renamed[foldHeader(from)] {
			return nil, unusable("%s line 1: --map names a column %q the header does not have (it has %s)", name, from, strings.Join(header, ", "))
		}
	}
	return t, nil
}

// checkFieldSizes refuses a row with a field longer than maxCSVFieldBytes,
// naming the column, and drops its fields so the file's other rows can be
// imported without holding on to it.
func checkFieldSizes(r csvRow, header []string) csvRow {
	for i, f := range r.fields {
		if len(f) <= maxCSVFieldBytes {
			continue
		}
		column := fmt.Sprintf("column %d", i+1)
		if i < len(header) {
			column = fmt.Sprintf("column %d (%q)", i+1, strings.TrimSpace(header[i]))
		}
		r.err = fmt.Errorf("%s has a field of %d bytes, more than the %d a field may hold", column, len(f), maxCSVFieldBytes)
		r.fields = nil
		return r
	}
	return r
}

// csvError turns a read error into a message that says where and what to
// do; line is where the row being read started, for errors that do not
// carry their own.
func csvError(name string, line int, err error) error {
	var input *inputError
	var enc *encodingError
	var pe *csv.ParseError
	switch {
	case errors.As(err, &input):
		return err
	case errors.As(err, &enc) && enc.utf16:
		return unusable("%s is UTF-16 text: save it as \"CSV UTF-8\" and import again", name)
	case errors.As(err, &enc):
		return unusable("%s line %d: the file is not UTF-8; save it as \"CSV UTF-8\", or import it with --encoding windows-1252 if it comes from Excel", name, enc.line)
	case errors.Is(err, errRowTooLong):
		return unusable("%s line %d: a row runs past %d MiB: a quote opened in this row is probably never closed; nothing was imported", name, line, maxCSVRecordBytes>>20)
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote):
		// The reader notices an unclosed quote lines later, where the
		// file ends or the field goes wrong; the row it opened is where
		// the fix is.
		return unusable("%s line %d: a quote opened in this row is never closed (or a field has a stray quote); nothing was imported", name, pe.StartLine)
	case errors.As(err, &pe):
		return unusable("%s line %d: %v; nothing was imported", name, pe.Line, pe.Err)
	}
	return unusable("%s: %v", name, err)
}

// sniffDelimiter picks ";" or "," from the header line, counting only
// outside quotes: French spreadsheets export with ";" because "," is their
// decimal separator.
func sniffDelimiter(data []byte) rune {
	commas, semis := 0, 0
	quoted := false
	for _, b := range data {
		switch {
		case b == '"':
			quoted = !quoted
		case quoted:
		case b == '\n':
			if semis > commas {
				return ';'
			}
			return ','
		case b == ',':
			commas++
		case b == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// foldHeader lower-cases a header and drops accents and separators, so
// "Téléphone", "E-mail" and "external ID" find their columns.
func foldHeader(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch r {
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'à', 'â':
			r = 'a'
		case 'î', 'ï':
			r = 'i'
		case 'ô':
			r = 'o'
		case 'ù', 'û', 'ü':
			r = 'u'
		case 'ç':
			r = 'c'
		case ' ', '-', '.':
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func allBlank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
