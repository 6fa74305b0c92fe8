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
	"time"

	"github.com/npsd/npsd/internal/contact"
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
}

// Refused is how many rows were refused in all.
func (r Result) Refused() int { return len(r.Rejected) + r.RejectedMore }

// Refusals are the lines that report the refused rows of the file called
// name: one per row in Rejected, then how many more there were.
func (r Result) Refusals(name string) []string {
	lines := make([]string, 0, len(r.Rejected)+1)
	for _, e := range r.Rejected {
		lines = append(lines, fmt.Sprintf("%s line %d: %v", name, e.Line, e.Err))
	}
	if r.RejectedMore > 0 {
		lines = append(lines, fmt.Sprintf("%s: … and %d more rows refused", name, r.RejectedMore))
	}
	return lines
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
