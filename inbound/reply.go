package inbound

import (
	"fmt"
	"io"

	"github.com/npsd/npsd/inbound/email"
	reader "github.com/npsd/npsd/inbound/reply"
)

// The reply reader lives in package inbound/reply, the reading of a raw
// email in inbound/email (imported here as
// reader: the tests of this package have a func reply). These names keep
// its API where callers have always found it; new code may use either.

type (
	// Reply is reply.Reply: what npsd read in a message.
	Reply = reader.Reply
	// Intent is reply.Intent: what a reply asks for.
	Intent = reader.Intent
	// Message is email.Message: what npsd needs of an email that came in.
	Message = email.Message
)

const (
	IntentScore     = reader.IntentScore
	IntentStop      = reader.IntentStop
	IntentStart     = reader.IntentStart
	IntentHelp      = reader.IntentHelp
	IntentAutoReply = reader.IntentAutoReply
	IntentBounce    = reader.IntentBounce
	IntentNone      = reader.IntentNone
)

var (
	// Rules is reply.Rules: what each rule a reading names means.
	Rules = reader.Rules
	// ErrMessageTooComplex is email.ErrMessageTooComplex.
	ErrMessageTooComplex = email.ErrMessageTooComplex
)

// ParseText is reply.ParseText: it reads the text of a reply.
func ParseText(text string) Reply { return reader.ParseText(text) }

// ParseEmailText is reply.ParseEmailText: it reads an email's text.
func ParseEmailText(body string) Reply { return reader.ParseEmailText(body) }

// StripQuoted is reply.StripQuoted: the new part of an email reply.
func StripQuoted(body string) string { return reader.StripQuoted(body) }

// ReadMessage is email.ReadMessage: it reads an RFC 5322 message.
func ReadMessage(r io.Reader) (Message, error) { return email.ReadMessage(r) }

// ParseMessage is reply.ParseMessage: it reads an email reply.
func ParseMessage(m Message) Reply { return reader.ParseMessage(m) }

// ReadingKind is reply.KindOfReading: the kind of a reading as the
// inbound record keeps it, for the owner.
func ReadingKind(reading string) string { return reader.KindOfReading(reading) }

// maxPastedReply bounds a text message read for parse-reply: an SMS is a
// few hundred bytes; a paste of more is not one.
const maxPastedReply = 64 << 10

// ReadReply reads one reply as it came by channel (sms: its text; email:
// the raw RFC 5322 message) and how npsd reads it, for an owner who asks.
func ReadReply(r io.Reader, channel string) (Reply, error) {
	switch channel {
	case "sms":
		body, err := io.ReadAll(io.LimitReader(r, maxPastedReply))
		return ParseText(string(body)), err
	case "email":
		m, err := ReadMessage(r)
		if err != nil {
			return Reply{}, err
		}
		return ParseMessage(m), nil
	}
	return Reply{}, fmt.Errorf("--channel must be sms or email, not %q", channel)
}
