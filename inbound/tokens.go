package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// Token errors. A page shows each plainly; neither changes anything.
var (
	ErrBadToken     = errors.New("this link is not valid")
	ErrExpiredToken = errors.New("this link has expired")
)

// Signer makes and checks the tokens in links: HMAC-SHA256 over what the
// link is for (a survey, an unsubscribe), whose, and until when.
type Signer struct{ key []byte }

// NewSigner returns a signer; the key should be 32 random bytes.
func NewSigner(key []byte) (Signer, error) {
	if len(key) < 16 {
		return Signer{}, errors.New("inbound: signing key is too short")
	}
	return Signer{key: key}, nil
}

// Token purposes, the first byte of the payload.
const (
	purposeSurvey      = 's'
	purposeUnsubscribe = 'u'
	purposeCase        = 'k'
)

// Claims is what a valid token says.
type Claims struct {
	Purpose byte
	Survey  store.SurveyID
	Contact store.ContactID
	Channel store.Channel
	Case    store.CaseID
	Expires time.Time
}

func (s Signer) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

func (s Signer) seal(payload []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(s.mac(payload))
}

// SurveyToken is the token of a survey's page and score links.
func (s Signer) SurveyToken(id store.SurveyID, expires time.Time) string {
	p := []byte{purposeSurvey}
	p = binary.AppendUvarint(p, uint64(id))
	p = binary.AppendVarint(p, expires.Unix())
	return s.seal(p)
}

// UnsubscribeToken is the token of a contact's unsubscribe link on one
// channel. It does not expire: an old email's link must still work.
func (s Signer) UnsubscribeToken(id store.ContactID, ch store.Channel) string {
	p := []byte{purposeUnsubscribe}
	p = binary.AppendUvarint(p, uint64(id))
	p = append(p, ch...)
	return s.seal(p)
}

// CaseToken is the token of a case's page, sent to the owners only. It
// does not expire: a case can stay open for weeks.
func (s Signer) CaseToken(id store.CaseID) string {
	p := []byte{purposeCase}
	p = binary.AppendUvarint(p, uint64(id))
	return s.seal(p)
}

// Verify checks a token and returns what it says. Decoding is strict, so
// one token has one spelling (a fuzzer found that lax base64 accepted two).
func (s Signer) Verify(token string, now time.Time) (Claims, error) {
	enc := base64.RawURLEncoding.Strict()
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 200 || strings.ContainsFunc(token, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		// base64 decoding skips newlines: only the alphabet itself is a
		// token, so one token has one spelling.
		return Claims{}, ErrBadToken
	}
	payload, err1 := enc.DecodeString(body)
	mac, err2 := enc.DecodeString(sig)
	if err1 != nil || err2 != nil || len(payload) < 2 || !hmac.Equal(mac, s.mac(payload)) {
		return Claims{}, ErrBadToken
	}
	c := Claims{Purpose: payload[0]}
	rest := payload[1:]
	id, n := binary.Uvarint(rest)
	if n <= 0 {
		return Claims{}, ErrBadToken
	}
	rest = rest[n:]
	switch c.Purpose {
	case purposeSurvey:
		exp, n := binary.Varint(rest)
		if n <= 0 || n != len(rest) {
			return Claims{}, ErrBadToken
		}
		c.Survey, c.Expires = store.SurveyID(id), time.Unix(exp, 0)
		if now.After(c.Expires) {
			return c, ErrExpiredToken
		}
	case purposeCase:
		if len(rest) != 0 {
			return Claims{}, ErrBadToken
		}
		c.Case = store.CaseID(id)
	case purposeUnsubscribe:
		c.Contact, c.Channel = store.ContactID(id), store.Channel(rest)
		if c.Channel != store.ChannelEmail && c.Channel != store.ChannelSMS {
			return Claims{}, ErrBadToken
		}
	default:
		return Claims{}, ErrBadToken
	}
	return c, nil
}

// replyTag is the signed plus-address tag of a survey: s42-1a2b3c4d. A
// reply to avis+s42-1a2b3c4d@… is matched to survey 42 by its address.
func (s Signer) replyTag(id store.SurveyID) string {
	p := []byte("reply:" + strconv.FormatUint(uint64(id), 10))
	return fmt.Sprintf("%s-%x", id, s.mac(p)[:4])
}

// SurveyFromReplyAddress returns the survey an address's plus tag names,
// when the tag's signature holds.
func (s Signer) SurveyFromReplyAddress(addr string) (store.SurveyID, bool) {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return 0, false
	}
	_, tag, ok := strings.Cut(local, "+")
	if !ok {
		return 0, false
	}
	idText, _, _ := strings.Cut(tag, "-")
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(idText), "s"), 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	id := store.SurveyID(n)
	return id, hmac.Equal([]byte(strings.ToLower(tag)), []byte(s.replyTag(id)))
}

// SignedLinks builds the links of outgoing messages with signed tokens; it
// is the dispatcher's Links.
type SignedLinks struct {
	PublicURL string
	Signer    Signer
	// ReplyAddress is the configured reply address, plus-tagged per survey.
	ReplyAddress string
	// TTL is how long survey links work. Default 60 days.
	TTL time.Duration
	Now func() time.Time
}

func (l SignedLinks) base() string { return strings.TrimRight(l.PublicURL, "/") }

// Survey returns the survey page and its eleven score links.
func (l SignedLinks) Survey(sv store.Survey) (string, []templates.ScoreLink) {
	ttl, now := l.TTL, time.Now
	if ttl <= 0 {
		ttl = 60 * 24 * time.Hour
	}
	if l.Now != nil {
		now = l.Now
	}
	page := l.base() + "/s/" + l.Signer.SurveyToken(sv.ID, now().Add(ttl))
	return page, templates.ScoreLinksOn(page)
}

// Unsubscribe returns the one-click unsubscribe link.
func (l SignedLinks) Unsubscribe(c store.Contact, ch store.Channel) string {
	return l.base() + "/u/" + l.Signer.UnsubscribeToken(c.ID, ch)
}

// Case returns the page of a detractor case, for the owners' emails.
func (l SignedLinks) Case(id store.CaseID) string {
	return l.base() + "/c/" + l.Signer.CaseToken(id)
}

// ReplyTo plus-addresses the reply address with the survey's signed tag.
func (l SignedLinks) ReplyTo(sv store.Survey) string {
	local, domain, ok := strings.Cut(l.ReplyAddress, "@")
	if !ok || sv.ID == 0 {
		return ""
	}
	return local + "+" + l.Signer.replyTag(sv.ID) + "@" + domain
}
