package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestCompactErasesFreedPages: after Forget, the erased name and comment
// stay in the freed pages of the file; Compact rewrites the file without
// them, keeps everything live, and the store goes on working.
func TestCompactErasesFreedPages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const name, email, comment = "Zephyrine Quaglia", "zephyrine.quaglia@example.org", "the almond croissant was stale again"
	c, _, err := s.UpsertContact(ctx, Contact{Name: name, Email: email, Phone: "+33698765432"})
	if err != nil {
		t.Fatal(err)
	}
	keep, _, _ := s.UpsertContact(ctx, Contact{Name: "Paul", Email: "paul@example.org"})
	if err := s.Update(ctx, func(tx *Tx) error {
		// Many of them, over many pages, so that the writes that go on
		// during the compaction cannot happen to reuse all those pages.
		rs := []Response{{ContactID: keep.ID, Score: 9, Comment: "fine"}}
		for range 300 {
			rs = append(rs, Response{ContactID: c.ID, Score: 3, Comment: comment})
		}
		for i, r := range rs {
			r.Received, r.Source = time.Date(2026, 11, 17, 9, 0, i, 0, time.UTC), "test"
			if _, _, err := tx.AddResponse(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.Forget(c.ID) }); err != nil {
		t.Fatal(err)
	}
	secrets := []string{name, email, "+33698765432", comment}
	// The premise: bbolt freed the pages but left their bytes.
	if found := inFile(t, s.Path(), secrets); len(found) == 0 {
		t.Fatal("the erased bytes are not in the freed pages: the test proves nothing")
	}

	// Readers and writers go on during the compaction.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.View(func(tx *Tx) error { _, err := tx.Contact(keep.ID); return err }); err != nil {
					errs <- fmt.Errorf("read during compaction: %w", err)
					return
				}
				if i == 0 {
					if _, _, err := s.UpsertContact(ctx, Contact{Email: fmt.Sprintf("w%d@example.org", n)}); err != nil {
						errs <- fmt.Errorf("write during compaction: %w", err)
						return
					}
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := s.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if found := inFile(t, s.Path(), secrets); len(found) > 0 {
		t.Errorf("after Compact the store file still holds %q", found)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), ".*.compact")); len(leftovers) > 0 {
		t.Errorf("temporary copy left behind: %v", leftovers)
	}
	if fi, err := os.Stat(s.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file: %v, mode %v", err, fi.Mode())
	}
	// Live data, indexes and sequences survive, and writes go on.
	if got, err := s.ContactByKey("paul@example.org", ""); err != nil || got.ID != keep.ID {
		t.Errorf("live contact after Compact: %+v, %v", got, err)
	}
	next, _, err := s.UpsertContact(ctx, Contact{Email: "after@example.org"})
	if err != nil || next.ID <= keep.ID {
		t.Errorf("contact created after Compact: %+v, %v (ids must keep growing)", next, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(Options{Path: s.Path()})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, err := again.ContactByKey("after@example.org", ""); err != nil {
		t.Errorf("write after Compact lost at reopen: %v", err)
	}
}

// TestCompactAfterClose refuses rather than touch a closed file.
func TestCompactAfterClose(t *testing.T) {
	s := openTest(t)
	s.Close()
	if err := s.Compact(context.Background()); err != ErrClosed {
		t.Errorf("Compact after Close: %v, want ErrClosed", err)
	}
}

// inFile returns which of the strings occur in the raw bytes of a file.
func inFile(t *testing.T, path string, secrets []string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}
