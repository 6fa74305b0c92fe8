// Package csvimport owns the CSV imports: reading a spreadsheet's export
// (encodings, delimiters, headers in French or English), checking every
// row with the contact rule and the store's, and writing the rows in
// chunks that the store commits together. A row that is refused is named
// by its line and passed over; a file that cannot be read at all writes
// nothing.
package csvimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/store"
)

// Kind is what a file holds.
type Kind string

// The imports npsd has.
const (
	Contacts  Kind = "contacts"
	Events    Kind = "events"
	Responses Kind = "responses"
)

// Options are what an import needs to know of the business.
type Options struct {
	// Region reads phone numbers typed without a country code.
	Region string
	// Location is the time zone of dates written without one.
	Location *time.Location
	// DayFirst reads 01/02/2026 as the 1st of February, as a French
	// business writes it; without it, as January 2nd.
	DayFirst bool
	// Encoding is the file's text encoding: utf-8 (the default),
	// windows-1252, latin1 or iso-8859-15.
	Encoding string
	// Rename gives columns the names npsd knows them by, by their header
	// (case, accents and separators aside; see ParseRename): Ville → city makes a French header the
	// same segment as an English one, Numéro → phone names a column the
	// aliases do not know.
	Rename map[string]string
	// Strict refuses a contact row with any field that breaks its rule, as
	// npsd did before it kept the good fields of such a row.
	Strict bool
	// DefaultType is the event type of rows without a type column.
	DefaultType string
	// DryRun checks and counts without writing anything, rehearsing the
	// writes chunk by chunk (see rehearse for what that cannot foresee).
	DryRun bool
	// ProgressTo, when set (a terminal), shows a progress bar while the
	// rows of a file of more than one chunk are written.
	ProgressTo io.Writer
	// progress moves the bar to the rows done.
	progress func(done int)
	// keyHash, when set, replaces the hash of the values no two rows may
	// share, so that tests can make two of them collide.
	keyHash func(field, value string) uint64
}

// RowError is a refused row, by its line in the file.
type RowError struct {
	Line int
	Err  error
}

// Result counts an import's rows.
type Result struct {
	Rows, Created, Updated, Unchanged int
	// Rejected are the first refused rows, at most MaxRejected, in line
	// order: the report a person reads and fixes the file from.
	Rejected []RowError
	// RejectedMore counts the refused rows after those in Rejected.
	RejectedMore int
	// Dropped are the first rows kept without a field that broke its
	// rule, at most MaxRejected, in line order; DroppedMore counts the
	// rest.
	Dropped     []RowError
	DroppedMore int
}

// ParseRename reads --map: pairs HEADER=NAME separated by commas (Ville=city,
// Province=region), each header as the file writes it, each name a column
// npsd knows or an attribute's name.
func ParseRename(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	rename := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(pair, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("%q is not HEADER=NAME (such as Ville=city)", strings.TrimSpace(pair))
		}
		for other := range rename {
			if foldHeader(other) == foldHeader(from) {
				return nil, fmt.Errorf("%q is renamed twice", from)
			}
		}
		rename[from] = to
	}
	return rename, nil
}

// DayFirstOf reads --date-format: DD/MM/YYYY (JJ/MM/AAAA in French) puts
// the day first, MM/DD/YYYY the month; any of / . - between.
func DayFirstOf(format string) (bool, error) {
	f := strings.NewReplacer(".", "/", "-", "/", "J", "D", "A", "Y").Replace(strings.ToUpper(strings.TrimSpace(format)))
	switch f {
	case "DD/MM/YYYY", "DD/MM/YY", "D/M/Y":
		return true, nil
	case "MM/DD/YYYY", "MM/DD/YY", "M/D/Y":
		return false, nil
	}
	return false, fmt.Errorf("date format %q: use DD/MM/YYYY (JJ/MM/AAAA) or MM/DD/YYYY", format)
}

// Partial is how many rows were kept without some of their fields.
func (r Result) Partial() int { return len(r.Dropped) + r.DroppedMore }

// Refused is how many rows were refused in all.
func (r Result) Refused() int { return len(r.Rejected) + r.RejectedMore }

// Summary is the line that says what an import of the file called name
// did with its rows of noun (contacts, events…), in the owner's words.
func (r Result) Summary(p i18n.Printer, name, noun string, dryRun bool) string {
	kept, suffix := "", ""
	if r.Partial() > 0 {
		kept = p.T("import.partial", r.Partial())
	}
	if dryRun {
		suffix = p.T("import.dry_run")
	}
	return p.T("import.summary."+noun, name, r.Rows, r.Created, r.Updated, r.Unchanged, r.Refused(), kept, suffix)
}

// Refusals are the lines that report the refused rows of the file called
// name, and the rows kept without a field, in the file's order; then how
// many more of each there were.
func (r Result) Refusals(p i18n.Printer, name string) []string {
	all := slices.Concat(r.Rejected, r.Dropped)
	slices.SortStableFunc(all, func(a, b RowError) int { return a.Line - b.Line })
	lines := make([]string, 0, len(all)+2)
	for _, e := range all {
		lines = append(lines, p.T("import.line", name, e.Line, rowReason(p, e.Err)))
	}
	if r.RejectedMore > 0 {
		lines = append(lines, p.T(p.PluralKey("import.more_refused", r.RejectedMore), name, r.RejectedMore))
	}
	if r.DroppedMore > 0 {
		lines = append(lines, p.T(p.PluralKey("import.more_dropped", r.DroppedMore), name, r.DroppedMore))
	}
	return lines
}

// Print writes the report of an import of the file called name: each
// refused row on problems, then the summary on out. whole is false when
// some row was refused or kept without a field.
func (r Result) Print(out, problems io.Writer, p i18n.Printer, name, noun string, dryRun bool) (whole bool) {
	for _, line := range r.Refusals(p, name) {
		fmt.Fprintln(problems, line)
	}
	fmt.Fprintln(out, r.Summary(p, name, noun, dryRun))
	return r.Refused()+r.Partial() == 0
}

// droppedError says which fields a kept row was imported without, and why.
type droppedError []*contact.FieldError

func (d droppedError) Error() string {
	var b strings.Builder
	b.WriteString("kept without its ")
	for i, f := range d {
		if i > 0 {
			b.WriteString(", nor its ")
		}
		fmt.Fprintf(&b, "%s (%v)", f.Field, f.Err)
	}
	b.WriteString("; the rest of the row is imported")
	return b.String()
}

// ErrUnusable marks a file that could not be used at all: nothing of it
// was written.
var ErrUnusable = errors.New("unusable input")

// unusableError says why a file is unusable in the reader's own words,
// and is ErrUnusable for errors.Is.
type unusableError struct{ err error }

func (e unusableError) Error() string        { return e.err.Error() }
func (e unusableError) Unwrap() error        { return e.err }
func (e unusableError) Is(target error) bool { return target == ErrUnusable }

// Run imports the file at path into st. Its error wraps ErrUnusable when
// the file could not be used at all, and is otherwise an interrupted
// import (the rows before it are written; running it again finishes it,
// since every import is idempotent). The result counts what was done
// either way.
//
// The file is never held: a first pass parses and checks every row, so
// that a file broken anywhere (an unclosed quote on its last line, a byte
// that is not UTF-8) writes nothing, and a second pass reads it again and
// writes the rows the first accepted, in chunks. A file with duplicates is
// read once more in between, to confirm them (see claims).
func Run(ctx context.Context, st *store.Store, kind Kind, path string, o Options) (Result, error) {
	aliases, newBuilder := builderFor(kind)
	if newBuilder == nil {
		return Result{}, unusableError{fmt.Errorf("no import of %q", kind)}
	}
	src, file, err := openSource(path, o.Encoding)
	if err != nil {
		return Result{}, unusableError{err}
	}
	defer file.Close()
	imp := newImporter(src, aliases, newBuilder, o)
	return imp.run(ctx, st, string(kind))
}

func builderFor(kind Kind) (map[string]string, func(Options, *csvTable) (rowBuilder, error)) {
	switch kind {
	case Contacts:
		return contactColumns, buildContactRows
	case Events:
		return eventColumns, buildEventRows
	case Responses:
		return responseColumns, buildResponseRows
	}
	return nil, nil
}

// AddEvent records one event for the contact named by key (an id, an
// external id, an email or a phone), or for details, created or updated
// first when given. The command line and the shop's API record an event
// through it; the import does the same row by row. created is false when
// the event's external id was already recorded.
func AddEvent(ctx context.Context, st *store.Store, region, key string, details *store.Contact, ev store.Event) (saved store.Event, created bool, err error) {
	phone := contact.PhoneKey(key, region)
	err = st.Update(ctx, func(tx *store.Tx) error {
		var id store.ContactID
		if details != nil {
			c, _, err := tx.UpsertContact(*details)
			if err != nil {
				return err
			}
			id = c.ID
		} else if id, err = tx.ContactIDByKey(key, phone); err != nil {
			return err
		}
		ev := ev
		ev.ContactID = id
		saved, created, err = tx.AddEvent(ev)
		return err
	})
	return saved, created, err
}
