// Package testpeers holds the protocol peers npsd's tests talk to: an SMTP
// server (go-smtp) that can refuse or drop, and a server that speaks the
// part of Twilio's REST API npsd uses and checks what it is sent. They run
// in-process on loopback; no test reaches the network. Beside them: the
// real peers (Debian's Postfix, Dovecot and Chromium) and the reading of
// labelled corpora the tests share.
package testpeers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP is a real SMTP server (go-smtp) on loopback that keeps what it
// accepts and refuses recipients as told: an address whose local part
// contains "550" gets 550 5.1.1, "451" gets 451 4.3.0, "policy" gets
// 554 5.7.1, and "drop" loses the connection in the middle of RCPT.
type SMTP struct {
	Addr     string
	User     string
	Password string
	// tlsConfig is set when the peer speaks TLS (STARTTLS, or implicit
	// TLS when implicit is set); clientTLS trusts its certificate.
	TLSConfig *tls.Config
	ClientTLS *tls.Config
	Implicit  bool
	// refuse makes the server greet new connections with 421; oneShot makes
	// it drop each connection just after accepting a message.
	Refuse  atomic.Bool
	OneShot atomic.Bool
	// TempFail answers every recipient 451 4.3.0, as a server short of
	// resources does, until cleared.
	TempFail atomic.Bool
	// SlowData, when set, waits this long after each message's data before
	// answering 250: a slow or far server, which keeps sends in flight.
	SlowData atomic.Int64 // a time.Duration

	mu       sync.Mutex
	messages []string // whole messages as received
	rcpts    []string
	// sessions counts connections; go-smtp starts a new session on the
	// same connection after STARTTLS, which is not a new connection.
	sessions int
	conns    map[*smtp.Conn]bool
}

// NewSMTP starts a server; mode is "none", "starttls" or "tls".
func NewSMTP(t testing.TB, mode string) *SMTP {
	t.Helper()
	p := &SMTP{User: "npsd", Password: "s3cret"}
	s := smtp.NewServer(p)
	s.Domain = "localhost"
	s.AllowInsecureAuth = mode == "none"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	var err error
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if mode != "none" {
		p.TLSConfig, p.ClientTLS = SelfSignedTLS(t)
		s.TLSConfig = p.TLSConfig
		if mode == "tls" {
			p.Implicit = true
			l = tls.NewListener(l, p.TLSConfig)
		}
	}
	p.Addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return p
}

func (p *SMTP) Port() int {
	_, port, _ := net.SplitHostPort(p.Addr)
	var n int
	fmt.Sscan(port, &n)
	return n
}

func (p *SMTP) Received() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.messages...)
}

func (p *SMTP) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if p.Refuse.Load() {
		return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "service not available, closing"}
	}
	p.mu.Lock()
	if p.conns == nil {
		p.conns = map[*smtp.Conn]bool{}
	}
	if !p.conns[c] {
		p.conns[c] = true
		p.sessions++
	}
	p.mu.Unlock()
	return &smtpSession{peer: p, conn: c}, nil
}

type smtpSession struct {
	peer   *SMTP
	conn   *smtp.Conn
	authed bool
	rcpt   string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.peer.User || password != s.peer.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	local := strings.Split(to, "@")[0]
	switch {
	case s.peer.TempFail.Load():
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "insufficient resources, try again later"}
	case strings.Contains(local, "550"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.Contains(local, "451"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	case strings.Contains(local, "policy"):
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected by policy"}
	case strings.Contains(local, "drop"):
		s.conn.Conn().Close()
		return errors.New("connection dropped")
	}
	s.rcpt = to
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	time.Sleep(time.Duration(s.peer.SlowData.Load()))
	s.peer.mu.Lock()
	s.peer.messages = append(s.peer.messages, string(b))
	s.peer.rcpts = append(s.peer.rcpts, s.rcpt)
	s.peer.mu.Unlock()
	if s.peer.OneShot.Load() {
		// Hang up once the 250 is on its way, as servers with idle
		// timeouts do between two messages.
		conn := s.conn.Conn()
		time.AfterFunc(50*time.Millisecond, func() { conn.Close() })
	}
	return nil
}

// SelfSignedTLS makes a certificate for 127.0.0.1 and a client config that
// trusts it and nothing else.
func SelfSignedTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "npsd test SMTP"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

func (s *smtpSession) Reset()        { s.rcpt = "" }
func (s *smtpSession) Logout() error { return nil }

// Twilio is an httptest server that speaks the part of Twilio's REST
// API npsd uses, checks Basic auth and the form fields, and fails as told
// by the destination number's last digits: ...0001 → 21211 invalid number,
// ...0002 → 21610 unsubscribed, ...0003 → 21614 not a mobile, ...0429 →
// 429, ...0500 → 500, ...0408 → no answer (the request hangs up).
type Twilio struct {
	Server     *httptest.Server
	AccountSID string
	AuthToken  string
	From       string
	// Outage, while set, answers every new message with it: 429, 500, or
	// 408 for a request that hangs up unanswered and creates nothing.
	Outage atomic.Int32

	mu       sync.Mutex
	sent     []TwilioMessage
	requests int
	problems []string
	// conns counts the TCP connections accepted: a client that keeps its
	// connections opens few, one that does not opens one per message.
	conns atomic.Int32
}

// Connections returns how many TCP connections the server has accepted.
func (p *Twilio) Connections() int { return int(p.conns.Load()) }

type TwilioMessage struct {
	Sid, To, From, Body, StatusCallback, MessagingServiceSid string
	Created                                                  time.Time
}

func NewTwilio(t testing.TB) *Twilio {
	t.Helper()
	p := &Twilio{AccountSID: "AC" + strings.Repeat("0", 31) + "1", AuthToken: "tok3n", From: "+15005550006"}
	p.Server = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			p.conns.Add(1)
		}
	}
	p.Server.Start()
	t.Cleanup(p.Server.Close)
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, pr := range p.problems {
			t.Errorf("twilio peer: %s", pr)
		}
	})
	return p
}

func (p *Twilio) problem(format string, args ...any) {
	p.mu.Lock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
	p.mu.Unlock()
}

func (p *Twilio) Messages() []TwilioMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]TwilioMessage(nil), p.sent...)
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/" + fmt.Sprint(code), "status": status})
}

func (p *Twilio) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.requests++
	p.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if !ok || user != p.AccountSID || pass != p.AuthToken {
		p.problem("request without the account's Basic auth: %q", user)
		twilioError(w, 401, 20003, "Authenticate")
		return
	}
	path := "/2010-04-01/Accounts/" + p.AccountSID + "/Messages.json"
	if r.URL.Path != path {
		p.problem("unexpected path %s", r.URL.Path)
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodPost:
		p.create(w, r)
	case http.MethodGet:
		p.list(w, r)
	default:
		p.problem("unexpected method %s", r.Method)
		w.WriteHeader(405)
	}
}

func (p *Twilio) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.problem("bad form: %v", err)
		return
	}
	m := TwilioMessage{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		StatusCallback: r.PostForm.Get("StatusCallback"), MessagingServiceSid: r.PostForm.Get("MessagingServiceSid"), Created: time.Now().UTC()}
	if m.To == "" || m.Body == "" || (m.From == "" && m.MessagingServiceSid == "") {
		p.problem("message without To, Body or a sender: %+v", m)
		twilioError(w, 400, 21604, "missing field")
		return
	}
	switch outage := p.Outage.Load(); {
	case outage == 429 || strings.HasSuffix(m.To, "0429"):
		twilioError(w, 429, 20429, "Too Many Requests")
		return
	case outage == 500 || strings.HasSuffix(m.To, "0500"):
		twilioError(w, 500, 20500, "Internal Server Error")
		return
	case outage == 408:
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	case strings.HasSuffix(m.To, "0001"):
		twilioError(w, 400, 21211, "The 'To' number is not a valid phone number.")
		return
	case strings.HasSuffix(m.To, "0002"):
		twilioError(w, 400, 21610, "Attempt to send to unsubscribed recipient")
		return
	case strings.HasSuffix(m.To, "0003"):
		twilioError(w, 400, 21614, "'To' number is not a valid mobile number")
		return
	case strings.HasSuffix(m.To, "0408"):
		// Accept the message, then lose the answer: the sender cannot know.
		p.mu.Lock()
		m.Sid = fmt.Sprintf("SM%032d", len(p.sent)+1)
		p.sent = append(p.sent, m)
		p.mu.Unlock()
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	}
	p.mu.Lock()
	m.Sid = fmt.Sprintf("SM%032d", len(p.sent)+1)
	p.sent = append(p.sent, m)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(201)
	json.NewEncoder(w).Encode(map[string]any{
		"sid": m.Sid, "to": m.To, "from": m.From, "body": m.Body, "status": "queued",
		"account_sid": p.AccountSID, "date_created": m.Created.Format(time.RFC1123Z),
	})
}

func (p *Twilio) list(w http.ResponseWriter, r *http.Request) {
	to := r.URL.Query().Get("To")
	var out []map[string]any
	for _, m := range p.Messages() {
		if m.To == to {
			out = append(out, map[string]any{"sid": m.Sid, "to": m.To, "body": m.Body, "date_created": m.Created.Format(time.RFC1123Z), "date_sent": m.Created.Format(time.RFC1123Z)})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": out, "page": 0, "page_size": 50, "next_page_uri": nil})
}

// Sessions returns how many connections the server accepted.
func (p *SMTP) Sessions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions
}

// ClearProblems forgets what the peer complained about, for a test that
// sent a bad request on purpose.
func (p *Twilio) ClearProblems() {
	p.mu.Lock()
	p.problems = nil
	p.mu.Unlock()
}
