package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// compactTxMaxSize bounds one transaction of the copy, so that a large
// store is not copied in one transaction held in memory.
const compactTxMaxSize = 16 << 20

// Compact rewrites the store file so that it holds only what is live: bbolt
// reuses freed pages but never clears them, so a record erased by Forget
// stays readable in the file until its page is written over. The live data
// is copied into a fresh file beside the store, which is fsynced, renamed
// over the store file, and the folder fsynced; the daemon keeps running.
//
// The copy runs in the writer goroutine, so no write happens while it runs
// (writes wait in the queue and commit after it). Readers never wait:
// during the copy they read the old file, after the swap the new one, and
// the old file is closed once its last reader is done. When Compact
// returns nil, the old file is gone from the folder and the new one is on
// disk.
func (s *Store) Compact(ctx context.Context) error {
	req := &writeRequest{ctx: ctx, exclusive: s.compact, done: make(chan error, 1)}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()
	return <-req.done
}

// runExclusive answers an exclusive request, unless its caller gave up
// before its turn came.
func (s *Store) runExclusive(req *writeRequest) {
	if err := req.ctx.Err(); err != nil {
		req.done <- err
		return
	}
	req.done <- req.exclusive(req.ctx)
}

// compact copies the live data into a fresh file and puts it in place of
// the store file. It runs in the writer goroutine.
func (s *Store) compact(ctx context.Context) error {
	tmp := filepath.Join(filepath.Dir(s.path), "."+filepath.Base(s.path)+".compact")
	// A copy left by a crash during an earlier compaction is stale.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: compact: %w", err)
	}
	opts := s.boltOpts
	dst, err := bolt.Open(tmp, 0o600, &opts)
	if err != nil {
		return fmt.Errorf("store: compact: %w", err)
	}
	abandon := func(err error) error {
		_ = dst.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("store: compact: %w", err)
	}
	before, err := fileSize(s.path)
	if err != nil {
		return abandon(err)
	}
	// Each of bbolt's commits into dst is fsynced: once Compact returns,
	// the whole copy is on disk. Its freed pages (a large copy commits in
	// several transactions) only ever held live data.
	if err := bolt.Compact(dst, s.db, compactTxMaxSize); err != nil {
		return abandon(err)
	}
	if err := ctx.Err(); err != nil {
		return abandon(err)
	}
	// dst keeps its file open (and locked) across the rename, so no other
	// process can take the new file between the rename and the swap.
	if err := os.Rename(tmp, s.path); err != nil {
		return abandon(err)
	}
	s.swap(dst)
	after, _ := fileSize(s.path)
	s.log.Info("store file rewritten", "bytes_before", before, "bytes_after", after)
	// The new file is the store now: an error here does not undo that, it
	// says the rename may not survive a crash.
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		return fmt.Errorf("store: compact: sync folder: %w", err)
	}
	return nil
}

// handle is one open file with the readers using it.
type handle struct {
	db      *bolt.DB
	readers sync.WaitGroup
}

// acquire returns the current file for one reader, who calls
// readers.Done when finished with it.
func (s *Store) acquire() *handle {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	s.cur.readers.Add(1)
	return s.cur
}

// swap makes db the file of the writer and of every new reader, and closes
// the old one once the readers still using it are done. It runs in the
// writer goroutine. Waiting for those readers here could deadlock (one
// may be waiting for this very goroutine), hence the close in the
// background; Close waits for it.
func (s *Store) swap(db *bolt.DB) {
	s.hmu.Lock()
	old := s.cur
	s.cur = &handle{db: db}
	s.hmu.Unlock()
	s.db = db
	s.retired.Add(1)
	go func() {
		defer s.retired.Done()
		old.readers.Wait()
		if err := old.db.Close(); err != nil {
			s.log.Warn("closing the store file replaced by compaction", "err", err)
		}
	}()
}

// syncDir fsyncs a folder, so that a rename in it survives a crash.
func syncDir(dir string) error {
	if skipFsync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
