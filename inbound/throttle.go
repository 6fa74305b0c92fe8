package inbound

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

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
