package inbound

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
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
	loginWindow      = 15 * time.Minute
	loginPerAddress  = 5
	loginOverall     = 50
	loginAddressCap  = 1024
	loginBcryptSlots = 2
	// loginBusyRetry is the wait suggested when every bcrypt slot is taken.
	loginBusyRetry = time.Second
)

// loginThrottle counts failed dashboard logins per client address and
// overall, and bounds the bcrypt comparisons running at once: each costs
// tens of milliseconds of a CPU the whole daemon shares.
type loginThrottle struct {
	mu      sync.Mutex
	perAddr map[string][]time.Time // each address's failures in the window, oldest first
	overall []time.Time            // everyone's failures in the window, oldest first
	slots   chan struct{}
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{perAddr: map[string][]time.Time{}, slots: make(chan struct{}, loginBcryptSlots)}
}

// blocked reports how long addr must wait before trying again; zero when
// it may try now.
func (t *loginThrottle) blocked(addr string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overall = recent(t.overall, now)
	wait := waitFor(t.overall, loginOverall, now)
	if fs := recent(t.perAddr[addr], now); len(fs) > 0 {
		t.perAddr[addr] = fs
		wait = max(wait, waitFor(fs, loginPerAddress, now))
	} else {
		delete(t.perAddr, addr)
	}
	return wait
}

// failed records a failed login from addr.
func (t *loginThrottle) failed(addr string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.overall = append(recent(t.overall, now), now)
	if _, ok := t.perAddr[addr]; !ok && len(t.perAddr) >= loginAddressCap {
		t.evictOldest(now)
	}
	t.perAddr[addr] = append(recent(t.perAddr[addr], now), now)
}

// succeeded forgets addr's failures: the owner who mistyped twice starts
// afresh. The overall count stays, since it is nobody's in particular.
func (t *loginThrottle) succeeded(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.perAddr, addr)
}

// evictOldest makes room for one more address: it drops the addresses
// whose failures are all past, or else the one whose last failure is the
// oldest. Forgetting that one costs little, since its failures are the
// nearest to leaving the window anyway.
func (t *loginThrottle) evictOldest(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for a, fs := range t.perAddr {
		last := fs[len(fs)-1]
		if now.Sub(last) >= loginWindow {
			delete(t.perAddr, a)
			continue
		}
		if oldest == "" || last.Before(oldestAt) {
			oldest, oldestAt = a, last
		}
	}
	if len(t.perAddr) >= loginAddressCap {
		delete(t.perAddr, oldest)
	}
}

// acquire takes a bcrypt slot without waiting: a guesser who sends many
// logins at once gets refusals, not a queue that holds the CPU.
func (t *loginThrottle) acquire() bool {
	select {
	case t.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (t *loginThrottle) release() { <-t.slots }

// recent drops the failures that have left the window.
func recent(fs []time.Time, now time.Time) []time.Time {
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= loginWindow {
		i++
	}
	return fs[i:]
}

// waitFor is how long until fewer than limit of fs remain in the window.
func waitFor(fs []time.Time, limit int, now time.Time) time.Duration {
	if len(fs) < limit {
		return 0
	}
	return fs[len(fs)-limit].Add(loginWindow).Sub(now)
}

// tooManyRequests answers 429 with the wait in whole seconds, rounded up.
func tooManyRequests(w http.ResponseWriter, wait time.Duration) {
	secs := int64((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	http.Error(w, "too many login attempts: try again later", http.StatusTooManyRequests)
}

// clientAddress is who is knocking, for the throttle: the peer's address,
// or, when the server trusts its reverse proxy's headers (the rule of
// externalURL), the address that proxy appended to X-Forwarded-For. An
// IPv6 client counts as its /64, which a single subscriber usually holds
// whole.
func (s *Server) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if s.o.TrustProxyHeaders {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if h := strings.TrimSpace(parts[len(parts)-1]); h != "" {
				host = h
			}
		}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
