package csvimport

import (
	"slices"

	"github.com/npsd/npsd/store"
)

// rowError is a refused row, by line.
type rowError struct {
	line int
	err  error
}

// MaxRejected is how many refused rows an import reports one by one. A
// file of millions of bad rows (the wrong file, the wrong encoding of a
// column) would otherwise hold millions of messages; past the first
// thousand, which say what is wrong, the rest are counted.
const MaxRejected = 1000

// rejections are the refused rows of a pass, added in line order: the
// first MaxRejected and a count of the rest.
type rejections struct {
	kept []rowError
	more int
}

func (r *rejections) add(line int, err error) {
	if len(r.kept) == MaxRejected {
		r.more++
		return
	}
	r.kept = append(r.kept, rowError{line, err})
}

// setFirst names the earlier line in the refusal of line, when it is kept.
func (r *rejections) setFirst(line, first int) {
	i, found := slices.BinarySearchFunc(r.kept, line, func(e rowError, line int) int { return e.line - line })
	if !found {
		return
	}
	if d, ok := r.kept[i].err.(*dupError); ok {
		d.first = first
	}
}

// mergeRejections returns the first MaxRejected refusals of two passes in
// line order, and how many others there are. Each pass kept its own first
// ones, which hold the first ones of both.
func mergeRejections(a, b rejections) ([]RowError, int) {
	all := slices.Concat(a.kept, b.kept)
	slices.SortStableFunc(all, func(x, y rowError) int { return x.line - y.line })
	more := a.more + b.more
	if len(all) > MaxRejected {
		more += len(all) - MaxRejected
		all = all[:MaxRejected]
	}
	var out []RowError
	for _, r := range all {
		out = append(out, RowError{Line: r.line, Err: r.err})
	}
	return out, more
}

// importStats counts what the writing pass did with the rows.
type importStats struct {
	created, updated, unchanged int
	rejected                    rejections
}

func (s *importStats) record(line int, res store.UpsertResult, err error) {
	switch {
	case err != nil:
		s.rejected.add(line, err)
	case res == store.Created:
		s.created++
	case res == store.Updated:
		s.updated++
	default:
		s.unchanged++
	}
}
