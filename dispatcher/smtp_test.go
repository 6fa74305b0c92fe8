package dispatcher

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
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

// TestDotStuff: what dotStuff writes, read back as a server reads the
// data, is the message with its lines ended by CRLF; and no line of it
// but the last is a lone dot.
func TestDotStuff(t *testing.T) {
	cases := []string{
		"", ".", "..", ".\r\n", "a\r\n.\r\nb", "a\n.\nb\n", ".leading dot\r\n", "trailing\r\n.",
		"no newline at the end", "\r\n\r\n", "bare\rCR\r\n", "a.\r\n.b\r\n..c\r\n",
		"Subject: x\r\n\r\n=2E quoted\r\n.\r\n.\r\n",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		b := make([]byte, rng.IntN(60))
		for i := range b {
			b[i] = ".\r\na"[rng.IntN(4)]
		}
		cases = append(cases, string(b))
	}
	for _, msg := range cases {
		var w bytes.Buffer
		dotStuff(&w, []byte(msg))
		wire := w.String()
		if !strings.HasSuffix(wire, "\r\n.\r\n") && wire != ".\r\n" {
			t.Fatalf("dotStuff(%q) = %q: not ended by the lone dot", msg, wire)
		}
		if i := strings.Index(wire, "\r\n.\r\n"); i >= 0 && i != len(wire)-5 {
			t.Fatalf("dotStuff(%q) = %q: a lone dot before the end", msg, wire)
		}
		got, err := io.ReadAll(textproto.NewReader(bufio.NewReader(strings.NewReader(wire))).DotReader())
		if err != nil {
			t.Fatalf("reading back %q: %v", wire, err)
		}
		// The server's reader gives lines ended by LF; a message's last
		// line gets its line end (a CR left there is taken as its start).
		want := strings.ReplaceAll(msg, "\r\n", "\n")
		if want != "" && !strings.HasSuffix(want, "\n") {
			want = strings.TrimSuffix(want, "\r") + "\n"
		}
		if string(got) != want {
			t.Fatalf("dotStuff(%q): read back %q, want %q", msg, got, want)
		}
	}
}

// rawSMTP is a minimal SMTP server on a real socket that notes, for each
// command, whether the next ones had already arrived: whether the client
// pipelined. It refuses the recipients whose address contains "550".
type rawSMTP struct {
	ln         net.Listener
	pipelining bool
	// eightBit offers 8BITMIME.
	eightBit bool
	// noteData adds a "." to the log for each message's data, with "+"
	// when the next command had arrived with it.
	noteData bool
	mu       sync.Mutex
	log      []string // each command, with "+" when more was waiting behind it
	messages []string
}

func newRawSMTP(t *testing.T, pipelining bool) *rawSMTP {
	return newRawSMTPOffering(t, pipelining, false)
}

// newRawSMTPOffering is newRawSMTP that also offers 8BITMIME when
// eightBit is set.
func newRawSMTPOffering(t *testing.T, pipelining, eightBit bool) *rawSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawSMTP{ln: ln, pipelining: pipelining, eightBit: eightBit}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *rawSMTP) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *rawSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(line string) { io.WriteString(c, line+"\r\n") }
	reply("220 raw ESMTP")
	rcpts := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		waiting := ""
		if r.Buffered() > 0 {
			waiting = "+"
		}
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		if verb == "MAIL" || verb == "RCPT" {
			verb = strings.ToUpper(cmd[:4])
		}
		s.mu.Lock()
		s.log = append(s.log, verb+waiting)
		s.mu.Unlock()
		switch {
		case verb == "EHLO":
			reply("250-raw")
			if s.pipelining {
				reply("250-PIPELINING")
			}
			if s.eightBit {
				reply("250-8BITMIME")
			}
			reply("250 ENHANCEDSTATUSCODES")
		case verb == "MAIL":
			rcpts = 0
			reply("250 2.1.0 ok")
		case verb == "RCPT" && strings.Contains(cmd, "550"):
			reply("550 5.1.1 no such user")
		case verb == "RCPT":
			rcpts++
			reply("250 2.1.5 ok")
		case verb == "DATA" && rcpts == 0:
			reply("554 5.5.1 no valid recipients")
		case verb == "DATA":
			reply("354 go on")
			msg, err := io.ReadAll(textproto.NewReader(r).DotReader())
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.noteData {
				s.log = append(s.log, "."+map[bool]string{true: "+"}[r.Buffered() > 0])
			}
			s.mu.Unlock()
			// A message can ask for its end of data to be refused, left
			// without a reply, or answered by a server closing.
			switch {
			case bytes.Contains(msg, []byte("refuse-at-end")):
				reply("554 5.6.0 content refused")
				continue
			case bytes.Contains(msg, []byte("hang-up-at-end")):
				return
			case bytes.Contains(msg, []byte("closing-at-end")):
				reply("421 4.3.2 closing")
				return
			}
			s.mu.Lock()
			s.messages = append(s.messages, string(msg))
			s.mu.Unlock()
			reply("250 2.0.0 queued")
		case verb == "RSET":
			rcpts = 0
			reply("250 2.0.0 ok")
		case verb == "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 what")
		}
	}
}

// TestSMTPPipelining: to a server that offers PIPELINING the envelope
// goes in one write (MAIL FROM and RCPT TO are read with the rest of the
// group behind them); to one that does not, each command waits for its
// reply. Either way a refused recipient is refused for good, names the
// address as dead, and the connection carries the next message.
func TestSMTPPipelining(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			srv := newRawSMTP(t, pipelining)
			s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: srv.port(), TLS: "none", Timeout: 5 * time.Second, Connections: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if err := s.SendEmail(ctx, testEmail("zoe@example.fr")); err != nil {
				t.Fatal(err)
			}
			err = s.SendEmail(ctx, testEmail("gone550@example.fr"))
			var se *SendError
			if !errors.As(err, &se) || se.Temporary || se.Contact != store.ChannelUndeliverable || !strings.Contains(se.Code, "550 5.1.1") {
				t.Fatalf("refused recipient = %#v, want a permanent 550 5.1.1 naming the address dead", err)
			}
			if err := s.SendEmail(ctx, testEmail("lea@example.fr")); err != nil {
				t.Fatalf("the message after a refusal: %v", err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if len(srv.messages) != 2 || !strings.Contains(srv.messages[0], "De 0 =C3=A0 10") {
				t.Fatalf("server took %d messages: %q", len(srv.messages), srv.messages)
			}
			log := strings.Join(srv.log, " ")
			want := "EHLO MAIL RCPT DATA MAIL RCPT RSET MAIL RCPT DATA"
			if pipelining {
				// The refused recipient's DATA was in the group and refused
				// with it; RSET then cleans the transaction.
				want = "EHLO MAIL+ RCPT+ DATA MAIL+ RCPT+ DATA RSET MAIL+ RCPT+ DATA"
			}
			if log != want {
				t.Errorf("commands as the server read them:\n got %s\nwant %s", log, want)
			}
		})
	}
}

// To a server that offers 8BITMIME, messages after the first connection
// go 8bit, declared so in MAIL FROM, and read as the quoted-printable
// one did; a message with a line too long for SMTP stays
// quoted-printable; and an 8bit message meeting a server that does not
// offer 8BITMIME (a server changed behind the sender's back) goes
// quoted-printable on the same connection, nothing sent twice.
func TestSMTPEightBit(t *testing.T) {
	srv := newRawSMTPOffering(t, true, true)
	s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: srv.port(), TLS: "none", Timeout: 5 * time.Second, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	long := testEmail("max@example.fr")
	long.HTML = "<p>" + strings.Repeat("é", 600) + "</p>"
	for _, e := range []Email{testEmail("zoe@example.fr"), testEmail("lea@example.fr"), long} {
		if err := s.SendEmail(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	srv.mu.Lock()
	msgs := slices.Clone(srv.messages)
	log := strings.Join(srv.log, " ")
	srv.mu.Unlock()
	if len(msgs) != 3 {
		t.Fatalf("server took %d messages", len(msgs))
	}
	for i, want := range []string{"quoted-printable", "8bit", "quoted-printable"} {
		if got := strings.Count(msgs[i], "Content-Transfer-Encoding: "+want); got != 2 {
			t.Errorf("message %d: %d parts %s, want both", i+1, got, want)
		}
	}
	if !strings.Contains(msgs[0], "De 0 =C3=A0 10") || !strings.Contains(msgs[1], "De 0 à 10") {
		t.Errorf("the texts as sent:\n%s\n%s", msgs[0], msgs[1])
	}
	for _, line := range strings.Split(msgs[2], "\n") {
		if len(line) > 1000 {
			t.Errorf("a line of %d bytes went out", len(line))
		}
	}
	if strings.Count(log, "MAIL") != 3 {
		t.Errorf("commands: %s", log)
	}

	// The server no longer offers 8BITMIME on a new connection.
	plain := newRawSMTP(t, true)
	s2, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: plain.port(), TLS: "none", Timeout: 5 * time.Second, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.SendEmail(ctx, testEmail("zoe@example.fr")); err != nil {
		t.Fatal(err)
	}
	s2.eightBit.Store(true)
	if err := s2.SendEmail(ctx, testEmail("lea@example.fr")); err != nil {
		t.Fatal(err)
	}
	plain.mu.Lock()
	defer plain.mu.Unlock()
	if len(plain.messages) != 2 || !strings.Contains(plain.messages[1], "Content-Transfer-Encoding: quoted-printable") {
		t.Fatalf("server without 8BITMIME took %d messages: %q", len(plain.messages), plain.messages)
	}
	if got := strings.Count(strings.Join(plain.log, " "), "MAIL"); got != 2 {
		t.Errorf("%d transactions for 2 messages: %s", got, strings.Join(plain.log, " "))
	}
}

// A part goes 8bit only when SMTP can carry it as written.
func TestFitsEightBit(t *testing.T) {
	for _, c := range []struct {
		text string
		want bool
	}{
		{"Bonjour Zoé,\nÀ bientôt\n", true},
		{"Windows lines\r\nend well\r\n", true},
		{strings.Repeat("é", 499) + "\n", true},
		{strings.Repeat("é", 500) + "\n", false},
		{"a lone\rcarriage return", false},
		{"a NUL \x00 byte", false},
		{"", true},
		{strings.Repeat("a", 998), true},
		{strings.Repeat("a", 999), false},
		{strings.Repeat("a", 998) + "\r\n" + strings.Repeat("b", 998), true},
		{"short\n" + strings.Repeat("a", 998) + "\r\nshort", true},
		{"short\n" + strings.Repeat("a", 999) + "\r\nshort", false},
		{strings.Repeat("a\n", 600) + strings.Repeat("b", 999), false},
		{strings.Repeat("a\r\n", 600), true},
		{"ends with a carriage return\r", false},
		{"two\r\r\n", false},
		{"\r\n\r\n\n\r", false},
	} {
		if got := fitsEightBit(Email{Text: c.text, HTML: "<p>ok</p>"}); got != c.want {
			t.Errorf("fitsEightBit(%q) = %v, want %v", c.text, got, c.want)
		}
		if got := fitsEightBit(Email{Text: "ok", HTML: c.text}); got != c.want {
			t.Errorf("fitsEightBit(HTML %q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// fitsEightBit agrees with its rule walked byte by byte, on parts made of
// the bytes that matter at the lengths that matter.
func TestFitsEightBitAgreesWithItsRule(t *testing.T) {
	rule := func(part string) bool {
		line := 0
		for i := 0; i < len(part); i++ {
			switch part[i] {
			case 0:
				return false
			case '\r':
				if i+1 == len(part) || part[i+1] != '\n' {
					return false
				}
				continue // a line's CRLF is not counted in it
			case '\n':
				line = 0
				continue
			default:
				line++
			}
			if line > 998 {
				return false
			}
		}
		return true
	}
	rnd := rand.New(rand.NewPCG(15, 1))
	alphabet := []string{"a", "é", "\n", "\r\n", "\r", "\x00", strings.Repeat("x", 330)}
	for range 20000 {
		var b strings.Builder
		for range rnd.IntN(12) {
			piece := alphabet[rnd.IntN(len(alphabet))]
			if rnd.IntN(20) > 0 && (piece == "\r" || piece == "\x00") {
				piece = "a"
			}
			b.WriteString(piece)
		}
		part := b.String()
		if got, want := partFitsEightBit(part), rule(part); got != want {
			t.Fatalf("partFitsEightBit(%q) = %v, the rule says %v", part, got, want)
		}
	}
}

// BenchmarkFitsEightBit checks a survey email's parts, as each send of a
// wave does before it encodes them.
func BenchmarkFitsEightBit(b *testing.B) {
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		b.Fatal(err)
	}
	msg, err := tpl.Render(templates.Template{Kind: templates.Survey, Channel: templates.Email}, "fr", templates.Data{
		Business:       templates.Business{Name: "Boulangerie Martin"},
		Contact:        templates.Contact{Name: "Zoé Lefèvre"},
		ScoreLinks:     templates.ScoreLinksOn("https://nps.example.fr/s/TOKEN"),
		UnsubscribeURL: "https://nps.example.fr/u/TOKEN",
	})
	if err != nil {
		b.Fatal(err)
	}
	e := Email{Text: msg.Text, HTML: msg.HTML}
	for b.Loop() {
		if !fitsEightBit(e) {
			b.Fatal("a survey email does not fit 8bit")
		}
	}
}

// The business's From and Reply-To are parsed once a sender: each message
// gets its own copy of the parsed address, the headers are the ones a
// parse for each message gives, a wrong address is refused with its field
// named and not kept, and the kept addresses are bounded.
func TestSenderAddressesParsedOnce(t *testing.T) {
	var senders senderAddresses
	e := Email{From: "Boulangerie Martin <avis@example.fr>", ReplyTo: "Réponses <reponses@example.fr>", To: "Zoé <zoe@example.fr>", Subject: "Une question", Text: "Bonjour"}
	for range 3 {
		kept, err := buildMessage(e, true, &senders)
		if err != nil {
			t.Fatal(err)
		}
		each, err := buildMessage(e, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []mail.AddrHeader{mail.HeaderFrom, mail.HeaderReplyTo, mail.HeaderTo} {
			if got, want := kept.GetAddrHeaderString(h), each.GetAddrHeaderString(h); !slices.Equal(got, want) || len(got) != 1 {
				t.Errorf("%s: %q with the addresses kept, %q parsed each time", h, got, want)
			}
		}
		kept.GetReplyTo()[0].Name = "changed by a message"
	}
	if from, _ := senders.parse(e.From); from.Name != "Boulangerie Martin" {
		t.Errorf("a message's change reached the kept address: %q", from.Name)
	}
	bad := e
	bad.From = "Boulangerie Martin <avis@"
	if _, err := buildMessage(bad, true, &senders); err == nil || !strings.Contains(err.Error(), `from "Boulangerie Martin <avis@"`) || IsTemporary(err) {
		t.Errorf("a wrong From: %v", err)
	}
	if _, kept := senders.parsed[bad.From]; kept {
		t.Error("a wrong address was kept")
	}
	for i := range 3 * maxSenderAddresses {
		addr := fmt.Sprintf("Shop %d <shop%d@example.fr>", i, i)
		if got, err := senders.parse(addr); err != nil || got.Address != fmt.Sprintf("shop%d@example.fr", i) {
			t.Fatalf("%s: %v, %v", addr, got, err)
		}
	}
	if len(senders.parsed) > maxSenderAddresses {
		t.Errorf("%d addresses kept, more than %d", len(senders.parsed), maxSenderAddresses)
	}
}

// markedEmail is a test email to a numbered recipient whose text carries
// mark, which rawSMTP reads as what to do at its end of data.
func markedEmail(i int, mark string) Email {
	e := testEmail(fmt.Sprintf("client%d@example.fr", i))
	e.Text = fmt.Sprintf("message %d. %s", i, mark)
	return e
}

// messageNumber finds a markedEmail's number in the message taken.
var messageNumber = regexp.MustCompile(`message \d+\.`)

// sendAll sends the emails from workers goroutines at once, as a wave's
// workers do, and returns each one's outcome.
func sendAll(s *SMTPSender, workers int, emails []Email) []error {
	errs := make([]error, len(emails))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				errs[i] = s.SendEmail(context.Background(), emails[i])
			}
		})
	}
	for i := range emails {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

// TestSMTPDataGoesWithTheNextEnvelope: while other sends are under way, a
// message's data goes out in one write with the next message's envelope,
// and its outcome is its own whatever the server answers: taken, refused
// at the end of data, a connection hung up or closed by the server after
// the data. The messages after each go on, on a new connection when the
// old one is gone, and none is taken twice.
func TestSMTPDataGoesWithTheNextEnvelope(t *testing.T) {
	for _, conns := range []int{1, 3} {
		t.Run(fmt.Sprintf("connections=%d", conns), func(t *testing.T) {
			srv := newRawSMTP(t, true)
			srv.noteData = true
			s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: srv.port(), TLS: "none", Timeout: 5 * time.Second, Connections: conns})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			marks := map[int]string{7: "refuse-at-end", 19: "hang-up-at-end", 31: "closing-at-end", 32: "refuse-at-end", 45: "hang-up-at-end"}
			var emails []Email
			for i := range 60 {
				emails = append(emails, markedEmail(i, marks[i]))
			}
			errs := sendAll(s, 4, emails)
			for i, err := range errs {
				var se *SendError
				switch marks[i] {
				case "":
					if err != nil {
						t.Errorf("message %d: %v", i, err)
					}
				case "refuse-at-end":
					if !errors.As(err, &se) || se.Temporary || !strings.Contains(se.Code, "554 5.6.0") || !strings.Contains(err.Error(), "end of data") {
						t.Errorf("message %d, refused at its end of data: %v, want a permanent 554 5.6.0", i, err)
					}
				default:
					if !errors.As(err, &se) || !se.Temporary {
						t.Errorf("message %d, %s: %v, want a temporary failure", i, marks[i], err)
					}
				}
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			taken := map[string]int{}
			for _, m := range srv.messages {
				taken[messageNumber.FindString(m)]++
			}
			for i := range emails {
				want := 1
				if marks[i] != "" {
					want = 0
				}
				if n := taken[fmt.Sprintf("message %d.", i)]; n != want {
					t.Errorf("message %d taken %d times, want %d", i, n, want)
				}
			}
			if !slices.Contains(srv.log, ".+") {
				t.Errorf("no message's data went out with the next envelope: %s", strings.Join(srv.log, " "))
			}
		})
	}
}

// TestSMTPWaitingDataIsNeverLeft: a message's data left waiting for a
// next envelope that does not come is written by its own sender after
// pendingLinger, or by Close; an 8bit message that meets a server without
// 8BITMIME re-encodes and still carries the waiting data first. Each gets
// its own outcome and is taken once.
func TestSMTPWaitingDataIsNeverLeft(t *testing.T) {
	srv := newRawSMTP(t, true)
	srv.noteData = true
	s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: srv.port(), TLS: "none", Timeout: 5 * time.Second, Connections: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// leave sends e as far as its data, left waiting on the connection.
	leave := func(e Email) (*smtpConn, *pendingData) {
		t.Helper()
		env, err := s.encode(e, false)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := s.take(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conn.mu.Lock()
		p, err := conn.send(ctx, env, true)
		conn.mu.Unlock()
		s.put(conn)
		if err != nil || p == nil {
			t.Fatalf("send = %v, %v: want the data left waiting", p, err)
		}
		return conn, p
	}

	conn, p := leave(markedEmail(1, ""))
	if err := conn.await(p); err != nil {
		t.Fatalf("message 1, written by its own sender: %v", err)
	}

	conn, p = leave(markedEmail(2, ""))
	// A server that lost 8BITMIME since the connection was opened: the
	// next message is encoded 8bit, refused before anything is written,
	// and goes quoted-printable after the waiting data.
	s.eightBit.Store(true)
	if err := s.SendEmail(ctx, markedEmail(3, "")); err != nil {
		t.Fatalf("message 3: %v", err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("message 2, written with message 3's envelope: %v", err)
		}
	default:
		t.Fatal("message 2 has no outcome after the next message was sent on its connection")
	}

	_, p = leave(markedEmail(4, "refuse-at-end"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		var se *smtpError
		if !errors.As(err, &se) || se.Code != 554 || se.Enhanced != "5.6.0" || se.Step != "end of data" {
			t.Fatalf("message 4, written at Close: %v, want its refusal", err)
		}
	default:
		t.Fatal("Close left message 4's data unwritten")
	}

	srv.mu.Lock()
	defer srv.mu.Unlock()
	var got []string
	for _, m := range srv.messages {
		got = append(got, messageNumber.FindString(m))
	}
	if want := []string{"message 1.", "message 2.", "message 3."}; !slices.Equal(got, want) {
		t.Errorf("server took %q, want %q", got, want)
	}
	if log, want := strings.Join(srv.log, " "), "EHLO MAIL+ RCPT+ DATA . MAIL+ RCPT+ DATA .+ MAIL+ RCPT+ DATA . MAIL+ RCPT+ DATA ."; log != want {
		t.Errorf("commands as the server read them:\n got %s\nwant %s", log, want)
	}
}

// TestSMTPDataWithTheNextEnvelopeThroughPostfix: Debian's Postfix, the
// relay an installer is most likely to put npsd in front of, takes a
// wave whose messages' data go with the next envelope: every message is
// delivered once, whole, to its own mailbox. .ci/run installs Postfix;
// elsewhere the test says what to install and skips.
func TestSMTPDataWithTheNextEnvelopeThroughPostfix(t *testing.T) {
	boxes := map[string]string{}
	for i := range 4 {
		boxes[fmt.Sprintf("client%d@clients.test", i)] = "unused"
	}
	realMail := testpeers.NewRealMail(t, boxes)
	s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: realMail.SMTPPort, TLS: "none", Timeout: 20 * time.Second, Connections: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var emails []Email
	for i := range 40 {
		e := markedEmail(i, "")
		e.To = fmt.Sprintf("client%d@clients.test", i%4)
		e.MessageID = fmt.Sprintf("npsd.%d.abc@example.fr", i)
		emails = append(emails, e)
	}
	for i, err := range sendAll(s, 4, emails) {
		if err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}
	for box := range 4 {
		got := realMail.WaitMailbox(t, fmt.Sprintf("client%d@clients.test", box), 10, time.Minute)
		var numbers []string
		for _, m := range got {
			numbers = append(numbers, messageNumber.FindString(m))
		}
		slices.Sort(numbers)
		var want []string
		for i := box; i < 40; i += 4 {
			want = append(want, fmt.Sprintf("message %d.", i))
		}
		slices.Sort(want)
		if !slices.Equal(numbers, want) {
			t.Errorf("client%d's mailbox holds %q, want %q", box, numbers, want)
		}
	}
}
