package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npsd/npsd/internal/testpeers"
)

// TestDiskFull puts the store on a 4 MB tmpfs and fills the disk: writes
// fail with a temporary error and change nothing, reads go on, and once
// space is freed writes work again and nothing was lost. It needs to mount
// a tmpfs (root, as in CI); elsewhere it is skipped.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := testpeers.SmallDisk(t, dir, "4m"); err != nil {
		t.Skipf("%v: disk-full test skipped", err)
	}
	ctx := context.Background()
	s, err := Open(Options{Path: filepath.Join(dir, "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before, _, err := s.UpsertContact(ctx, Contact{Email: "before@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	// Fill the disk.
	filler := testpeers.FillDisk(t, dir)

	// Big writes until one fails: the file cannot grow.
	var failed error
	for i := range 200 {
		_, _, failed = s.UpsertContact(ctx, Contact{Email: fmt.Sprintf("c%d@example.fr", i), Name: strings.Repeat("x", 4000)})
		if failed != nil {
			break
		}
	}
	var tmp *TemporaryError
	if !errors.As(failed, &tmp) {
		t.Fatalf("writing on a full disk: %v; want a TemporaryError", failed)
	}
	if s.WriteFailures() == 0 {
		t.Error("a failed commit is not counted for /metrics")
	}
	if _, err := s.ContactByKey("before@example.fr", ""); err != nil {
		t.Errorf("reads stopped on a full disk: %v", err)
	}

	// Space comes back: writes work again, nothing was lost.
	os.Remove(filler)
	after, _, err := s.UpsertContact(ctx, Contact{Email: "after@example.fr"})
	if err != nil {
		t.Fatalf("writing once space is back: %v", err)
	}
	s.Close()
	s2, err := Open(Options{Path: filepath.Join(dir, "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("reopening after a full disk: %v", err)
	}
	defer s2.Close()
	for _, id := range []ContactID{before.ID, after.ID} {
		if err := s2.View(func(tx *Tx) error { _, err := tx.Contact(id); return err }); err != nil {
			t.Errorf("contact %s lost: %v", id, err)
		}
	}
}
