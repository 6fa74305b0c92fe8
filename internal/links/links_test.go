package links

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func testSigner(t *testing.T) Signer {
	s, err := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokens(t *testing.T) {
	s := testSigner(t)
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	tok := s.SurveyToken(42, now.Add(time.Hour))
	c, err := s.Verify(tok, now)
	if err != nil || c.Purpose != PurposeSurvey || c.Survey != 42 {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	if _, err := s.Verify(tok, now.Add(2*time.Hour)); !errors.Is(err, ErrExpiredToken) {
		t.Errorf("expired token: %v", err)
	}
	other, _ := NewSigner([]byte("another key, another install...."))
	for name, bad := range map[string]string{
		"tampered payload": s.SurveyToken(43, now.Add(time.Hour))[:5] + tok[5:],
		"tampered mac":     tok[:len(tok)-2] + "AA",
		"other key":        other.SurveyToken(42, now.Add(time.Hour)),
		"no dot":           strings.ReplaceAll(tok, ".", ""),
		"empty":            "",
		"garbage":          "not-a-token.at-all",
	} {
		if _, err := s.Verify(bad, now); !errors.Is(err, ErrBadToken) {
			t.Errorf("%s: %v, want ErrBadToken", name, err)
		}
	}
	u := s.UnsubscribeToken(7, store.ChannelEmail)
	if c, err := s.Verify(u, now.AddDate(5, 0, 0)); err != nil || c.Contact != 7 || c.Channel != store.ChannelEmail {
		t.Errorf("unsubscribe token = %+v, %v (it must not expire)", c, err)
	}
	links := Links{PublicURL: "https://nps.example.fr/", Signer: s, ReplyAddress: "avis@example.fr"}
	addr := links.ReplyTo(store.Survey{ID: 42})
	if id, ok := s.SurveyFromReplyAddress(addr); !ok || id != 42 {
		t.Errorf("reply address %s read as %d %v", addr, id, ok)
	}
	if _, ok := s.SurveyFromReplyAddress("avis+s43-" + strings.Split(strings.Split(addr, "-")[1], "@")[0] + "@example.fr"); ok {
		t.Error("a reply tag moved to another survey was accepted")
	}
}

// FuzzVerifyToken: no string passes for a token unless it was signed, and
// none makes Verify panic.
func FuzzVerifyToken(f *testing.F) {
	s, _ := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, seed := range []string{s.SurveyToken(42, now.Add(time.Hour)), s.UnsubscribeToken(7, store.ChannelSMS), s.CaseToken(3), "a.b", ".", "", "AQID.AQID"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Verify(token, now)
		if err != nil {
			return
		}
		// A valid token must be one this signer could have made.
		var again string
		switch c.Purpose {
		case PurposeSurvey:
			again = s.SurveyToken(c.Survey, c.Expires)
		case PurposeUnsubscribe:
			again = s.UnsubscribeToken(c.Contact, c.Channel)
		case PurposeCase:
			again = s.CaseToken(c.Case)
		}
		if again != token {
			t.Fatalf("accepted %q, which this signer did not make (%+v)", token, c)
		}
	})
}

// TestZeroSigner: a server tells a configured signer from none by IsZero,
// and serves no signed pages without a key.
func TestZeroSigner(t *testing.T) {
	if !(Signer{}).IsZero() {
		t.Error("the zero Signer says it has a key")
	}
	if testSigner(t).IsZero() {
		t.Error("a Signer made with a key says it has none")
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Error("NewSigner took a 5-byte key")
	}
}
