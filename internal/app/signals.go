package app

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// exitOnSecondSignal is the process's exit code when a second SIGTERM or
// SIGINT cuts a graceful stop short.
const exitOnSecondSignal = 1

// Signals calls stop on the first SIGTERM or SIGINT, for a graceful stop,
// and exits the process at once on the second: an owner who presses
// Ctrl-C twice means now. A SIGHUP (reload the config) is delivered on the
// channel it returns; one waiting is enough, so more are dropped.
func Signals(stop func(), stderr io.Writer) <-chan struct{} {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		stop()
		<-sigs
		fmt.Fprintln(stderr, "npsd: second signal, exiting at once")
		os.Exit(exitOnSecondSignal)
	}()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	return reload
}
