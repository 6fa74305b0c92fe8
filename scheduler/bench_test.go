package scheduler

import (
	"context"
	"testing"
	"time"
)

// BenchmarkPlanWave100k plans one wave over 100,000 contacts (half with a
// phone, half email only), from loading the contacts to committing 100,000
// surveys and jobs.
func BenchmarkPlanWave100k(b *testing.B) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	for b.Loop() {
		b.StopTimer()
		clk := &clock{t: at(paris, 2026, 10, 1, 10, 0)}
		st := openStore(b, clk.now)
		if err := seedContacts(ctx, st, 100_000); err != nil {
			b.Fatal(err)
		}
		s := newScheduler(b, st, clk, paris, Campaign{Name: "quarterly", Schedule: "0 10 1 1,4,7,10 *", Spread: 72 * time.Hour})
		b.StartTimer()
		p, err := s.Plan(ctx, "quarterly", false)
		if err != nil || p.Queued != 100_000 {
			b.Fatalf("%+v %v", p.Skipped, err)
		}
	}
}
