package dispatcher

import (
	"context"
	"fmt"
	"io"
	netmail "net/mail"
	"os"
	"path/filepath"
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
func buildMessage(e Email, eightBit bool, senders *senderAddresses) (*mail.Msg, error) {
	m := mail.NewMsg()
	if eightBit {
		// The parts as written, for a server that takes 8bit; the
		// headers stay encoded words.
		m.SetEncoding(mail.NoEncoding)
	}
	from, err := senders.parse(e.From)
	if err != nil {
		return nil, permanent(fmt.Errorf("from %q: %w", e.From, err), "", "")
	}
	m.FromMailAddress(from)
	if err := m.To(e.To); err != nil {
		return nil, permanent(fmt.Errorf("to %q: %w", e.To, err), "", store.ChannelUndeliverable)
	}
	if e.ReplyTo != "" {
		replyTo, err := senders.parse(e.ReplyTo)
		if err != nil {
			return nil, permanent(fmt.Errorf("reply-to %q: %w", e.ReplyTo, err), "", "")
		}
		m.ReplyToMailAddress(replyTo)
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
	m.SetBodyWriter(mail.TypeTextPlain, writeString(e.Text))
	if e.HTML != "" {
		m.AddAlternativeWriter(mail.TypeTextHTML, writeString(e.HTML))
	}
	return m, nil
}

// senderAddresses keeps the parsed form of the addresses every message
// repeats, the business's From and Reply-To, so that a wave does not parse
// them again for each message (seventeen allocations an address). A nil
// one parses each time.
type senderAddresses struct {
	mu     sync.Mutex
	parsed map[string]netmail.Address
}

// maxSenderAddresses bounds the addresses kept: a configuration names two,
// and a reload may change them.
const maxSenderAddresses = 16

// parse returns the address s names, a copy of the kept one when there is
// one, so that nothing a message does to it reaches the next.
func (a *senderAddresses) parse(s string) (*netmail.Address, error) {
	if a == nil {
		return netmail.ParseAddress(s)
	}
	a.mu.Lock()
	kept, ok := a.parsed[s]
	a.mu.Unlock()
	if ok {
		return &kept, nil
	}
	addr, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.parsed == nil {
		a.parsed = make(map[string]netmail.Address)
	}
	if len(a.parsed) < maxSenderAddresses {
		a.parsed[s] = *addr
	}
	a.mu.Unlock()
	return addr, nil
}

// writeString writes a part as it is. go-mail's SetBodyString and
// AddAlternativeString copy the part into a buffer of their own first,
// and a part written 8bit then grows go-mail's buffer a few bytes at a
// time: one part's bytes copied and allocated four times over.
func writeString(part string) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		if b, ok := w.(interface{ Grow(int) }); ok {
			b.Grow(len(part))
		}
		n, err := io.WriteString(w, part)
		return int64(n), err
	}
}

// FileEmailSender writes each message as an .eml file into a folder, for
// trying npsd without a mail account.
type FileEmailSender struct{ Dir string }

// SendEmail writes the message durably (fsync, then rename into place).
func (f FileEmailSender) SendEmail(ctx context.Context, e Email) error {
	msg, err := buildMessage(e, false, nil)
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
