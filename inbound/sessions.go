package inbound

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync"
	"time"

	"github.com/npsd/npsd/inbound/loginlimit"
)

// maxRevoked bounds the logged-out sessions remembered until they expire.
// Only a logged-in owner can add one, each login passes the throttle, so
// the bound is for safety: when it is reached, every session ends at once.
const maxRevoked = 4096

// sessions signs the dashboard's login cookies and remembers the ones
// logged out. A cookie is a random id and an expiry, signed with a key
// drawn when the daemon starts (see AdminState), not with the link key. A
// restart therefore logs every owner out: that is what lets the revoked
// ids live in memory only, since no cookie issued before them can come back
// to life once they are forgotten. A reload keeps the key and the ids.
type sessions struct {
	mu      sync.Mutex
	key     []byte
	revoked map[[16]byte]time.Time // id → the expiry it was issued with
}

func newSessions() *sessions {
	return &sessions{key: randomBytes(32), revoked: map[[16]byte]time.Time{}}
}

// randomBytes returns n random bytes; crypto/rand.Read never fails (the
// program stops if the system has no randomness).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// issue returns a new session's cookie value.
func (ss *sessions) issue(expires time.Time) string {
	var id [16]byte
	_, _ = rand.Read(id[:])
	payload := binary.AppendVarint(id[:], expires.Unix())
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(ss.sign(payload))
}

func (ss *sessions) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, ss.key)
	m.Write([]byte("admin-session:"))
	m.Write(payload)
	return m.Sum(nil)
}

// parse checks a cookie value's signature and returns its id and expiry.
func (ss *sessions) parse(v string) (id [16]byte, expires time.Time, ok bool) {
	p64, sig64, found := strings.Cut(v, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sig64)
	if !found || err1 != nil || err2 != nil || len(payload) <= len(id) || !hmac.Equal(sig, ss.sign(payload)) {
		return id, time.Time{}, false
	}
	exp, n := binary.Varint(payload[len(id):])
	if n <= 0 || n != len(payload)-len(id) {
		return id, time.Time{}, false
	}
	copy(id[:], payload)
	return id, time.Unix(exp, 0), true
}

// valid reports whether v is a session signed here, not expired at now,
// and not logged out.
func (ss *sessions) valid(v string, now time.Time) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	id, exp, ok := ss.parse(v)
	if !ok || exp.Before(now) {
		return false
	}
	_, revoked := ss.revoked[id]
	return !revoked
}

// revoke ends the session v until its expiry, after which the signature
// check refuses it by itself and the id is forgotten.
func (ss *sessions) revoke(v string, now time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	id, exp, ok := ss.parse(v)
	if !ok || exp.Before(now) {
		return
	}
	if len(ss.revoked) >= maxRevoked {
		for k, e := range ss.revoked {
			if e.Before(now) {
				delete(ss.revoked, k)
			}
		}
	}
	if len(ss.revoked) >= maxRevoked {
		// A new key ends every session, the revoked ones with the rest.
		ss.key, ss.revoked = randomBytes(32), map[[16]byte]time.Time{}
		return
	}
	ss.revoked[id] = exp
}

// AdminState is what the dashboard remembers between requests: the key its
// session cookies are signed with, the sessions logged out, and the failed
// logins. The daemon keeps one for its whole life and gives it to the
// server built from each config, so that a reload neither logs the owners
// out nor forgets a guesser's failures. A restart does both.
type AdminState struct {
	sessions *sessions
	logins   *loginlimit.Throttle
}

// NewAdminState returns a fresh state: a new signing key, nobody logged
// out, no failures.
func NewAdminState() *AdminState {
	return &AdminState{sessions: newSessions(), logins: loginlimit.New()}
}
