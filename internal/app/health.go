package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/npsd/npsd/store"
)

// health answers /healthz and feeds systemd's watchdog: the store answers,
// the scheduler ticks, the IMAP reader polls, the outbox is not stuck.
type health struct {
	st  *store.Store
	mu  sync.Mutex
	gen *generation
}

func newHealth(st *store.Store) *health { return &health{st: st} }

// follow points the checks at the running generation.
func (h *health) follow(g *generation) {
	h.mu.Lock()
	h.gen = g
	h.mu.Unlock()
}

// stuckAfter is how late a pending job may be before the outbox counts as
// stuck: retries wait up to backoff_max, but a job due an hour ago with a
// working transport has gone.
const stuckAfter = time.Hour

// check reports each component's state and whether all are well.
func (h *health) check() (map[string]string, bool) {
	h.mu.Lock()
	g := h.gen
	h.mu.Unlock()
	status := map[string]string{}
	ok := true
	fail := func(part, format string, args ...any) {
		status[part] = fmt.Sprintf(format, args...)
		ok = false
	}
	now := time.Now()
	var nextDue time.Time
	var pending bool
	if err := h.st.View(func(tx *store.Tx) error { nextDue, pending = tx.NextDue(); return nil }); err != nil {
		fail("store", "error: %v", err)
	} else if f := h.st.Failing(); f != nil {
		// Reads still work on a full disk, but nothing new can be kept:
		// answers are refused (Twilio retries them) and sends wait.
		fail("store", "degraded: writes failing since %s: %v", f.Since.UTC().Format(time.RFC3339), f.Err)
	} else {
		status["store"] = "ok"
	}
	if g == nil {
		fail("daemon", "starting")
		return status, ok
	}
	switch last := g.sched.LastTick(); {
	case last.IsZero():
		status["scheduler"] = "starting"
	case now.Sub(last) > 3*g.sched.Tick()+time.Minute:
		fail("scheduler", "no tick since %s", last.Format(time.RFC3339))
	default:
		status["scheduler"] = "ok"
	}
	if g.reader != nil {
		poll := time.Duration(g.cfg.IMAP.PollInterval)
		switch last := g.reader.LastPoll(); {
		case last.IsZero():
			status["imap"] = "connecting"
		case now.Sub(last) > 3*poll+2*time.Minute:
			fail("imap", "no poll since %s", last.Format(time.RFC3339))
		default:
			status["imap"] = "ok, last poll " + last.Format(time.RFC3339)
		}
	}
	// Stuck: a message overdue by an hour while nothing has gone out for an
	// hour. A backlog that is being worked through is not stuck.
	progress := g.disp.LastSent()
	if progress.IsZero() {
		progress = g.started
	} else {
		status["last_send"] = progress.Format(time.RFC3339)
	}
	if pending && now.Sub(nextDue) > stuckAfter && now.Sub(progress) > stuckAfter {
		fail("outbox", "a message due at %s is still waiting and nothing went out since %s", nextDue.Format(time.RFC3339), progress.Format(time.RFC3339))
	} else {
		status["outbox"] = "ok"
	}
	return status, ok
}

// alive is the watchdog's test: the store answers and the scheduler ticks.
// A store whose writes fail (a full disk) still answers: a restart would
// not free any space, so the watchdog goes on and /healthz says degraded.
func (h *health) alive() bool {
	status, _ := h.check()
	storeAnswers := status["store"] == "ok" || strings.HasPrefix(status["store"], "degraded")
	return storeAnswers && (status["scheduler"] == "ok" || status["scheduler"] == "starting")
}

// watchdog pings systemd at half its WatchdogSec while npsd is alive, so a
// hung daemon is restarted rather than left silent.
func (h *health) watchdog(ctx context.Context, notify func(string), log *slog.Logger) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return
	}
	t := time.NewTicker(interval / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if h.alive() {
				notify(daemon.SdNotifyWatchdog)
			} else {
				log.Error("not alive: the watchdog ping is withheld")
			}
		}
	}
}
