package app

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: the daemon's setting applies unless GOGC is set, which
// wins as it does for any Go program.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	TuneGC(func(string) string { return "50" })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("with GOGC set, the collector's percent became %d, want it left alone", got)
	}
	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != daemonGCPercent {
		t.Errorf("without GOGC, the collector's percent is %d, want %d", got, daemonGCPercent)
	}
}
