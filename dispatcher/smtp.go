package dispatcher

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/npsd/npsd/store"
)

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
//
// go-mail dials, with TLS and login as configured, and writes the MIME
// message; the mail transaction itself is npsd's, so that the message is
// encoded before a connection is taken and goes out in one write, and so
// that a server that offers PIPELINING gets the envelope in one round trip
// (two a message instead of four: a provider 30 ms away sends twice as
// many messages a second on one connection).
//
// While other sends are under way, a message's data waits on its
// connection for the next sender's envelope, to go in the same write
// (RFC 2920 3.1 lets a group start with a message's content): a wave
// takes one round trip a message instead of two.
type SMTPSender struct {
	conns []*smtpConn
	// slots has one token per connection not in use; idle holds those
	// connections, the last used on top, so that sends one after another
	// keep to one open connection and the others are opened only when
	// sends overlap.
	slots chan struct{}
	mu    sync.Mutex
	idle  []*smtpConn
	// buffers keeps the buffers messages are encoded into.
	buffers sync.Pool
	senders senderAddresses
	// eightBit says the server offered 8BITMIME on the connection opened
	// last: messages are then encoded 8bit, as written, instead of
	// quoted-printable (a sixth of a survey email's CPU).
	eightBit atomic.Bool
	// sending counts the sends under way, which may bring a next envelope.
	sending atomic.Int32
}

// smtpConn is one connection of the pool. Its mutex is held by the sender
// using it, and by Close.
type smtpConn struct {
	mu      sync.Mutex
	client  *mail.Client // dials: TLS, login, HELO
	conn    *smtp.Client // the open connection, nil when there is none
	timeout time.Duration
	// eightBit is the sender's, told what each new connection offers.
	eightBit *atomic.Bool
	// pending is data waiting for the next envelope, on an open
	// connection; it changes under mu, and the pool reads it.
	pending atomic.Pointer[pendingData]
}

// pendingData is a message's data, not yet written after DATA's 354:
// whoever writes it hands the reply to its end of data over on done.
type pendingData struct {
	data  *bytes.Buffer
	since time.Time
	done  chan error
}

// pendingLinger bounds how long a message's data waits for the next
// envelope before its own sender writes it alone.
const pendingLinger = time.Millisecond

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
		s.conns = append(s.conns, &smtpConn{client: c, timeout: o.Timeout, eightBit: &s.eightBit})
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
	// The connection whose data has waited longest, or the last used.
	at := len(s.idle) - 1
	var oldest time.Time
	for i, c := range s.idle {
		if p := c.pending.Load(); p != nil && (oldest.IsZero() || p.since.Before(oldest)) {
			at, oldest = i, p.since
		}
	}
	c := s.idle[at]
	s.idle = slices.Delete(s.idle, at, at+1)
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
	opts := []mail.Option{mail.WithPort(o.Port), mail.WithTimeout(o.Timeout)}
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

// envelope is one message ready for the wire: its SMTP sender and
// recipients, and its data dot-stuffed and ended by the lone dot.
type envelope struct {
	from string
	to   []string
	data *bytes.Buffer
	// eightBit is data encoded 8bit, for a server that offers 8BITMIME.
	eightBit bool
}

// SendEmail sends one message on a free connection of the pool. The
// message is built and encoded before a connection is taken, so the pool
// is held for the dialogue only. A connection found dead before the
// message went out is redialled once at once: nothing was sent on it.
func (s *SMTPSender) SendEmail(ctx context.Context, e Email) error {
	s.sending.Add(1)
	defer s.sending.Add(-1)
	env, err := s.encode(e, s.eightBit.Load() && fitsEightBit(e))
	if err != nil {
		return err
	}
	defer func() {
		if env.data != nil {
			s.buffers.Put(env.data)
		}
	}()
	conn, err := s.take(ctx)
	if err != nil {
		return err
	}
	conn.mu.Lock()
	p, err := conn.send(ctx, env, s.sending.Load() > 1)
	if errors.Is(err, errNotEightBit) {
		// This connection's server does not take 8bit (nothing was sent
		// on it): the message goes quoted-printable.
		s.buffers.Put(env.data)
		env.data = nil
		if env, err = s.encode(e, false); err == nil {
			p, err = conn.send(ctx, env, s.sending.Load() > 1)
		}
	}
	conn.mu.Unlock()
	s.put(conn)
	if p == nil {
		return err
	}
	if err := conn.await(p); err != nil {
		return classifySMTP(err)
	}
	return nil
}

// await waits for the reply to p's end of data, and after pendingLinger
// writes p itself if no next sender has.
func (c *smtpConn) await(p *pendingData) error {
	select {
	case err := <-p.done:
		return err
	case <-time.After(pendingLinger):
	}
	c.mu.Lock()
	if c.pending.Load() == p {
		c.settle()
	}
	c.mu.Unlock()
	return <-p.done
}

// settle writes the waiting data alone and reads the reply to its end.
func (c *smtpConn) settle() {
	p := c.pending.Swap(nil)
	if p == nil {
		return
	}
	err := c.conn.UpdateDeadline(c.timeout)
	if err == nil {
		_, err = c.conn.Text.W.Write(p.data.Bytes())
	}
	if err == nil {
		err = c.conn.Text.W.Flush()
	}
	if err != nil {
		p.done <- &smtpError{Step: "DATA", Err: err}
		c.drop()
	} else {
		c.endOfData(p)
	}
}

// endOfData reads the reply to p's end of data and hands it over. It
// drops a connection that failed or is closing and returns the error.
func (c *smtpConn) endOfData(p *pendingData) *smtpError {
	enhanced, _ := c.conn.Extension("ENHANCEDSTATUSCODES")
	_, _, err := c.conn.Text.ReadResponse(250)
	if err == nil {
		p.done <- nil
		return nil
	}
	se := stepError("end of data", err, enhanced)
	p.done <- se
	if se.Code == 0 || se.Code == 421 || isNetwork(err) {
		c.drop()
		return se
	}
	return nil
}

// errNotEightBit is an 8bit message on a connection whose server does not
// offer 8BITMIME, found before anything was sent.
var errNotEightBit = errors.New("smtp: the server does not take 8bit messages")

// fitsEightBit says whether the message's parts can go 8bit: no line
// longer than SMTP's 998 bytes (RFC 5321 4.5.3.1.6), no NUL, and no
// carriage return but one before a line feed (SMTP allows no other, and a
// customer's name could carry one that quoted-printable would encode).
func fitsEightBit(e Email) bool {
	return partFitsEightBit(e.Text) && partFitsEightBit(e.HTML)
}

// partFitsEightBit is fitsEightBit for one part. It looks for each byte
// that matters with IndexByte rather than walking the lines byte by byte:
// this runs on every email, and a survey's parts are 10 KB.
func partFitsEightBit(part string) bool {
	if strings.IndexByte(part, 0) >= 0 {
		return false
	}
	for rest := part; ; {
		cr := strings.IndexByte(rest, '\r')
		if cr < 0 {
			break
		}
		if cr+1 == len(rest) || rest[cr+1] != '\n' {
			return false
		}
		rest = rest[cr+2:]
	}
	// What is left no longer than one line cannot hold a longer one.
	for rest := part; len(rest) > maxSMTPLine; {
		nl := strings.IndexByte(rest, '\n')
		if nl < 0 {
			return false
		}
		if len(strings.TrimSuffix(rest[:nl], "\r")) > maxSMTPLine {
			return false
		}
		rest = rest[nl+1:]
	}
	return true
}

// maxSMTPLine is the longest line SMTP carries, without its CRLF.
const maxSMTPLine = 998

// encode writes the message into a buffer of the pool, as the DATA
// command carries it.
func (s *SMTPSender) encode(e Email, eightBit bool) (envelope, error) {
	msg, err := buildMessage(e, eightBit, &s.senders)
	if err != nil {
		return envelope{}, err
	}
	env := envelope{eightBit: eightBit}
	if env.from, err = msg.GetSender(false); err != nil {
		return envelope{}, permanent(fmt.Errorf("from %q: %w", e.From, err), "", "")
	}
	if env.to, err = msg.GetRecipients(); err != nil {
		return envelope{}, permanent(fmt.Errorf("to %q: %w", e.To, err), "", store.ChannelUndeliverable)
	}
	for _, addr := range append([]string{env.from}, env.to...) {
		if strings.ContainsAny(addr, "\r\n") {
			return envelope{}, permanent(fmt.Errorf("address %q: a line break", addr), "", "")
		}
	}
	raw, ok := s.buffers.Get().(*bytes.Buffer)
	if !ok {
		raw = new(bytes.Buffer)
	}
	raw.Reset()
	if _, err := msg.WriteTo(raw); err != nil {
		s.buffers.Put(raw)
		return envelope{}, permanent(fmt.Errorf("encoding the message: %w", err), "", "")
	}
	data, ok := s.buffers.Get().(*bytes.Buffer)
	if !ok {
		data = new(bytes.Buffer)
	}
	data.Reset()
	dotStuff(data, raw.Bytes())
	s.buffers.Put(raw)
	env.data = data
	return env, nil
}

// dotStuff writes msg as the DATA command carries it (RFC 5321 4.5.2):
// every line ended by CRLF, a line that starts with a dot given a second
// one, and the lone dot that ends the data.
func dotStuff(w *bytes.Buffer, msg []byte) {
	w.Grow(len(msg) + len(msg)/64 + 5)
	for len(msg) > 0 {
		if msg[0] == '.' {
			w.WriteByte('.')
		}
		line := msg
		next := bytes.IndexByte(msg, '\n')
		if next >= 0 {
			line, msg = msg[:next], msg[next+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		w.Write(line)
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
}

// smtpError is the server's refusal of a step of the mail transaction,
// or the connection failing during it (Code 0).
type smtpError struct {
	Step     string // MAIL FROM, RCPT TO, DATA, or "end of data"
	Code     int
	Enhanced string // 5.1.1, when the server gives enhanced status codes
	Err      error
}

func (e *smtpError) Error() string { return fmt.Sprintf("smtp %s: %v", e.Step, e.Err) }
func (e *smtpError) Unwrap() error { return e.Err }

// enhancedCode finds an RFC 3463 status code in a reply's text.
var enhancedCode = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}\b`)

// stepError makes a reply or a failure to read one into an smtpError.
func stepError(step string, err error, enhanced bool) *smtpError {
	se := &smtpError{Step: step, Err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		se.Code = te.Code
		if enhanced {
			se.Enhanced = enhancedCode.FindString(te.Msg)
		}
	}
	return se
}

// send makes the transaction for env, redialling once a connection found
// dead before anything was sent. The data it leaves waiting (see
// transaction) is returned; its outcome comes later on done.
func (c *smtpConn) send(ctx context.Context, env envelope, mayWait bool) (*pendingData, error) {
	for try := 0; ; try++ {
		if c.conn == nil {
			conn, err := c.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				return nil, classifySMTP(fmt.Errorf("smtp connect: %w", err))
			}
			c.conn = conn
			ok, _ := conn.Extension("8BITMIME")
			c.eightBit.Store(ok)
		}
		p, err := c.transaction(env, mayWait)
		if err == nil || errors.Is(err, errNotEightBit) {
			return p, err
		}
		var se *smtpError
		isStep := errors.As(err, &se)
		if isStep && deadConnection(se) && try == 0 {
			c.drop()
			continue
		}
		if !isStep || se.Code == 0 || se.Code == 421 || isNetwork(err) {
			c.drop()
		} else if c.conn != nil {
			// The server refused this message; the next one starts on a
			// clean transaction, or a new connection.
			if rerr := c.conn.Reset(); rerr != nil {
				c.drop()
			}
		}
		return nil, classifySMTP(err)
	}
}

// smtpStep is one command of the envelope and the reply it wants.
type smtpStep struct {
	name, line string
	want       int
}

// transaction sends one message on the open connection: its envelope
// (see envelope), then its data in one write, or, with mayWait and
// PIPELINING, left waiting for the next envelope.
func (c *smtpConn) transaction(env envelope, mayWait bool) (*pendingData, error) {
	conn := c.conn
	if err := conn.UpdateDeadline(c.timeout); err != nil {
		return nil, &smtpError{Step: "MAIL FROM", Err: err}
	}
	mailFrom := "MAIL FROM:" + env.from
	if ok, _ := conn.Extension("8BITMIME"); ok {
		mailFrom += " BODY=8BITMIME"
	} else if env.eightBit {
		return nil, errNotEightBit
	}
	if ok, _ := conn.Extension("SMTPUTF8"); ok {
		mailFrom += " SMTPUTF8"
	}
	steps := make([]smtpStep, 0, len(env.to)+2)
	steps = append(steps, smtpStep{"MAIL FROM", mailFrom, 250})
	for _, to := range env.to {
		steps = append(steps, smtpStep{"RCPT TO", "RCPT TO:" + to, 25})
	}
	steps = append(steps, smtpStep{"DATA", "DATA", 354})
	pipelining, _ := conn.Extension("PIPELINING")
	if err := c.envelope(steps, pipelining); err != nil {
		return nil, err
	}
	p := &pendingData{data: env.data, since: time.Now(), done: make(chan error, 1)}
	c.pending.Store(p)
	if mayWait && pipelining {
		return p, nil
	}
	c.settle()
	return nil, <-p.done
}

// envelope sends MAIL FROM, RCPT TO and DATA: in one write when the
// server offers PIPELINING (RFC 2920), after the data of a message waiting
// on the connection if there is one; one at a time when it does not. It
// returns the first refusal.
func (c *smtpConn) envelope(steps []smtpStep, pipelining bool) error {
	conn := c.conn
	enhanced, _ := conn.Extension("ENHANCEDSTATUSCODES")
	var refused error
	dataOpen := false
	if pipelining {
		if err := c.writeGroup(steps); err != nil {
			return err
		}
		// Every reply is read, in order, whatever came before: the
		// server answers each command of the group.
		for i, st := range steps {
			_, _, err := conn.Text.ReadResponse(st.want)
			switch {
			case err == nil:
				dataOpen = i == len(steps)-1
			case refused == nil:
				refused = stepError(st.name, err, enhanced)
			}
			if err != nil && isNetwork(err) {
				return refused
			}
		}
	} else {
		for i, st := range steps {
			writeLine(conn.Text.W, st.line)
			if err := conn.Text.W.Flush(); err != nil {
				return &smtpError{Step: st.name, Err: err}
			}
			if _, _, err := conn.Text.ReadResponse(st.want); err != nil {
				refused = stepError(st.name, err, enhanced)
				break
			}
			dataOpen = i == len(steps)-1
		}
	}
	if refused != nil && dataOpen {
		// A server that opened the data after refusing the sender or
		// every recipient breaks RFC 2920; ending the data would send an
		// empty message, so the connection is closed instead.
		c.drop()
	}
	return refused
}

// writeGroup writes a pipelined envelope in one write, after the data
// waiting on the connection if there is one, whose reply comes first and
// is handed over. An error is the envelope's first step's: nothing of its
// own message was sent.
func (c *smtpConn) writeGroup(steps []smtpStep) error {
	w := c.conn.Text.W
	p := c.pending.Swap(nil)
	var err error
	for _, st := range steps {
		if p == nil {
			writeLine(w, st.line)
		} else {
			// After the waiting data, which its sender leaves alone
			// until its reply is handed over.
			p.data.WriteString(st.line + "\r\n")
		}
	}
	if p != nil {
		_, err = w.Write(p.data.Bytes())
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		if p != nil {
			p.done <- &smtpError{Step: "DATA", Err: err}
		}
		return &smtpError{Step: "MAIL FROM", Err: err}
	}
	if p == nil {
		return nil
	}
	if se := c.endOfData(p); se != nil {
		// The connection failed or is closing: no reply to the envelope.
		return &smtpError{Step: "MAIL FROM", Code: se.Code, Err: se}
	}
	return nil
}

// writeLine writes one command line; the writer reports its errors at
// Flush.
func writeLine(w *bufio.Writer, line string) {
	w.WriteString(line)
	w.WriteString("\r\n")
}

// deadConnection tells a connection that was already gone before this
// message from a refusal of the message: it failed at its first step,
// MAIL FROM, with no SMTP reply at all (the connection was closed or
// reset while idle) or with the 421 of a server that closed it. Nothing
// of the message was sent, so it can go again on a new connection.
func deadConnection(se *smtpError) bool {
	return se.Step == "MAIL FROM" && (se.Code == 0 || se.Code == 421)
}

func (c *smtpConn) drop() {
	if p := c.pending.Swap(nil); p != nil {
		// Its data was never written: the message was not sent.
		p.done <- &smtpError{Step: "DATA", Err: errors.New("the connection failed before the message's data was written")}
	}
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// Close ends the pool's connections, each once its send in progress is
// over.
func (s *SMTPSender) Close() error {
	var errs []error
	for _, c := range s.conns {
		c.mu.Lock()
		c.settle()
		if c.conn != nil {
			errs = append(errs, c.conn.Close())
			c.conn = nil
		}
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// classifySMTP decides what an SMTP failure means for the job. Only a
// refusal of this message or recipient (5xx from MAIL FROM on) ends it; a
// refused login or TLS handshake is the installer's to fix, and the job
// waits for that with backoff.
func classifySMTP(err error) error {
	var se *smtpError
	if !errors.As(err, &se) {
		return temporary(err, "")
	}
	code := ""
	if se.Code > 0 {
		code = strconv.Itoa(se.Code)
		if se.Enhanced != "" {
			code += " " + se.Enhanced
		}
	}
	if se.Code < 500 || isNetwork(err) {
		return temporary(err, code)
	}
	if se.Step == "RCPT TO" {
		return permanent(err, code, rcptState(se.Code, se.Enhanced))
	}
	return permanent(err, code, "")
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
