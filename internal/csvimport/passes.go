package csvimport

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/npsd/npsd/store"
)

// importer reads one file in passes. The first checks every row and keeps
// what the second needs to write the file without its rows: which rows it
// refused (one bit per row), the refusals to report, and a fingerprint of
// each chunk of rows.
type importer struct {
	src        *source
	aliases    map[string]string
	newBuilder func(Options, *csvTable) (rowBuilder, error)
	o          Options
	claims     *claims
	// seed fingerprints the chunks, the same in every pass.
	seed maphash.Seed
}

func newImporter(src *source, aliases map[string]string, newBuilder func(Options, *csvTable) (rowBuilder, error), o Options) *importer {
	imp := &importer{src: src, aliases: aliases, newBuilder: newBuilder, o: o, claims: newClaims(), seed: maphash.MakeSeed()}
	if o.keyHash != nil {
		imp.claims.hash = o.keyHash
	}
	return imp
}

// checked is what the first pass learns of a file.
type checked struct {
	header   []string
	rows     int
	refused  rowSet
	sums     []uint64 // one per chunk of rows
	rejected rejections
	dropped  rejections
}

// rowSet is a set of rows by index, one bit per row of the file.
type rowSet []uint64

func (s *rowSet) add(i int) {
	for len(*s) <= i/64 {
		*s = append(*s, 0)
	}
	(*s)[i/64] |= 1 << (i % 64)
}

func (s rowSet) has(i int) bool { return i/64 < len(s) && s[i/64]&(1<<(i%64)) != 0 }

// errFileChanged stops an import whose file no longer holds the rows the
// first pass checked.
var errFileChanged = errors.New("the file changed while it was imported")

func (imp *importer) run(ctx context.Context, st *store.Store, what string) (Result, error) {
	v, err := imp.validate(ctx)
	if err != nil {
		return Result{}, err
	}
	stats := &importStats{}
	err = imp.write(ctx, st, what, v, stats)
	res := Result{Rows: v.rows, Created: stats.created, Updated: stats.updated, Unchanged: stats.unchanged}
	res.Rejected, res.RejectedMore = mergeRejections(v.rejected, stats.rejected)
	res.Dropped, res.DroppedMore = mergeRejections(v.dropped, rejections{})
	return res, err
}

// begin starts a pass over the file, past its header.
func (imp *importer) begin() (*rowStream, rowBuilder, error) {
	rs, err := imp.src.open(imp.aliases, imp.o.Rename)
	if err != nil {
		return nil, nil, err
	}
	if imp.o.DefaultType != "" {
		rs.table.defaults = map[string]string{"type": imp.o.DefaultType}
	}
	build, err := imp.newBuilder(imp.o, rs.table)
	return rs, build, err
}

// validate is the first pass, with the readings that confirm its
// duplicates; it is run again in the rare case where two values only
// shared a hash.
func (imp *importer) validate(ctx context.Context) (*checked, error) {
	for {
		v, err := imp.check(ctx)
		if err != nil {
			return nil, err
		}
		collided, err := imp.confirm(ctx, v)
		if err != nil {
			return nil, err
		}
		if len(collided) == 0 {
			return v, nil
		}
		imp.claims.track(collided)
	}
}

// check reads every row and checks it. A file whose columns do not do for
// the import is still read to its end first, so that a broken row is
// reported as it was when files were read whole before their columns were
// looked at.
func (imp *importer) check(ctx context.Context) (*checked, error) {
	imp.claims.reset()
	rs, build, buildErr := imp.begin()
	if rs == nil {
		return nil, unusableError{buildErr}
	}
	v := &checked{header: rs.table.header}
	var h maphash.Hash
	h.SetSeed(imp.seed)
	for ; ; v.rows++ {
		r, err := rs.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, unusableError{err}
		}
		if err := imp.endChunk(ctx, rs, v, &h); err != nil {
			return nil, err
		}
		rowSum(&h, r)
		if buildErr == nil {
			v.check(imp.claims, rs.table, build, r)
		}
	}
	if buildErr != nil {
		return nil, unusableError{buildErr}
	}
	if v.rows > len(v.sums)*Chunk {
		v.sums = append(v.sums, h.Sum64())
	}
	return v, nil
}

// endChunk closes the fingerprint of a chunk before its next row is read,
// and stops the pass if the import was cancelled. After the first chunk,
// the table of unique values is sized for the whole file.
func (imp *importer) endChunk(ctx context.Context, rs *rowStream, v *checked, h *maphash.Hash) error {
	if v.rows == 0 || v.rows%Chunk != 0 {
		return nil
	}
	v.sums = append(v.sums, h.Sum64())
	h.Reset()
	if v.rows == Chunk {
		imp.claims.expect(rs.csv.InputOffset(), imp.src.size)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w (nothing was imported)", imp.src.name, err)
	}
	return nil
}

// check checks one row of the first pass: a refused row is kept by index,
// for the second pass to pass over, and reported.
func (v *checked) check(c *claims, t *csvTable, build rowBuilder, r csvRow) {
	p, err := checkRow(t, build, r)
	if err == nil {
		err = c.claim(v.rows, r.line, p.keys)
	}
	if err != nil {
		v.refused.add(v.rows)
		v.rejected.add(r.line, err)
	} else if len(p.dropped) > 0 {
		v.dropped.add(r.line, droppedError(p.dropped))
	}
}

// checkRow checks a row by itself: what the reader found wrong, its field
// count, then the import's own checks.
func checkRow(t *csvTable, build rowBuilder, r csvRow) (pendingRow, error) {
	if r.err != nil {
		return pendingRow{}, r.err
	}
	if len(r.fields) != len(t.header) {
		return pendingRow{}, &fieldCountError{got: len(r.fields), want: len(t.header)}
	}
	return build(r)
}

// rowSum adds a row to the fingerprint of its chunk.
func rowSum(h *maphash.Hash, r csvRow) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(r.line))
	h.Write(n[:])
	for _, f := range r.fields {
		binary.LittleEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.WriteString(f)
	}
}

// confirm checks every hit of the first pass against the row that claimed
// its hash, in batches, and returns the hashes that two different values
// only shared.
func (imp *importer) confirm(ctx context.Context, v *checked) ([]uint64, error) {
	var collided []uint64
	for hits := imp.claims.hits; len(hits) > 0; {
		hc := newHitChecker(imp.claims, hits[:min(len(hits), maxConfirmBatch)])
		hits = hits[len(hc.batch):]
		if err := imp.confirmBatch(ctx, v, hc); err != nil {
			return nil, err
		}
		collided = append(collided, hc.collided...)
	}
	return collided, nil
}

// confirmBatch reads the file up to the last hit of a batch.
func (imp *importer) confirmBatch(ctx context.Context, v *checked, hc *hitChecker) error {
	rs, build, err := imp.begin()
	if err != nil {
		return unusableError{err}
	}
	for row := 0; !hc.done(); row++ {
		r, err := rs.next()
		if err != nil {
			return unusableError{fmt.Errorf("%s: %w (%w); nothing was imported", imp.src.name, errFileChanged, err)}
		}
		if row%Chunk == 0 && ctx.Err() != nil {
			return fmt.Errorf("%s: %w (nothing was imported)", imp.src.name, ctx.Err())
		}
		hit := hc.isHit(row)
		if !hit && v.refused.has(row) {
			continue
		}
		p, err := checkRow(rs.table, build, r)
		switch {
		case hit:
			if first := hc.hit(p.keys); first != 0 {
				v.rejected.setFirst(r.line, first)
			}
		case err == nil:
			hc.accepted(r.line, p.keys)
		}
	}
	return nil
}

// write is the second pass: it reads the rows again, chunk by chunk,
// checks that each chunk is the one the first pass checked, and writes
// the rows the first pass accepted.
func (imp *importer) write(ctx context.Context, st *store.Store, what string, v *checked, stats *importStats) error {
	rs, build, err := imp.begin()
	if err == nil && !slices.Equal(rs.table.header, v.header) {
		err = errors.New("the header is not the same")
	}
	if err != nil {
		return imp.changed(0, err)
	}
	defer imp.showProgress(what, v.rows)()
	for k, start := 0, 0; start < v.rows; k, start = k+1, start+Chunk {
		if err := ctx.Err(); err != nil && imp.o.DryRun {
			// A real import hears it from the store, row by row.
			return fmt.Errorf("%s: %w (dry run: nothing written)", imp.src.name, err)
		}
		chunk, err := imp.readChunk(rs, build, v, k, stats)
		if err != nil {
			return imp.changed(start, err)
		}
		if err := imp.apply(ctx, st, what, chunk, stats); err != nil {
			return err
		}
		if k%releaseChunks == releaseChunks-1 {
			// The pages of the store this import has read and written stay
			// mapped in the process; let go of them as it goes.
			if err := st.ReleaseMapped(); err != nil {
				return err
			}
		}
		if imp.o.progress != nil {
			imp.o.progress(min(start+Chunk, v.rows))
		}
	}
	return nil
}

// releaseChunks is how many chunks are written between two releases of the
// store's mapped pages (see store.Store.ReleaseMapped).
const releaseChunks = 16

// changed reports a second pass that met another file than the first,
// after done rows were written or refused.
func (imp *importer) changed(done int, err error) error {
	if imp.o.DryRun {
		return fmt.Errorf("%s: %w (%w); dry run: nothing written", imp.src.name, errFileChanged, err)
	}
	return fmt.Errorf("%s: %w (%w); its first %d rows are done: run the same import again to finish", imp.src.name, errFileChanged, err, done)
}

// readChunk reads chunk k of the second pass and returns the writes of its
// rows that the first pass accepted.
func (imp *importer) readChunk(rs *rowStream, build rowBuilder, v *checked, k int, stats *importStats) ([]pendingRow, error) {
	start := k * Chunk
	end := min(start+Chunk, v.rows)
	var h maphash.Hash
	h.SetSeed(imp.seed)
	chunk := make([]pendingRow, 0, end-start)
	for i := start; i < end; i++ {
		r, err := rs.next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("it ends at row %d of %d", i, v.rows)
		}
		if err != nil {
			return nil, err
		}
		rowSum(&h, r)
		if v.refused.has(i) {
			continue
		}
		p, err := checkRow(rs.table, build, r)
		if err != nil {
			// The checks are the first pass's; a row they refuse now is
			// still reported, never written.
			stats.rejected.add(r.line, err)
			continue
		}
		chunk = append(chunk, p)
	}
	if h.Sum64() != v.sums[k] {
		return nil, fmt.Errorf("rows %d to %d differ", start+1, end)
	}
	return chunk, nil
}

// showProgress starts the progress bar of a file of more than one chunk on
// a terminal, and returns what ends it.
func (imp *importer) showProgress(what string, rows int) func() {
	if imp.o.ProgressTo == nil || rows <= Chunk || imp.o.progress != nil {
		return func() {}
	}
	verb := "importing "
	if imp.o.DryRun {
		verb = "checking "
	}
	bar := progressbar.NewOptions(rows, progressbar.OptionSetWriter(imp.o.ProgressTo),
		progressbar.OptionSetDescription(verb+what), progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	imp.o.progress = func(done int) { _ = bar.Set(done) }
	return func() { _ = bar.Finish() }
}

// apply writes a chunk, each row on its own (a row the store refuses, say
// an email that belongs to another contact, does not stop the others), or
// with DryRun rehearses it.
func (imp *importer) apply(ctx context.Context, st *store.Store, what string, chunk []pendingRow, stats *importStats) error {
	if imp.o.DryRun {
		return rehearse(st, chunk, stats)
	}
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
	return nil
}

// rehearse runs a chunk's writes in a transaction that is rolled back, so
// that a dry run meets the conflicts and matches a real write would. Each
// chunk is rehearsed on its own, since one transaction for a whole file
// would hold all its writes in memory; so a chunk does not see what the
// chunks before it would have written. For contacts this changes nothing
// that can be counted wrong in the usual case: a row can only match a
// contact created by an earlier row through an email, a phone or an
// external id that the earlier row holds, and is then already refused as
// a duplicate within the file. What a dry run still counts differently
// is the rare file that names one stored contact twice by different keys
// in different chunks (the later row is compared with the stored contact,
// not with the earlier row's update), and an event or an answer repeated
// in different chunks (each is counted as created).
func rehearse(st *store.Store, chunk []pendingRow, stats *importStats) error {
	return st.Rehearse(func(tx *store.Tx) error {
		for _, p := range chunk {
			res, err := p.apply(tx)
			stats.record(p.line, res, err)
		}
		return nil
	})
}
