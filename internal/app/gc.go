package app

import "runtime/debug"

// daemonGCPercent is the collector's GOGC for the daemon. A wave allocates
// tens of kilobytes a message (templates, MIME, JSON records) over a live
// heap of a few megabytes, so at Go's default of 100 the collector ran
// every hundred messages or so and took a tenth of the daemon's CPU.
// Twice the default halves that for a few megabytes more heap while a wave
// is sent; an idle daemon allocates next to nothing, and keeps its size.
const daemonGCPercent = 200

// TuneGC sets the collector for the daemon, unless the GOGC environment
// variable (read by getenv) already says how it should run.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(daemonGCPercent)
	}
}
