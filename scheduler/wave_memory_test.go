package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// TestWaveMemory plans one wave over NPSD_BENCH_WAVE contacts and logs how
// long it took and the most memory the Go runtime held meanwhile. It is a
// measurement, not a check: CI does not set the variable. The process's
// peak resident size (which also counts the store's mapped pages) is
// measured from outside.
//
// With NPSD_BENCH_WAVE_STORE naming a file that does not exist yet, the run
// only builds that store, so that the building is not counted in the
// planning run's peak; copy the file and point the variable at the copy to
// plan on it. NPSD_BENCH_WAVE_DRY=1 makes the plan a dry run.
func TestWaveMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NPSD_BENCH_WAVE"))
	if n <= 0 {
		t.Skip("set NPSD_BENCH_WAVE to a number of contacts to measure a wave")
	}
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: at(paris, 2026, 10, 1, 10, 0)}
	path := os.Getenv("NPSD_BENCH_WAVE_STORE")
	build := path == ""
	if build {
		path = filepath.Join(t.TempDir(), "npsd.db")
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		build = true
	}
	st, err := store.Open(store.Options{Path: path, Now: clk.now, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if build {
		if err := seedContacts(ctx, st, n); err != nil {
			t.Fatal(err)
		}
		if os.Getenv("NPSD_BENCH_WAVE_STORE") != "" {
			t.Logf("built a store of %d contacts; plan on a copy of it", n)
			return
		}
	}
	s := newScheduler(t, st, clk, paris, Campaign{Name: "quarterly", Schedule: "0 10 1 1,4,7,10 *", Spread: 72 * time.Hour})
	dry := os.Getenv("NPSD_BENCH_WAVE_DRY") != ""
	peak := watchGoMemory()
	start := time.Now()
	p, err := s.Plan(ctx, "quarterly", dry)
	took := time.Since(start)
	held := peak()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wave of %d contacts (dry run %v): %d queued, skipped %v, in %s; Go runtime memory peak %d MB",
		n, dry, p.Queued, p.Skipped, took.Round(time.Millisecond), held>>20)
}

// seedContacts stores n contacts, half with a phone, in transactions of
// 10,000 so that building a large store stays small.
func seedContacts(ctx context.Context, st *store.Store, n int) error {
	const perTx = 10_000
	for done := 0; done < n; done += perTx {
		err := st.Update(ctx, func(tx *store.Tx) error {
			for i := done; i < min(done+perTx, n); i++ {
				c := store.Contact{Email: fmt.Sprintf("c%d@example.com", i), Attributes: map[string]string{"city": "Lyon"}}
				if i%2 == 0 {
					c.Phone = fmt.Sprintf("+336%08d", i)
				}
				if _, _, err := tx.UpsertContact(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed contacts %d to %d: %w", done, done+perTx, err)
		}
	}
	return nil
}

// watchGoMemory samples the memory the Go runtime holds from the system
// until the returned function is called, which returns the largest sample.
func watchGoMemory() func() uint64 {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	// Memory released to the system stays mapped but is not resident.
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64()-sample[1].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return peak
	}
}
