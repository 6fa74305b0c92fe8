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
	"time"

	"github.com/schollz/progressbar/v3"

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
	// Encoding is the file's text encoding: utf-8 (the default),
	// windows-1252, latin1 or iso-8859-15.
	Encoding string
	// DefaultType is the event type of rows without a type column.
	DefaultType string
	// DryRun checks and counts without writing anything.
	DryRun bool
	// ProgressTo, when set (a terminal), shows a progress bar while the
	// rows of a file of more than one chunk are written.
	ProgressTo io.Writer
	// progress moves the bar to the rows done.
	progress func(done int)
}

// RowError is a refused row, by its line in the file.
type RowError struct {
	Line int
	Err  error
}

// Result counts an import's rows.
type Result struct {
	Rows, Created, Updated, Unchanged int
	// Rejected are the refused rows, in line order.
	Rejected []RowError
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
func Run(ctx context.Context, st *store.Store, kind Kind, path string, o Options) (Result, error) {
	aliases, newBuilder := builderFor(kind)
	if newBuilder == nil {
		return Result{}, unusableError{fmt.Errorf("no import of %q", kind)}
	}
	t, err := readCSVFile(path, o.Encoding, aliases)
	if err != nil {
		return Result{}, unusableError{err}
	}
	if o.DefaultType != "" {
		t.defaults = map[string]string{"type": o.DefaultType}
	}
	build, err := newBuilder(o, t)
	if err != nil {
		return Result{}, unusableError{err}
	}
	stats := &importStats{rows: len(t.rows)}
	err = applyRows(ctx, st, string(kind), t, build, o, stats)
	slices.SortFunc(stats.rejected, func(a, b rowError) int { return a.line - b.line })
	res := Result{Rows: stats.rows, Created: stats.created, Updated: stats.updated, Unchanged: stats.unchanged}
	for _, r := range stats.rejected {
		res.Rejected = append(res.Rejected, RowError{Line: r.line, Err: r.err})
	}
	return res, err
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

// applyRows writes the rows, each on its own (a row the store refuses, say
// an email that belongs to another contact, does not stop the others), or
// with o.DryRun rehearses them in a transaction that is rolled back.
func applyRows(ctx context.Context, st *store.Store, what string, t *csvTable, build rowBuilder, o Options, stats *importStats) error {
	rows := t.rows
	if o.DryRun {
		return st.Rehearse(func(tx *store.Tx) error {
			for _, p := range stats.build(t, rows, build) {
				res, err := p.apply(tx)
				stats.record(p.line, res, err)
			}
			return nil
		})
	}
	if o.ProgressTo != nil && len(rows) > Chunk {
		bar := progressbar.NewOptions(len(rows), progressbar.OptionSetWriter(o.ProgressTo),
			progressbar.OptionSetDescription("importing "+what), progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
		defer bar.Finish()
		o.progress = func(done int) { _ = bar.Set(done) }
	}
	for start := 0; start < len(rows); start += Chunk {
		chunk := stats.build(t, rows[start:min(start+Chunk, len(rows))], build)
		results := make([]store.UpsertResult, len(chunk))
		fns := make([]func(*store.Tx) error, len(chunk))
		for i, p := range chunk {
			fns[i] = func(tx *store.Tx) (err error) {
				results[i], err = p.apply(tx)
				return err
			}
		}
		for i, err := range st.UpdateAll(ctx, fns) {
			if err != nil && (errors.Is(err, context.Canceled) || isTemporary(err)) {
				// Rows already committed stay; the rest are not refused
				// rows but an interrupted import, which can be run again.
				return fmt.Errorf("%s line %d: %w (rows before it are imported; run the same import again to finish)", what, chunk[i].line, err)
			}
			stats.record(chunk[i].line, results[i], err)
		}
		if o.progress != nil {
			o.progress(min(start+Chunk, len(rows)))
		}
	}
	return nil
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
