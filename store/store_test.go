package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "npsd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := s.UpsertContact(ctx, Contact{Name: "Élodie", Email: "elodie@example.fr", Phone: "+33612345678", Attributes: map[string]string{"city": "Lyon"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddEvent(ctx, Event{ContactID: c.ID, Type: "purchase", At: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), ExternalID: "order-1"}); err != nil {
		t.Fatal(err)
	}
	var sv Survey
	if err := s.Update(ctx, func(tx *Tx) (err error) {
		sv, err = tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "quarterly", Channel: ChannelEmail})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddResponse(ctx, Response{SurveyID: sv.ID, ContactID: c.ID, Score: 9, Comment: "très bien", Received: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), Source: SourceEmail}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := s.Update(ctx, func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("Update after Close = %v, want ErrClosed", err)
	}

	s, err = Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *Tx) error {
		got, err := tx.ContactByKey("ELODIE@example.fr", "")
		if err != nil {
			return err
		}
		if got.Name != "Élodie" || got.Attributes["city"] != "Lyon" || got.Phone != "+33612345678" {
			return fmt.Errorf("contact after reopen = %+v", got)
		}
		evs, err := tx.EventsOf(got.ID)
		if err != nil || len(evs) != 1 || evs[0].ExternalID != "order-1" {
			return fmt.Errorf("events after reopen = %+v, %v", evs, err)
		}
		s2, err := tx.Survey(sv.ID)
		if err != nil || s2.Campaign != "quarterly" || s2.State != SurveyPending {
			return fmt.Errorf("survey after reopen = %+v, %v", s2, err)
		}
		r, err := tx.Response(1)
		if err != nil || r.Score != 9 || r.Comment != "très bien" || r.Campaign != "quarterly" {
			return fmt.Errorf("response after reopen = %+v, %v", r, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = Open(Options{Path: path, LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v, want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "in use by another npsd") || !strings.Contains(err.Error(), path) {
		t.Errorf("error does not say what happened: %v", err)
	}
}

func TestFolderAndFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	_, err := Open(Options{Path: filepath.Join(dir, "npsd.db")})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Open in a missing folder = %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Open created the folder it was not asked to create")
	}
	s, err := Open(Options{Path: filepath.Join(dir, "npsd.db"), CreateDir: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "npsd.db"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, uint64(SchemaVersion()+1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(Options{Path: path})
	if err == nil || !strings.Contains(err.Error(), "newer than this npsd") {
		t.Fatalf("Open of a newer schema = %v", err)
	}
}

// holdWriter occupies the writer goroutine until release is called, so a
// test can queue writes that are certain to meet in one batch.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	entered, gate := make(chan struct{}), make(chan struct{})
	go s.Update(context.Background(), func(*Tx) error {
		select {
		case <-entered:
		default:
			close(entered)
		}
		<-gate
		return nil
	})
	<-entered
	return func() { close(gate) }
}

func TestGroupCommit(t *testing.T) {
	s := openTest(t)
	release := holdWriter(t, s)
	before := s.commits.Load()
	const writers = 100
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.UpsertContact(context.Background(), Contact{Email: fmt.Sprintf("c%d@example.com", i)})
		}()
	}
	// Wait until every writer is queued behind the held transaction.
	for len(s.writes) < writers {
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	// The held write and the 100 queued ones: two transactions.
	if got := s.commits.Load() - before; got != 2 {
		t.Errorf("%d writes took %d commits, want 2 (one for the held write, one for the batch)", writers, got)
	}
	var n int
	s.View(func(tx *Tx) error { n = tx.CountContacts(); return nil })
	if n != writers {
		t.Errorf("%d contacts stored, want %d", n, writers)
	}
}

func TestFailingWriteDoesNotSpoilItsBatch(t *testing.T) {
	s := openTest(t)
	release := holdWriter(t, s)
	boom := errors.New("row refused")
	fns := []func(*Tx) error{
		func(tx *Tx) error { _, _, err := tx.UpsertContact(Contact{Email: "a@example.com"}); return err },
		func(tx *Tx) error {
			if _, _, err := tx.UpsertContact(Contact{Email: "half@example.com"}); err != nil {
				return err
			}
			return boom
		},
		func(tx *Tx) error { panic("bad code") },
		func(tx *Tx) error { _, _, err := tx.UpsertContact(Contact{Email: "b@example.com"}); return err },
	}
	done := make(chan []error)
	go func() { done <- s.UpdateAll(context.Background(), fns) }()
	// The four writes are queued as one request.
	for len(s.writes) < 1 {
		time.Sleep(time.Millisecond)
	}
	release()
	errs := <-done
	if errs[0] != nil || errs[3] != nil {
		t.Fatalf("good writes failed: %v", errs)
	}
	if !errors.Is(errs[1], boom) {
		t.Errorf("failing write returned %v, want its own error", errs[1])
	}
	if errs[2] == nil || !strings.Contains(errs[2].Error(), "panicked") {
		t.Errorf("panicking write returned %v", errs[2])
	}
	s.View(func(tx *Tx) error {
		for key, want := range map[string]bool{"a@example.com": true, "b@example.com": true, "half@example.com": false} {
			_, err := tx.ContactByKey(key, "")
			if (err == nil) != want {
				t.Errorf("%s stored = %v, want %v", key, err == nil, want)
			}
		}
		return nil
	})
}

func TestUpdateHonoursContextBeforeQueueing(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Update(ctx, func(*Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("Update with a cancelled context = %v, ran %v", err, ran)
	}
}
