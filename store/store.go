// Package store owns npsd's one bbolt file: the records (contacts, events,
// surveys, responses), their indexes, the queries over them, the schema
// migrations run at open, and the group commit that turns many concurrent
// writers into one fsync.
//
// Durability contract: when Update returns nil, the change is on disk. When it
// returns an error, nothing of that call's function was committed.
package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/npsd/npsd/store/record"
)

// Options configures Open. The zero value of every field but Path is usable.
type Options struct {
	// Path is the bbolt file. Its folder must exist unless CreateDir is set.
	Path string
	// CreateDir creates the file's folder with mode 0700 when it is missing.
	// The daemon's built-in default location uses it; a configured path does
	// not, so that a typo in store.path is an error rather than a new, empty
	// database somewhere unexpected.
	CreateDir bool
	// LockTimeout bounds the wait for the file lock held by another process.
	// Default 1s.
	LockTimeout time.Duration
	// MaxBatch caps how many waiting writes one transaction commits. Default 1000.
	MaxBatch int
	// Now is the clock used for created/updated stamps. Default time.Now.
	Now func() time.Time
	// Logger receives migration and batch messages. Default slog.Default().
	Logger *slog.Logger
}

// ErrInUse means another process (usually the running daemon) holds the file.
var ErrInUse = errors.New("database is in use by another npsd")

// ErrClosed is returned by Update after Close.
var ErrClosed = errors.New("store is closed")

// Store is an open npsd database. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	now    func() time.Time
	log    *slog.Logger
	max    int
	writes chan *writeRequest

	// db is the file the writer writes; only the writer goroutine (and
	// Open and Close around it) touches it. Readers take cur instead:
	// Compact replaces both, and closes the old file only once its last
	// reader is done, so no reader ever waits for it nor sees the file
	// closed under it.
	hmu      sync.Mutex // guards cur
	cur      *handle
	retired  sync.WaitGroup // old files waiting for their readers
	path     string
	boltOpts bolt.Options

	mu     sync.RWMutex // guards closed against sends on writes
	closed bool
	done   chan struct{} // closed when the writer goroutine has exited

	// The writer's memos: a send's outcome reads the job and survey its
	// claim wrote without decoding them. Only the writer touches them.
	jobs    record.Memo[JobID, Job]
	surveys record.Memo[SurveyID, Survey]

	commits atomic.Uint64 // transactions committed by the writer, for tests and metrics
	// writeFailures counts transactions that could not begin or commit
	// (disk full, I/O error): /metrics shows it, since each caller only
	// sees its own error.
	writeFailures atomic.Uint64
	// failing is the state of the latest commit attempt: the error and
	// since when writes have been failing, or nil once one succeeds.
	failing atomic.Pointer[WriteFailure]
}

// WriteFailure says that the store's latest write failed, since when the
// writes have been failing and with what error.
type WriteFailure struct {
	Since time.Time
	Err   error
}

type writeRequest struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
	// exclusive, when set, runs alone in the writer goroutine between two
	// batches instead of fn: nothing else writes while it runs (Compact).
	exclusive func(context.Context) error
	// group, when set, carries the writes of one UpdateAll instead of fn:
	// queued as one, they reach the writer together and share a commit.
	group []*writeRequest
}

// writes returns the writes a request carries.
func (r *writeRequest) writes() []*writeRequest {
	if r.group != nil {
		return r.group
	}
	return []*writeRequest{r}
}

// Open opens (creating if needed) the database at opts.Path, takes its file
// lock, and runs pending migrations.
func Open(opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("store: no path given")
	}
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := ensureDir(filepath.Dir(opts.Path), opts.CreateDir); err != nil {
		return nil, err
	}
	boltOpts := bolt.Options{Timeout: opts.LockTimeout, NoSync: skipFsync, NoGrowSync: skipFsync}
	db, err := bolt.Open(opts.Path, 0o600, &boltOpts)
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("store %s: %w (the lock was not released within %s; stop the daemon or use its admin interface)", opts.Path, ErrInUse, opts.LockTimeout)
		}
		return nil, fmt.Errorf("store %s: open: %w", opts.Path, err)
	}
	// bbolt applies the mode only when it creates the file; a file copied in
	// with looser permissions holds customers' personal data all the same.
	if fi, err := os.Stat(opts.Path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(opts.Path, 0o600); err != nil {
			opts.Logger.Warn("store file is readable by others and could not be restricted", "path", opts.Path, "err", err)
		}
	}
	s := &Store{
		db:     db,
		now:    opts.Now,
		log:    opts.Logger,
		max:    opts.MaxBatch,
		writes: make(chan *writeRequest, opts.MaxBatch),
		done:   make(chan struct{}),

		cur:      &handle{db: db},
		path:     opts.Path,
		boltOpts: boltOpts,
	}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store %s: %w", opts.Path, err)
	}
	go s.writer()
	return s, nil
}

func ensureDir(dir string, create bool) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("store folder %s is not a folder", dir)
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrNotExist) && create:
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("store folder %s: %w", dir, err)
		}
		return nil
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("store folder %s does not exist: create it (mode 0700) or fix store.path", dir)
	default:
		return fmt.Errorf("store folder %s: %w", dir, err)
	}
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close waits for queued writes to commit, then closes the file. It is safe
// to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	close(s.writes)
	s.mu.Unlock()
	<-s.done
	s.retired.Wait()
	return s.db.Close()
}

// View runs fn in a read-only transaction. Reads never wait for the writer.
func (s *Store) View(fn func(*Tx) error) error {
	h := s.acquire()
	defer h.readers.Done()
	return h.db.View(func(btx *bolt.Tx) error {
		return fn(&Tx{tx: btx, now: s.now})
	})
}

// Update runs fn in a read-write transaction shared with whatever other
// writes are waiting, and returns once that transaction is committed and
// fsynced, or failed. fn may run more than once (when another function in
// the same batch fails, the survivors are replayed in a fresh transaction),
// so it must set its results rather than accumulate them, and have no side
// effects outside the transaction. If fn returns an error, nothing it did is
// committed and Update returns that error unchanged.
//
// ctx is honoured until the write is picked up by the writer; after that the
// call waits for the commit, so that nil always means "on disk".
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	return s.UpdateAll(ctx, []func(*Tx) error{fn})[0]
}

// UpdateAll queues several independent writes at once and returns one error
// per function, in order. A failing function does not stop the others; the
// ones that succeed are committed together, in one transaction, since they
// reach the writer as one. Bulk imports use it to pay one fsync per batch
// instead of one per row, the outbox to claim and record jobs in batches.
func (s *Store) UpdateAll(ctx context.Context, fns []func(*Tx) error) []error {
	errs := make([]error, len(fns))
	if len(fns) == 0 {
		return errs
	}
	reqs := make([]*writeRequest, len(fns))
	for i, fn := range fns {
		reqs[i] = &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	}
	carrier := reqs[0]
	if len(reqs) > 1 {
		carrier = &writeRequest{ctx: ctx, group: reqs}
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		for i := range errs {
			errs[i] = ErrClosed
		}
		return errs
	}
	select {
	case s.writes <- carrier:
	case <-ctx.Done():
		s.mu.RUnlock()
		for i := range errs {
			errs[i] = ctx.Err()
		}
		return errs
	}
	s.mu.RUnlock()
	for i, req := range reqs {
		errs[i] = <-req.done
	}
	return errs
}

// writer is the one goroutine that writes: it takes the first waiting write,
// gathers whatever else is already queued, and commits them together.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*writeRequest, 0, s.max)
	for first := range s.writes {
		if first.exclusive != nil {
			s.runExclusive(first)
			continue
		}
		batch = append(batch[:0], first.writes()...)
		var after *writeRequest
	gather:
		for len(batch) < s.max {
			select {
			case req, ok := <-s.writes:
				if !ok {
					break gather
				}
				if req.exclusive != nil {
					// The writes queued before it commit first.
					after = req
					break gather
				}
				batch = append(batch, req.writes()...)
			default:
				break gather
			}
		}
		s.commit(batch)
		if after != nil {
			s.runExclusive(after)
		}
	}
}

// commit runs a batch in one transaction. A function that fails is answered
// with its error and dropped; the transaction is rolled back and the others
// are replayed, since bbolt has no savepoints to undo one function alone.
func (s *Store) commit(batch []*writeRequest) {
	live := batch[:0:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- err
			continue
		}
		live = append(live, req)
	}
	for len(live) > 0 {
		btx, err := s.db.Begin(true)
		if err != nil {
			err = &TemporaryError{Err: fmt.Errorf("store: begin write: %w", err)}
			s.writeFailed(err, len(live))
			for _, req := range live {
				req.done <- err
			}
			return
		}
		tx := &Tx{tx: btx, now: s.now, jobs: &s.jobs, surveys: &s.surveys}
		failed := -1
		var ferr error
		for i, req := range live {
			if ferr = runSafely(tx, req.fn); ferr != nil {
				failed = i
				break
			}
		}
		if failed >= 0 {
			_ = btx.Rollback()
			live[failed].done <- ferr
			live = append(live[:failed:failed], live[failed+1:]...)
			continue
		}
		if err := btx.Commit(); err != nil {
			// A failed commit (disk full, I/O error) leaves the file as it
			// was; the caller may retry once the fault clears.
			err = &TemporaryError{Err: fmt.Errorf("store: commit: %w", err)}
			s.writeFailed(err, len(live))
			for _, req := range live {
				req.done <- err
			}
			return
		}
		s.commits.Add(1)
		s.failing.Store(nil)
		if len(live) > 1 {
			s.log.Debug("store group commit", "writes", len(live))
		}
		for _, req := range live {
			req.done <- nil
		}
		return
	}
}

func (s *Store) writeFailed(err error, writes int) {
	s.writeFailures.Add(1)
	since := time.Now()
	if prev := s.failing.Load(); prev != nil {
		since = prev.Since
	}
	s.failing.Store(&WriteFailure{Since: since, Err: err})
	s.log.Error("store write failed; nothing of it was kept", "writes", writes, "err", err)
}

// Failing returns the failure of the latest write, or nil when it
// succeeded (or none was tried yet). The state changes only with a write:
// a store that failed stays failing until a write goes through.
func (s *Store) Failing() *WriteFailure { return s.failing.Load() }

// Commits returns how many write transactions the store has committed
// since it was opened. Each pays the file's syncs: the outbox's batching
// shows in it as fewer commits than messages.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// WriteFailures returns how many transactions failed to begin or commit
// since the store was opened.
func (s *Store) WriteFailures() uint64 { return s.writeFailures.Load() }

// runSafely turns a panic in one caller's function into that caller's error,
// so one bad write cannot take down the writer and every other caller.
func runSafely(tx *Tx, fn func(*Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: write function panicked: %v", r)
		}
	}()
	return fn(tx)
}

// TemporaryError marks a failure that may pass if the same write is tried
// again later (a full disk, an I/O error), as opposed to a refused write.
type TemporaryError struct{ Err error }

func (e *TemporaryError) Error() string   { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error   { return e.Err }
func (e *TemporaryError) Temporary() bool { return true }

// errRehearsal rolls back a rehearsal's transaction.
var errRehearsal = errors.New("rehearsal: roll back")

// Rehearse runs fn in a write transaction that is always rolled back, so a
// dry run meets exactly the conflicts and matches a real write would, and
// changes nothing. It waits for the writer's current transaction, since
// bbolt allows one writer at a time.
func (s *Store) Rehearse(fn func(*Tx) error) error {
	h := s.acquire()
	defer h.readers.Done()
	err := h.db.Update(func(btx *bolt.Tx) error {
		if err := runSafely(&Tx{tx: btx, now: s.now}, fn); err != nil {
			return err
		}
		return errRehearsal
	})
	if errors.Is(err, errRehearsal) {
		return nil
	}
	return err
}
