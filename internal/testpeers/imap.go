package testpeers

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Reader.Len()) }

// IMAP is go-imap's in-memory server on loopback, with a way to drop
// every connection.
type IMAP struct {
	Addr string
	User *imapmemserver.User
	mu   sync.Mutex
	conn []net.Conn
}

type trackingListener struct {
	net.Listener
	p *IMAP
}

func (l trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.p.mu.Lock()
		l.p.conn = append(l.p.conn, c)
		l.p.mu.Unlock()
	}
	return c, err
}

func NewIMAP(t testing.TB) *IMAP {
	t.Helper()
	p := &IMAP{User: imapmemserver.NewUser("avis@example.fr", "imap-pass")}
	if err := p.User.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem := imapmemserver.New()
	mem.AddUser(p.User)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = l.Addr().String()
	go srv.Serve(trackingListener{l, p})
	t.Cleanup(func() { srv.Close() })
	return p
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

func (p *IMAP) Deliver(t testing.TB, raw string) {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	if _, err := p.User.Append("INBOX", literal{bytes.NewReader([]byte(raw))}, &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func (p *IMAP) DropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conn {
		c.Close()
	}
	p.conn = nil
}

// seen returns how many messages in INBOX carry \Seen.
func (p *IMAP) Seen(t testing.TB) (seen, total int) {
	t.Helper()
	c, err := imapclient.DialInsecure(p.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("avis@example.fr", "imap-pass").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages == 0 {
		return 0, 0
	}
	msgs, err := c.Fetch(imap.SeqSetNum(seqRange(sel.NumMessages)...), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, f := range m.Flags {
			if f == imap.FlagSeen {
				seen++
			}
		}
	}
	return seen, len(msgs)
}

func seqRange(n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = uint32(i + 1)
	}
	return out
}
