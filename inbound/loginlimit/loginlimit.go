// Package loginlimit owns the throttle of the owners' dashboard login:
// failed logins counted per client address and overall, and a bound on the
// password comparisons running at once. The HTTP server in inbound asks it
// before each login.
package loginlimit

import (
	"sync"
	"time"
)

// The login throttle's limits. Five failures per address in 15 minutes
// leave the owner room for typos while an online guesser gets 480 tries a
// day at most. Fifty failures overall in the same window stop a guesser
// who spreads over many addresses (about 4,800 tries a day); while that
// lasts the owner waits out the window or opens the dashboard with an
// admin-scoped token, which the throttle does not touch.
const (
	window       = 15 * time.Minute
	perAddress   = 5
	overallLimit = 50
	AddressCap   = 1024
	bcryptSlots  = 2
	// BusyRetry is the wait suggested when every bcrypt slot is taken.
	BusyRetry = time.Second
)

// Throttle counts failed dashboard logins per client address and
// overall, and bounds the bcrypt comparisons running at once: each costs
// tens of milliseconds of a CPU the whole daemon shares.
type Throttle struct {
	mu      sync.Mutex
	perAddr map[string][]time.Time // each address's failures in the window, oldest first
	overall []time.Time            // everyone's failures in the window, oldest first
	slots   chan struct{}
}

// New returns a throttle that has counted no failure yet.
func New() *Throttle {
	return &Throttle{perAddr: map[string][]time.Time{}, slots: make(chan struct{}, bcryptSlots)}
}

// Blocked reports how long addr must wait before trying again; zero when
// it may try now.
func (t *Throttle) Blocked(addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overall = recent(t.overall, now)
	wait := waitFor(t.overall, overallLimit, now)
	if fs := recent(t.perAddr[addr], now); len(fs) > 0 {
		t.perAddr[addr] = fs
		wait = max(wait, waitFor(fs, perAddress, now))
	} else {
		delete(t.perAddr, addr)
	}
	return wait
}

// Failed records a failed login from addr.
func (t *Throttle) Failed(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overall = append(recent(t.overall, now), now)
	if _, ok := t.perAddr[addr]; !ok && len(t.perAddr) >= AddressCap {
		t.evictOldest(now)
	}
	t.perAddr[addr] = append(recent(t.perAddr[addr], now), now)
}

// Succeeded forgets addr's failures: the owner who mistyped twice starts
// afresh. The overall count stays, since it is nobody's in particular.
func (t *Throttle) Succeeded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.perAddr, addr)
}

// evictOldest makes room for one more address: it drops the addresses
// whose failures are all past, or else the one whose last failure is the
// oldest. Forgetting that one costs little, since its failures are the
// nearest to leaving the window anyway.
func (t *Throttle) evictOldest(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for a, fs := range t.perAddr {
		last := fs[len(fs)-1]
		if now.Sub(last) >= window {
			delete(t.perAddr, a)
			continue
		}
		if oldest == "" || last.Before(oldestAt) {
			oldest, oldestAt = a, last
		}
	}
	if len(t.perAddr) >= AddressCap {
		delete(t.perAddr, oldest)
	}
}

// Acquire takes a bcrypt slot without waiting: a guesser who sends many
// logins at once gets refusals, not a queue that holds the CPU.
func (t *Throttle) Acquire() bool {
	select {
	case t.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// Release gives back the slot Acquire took.
func (t *Throttle) Release() { <-t.slots }

// recent drops the failures that have left the window.
func recent(fs []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= window {
		i++
	}
	return fs[i:]
}

// waitFor is how long until fewer than limit of fs remain in the window.
func waitFor(fs []time.Time, limit int, now time.Time) time.Duration {
	if len(fs) < limit {
		return 0
	}
	return fs[len(fs)-limit].Add(window).Sub(now)
}
