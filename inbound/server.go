package inbound

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/npsd/npsd/inbound/loginlimit"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/store"
)

// ServerOptions configures the HTTP server.
type ServerOptions struct {
	// Listen is host:port.
	Listen string
	// PublicURL is the address Twilio and customers reach npsd at; webhook
	// signatures are computed over it.
	PublicURL string
	// TrustProxyHeaders takes the scheme and host from X-Forwarded-Proto
	// and X-Forwarded-Host, and the client's address from the last entry
	// of X-Forwarded-For, for a reverse proxy that sets them. Off, they
	// are ignored: anyone can send them.
	TrustProxyHeaders bool
	// TwilioAuthToken checks X-Twilio-Signature. Empty: every Twilio
	// webhook is refused, since none can be verified.
	TwilioAuthToken string
	Conversation    *Conversation
	Store           Store
	Logger          *slog.Logger
	// Pages serves the survey and unsubscribe pages when its Signer is set.
	Pages PagesOptions
	// Admin serves the owners' dashboard when a password or token is set.
	Admin AdminOptions
	// Health reports the state of each part of the daemon for /healthz;
	// nil answers "ok".
	Health func() (map[string]string, bool)
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// MetricsTokens, when any is set, are the bearer tokens /metrics
	// requires; none leaves it open, for a listener off the internet.
	MetricsTokens []string
	// Routes are more handlers by ServeMux pattern (the shop's API).
	Routes map[string]http.Handler
	// OnForged, when set, is told of each webhook refused for its signature.
	OnForged func()
}

// maxFormBytes bounds a webhook body: Twilio's are a few kilobytes.
const maxFormBytes = 64 << 10

// Server is npsd's HTTP side.
type Server struct {
	o         ServerOptions
	log       *slog.Logger
	validator twclient.RequestValidator
	public    *url.URL
	mux       *http.ServeMux
	logins    *loginlimit.Throttle // the dashboard's; nil when it is off
	sessions  *sessions            // the dashboard's; nil when it is off
}

// NewServer builds the handlers; a Listener serves them.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Conversation == nil || o.Store == nil {
		return nil, errors.New("inbound: the server needs a conversation and a store")
	}
	public, err := url.Parse(strings.TrimRight(o.PublicURL, "/"))
	if err != nil || public.Host == "" {
		return nil, fmt.Errorf("inbound: public URL %q is not an absolute URL", o.PublicURL)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Server{o: o, log: o.Logger, validator: twclient.NewRequestValidator(o.TwilioAuthToken), public: public, mux: http.NewServeMux()}
	s.mux.HandleFunc("POST /hooks/twilio/sms", s.twilio(s.incomingSMS))
	s.mux.HandleFunc("POST /hooks/twilio/status", s.twilio(s.deliveryStatus))
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if o.Metrics != nil {
		s.mux.Handle("GET /metrics", s.metricsGuard(o.Metrics))
	}
	for pattern, h := range o.Routes {
		s.mux.Handle(pattern, h)
	}
	if s.o.Pages.Now == nil {
		s.o.Pages.Now = time.Now
	}
	if !o.Pages.Signer.IsZero() {
		// GET (and HEAD, which scanners favour) only show; POST records.
		s.mux.HandleFunc("GET /s/{token}", s.getSurvey)
		s.mux.HandleFunc("POST /s/{token}", s.postSurvey)
		s.mux.HandleFunc("GET /u/{token}", s.unsubscribe)
		s.mux.HandleFunc("POST /u/{token}", s.unsubscribe)
		s.mux.HandleFunc("GET /c/{token}", s.casePage)
		s.mux.HandleFunc("POST /c/{token}", s.casePage)
		if s.adminEnabled() {
			state := o.Admin.State
			if state == nil {
				state = NewAdminState()
			}
			s.logins, s.sessions = state.logins, state.sessions
			s.mux.HandleFunc("GET /admin", s.dashboard)
			s.mux.HandleFunc("GET /admin/login", s.adminLogin)
			s.mux.HandleFunc("POST /admin/login", s.adminLogin)
			s.mux.HandleFunc("POST /admin/logout", s.adminLogout)
			s.mux.HandleFunc("GET /admin/cases", s.adminCases)
			s.mux.HandleFunc("GET /admin/cases/{id}", s.adminCase)
			s.mux.HandleFunc("POST /admin/cases/{id}", s.adminCaseAction)
			s.mux.HandleFunc("POST /admin/messages", s.adminDecide)
			s.mux.HandleFunc("GET /admin/export.csv", s.adminExport)
			s.mux.HandleFunc("GET /admin/contacts", s.adminCustomers)
			s.mux.HandleFunc("GET /admin/contacts/{key...}", s.adminCustomer)
		}
	}
	return s, nil
}

// metricsGuard requires a metrics-scoped bearer token when any is set.
func (s *Server) metricsGuard(h http.Handler) http.Handler {
	if len(s.o.MetricsTokens) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !bearerIn(r, s.o.MetricsTokens) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			http.Error(w, "a metrics token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Conversation returns the handler behind every way in, for a caller that
// brings messages itself (npsd demo).
func (s *Server) Conversation() *Conversation { return s.o.Conversation }

// Handler returns the server's routes, for tests and for wrapping.
func (s *Server) Handler() http.Handler { return s.mux }

// Listener is npsd's HTTP socket. It outlives the Server built from each
// config: a reload points it at the new Server's routes without closing
// the socket (a request in progress finishes on the routes it started
// on), and a new listen address is opened before the old one is closed,
// so an address that cannot be opened leaves everything as it was.
type Listener struct {
	log     *slog.Logger
	handler atomic.Pointer[http.Handler]

	mu   sync.Mutex
	addr string // as configured, "host:port"
	srv  *http.Server
	ln   net.Listener
	errc chan error // a serving failure other than a shutdown
}

// NewListener returns a Listener that listens nowhere yet; until Route is
// called it answers 503.
func NewListener(log *slog.Logger) *Listener {
	if log == nil {
		log = slog.Default()
	}
	l := &Listener{log: log, errc: make(chan error, 1)}
	var unavailable http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "starting", http.StatusServiceUnavailable)
	})
	l.handler.Store(&unavailable)
	return l
}

// Route sends the requests that arrive from now on to s.
func (l *Listener) Route(s *Server) {
	var h http.Handler = s.mux
	l.handler.Store(&h)
}

// ServeHTTP hands a request to the current routes.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*l.handler.Load()).ServeHTTP(w, r)
}

// Listen makes addr the address served. The same address as now keeps the
// open socket. A new one is opened first; only once it is serving is the
// old one shut down (its requests in progress finish). If addr cannot be
// opened, the error says so and the old socket goes on serving.
func (l *Listener) Listen(addr string) (net.Addr, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.srv != nil && addr == l.addr {
		return l.ln.Addr(), nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           l,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(l.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			select {
			case l.errc <- fmt.Errorf("http: serving %s: %w", ln.Addr(), err):
			default:
			}
		}
	}()
	if old := l.srv; old != nil {
		l.log.Info("HTTP listener moved", "from", l.ln.Addr().String(), "to", ln.Addr().String())
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
			defer cancel()
			_ = old.Shutdown(ctx)
		}()
	}
	l.addr, l.srv, l.ln = addr, srv, ln
	return ln.Addr(), nil
}

// Addr is the address served, nil before Listen.
func (l *Listener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Failed receives an error when the socket stops serving by itself.
func (l *Listener) Failed() <-chan error { return l.errc }

// Shutdown closes the socket and waits for the requests in progress, at
// most until ctx ends.
func (l *Listener) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	srv := l.srv
	l.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	return nil
}

// httpShutdownTimeout bounds the wait for requests in progress on a socket
// being closed.
const httpShutdownTimeout = 10 * time.Second

// healthz answers 200 with each part's state when all are well, 503 when
// one is failing: for a monitoring probe, and for a person with curl.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	status, ok := map[string]string{"npsd": "ok"}, true
	if s.o.Health != nil {
		status, ok = s.o.Health()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": ok, "parts": status})
}

// externalURL is the URL the client used, as Twilio signed it.
func (s *Server) externalURL(r *http.Request) string {
	scheme, host := s.public.Scheme, s.public.Host
	if s.o.TrustProxyHeaders {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" {
			host = h
		}
	}
	return scheme + "://" + host + s.public.Path + r.URL.RequestURI()
}

// twilio wraps a webhook: a bounded form, and a valid signature or 403
// with nothing stored.
func (s *Server) twilio(next func(http.ResponseWriter, *http.Request, map[string]string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		params := map[string]string{}
		for k, v := range r.PostForm {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		sig := r.Header.Get("X-Twilio-Signature")
		if s.o.TwilioAuthToken == "" || sig == "" || !s.validator.Validate(s.externalURL(r), params, sig) {
			s.log.Warn("webhook refused: bad or missing Twilio signature", "path", r.URL.Path, "remote", r.RemoteAddr)
			if s.o.OnForged != nil {
				s.o.OnForged()
			}
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		next(w, r, params)
	}
}

// twiml writes a TwiML answer: one message, or none.
func twiml(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Response>")
	if message != "" {
		b.WriteString("<Message>")
		_ = xml.EscapeText(&b, []byte(message))
		b.WriteString("</Message>")
	}
	b.WriteString("</Response>")
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) incomingSMS(w http.ResponseWriter, r *http.Request, p map[string]string) {
	sid, from := p["MessageSid"], p["From"]
	if sid == "" || from == "" {
		http.Error(w, "MessageSid and From are required", http.StatusBadRequest)
		return
	}
	out, err := s.o.Conversation.Handle(r.Context(), Incoming{
		Key: "twilio:" + sid, Channel: store.ChannelSMS, From: from, Text: p["Body"], Reply: ParseText(p["Body"]),
	})
	if err != nil {
		// Not stored: a 500 makes Twilio use its fallback URL and log the
		// failure, where the owner can see it.
		s.log.Error("incoming SMS not stored", "sid", sid, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	twiml(w, out.Answer)
}

// Delivery error codes that say something about the number.
var deliveryCodes = map[int]store.ChannelState{
	21610: store.ChannelOptedOut,      // replied STOP
	21211: store.ChannelUndeliverable, // invalid number
	21614: store.ChannelUndeliverable, // not a mobile
	30005: store.ChannelUndeliverable, // unknown destination
	30006: store.ChannelUndeliverable, // landline or unreachable carrier
}

func (s *Server) deliveryStatus(w http.ResponseWriter, r *http.Request, p map[string]string) {
	sid, status := p["MessageSid"], p["MessageStatus"]
	if sid == "" || status == "" {
		http.Error(w, "MessageSid and MessageStatus are required", http.StatusBadRequest)
		return
	}
	if status == "delivered" {
		s.delivered(w, r, sid)
		return
	}
	if status != "undelivered" && status != "failed" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	code, _ := strconv.Atoi(p["ErrorCode"])
	err := s.o.Store.Update(r.Context(), func(tx *store.Tx) error {
		j, err := tx.JobByProviderID(sid)
		if errors.Is(err, store.ErrNotFound) {
			return nil // not ours, or sent before this store: nothing to update
		}
		if err != nil {
			return err
		}
		reason := fmt.Sprintf("delivery %s (Twilio error %d)", status, code)
		if j.State == store.JobSent {
			j.State, j.Reason = store.JobFailed, reason
			if _, err := tx.UpdateJob(j); err != nil {
				return err
			}
			if j.SurveyID != 0 && j.Kind == store.JobSurvey {
				sv, err := tx.Survey(j.SurveyID)
				if err != nil {
					return err
				}
				if sv.State == store.SurveySent {
					sv.Reason = reason
					if _, err := tx.MoveSurvey(sv, store.SurveyFailed); err != nil {
						return err
					}
				}
			}
		}
		if st, ok := deliveryCodes[code]; ok && j.ContactID != 0 {
			return tx.SetChannelStatus(j.ContactID, store.ChannelSMS, store.ChannelStatus{State: st, Reason: reason})
		}
		return nil
	})
	if err != nil {
		s.log.Error("delivery status not stored", "sid", sid, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	s.log.Info("SMS not delivered", "sid", sid, "status", status, "error_code", code)
	w.WriteHeader(http.StatusNoContent)
}

// delivered records that the carrier delivered a survey's text: the
// funnel's delivered stage.
func (s *Server) delivered(w http.ResponseWriter, r *http.Request, sid string) {
	err := s.o.Store.Update(r.Context(), func(tx *store.Tx) error {
		j, err := tx.JobByProviderID(sid)
		if errors.Is(err, store.ErrNotFound) || err == nil && (j.Kind != store.JobSurvey || j.SurveyID == 0) {
			return nil // not a survey of ours
		} else if err != nil {
			return err
		}
		sv, err := tx.Survey(j.SurveyID)
		if err != nil || !sv.Delivered.IsZero() {
			return err
		}
		sv.Delivered = s.o.Pages.Now().UTC()
		_, err = tx.PutSurvey(sv)
		return err
	})
	if err != nil {
		s.log.Error("delivery status not stored", "sid", sid, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// TwilioSignature is links.TwilioSignature: the signature Twilio puts on
// a webhook, which the demo and the benchmarks sign their requests with.
var TwilioSignature = links.TwilioSignature
