package dispatcher

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

func testEmail(to string) Email {
	return Email{
		MessageID: "npsd.1.abc@example.fr", From: "Boulangerie <avis@example.fr>", To: to,
		Subject: "Une question", Text: "De 0 à 10 ?", HTML: "<p>De 0 à 10 ?</p>",
		Unsubscribe: "https://nps.example.fr/u/c1-email", UnsubscribeMailto: "mailto:avis@example.fr",
	}
}

func TestSMTPModes(t *testing.T) {
	for _, mode := range []string{"starttls", "tls", "none"} {
		t.Run(mode, func(t *testing.T) {
			peer := testpeers.NewSMTP(t, mode)
			s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: peer.Port(), TLS: mode, Username: peer.User, Password: peer.Password, TLSConfig: peer.ClientTLS, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for i := range 3 {
				if err := s.SendEmail(context.Background(), testEmail("zoe@example.fr")); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if n, s := len(peer.Received()), peer.Sessions(); n != 3 || s != 1 {
				t.Errorf("%d messages over %d connections, want 3 over 1 (the connection is reused)", n, s)
			}
		})
	}
}

func TestSMTPRefusesAnUntrustedCertificate(t *testing.T) {
	peer := testpeers.NewSMTP(t, "starttls")
	s, _ := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: peer.Port(), TLS: "starttls", Username: peer.User, Password: peer.Password, Timeout: 5 * time.Second})
	err := s.SendEmail(context.Background(), testEmail("zoe@example.fr"))
	if err == nil || !IsTemporary(err) {
		t.Fatalf("send to a server with an unknown certificate = %v; want a temporary error (the installer fixes the trust, the job waits)", err)
	}
	if len(peer.Received()) != 0 {
		t.Error("a message went to an untrusted server")
	}
}

func TestSMTPWrongPasswordWaits(t *testing.T) {
	peer := testpeers.NewSMTP(t, "none")
	s, _ := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: peer.Port(), TLS: "none", Username: peer.User, Password: "wrong", Timeout: 5 * time.Second})
	if err := s.SendEmail(context.Background(), testEmail("zoe@example.fr")); err == nil || !IsTemporary(err) {
		t.Fatalf("bad password = %v; want a temporary error", err)
	}
}

func TestSMTPRedialsADroppedConnection(t *testing.T) {
	peer := testpeers.NewSMTP(t, "none")
	peer.OneShot.Store(true)
	s, _ := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: peer.Port(), TLS: "none", Username: peer.User, Password: peer.Password, Timeout: 5 * time.Second})
	defer s.Close()
	for i := range 3 {
		if err := s.SendEmail(context.Background(), testEmail("zoe@example.fr")); err != nil {
			t.Fatalf("send %d after the server hung up: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond) // let the server hang up
	}
	if n, s := len(peer.Received()), peer.Sessions(); n != 3 || s != 3 {
		t.Errorf("%d messages over %d connections, want 3 over 3", n, s)
	}
}

func TestSMTP421ThenRecovers(t *testing.T) {
	r := newRig(t)
	r.smtp.Refuse.Store(true)
	_, job := r.survey(store.Contact{Email: "zoe@example.fr"}, store.ChannelEmail)
	r.runOnce()
	j, _, _ := r.job(job.ID)
	if j.State != store.JobPending || len(j.Attempts) != 1 || !strings.Contains(j.Attempts[0].Error, "421") {
		t.Fatalf("after 421: %+v", j)
	}
	r.smtp.Refuse.Store(false)
	r.clk.add(7 * time.Hour)
	r.runOnce()
	if j, _, _ = r.job(job.ID); j.State != store.JobSent || len(r.smtp.Received()) != 1 {
		t.Errorf("after the server came back: job %s, %d messages", j.State, len(r.smtp.Received()))
	}
}

func TestClassifySMTPWithoutServer(t *testing.T) {
	// A closed port: connection refused is temporary.
	s, _ := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: 1, TLS: "none", Timeout: time.Second})
	err := s.SendEmail(context.Background(), testEmail("zoe@example.fr"))
	var se *SendError
	if !errors.As(err, &se) || !se.Temporary {
		t.Errorf("connection refused = %#v, want a temporary SendError", err)
	}
	// A recipient address that cannot be written is permanent and says so.
	err = FileEmailSender{Dir: t.TempDir()}.SendEmail(context.Background(), testEmail("not an address"))
	if !errors.As(err, &se) || se.Temporary || se.Contact != store.ChannelUndeliverable {
		t.Errorf("bad recipient = %#v", err)
	}
}
