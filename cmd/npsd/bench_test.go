package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkResponsesImport measures `npsd responses import` of a history
// file of 100,000 answers from 1,000 contacts, per import into a new store.
func BenchmarkResponsesImport(b *testing.B) {
	const rows = 100_000
	var contacts, history strings.Builder
	contacts.WriteString("external_id,email,city\n")
	for i := range 1000 {
		fmt.Fprintf(&contacts, "K%d,c%d@example.com,city-%d\n", i, i, i%5)
	}
	history.WriteString("contact,score,comment,date\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		fmt.Fprintf(&history, "K%d,%d,,%s\n", i%1000, (i*7)%11, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		e := newEnv(&testing.T{})
		e.dir = b.TempDir()
		e.file("config.yaml", "business:\n  default_region: FR\n")
		c, h := e.file("contacts.csv", contacts.String()), e.file("history.csv", history.String())
		if r := e.npsd("contacts", "import", c); r.code != exitOK {
			b.Fatal(r.stderr)
		}
		b.StartTimer()
		if r := e.npsd("responses", "import", h); r.code != exitOK {
			b.Fatal(r.stderr)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
