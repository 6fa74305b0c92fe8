package dispatcher

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/npsd/npsd/store"
)

// Email is one message to send by email.
type Email struct {
	// MessageID is the bare id, without angle brackets: npsd.j42.xxxx@host.
	MessageID string
	From      string
	To        string
	ReplyTo   string
	// InReplyTo threads a follow-up under the customer's reply.
	InReplyTo string
	Subject   string
	Text      string
	HTML      string
	// Unsubscribe is the one-click https URL (RFC 8058); UnsubscribeMailto
	// the mailto: alternative. Both empty for messages to owners.
	Unsubscribe       string
	UnsubscribeMailto string
	Date              time.Time
}

// buildMessage writes an Email as a MIME message: plain text with an HTML
// alternative, a stable Message-ID and the List-Unsubscribe headers that
// Gmail and Yahoo require of bulk senders.
func buildMessage(e Email) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return nil, permanent(fmt.Errorf("from %q: %w", e.From, err), "", "")
	}
	if err := m.To(e.To); err != nil {
		return nil, permanent(fmt.Errorf("to %q: %w", e.To, err), "", store.ChannelUndeliverable)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, permanent(fmt.Errorf("reply-to %q: %w", e.ReplyTo, err), "", "")
		}
	}
	m.SetMessageIDWithValue(e.MessageID)
	if e.InReplyTo != "" {
		m.SetGenHeader(mail.HeaderInReplyTo, "<"+e.InReplyTo+">")
		m.SetGenHeader(mail.HeaderReferences, "<"+e.InReplyTo+">")
	}
	m.Subject(e.Subject)
	if e.Date.IsZero() {
		m.SetDate()
	} else {
		m.SetDateWithValue(e.Date)
	}
	m.SetUserAgent("npsd")
	if e.Unsubscribe != "" {
		var more []string
		if e.UnsubscribeMailto != "" {
			more = append(more, e.UnsubscribeMailto)
		}
		if strings.HasPrefix(e.Unsubscribe, "https://") {
			if err := m.SetListUnsubscribeOneClick(e.Unsubscribe, more...); err != nil {
				return nil, permanent(err, "", "")
			}
		} else {
			// A plain-http public URL (a test install): the header still
			// works, one-click does not.
			m.SetListUnsubscribe(append([]string{e.Unsubscribe}, more...)...)
		}
	}
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	return m, nil
}

// SMTPOptions configures an SMTP sender.
type SMTPOptions struct {
	Host string
	Port int
	// TLS is starttls (required, not opportunistic), tls (implicit, port
	// 465) or none (a relay on localhost).
	TLS      string
	Username string
	Password string
	// Timeout bounds each dial and each command. Default 30s.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (tests with their own CA).
	TLSConfig *tls.Config
	// HELO is the name npsd gives the server. Default: the host name.
	HELO string
	// Connections is how many connections the sender keeps open at most.
	// Default DefaultSMTPConnections.
	Connections int
}

// SMTPSender sends over a small pool of reused SMTP connections,
// redialling one the server dropped. A connection carries one message at
// a time; workers beyond the pool wait for a free one.
type SMTPSender struct {
	conns []*smtpConn
	// slots has one token per connection not in use; idle holds those
	// connections, the last used on top, so that sends one after another
	// keep to one open connection and the others are opened only when
	// sends overlap.
	slots chan struct{}
	mu    sync.Mutex
	idle  []*smtpConn
}

// smtpConn is one connection of the pool. Its mutex is held by the sender
// using it, and by Close.
type smtpConn struct {
	mu        sync.Mutex
	client    *mail.Client
	connected bool
}

// DefaultSMTPConnections is the pool's size when the config does not say.
// Hosted mail providers refuse an account more than a few connections at
// once, while a relay on localhost takes many: three keep a wave's sends
// overlapping without being refused as too many by a shop's provider.
const DefaultSMTPConnections = 3

// NewSMTPSender prepares a sender; each connection is opened on its first
// send.
func NewSMTPSender(o SMTPOptions) (*SMTPSender, error) {
	opts, err := smtpClientOptions(&o)
	if err != nil {
		return nil, err
	}
	n := o.Connections
	if n <= 0 {
		n = DefaultSMTPConnections
	}
	s := &SMTPSender{slots: make(chan struct{}, n)}
	for range n {
		c, err := mail.NewClient(o.Host, opts...)
		if err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
		s.conns = append(s.conns, &smtpConn{client: c})
		s.slots <- struct{}{}
	}
	// The first in the list is the first taken.
	s.idle = append(s.idle, s.conns...)
	slices.Reverse(s.idle)
	return s, nil
}

// take waits for a connection not in use and returns it.
func (s *SMTPSender) take(ctx context.Context) (*smtpConn, error) {
	select {
	case <-s.slots:
	case <-ctx.Done():
		return nil, temporary(fmt.Errorf("smtp: waiting for a free connection: %w", ctx.Err()), "")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.idle[len(s.idle)-1]
	s.idle = s.idle[:len(s.idle)-1]
	return c, nil
}

// put returns a connection to the pool, on top.
func (s *SMTPSender) put(c *smtpConn) {
	s.mu.Lock()
	s.idle = append(s.idle, c)
	s.mu.Unlock()
	s.slots <- struct{}{}
}

// smtpClientOptions turns the options into go-mail's, the same for every
// connection of the pool.
func smtpClientOptions(o *SMTPOptions) ([]mail.Option, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	// No NOOP before each message and no RSET after it: on a connection
	// in use they only add round trips (seven a message instead of four),
	// and the dialogue is what limits a wave. A connection that died
	// while idle shows at MAIL FROM, before anything was sent, and
	// SendEmail redials then.
	opts := []mail.Option{mail.WithPort(o.Port), mail.WithTimeout(o.Timeout), mail.WithoutNoop(), mail.WithoutRset()}
	switch o.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "starttls", "":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp: tls must be starttls, tls or none, not %q", o.TLS)
	}
	if o.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(o.TLSConfig))
	} else {
		opts = append(opts, mail.WithTLSConfig(&tls.Config{ServerName: o.Host, MinVersion: tls.VersionTLS12}))
	}
	if o.Username != "" {
		// Over TLS, the strongest mechanism the server offers. Without TLS
		// (a relay on localhost) PLAIN is the one that works, and the
		// password crosses the connection in clear: config validation
		// allows tls: none only for that.
		auth := mail.SMTPAuthAutoDiscover
		if o.TLS == "none" {
			auth = mail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(o.Username), mail.WithPassword(o.Password))
	}
	if o.HELO != "" {
		opts = append(opts, mail.WithHELO(o.HELO))
	}
	return opts, nil
}

// SendEmail sends one message on a free connection of the pool. The
// message is built before a connection is taken, so the pool is held for
// the dialogue only. A connection found dead before the message went out
// is redialled once at once: nothing was sent on it.
func (s *SMTPSender) SendEmail(ctx context.Context, e Email) error {
	msg, err := buildMessage(e)
	if err != nil {
		return err
	}
	conn, err := s.take(ctx)
	if err != nil {
		return err
	}
	defer s.put(conn)
	conn.mu.Lock()
	defer conn.mu.Unlock()
	return conn.send(ctx, msg)
}

func (c *smtpConn) send(ctx context.Context, msg *mail.Msg) error {
	for try := 0; ; try++ {
		if !c.connected {
			if err := c.client.DialWithContext(ctx); err != nil {
				return classifySMTP(fmt.Errorf("smtp connect: %w", err))
			}
			c.connected = true
		}
		err := c.client.Send(msg)
		if err == nil {
			return nil
		}
		var se *mail.SendError
		if errors.As(err, &se) && deadConnection(se) && try == 0 {
			c.drop()
			continue
		}
		if !errors.As(err, &se) || isNetwork(err) || se.Reason == mail.ErrConnCheck {
			c.drop()
		} else if rerr := c.client.Reset(); rerr != nil {
			// The server refused this message; the next one starts on a
			// clean transaction, or a new connection.
			c.drop()
		}
		return classifySMTP(err)
	}
}

// deadConnection tells a connection that was already gone before this
// message from a refusal of the message: it failed at its first command,
// MAIL FROM, with no SMTP reply at all (the connection was closed or
// reset; go-mail's SendError does not unwrap to the network error) or
// with the 421 of a server that closed it. Nothing of the message was
// sent, so it can go again on a new connection.
func deadConnection(se *mail.SendError) bool {
	if se.Reason == mail.ErrConnCheck {
		return true
	}
	return se.Reason == mail.ErrSMTPMailFrom && (se.ErrorCode() == 0 || se.ErrorCode() == 421)
}

func (c *smtpConn) drop() {
	_ = c.client.Close()
	c.connected = false
}

// Close ends the pool's connections, each once its send in progress is
// over.
func (s *SMTPSender) Close() error {
	var errs []error
	for _, c := range s.conns {
		c.mu.Lock()
		if c.connected {
			c.connected = false
			errs = append(errs, c.client.Close())
		}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// classifySMTP decides what an SMTP failure means for the job. Only a
// refusal of this message or recipient (5xx after MAIL FROM) ends it; a
// refused login or TLS handshake is the installer's to fix, and the job
// waits for that with backoff.
func classifySMTP(err error) error {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return temporary(err, "")
	}
	code := ""
	if c := se.ErrorCode(); c > 0 {
		code = strconv.Itoa(c)
		if esc := se.EnhancedStatusCode(); esc != "" && esc != "0.0.0" {
			code += " " + esc
		}
	}
	if se.IsTemp() || se.ErrorCode() < 500 || isNetwork(err) {
		return temporary(err, code)
	}
	switch se.Reason {
	case mail.ErrSMTPRcptTo:
		return permanent(err, code, rcptState(se.ErrorCode(), se.EnhancedStatusCode()))
	case mail.ErrSMTPMailFrom, mail.ErrSMTPData, mail.ErrSMTPDataClose, mail.ErrWriteContent:
		return permanent(err, code, "")
	}
	return temporary(err, code)
}

// rcptState says whether a refused recipient means the address is dead:
// 5.1.x (no such mailbox, bad domain) does; a policy refusal (5.7.x) says
// nothing about the address. Without enhanced codes, 550/551/553 do.
func rcptState(code int, enhanced string) store.ChannelState {
	if enhanced != "" && enhanced != "0.0.0" {
		if strings.HasPrefix(enhanced, "5.1.") {
			return store.ChannelUndeliverable
		}
		return ""
	}
	if code == 550 || code == 551 || code == 553 {
		return store.ChannelUndeliverable
	}
	return ""
}

// FileEmailSender writes each message as an .eml file into a folder, for
// trying npsd without a mail account.
type FileEmailSender struct{ Dir string }

// SendEmail writes the message durably (fsync, then rename into place).
func (f FileEmailSender) SendEmail(ctx context.Context, e Email) error {
	msg, err := buildMessage(e)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s.eml", time.Now().UTC().Format("20060102T150405.000000000"), safeName(e.MessageID))
	return writeFileDurably(f.Dir, name, func(w *os.File) error {
		_, err := msg.WriteTo(w)
		return err
	})
}

// safeName keeps a file name to letters, digits, dots and dashes.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, s)
}

// writeFileDurably writes a file under a temporary name, syncs it and
// renames it, so a reader never sees half a message and a crash never
// leaves one.
func writeFileDurably(dir, name string, write func(*os.File) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return temporary(err, "")
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return temporary(err, "")
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return temporary(err, "")
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return temporary(err, "")
	}
	if err := tmp.Close(); err != nil {
		return temporary(err, "")
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return temporary(err, "")
	}
	return nil
}
