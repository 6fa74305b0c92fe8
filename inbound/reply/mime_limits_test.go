package reply

import (
	"strings"
	"testing"

	"github.com/npsd/npsd/inbound/email"
)

// TestMimeOrdinaryNesting: the shapes real mail has (alternative inside
// mixed, an attachment, a forwarded message/rfc822) read as before.
func TestMimeOrdinaryNesting(t *testing.T) {
	raw := strings.ReplaceAll(`From: Paul <paul@example.fr>
To: avis+s1@example.fr
Subject: Re: votre avis
Message-ID: <ord@example.fr>
In-Reply-To: <npsd.1.aa@example.fr>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

8, le pain est bon
--alt
Content-Type: text/html; charset=utf-8

<p>8, le pain est <b>bon</b></p>
--alt--
--mixed
Content-Type: image/jpeg; name="photo.jpg"
Content-Disposition: attachment; filename="photo.jpg"
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U
--mixed
Content-Type: message/rfc822
Content-Disposition: attachment; filename="forwarded.eml"

From: someone@example.com
Subject: earlier
Content-Type: text/plain

2, not this one
--mixed--
`, "\n", "\r\n")
	m, err := email.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(m.Text) != "8, le pain est bon" {
		t.Errorf("text = %q", m.Text)
	}
	if m.From != "paul@example.fr" || len(m.Refs) != 1 {
		t.Errorf("from %q, refs %v", m.From, m.Refs)
	}
	r := ParseMessage(m)
	if r.Intent != IntentScore || r.Score == nil || *r.Score != 8 {
		t.Errorf("read %s", describe(r))
	}
}
