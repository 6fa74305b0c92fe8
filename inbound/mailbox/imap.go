package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/store"
)

// Options configures the IMAP reader.
type Options struct {
	Host string
	Port int
	// TLS is tls (implicit, port 993), starttls (143) or none.
	TLS       string
	Username  string
	Password  string
	Mailbox   string
	TLSConfig *tls.Config
	// PollInterval is how often the mailbox is looked at when the server
	// offers no IDLE, and the longest an IDLE lasts. Default 1m.
	PollInterval time.Duration
	// MaxBackoff caps the wait between reconnections. Default 5m.
	MaxBackoff time.Duration
	// MaxMessageBytes is the largest message fetched, by the size the
	// server reports; a larger one is recorded as failed and passed over.
	// It also bounds how much one FETCH brings into memory. Default 10 MB.
	MaxMessageBytes int64
	// AuthservID is the receiving server's authserv-id: its
	// Authentication-Results header proves a reply's From when DMARC (or
	// DKIM aligned with the From) passed. Empty: no such header is
	// trusted, and only the survey's tag or npsd's Message-ID prove one.
	AuthservID string

	Store        inbound.Store
	Conversation *inbound.Conversation
	// Signer reads the survey tag of a reply address.
	Signer links.Signer
	Logger *slog.Logger
	Now    func() time.Time
	// OnError, when set, is told of each session that ended in an error.
	OnError func()
}

// Reader reads replies from one mailbox into the conversation: new
// messages since the last one read, IDLE when the server offers it and
// polling otherwise, reconnecting with backoff. A message is marked \Seen
// only after what it says is committed.
type Reader struct {
	o        Options
	log      *slog.Logger
	lastPoll atomic.Int64 // unix nanos of the last successful look
}

// NewReader checks the options.
func NewReader(o Options) (*Reader, error) {
	if o.Host == "" || o.Store == nil || o.Conversation == nil {
		return nil, errors.New("mailbox: IMAP needs a host, a store and a conversation")
	}
	if o.Mailbox == "" {
		o.Mailbox = "INBOX"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Minute
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 10 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Reader{o: o, log: o.Logger.With("imap", o.Host, "mailbox", o.Mailbox)}, nil
}

// LastPoll is when the mailbox was last read without error.
func (r *Reader) LastPoll() time.Time {
	n := r.lastPoll.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Run reads the mailbox until ctx ends.
func (r *Reader) Run(ctx context.Context) error {
	backoff := time.Second
	for ctx.Err() == nil {
		start := time.Now()
		err := r.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(start) > time.Minute {
			backoff = time.Second // it worked for a while: start over
		}
		r.log.Warn("IMAP session ended; reconnecting", "err", err, "in", backoff)
		if r.o.OnError != nil {
			r.o.OnError()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, r.o.MaxBackoff)
	}
	return nil
}

func (r *Reader) dial(opts *imapclient.Options) (*imapclient.Client, error) {
	addr := net.JoinHostPort(r.o.Host, strconv.Itoa(r.o.Port))
	switch r.o.TLS {
	case "tls", "":
		return imapclient.DialTLS(addr, opts)
	case "starttls":
		return imapclient.DialStartTLS(addr, opts)
	case "none":
		return imapclient.DialInsecure(addr, opts)
	}
	return nil, fmt.Errorf("imap: tls must be tls, starttls or none, not %q", r.o.TLS)
}

// session is one connection: log in, select, read what is new, wait for
// more, until an error or the end of ctx.
func (r *Reader) session(ctx context.Context) error {
	newMail := make(chan struct{}, 1)
	c, err := r.dial(&imapclient.Options{
		TLSConfig: r.o.TLSConfig,
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(data *imapclient.UnilateralDataMailbox) {
				if data.NumMessages != nil {
					select {
					case newMail <- struct{}{}:
					default:
					}
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Login(r.o.Username, r.o.Password).Wait(); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	sel, err := c.Select(r.o.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %s: %w", r.o.Mailbox, err)
	}
	idle := c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2)
	for ctx.Err() == nil {
		if err := r.readNew(ctx, c, sel.UIDValidity); err != nil {
			return err
		}
		r.lastPoll.Store(r.o.Now().UnixNano())
		if err := r.wait(ctx, c, idle, newMail); err != nil {
			return err
		}
	}
	_ = c.Logout().Wait()
	return nil
}

// wait returns when new mail may be there: IDLE until the server says so
// or PollInterval passes, or a plain sleep and NOOP without IDLE.
func (r *Reader) wait(ctx context.Context, c *imapclient.Client, idle bool, newMail <-chan struct{}) error {
	if !idle {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(r.o.PollInterval):
		}
		return c.Noop().Wait()
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	select {
	case <-ctx.Done():
	case <-newMail:
	case <-time.After(r.o.PollInterval):
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return cmd.Wait()
}

// cursorName is where the last UID read is kept in the store.
func (r *Reader) cursorName() string {
	return "imap/" + r.o.Host + "/" + r.o.Username + "/" + r.o.Mailbox
}

// cursor returns the last UID read for this UIDVALIDITY; a new UIDVALIDITY
// starts over from the first message, and the messages' keys make the
// ones already read no-ops.
func (r *Reader) cursor(validity uint32) (imap.UID, error) {
	var v uint64
	err := r.o.Store.View(func(tx *store.Tx) error { v = tx.Cursor(r.cursorName()); return nil })
	if err != nil {
		return 0, err
	}
	if uint32(v>>32) != validity {
		return 0, nil
	}
	return imap.UID(uint32(v)), nil
}

func (r *Reader) setCursor(ctx context.Context, validity uint32, uid imap.UID) error {
	return r.o.Store.Update(ctx, func(tx *store.Tx) error {
		return tx.SetCursor(r.cursorName(), uint64(validity)<<32|uint64(uid))
	})
}

// fetchBatch is how many messages one FETCH asks for.
const fetchBatch = 50

// readNew handles every message above the cursor, in UID order. Sizes and
// envelopes come first; bodies are fetched in batches that hold at most
// MaxMessageBytes together (or one message), and a message over the limit
// is never fetched.
func (r *Reader) readNew(ctx context.Context, c *imapclient.Client, validity uint32) error {
	last, err := r.cursor(validity)
	if err != nil {
		return err
	}
	var set imap.UIDSet
	set.AddRange(last+1, 0) // last+1:*
	data, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	var uids []imap.UID
	for _, uid := range data.AllUIDs() {
		// "n:*" matches the last message even when its UID is below n.
		if uid > last {
			uids = append(uids, uid)
		}
	}
	for start := 0; start < len(uids); start += fetchBatch {
		heads, err := c.Fetch(imap.UIDSetNum(uids[start:min(start+fetchBatch, len(uids))]...), &imap.FetchOptions{
			UID: true, RFC822Size: true, Envelope: true,
		}).Collect()
		if err != nil {
			return fmt.Errorf("fetch sizes: %w", err)
		}
		var batch []imap.UID
		var batchBytes int64
		for _, h := range heads {
			if h.RFC822Size > r.o.MaxMessageBytes {
				// Flush what comes before it, to keep UID order.
				if err := r.readBodies(ctx, c, validity, batch); err != nil {
					return err
				}
				batch, batchBytes = nil, 0
				if err := r.passOverTooLarge(ctx, validity, h); err != nil {
					return err
				}
				continue
			}
			if len(batch) > 0 && batchBytes+h.RFC822Size > r.o.MaxMessageBytes {
				if err := r.readBodies(ctx, c, validity, batch); err != nil {
					return err
				}
				batch, batchBytes = nil, 0
			}
			batch = append(batch, h.UID)
			batchBytes += h.RFC822Size
		}
		if err := r.readBodies(ctx, c, validity, batch); err != nil {
			return err
		}
	}
	return nil
}

// readBodies fetches and handles the messages uids, in order.
func (r *Reader) readBodies(ctx context.Context, c *imapclient.Client, validity uint32, uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	for _, m := range msgs {
		raw := m.FindBodySection(&imap.FetchItemBodySection{Peek: true})
		handled, err := r.handle(ctx, raw, validity, m.UID)
		if err != nil {
			return err
		}
		if handled {
			// Committed: now the message may be marked read. One that
			// failed for good stays unread in the mailbox, for the owner.
			if err := c.Store(imap.UIDSetNum(m.UID), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
				return fmt.Errorf("store \\Seen: %w", err)
			}
		}
		if err := r.setCursor(ctx, validity, m.UID); err != nil {
			return err
		}
	}
	return nil
}

// passOverTooLarge records a message over MaxMessageBytes as failed,
// without fetching it, and moves the cursor past it.
func (r *Reader) passOverTooLarge(ctx context.Context, validity uint32, h *imapclient.FetchMessageBuffer) error {
	in := inbound.Incoming{Key: r.messageKey(validity, h.UID, ""), Channel: store.ChannelEmail}
	if e := h.Envelope; e != nil {
		if e.MessageID != "" {
			in.Key = r.messageKey(validity, h.UID, e.MessageID)
		}
		if len(e.From) > 0 {
			in.From = e.From[0].Addr()
		}
	}
	reason := fmt.Errorf("%w: %d bytes, more than the %d that imap.max_message_mb allows: not read", errMessageTooLarge, h.RFC822Size, r.o.MaxMessageBytes)
	if err := r.passOver(ctx, h.UID, in, reason); err != nil {
		return err
	}
	return r.setCursor(ctx, validity, h.UID)
}

// passOver records a message that failed for good, once, for the owner,
// and logs it; the caller moves on to the next.
func (r *Reader) passOver(ctx context.Context, uid imap.UID, in inbound.Incoming, reason error) error {
	if err := r.o.Conversation.RecordFailed(ctx, in, reason); err != nil {
		return fmt.Errorf("message uid %d: recording its failure: %w", uid, err)
	}
	r.log.Error("email could not be handled: recorded as failed and passed over", "uid", uid, "err", reason)
	return nil
}

// errMessageTooLarge marks a message over the size limit.
var errMessageTooLarge = errors.New("message too large")

// messageKey is a message's identity: its Message-ID, which survives a
// UIDVALIDITY change, else its place in the mailbox.
func (r *Reader) messageKey(validity uint32, uid imap.UID, messageID string) string {
	if messageID != "" {
		return "email:" + messageID
	}
	return fmt.Sprintf("imap:%s:%d:%d", r.o.Mailbox, validity, uid)
}

// handle reads one message and hands it to the conversation; handled says
// whether what it says is stored. A failure that another try cannot mend
// (the store refuses the message, say) is recorded once, with its reason
// for the owner, and the message passed over (handled false, no error):
// one poison message must not stop every reply after it. Only a failure
// that may pass (a full disk, npsd stopping) is returned, so the same
// message is tried again.
func (r *Reader) handle(ctx context.Context, raw []byte, validity uint32, uid imap.UID) (bool, error) {
	m, err := inbound.ReadMessage(bytes.NewReader(raw))
	if errors.Is(err, inbound.ErrMessageTooComplex) {
		// Nested or split beyond reason: the same bytes fail every time.
		in := inbound.Incoming{Key: r.messageKey(validity, uid, m.MessageID), Channel: store.ChannelEmail, From: m.From, Text: m.Subject}
		return false, r.passOver(ctx, uid, in, err)
	}
	if err != nil {
		// Unreadable as a message: keep it as it came, never drop it.
		r.log.Warn("unreadable message kept", "uid", uid, "err", err)
		m = inbound.Message{Text: string(raw)}
	}
	in := inbound.Incoming{
		Key: r.messageKey(validity, uid, m.MessageID), Channel: store.ChannelEmail, From: m.From, Text: inbound.StripQuoted(m.Text),
		Reply: inbound.ParseMessage(m), Bounced: m.Bounced, InReplyTo: m.MessageID,
	}
	in.Survey = r.surveyOf(m)
	switch {
	case in.Reply.Intent == inbound.IntentAutoReply:
		// An out-of-office answers nothing and changes nothing: whoever
		// sent it, there is nothing for the owner to decide.
	case in.Reply.Intent == inbound.IntentBounce:
		in.Bounced = r.provenBounces(raw, m.Bounced)
		if len(m.Bounced) > 0 && len(in.Bounced) == 0 {
			in.Unproven = "a delivery report that names no message npsd sent to those addresses"
		}
	case in.Survey == 0 && !receivedAuthenticated(raw, m.From, r.o.AuthservID):
		// Matched by its From alone, which anyone can write.
		in.Unproven = "no survey tag, not an answer to npsd's message, and no passing DMARC or aligned DKIM"
	}
	out, err := r.o.Conversation.Handle(ctx, in)
	if err != nil {
		if temporary(err) || ctx.Err() != nil {
			return false, fmt.Errorf("message uid %d: %w", uid, err)
		}
		return false, r.passOver(ctx, uid, in, err)
	}
	r.log.Info("email reply read", "uid", uid, "contact", out.Contact, "survey", out.Survey, "outcome", out.Note)
	return true, nil
}

// temporary reports whether err may pass if the same work is tried again:
// the store's disk is full, the store is closing, npsd is stopping.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return (errors.As(err, &t) && t.Temporary()) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrClosed)
}

// surveyOf finds the survey a reply answers: the signed tag of the address
// it was sent to, else the survey of the message it replies to.
func (r *Reader) surveyOf(m inbound.Message) store.SurveyID {
	for _, to := range m.To {
		if id, ok := r.o.Signer.SurveyFromReplyAddress(to); ok {
			return id
		}
	}
	var id store.SurveyID
	_ = r.o.Store.View(func(tx *store.Tx) error {
		for _, ref := range m.Refs {
			if j, err := tx.JobByProviderID(ref); err == nil && j.SurveyID != 0 {
				id = j.SurveyID
				return nil
			}
		}
		return nil
	})
	return id
}
