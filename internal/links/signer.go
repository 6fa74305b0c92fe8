package links

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
		return Signer{}, errors.New("links: signing key is too short")
	}
	return Signer{key: key}, nil
}

// IsZero reports whether s is the zero Signer, made without a key: a
// server given none serves no signed pages rather than accept tokens that
// anyone could sign.
func (s Signer) IsZero() bool { return s.key == nil }

// Purpose is what a token is for, the first byte of its payload: a token
// made for one purpose must never open another's page.
type Purpose byte

// Token purposes.
const (
	PurposeSurvey      Purpose = 's'
	PurposeUnsubscribe Purpose = 'u'
	PurposeCase        Purpose = 'k'
)

// Claims is what a valid token says.
type Claims struct {
	Purpose Purpose
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
	p := []byte{byte(PurposeSurvey)}
	p = binary.AppendUvarint(p, uint64(id))
	p = binary.AppendVarint(p, expires.Unix())
	return s.seal(p)
}

// UnsubscribeToken is the token of a contact's unsubscribe link on one
// channel. It does not expire: an old email's link must still work.
func (s Signer) UnsubscribeToken(id store.ContactID, ch store.Channel) string {
	p := []byte{byte(PurposeUnsubscribe)}
	p = binary.AppendUvarint(p, uint64(id))
	p = append(p, ch...)
	return s.seal(p)
}

// CaseToken is the token of a case's page, sent to the owners only. It
// does not expire: a case can stay open for weeks.
func (s Signer) CaseToken(id store.CaseID) string {
	p := []byte{byte(PurposeCase)}
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
	c := Claims{Purpose: Purpose(payload[0])}
	rest := payload[1:]
	id, n := binary.Uvarint(rest)
	if n <= 0 {
		return Claims{}, ErrBadToken
	}
	rest = rest[n:]
	switch c.Purpose {
	case PurposeSurvey:
		exp, n := binary.Varint(rest)
		if n <= 0 || n != len(rest) {
			return Claims{}, ErrBadToken
		}
		c.Survey, c.Expires = store.SurveyID(id), time.Unix(exp, 0)
		if now.After(c.Expires) {
			return c, ErrExpiredToken
		}
	case PurposeCase:
		if len(rest) != 0 {
			return Claims{}, ErrBadToken
		}
		c.Case = store.CaseID(id)
	case PurposeUnsubscribe:
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
