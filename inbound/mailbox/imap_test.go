package mailbox

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

func reply(msgID, from, to, inReplyTo, body string) string {
	h := fmt.Sprintf("From: %s\nTo: %s\nSubject: Re: Boulangerie Martin : une question rapide\nDate: Tue, 24 Nov 2026 10:15:02 +0100\nMessage-ID: <%s>\n", from, to, msgID)
	if inReplyTo != "" {
		h += fmt.Sprintf("In-Reply-To: <%s>\nReferences: <%s>\n", inReplyTo, inReplyTo)
	}
	return h + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n\nLe mar. 24 nov. 2026 à 10:02, Boulangerie Martin <avis@example.fr> a écrit :\n> Sur une échelle de 0 à 10 ...\n> 0 1 2 3 4 5 6 7 8 9 10\n"
}

func TestIMAPReader(t *testing.T) {
	r := newRig(t) // a store, a conversation, a survey sent by email to zoe@example.fr
	r.useRealClock()
	peer := testpeers.NewIMAP(t)
	// The survey email's Message-ID, as the dispatcher indexes it.
	r.surveyEmailSent("npsd.1.abc@example.fr")
	host, port, _ := net.SplitHostPort(peer.Addr)
	var portN int
	fmt.Sscan(port, &portN)
	reader, err := NewReader(Options{
		Host: host, Port: portN, TLS: "none", Username: "avis@example.fr", Password: "imap-pass",
		PollInterval: 300 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Store: r.st, Conversation: r.cv, Signer: r.signer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return r.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	// A message already waiting, matched by In-Reply-To.
	peer.Deliver(t, reply("reply-1@gmail.com", "Zoé <zoe@example.fr>", "avis@example.fr", "npsd.1.abc@example.fr", "9"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- reader.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitUntil(t, "the first reply is read", func() bool {
		_, resp, _, _ := r.state(r.sv.ID)
		return resp.Score == 9
	})
	waitUntil(t, "the message is marked seen after the commit", func() bool { s, n := peer.Seen(t); return s == 1 && n == 1 })

	// New mail while the reader is in IDLE: the comment.
	peer.Deliver(t, reply("reply-2@gmail.com", "zoe@example.fr", "avis@example.fr", "npsd.1.abc@example.fr", "Le pain est excellent"))
	waitUntil(t, "the comment is read", func() bool {
		_, resp, _, _ := r.state(r.sv.ID)
		return resp.Comment == "Le pain est excellent"
	})

	// The server drops the connection; the reader comes back.
	peer.DropAll()
	peer.Deliver(t, "Auto-Submitted: auto-replied\n"+reply("auto-1@entreprise.fr", "zoe@example.fr", "avis@example.fr", "", "Je suis absent jusqu'au 10"))
	waitUntil(t, "a message after a dropped connection is read", func() bool { s, n := peer.Seen(t); return s == 3 && n == 3 })

	// UIDVALIDITY changes (the mailbox was rebuilt): the same messages come
	// back under new UIDs and must not count twice.
	if err := peer.User.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := peer.User.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	peer.DropAll()
	peer.Deliver(t, reply("reply-1@gmail.com", "Zoé <zoe@example.fr>", "avis@example.fr", "npsd.1.abc@example.fr", "9"))
	peer.Deliver(t, reply("reply-2@gmail.com", "zoe@example.fr", "avis@example.fr", "npsd.1.abc@example.fr", "Le pain est excellent"))
	waitUntil(t, "the rebuilt mailbox is read", func() bool { s, n := peer.Seen(t); return s == 2 && n == 2 })
	_, resp, _, _ := r.state(r.sv.ID)
	if resp.Score != 9 || resp.Comment != "Le pain est excellent" {
		t.Errorf("after the UIDVALIDITY change: %+v (counted twice?)", resp)
	}
	var inbound int
	r.st.View(func(tx *store.Tx) error {
		return tx.ForEachInbound(func(m store.InboundMessage) error { inbound++; return nil })
	})
	if inbound != 3 {
		t.Errorf("%d inbound messages stored, want 3 (two replies and an automatic one)", inbound)
	}
	// An out-of-office proves nothing and asks nothing: not queued for
	// the owner.
	if kept := forOwner(t, r.st); len(kept) != 0 {
		t.Errorf("kept for the owner: %+v; want nothing", kept)
	}
	if reader.LastPoll().IsZero() {
		t.Error("LastPoll not set")
	}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
