package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// nestedMessage builds a message whose multiparts nest depth levels deep,
// with a text/plain part holding text at the bottom. It is the one the
// reader's own tests build (inbound/reply/mime_limits_test.go).
func nestedMessage(depth int, text string) []byte {
	var b strings.Builder
	b.WriteString("From: Ann <ann@example.fr>\r\nTo: avis@example.fr\r\nSubject: Re: votre avis\r\nMessage-ID: <nested@example.fr>\r\nMIME-Version: 1.0\r\n")
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return []byte(b.String())
}

// imapRig is a reader on the in-process IMAP server, for the rig's store
// and conversation, with the options set changes; errs counts the
// sessions that ended in an error.
func imapRig(t *testing.T, r *rig, peer *testpeers.IMAP, set func(*Options)) (*Reader, *atomic.Int32) {
	t.Helper()
	host, port, _ := net.SplitHostPort(peer.Addr)
	var portN int
	fmt.Sscan(port, &portN)
	var errs atomic.Int32
	o := Options{
		Host: host, Port: portN, TLS: "none", Username: "avis@example.fr", Password: "imap-pass",
		PollInterval: 300 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Store: r.st, Conversation: r.cv, Signer: r.signer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return r.now },
		OnError: func() { errs.Add(1) },
	}
	if set != nil {
		set(&o)
	}
	reader, err := NewReader(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- reader.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return reader, &errs
}

// surveyEmailSent records that the rig's survey went out by email under
// messageID, as the dispatcher does, so that replies can answer it.
func (r *rig) surveyEmailSent(messageID string) {
	r.t.Helper()
	err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		j, err := tx.EnqueueJob(store.Job{Kind: "survey", SurveyID: r.sv.ID, ContactID: r.c.ID, Channel: store.ChannelEmail, Due: r.now})
		if err != nil {
			return err
		}
		j.State, j.MessageID = store.JobSent, messageID
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		return tx.IndexProviderID(messageID, j.ID)
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// forOwner lists the messages kept for the owner.
func forOwner(t *testing.T, st *store.Store) []store.InboundMessage {
	var out []store.InboundMessage
	st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error { out = append(out, m); return nil })
	})
	return out
}

// TestIMAPPoisonMessagesDoNotBlockTheMailbox puts messages before a real
// reply that once stopped the reader for good: a Message-ID longer than a
// bbolt key (the store refused it, the reader reconnected and tried the
// same message forever), a message over the size limit, and one nested
// 20,000 levels deep. The reply after them must be read; the oversized and
// the nested ones are recorded once as failed, with their reasons, for the
// owner, and left unread in the mailbox.
func TestIMAPPoisonMessagesDoNotBlockTheMailbox(t *testing.T) {
	r := newRig(t)
	r.useRealClock()
	const surveyMsgID = "npsd.1.0123456789abcdef@example.fr"
	r.surveyEmailSent(surveyMsgID)
	peer := testpeers.NewIMAP(t)
	longID := strings.Repeat("x", 40<<10) + "@attacker.example"
	peer.Deliver(t, reply(longID, "zoe@example.fr", "avis@example.fr", surveyMsgID, "Juste pour dire bonjour"))
	peer.Deliver(t, reply("huge-1@example.fr", "mallory@example.net", "avis@example.fr", "", strings.Repeat("0123456789 ", 300000)))
	peer.Deliver(t, strings.ReplaceAll(string(nestedMessage(20000, "9")), "\r\n", "\n"))
	peer.Deliver(t, reply("reply-9@gmail.com", "zoe@example.fr", "avis@example.fr", surveyMsgID, "9"))
	_, errs := imapRig(t, r, peer, func(o *Options) { o.MaxMessageBytes = 2 << 20 })

	waitUntil(t, "the reply after the poison messages is read", func() bool {
		_, resp, _, _ := r.state(r.sv.ID)
		return resp.Score == 9
	})
	waitUntil(t, "all but the oversized and the nested messages are marked seen", func() bool { s, n := peer.Seen(t); return s == 2 && n == 4 })
	// The greeting is kept for the owner too (no score read: issue 13),
	// but not as a failure.
	failed := failedForOwner(t, r.st)
	if len(failed) != 2 || !strings.Contains(failed[0].Outcome, "failed: message too large") || failed[0].From != "mallory@example.net" ||
		!strings.Contains(failed[1].Outcome, "too complex") || failed[1].From != "ann@example.fr" {
		t.Fatalf("kept for the owner: %+v; want the oversized and the nested message, failed, with their reasons", failed)
	}
	// Recorded once: a new session over the same mailbox changes nothing.
	peer.DropAll()
	time.Sleep(700 * time.Millisecond)
	if n := len(failedForOwner(t, r.st)); n != 2 {
		t.Errorf("after a reconnection %d messages kept for the owner, want 2", n)
	}
	if n := errs.Load(); n > 2 {
		t.Errorf("%d IMAP sessions ended in an error: the reader is retrying a message", n)
	}
	var long store.InboundMessage
	r.st.View(func(tx *store.Tx) (err error) { long, _, err = tx.Inbound("email:" + longID); return err })
	if long.Key == "" || len(long.Key) > 1024 {
		t.Errorf("the long Message-ID's message is stored under %d bytes of key, want it found under a bounded key", len(long.Key))
	}
}

// TestTemporaryFailuresAreToldApart: only a failure that may pass retries
// the same message; every other one is recorded and passed over.
func TestTemporaryFailuresAreToldApart(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&store.TemporaryError{Err: errors.New("no space left on device")}, true},
		{fmt.Errorf("message uid 4: %w", &store.TemporaryError{Err: errors.New("commit")}), true},
		{context.Canceled, true},
		{fmt.Errorf("stopping: %w", context.DeadlineExceeded), true},
		{store.ErrClosed, true},
		{errors.New("key too large"), false},
		{fmt.Errorf("%w: a contact needs an email", store.ErrInvalid), false},
		{errors.New("store: write function panicked: boom"), false},
	} {
		if got := temporary(tt.err); got != tt.want {
			t.Errorf("temporary(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// failedForOwner lists the messages kept for the owner because they could
// not be read at all.
func failedForOwner(t *testing.T, st *store.Store) []store.InboundMessage {
	t.Helper()
	var failed []store.InboundMessage
	for _, m := range forOwner(t, st) {
		if strings.HasPrefix(m.Outcome, "failed") {
			failed = append(failed, m)
		}
	}
	return failed
}
