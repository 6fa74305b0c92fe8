package csvimport

import (
	"errors"
	"fmt"
	"strings"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
)

// The reasons an import refuses a row by itself, which it can say in the
// owner's language (see rowReason); their Error is the English the
// command line has always written.
var (
	errEmptyContact = errors.New("contact is empty")
	errEmptyType    = errors.New("type is empty")
)

// unknownContactError refuses a row of events or answers whose contact is
// not stored; err is the store's own saying so.
type unknownContactError struct {
	key string
	err error
}

func (e *unknownContactError) Error() string { return e.err.Error() }
func (e *unknownContactError) Unwrap() error { return e.err }

// fieldCountError refuses a row with more or fewer fields than the header.
type fieldCountError struct{ got, want int }

func (e *fieldCountError) Error() string {
	return fmt.Sprintf("has %d fields, the header has %d", e.got, e.want)
}

// scoreError refuses an answer whose score is not a whole number (whole
// false) or is one outside 0-10.
type scoreError struct {
	raw   string
	score int
	whole bool
}

func (e *scoreError) Error() string {
	if e.whole {
		return fmt.Sprintf("score %d is outside 0-10", e.score)
	}
	return fmt.Sprintf("score %q is not a whole number from 0 to 10", e.raw)
}

// rowReason says why a row was refused or kept without a field, in the
// owner's language. The reasons the import gives itself are in the
// catalogue; what a validator deeper down says (a date, a phone number,
// the store's refusal) is kept in its own words, since rewriting each
// validator for one report would spread the owner's words everywhere.
func rowReason(p i18n.Printer, err error) string {
	switch e := err.(type) {
	case *dupError:
		return p.T("import.duplicate", p.Stored("field", e.field), e.value, e.first)
	case droppedError:
		fields := make([]string, len(e))
		for i, f := range e {
			fields[i] = p.T("import.dropped_field", p.Stored("field", f.Field), valueReason(p, f.Err))
		}
		return p.T("import.dropped", strings.Join(fields, p.T("import.dropped_nor")))
	case *unknownContactError:
		return p.T("import.no_contact", e.key)
	case *fieldCountError:
		return p.T("import.field_count", e.got, e.want)
	case *scoreError:
		if e.whole {
			return p.T("import.score_range", e.score)
		}
		return p.T("import.score_word", e.raw)
	case *contact.FieldError:
		if e.Err == contact.ErrUnreachable {
			return p.T("import.unreachable")
		}
	}
	switch err {
	case errEmptyContact:
		return p.T("import.empty_contact")
	case errEmptyType:
		return p.T("import.empty_type")
	}
	return valueReason(p, err)
}

// valueReason says what is wrong with a value a field cannot hold (an
// email, a phone number, a language, a time zone) in the owner's
// language, and anything else in its own words.
func valueReason(p i18n.Printer, err error) string {
	var bad *contact.InvalidValue
	if p.Codes() || !errors.As(err, &bad) {
		return err.Error()
	}
	return p.T("invalid."+bad.Kind, bad.Value)
}
