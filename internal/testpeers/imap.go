package testpeers

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return int64(l.Reader.Len()) }

// IMAP is go-imap's in-memory server on loopback, with ways to drop
// every connection, or to cut one in the middle of a message's FETCH.
type IMAP struct {
	Addr string
	User *imapmemserver.User
	// CutFetches, while above zero, cuts that many connections in the
	// middle of a FETCH answer that carries a message's body: its start is
	// written, up to the body, then the connection closes. (Cut inside the
	// body's literal, go-imap v2.0.0-beta.8's client races with itself,
	// which the race detector reports in the library, not in npsd.)
	CutFetches atomic.Int32
	mu         sync.Mutex
	conn       []net.Conn
}

// cuttingConn is a server connection that CutFetches can cut.
type cuttingConn struct {
	net.Conn
	p *IMAP
}

func (c cuttingConn) Write(b []byte) (int, error) {
	if i := bytes.Index(b, []byte("BODY[")); i >= 0 && c.p.takeCut() {
		n, _ := c.Conn.Write(b[:i])
		c.Conn.Close()
		return n, net.ErrClosed
	}
	return c.Conn.Write(b)
}

func (p *IMAP) takeCut() bool {
	for {
		n := p.CutFetches.Load()
		if n <= 0 {
			return false
		}
		if p.CutFetches.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

type trackingListener struct {
	net.Listener
	p *IMAP
}

func (l trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.p.mu.Lock()
	l.p.conn = append(l.p.conn, c)
	l.p.mu.Unlock()
	return cuttingConn{c, l.p}, nil
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
