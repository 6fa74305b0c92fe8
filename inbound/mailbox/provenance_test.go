package mailbox

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

func TestAuthenticationResults(t *testing.T) {
	for _, tt := range []struct {
		value, from string
		want        bool
	}{
		{"mx.google.com; dkim=pass header.i=@example.fr header.s=s1; spf=pass; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.fr", "zoe@example.fr", true},
		{"mx.example.net; dmarc=pass header.from=example.fr", "zoe@example.fr", true},
		{"mx.example.net; dmarc=pass", "zoe@example.fr", true},
		{"mx.example.net; dmarc=pass header.from=attacker.example", "zoe@example.fr", false},
		{"mx.example.net; dmarc=fail header.from=example.fr", "zoe@example.fr", false},
		{"mx.example.net; dmarc=none header.from=example.fr", "zoe@example.fr", false},
		{"mx.example.net; dkim=pass header.d=example.fr", "zoe@example.fr", true},
		{"mx.example.net; dkim=pass header.d=mail.example.fr", "zoe@example.fr", true},
		{"mx.example.net; dkim=pass header.d=example.fr", "zoe@mail.example.fr", true},
		{"mx.example.net; dkim=pass header.d=sendgrid.net", "zoe@example.fr", false},
		{"mx.example.net; dkim=pass header.d=fr", "zoe@example.fr", false},
		{"mx.example.net; dkim=pass header.d=notexample.fr", "zoe@example.fr", false},
		{"mx.example.net; dkim=pass header.i=zoe@example.fr", "zoe@example.fr", true},
		{"mx.example.net; spf=pass smtp.mailfrom=example.fr", "zoe@example.fr", false},
		{"mx.example.net; dkim=fail (dmarc=pass) header.d=example.fr", "zoe@example.fr", false},
		{"mx.example.net; none", "zoe@example.fr", false},
		{"mx.example.net (dmarc=pass)", "zoe@example.fr", false},
		{"mx.example.net; dmarc=pass header.from=example.fr", "not-an-address", false},
	} {
		if got := authResultsPass(stripComments(tt.value), domainOf(tt.from)); got != tt.want {
			t.Errorf("%q for %s = %v, want %v", tt.value, tt.from, got, tt.want)
		}
	}
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}

// TestForgedEmailRepliesChangeNothing: Zoé answered 9 through her tagged
// reply. A message that only says From: zoe@… cannot change her score or
// open a case, whatever it claims, even with an Authentication-Results
// header of its own below the receiving server's; it is kept for the
// owner. A message the receiving server authenticated is taken. A
// delivery report that names no message npsd sent marks nobody
// undeliverable; one that quotes npsd's Message-ID to that address does.
func TestForgedEmailRepliesChangeNothing(t *testing.T) {
	r := newRig(t)
	r.useRealClock()
	// Zoé's survey went out with this Message-ID.
	const surveyMsgID = "npsd.1.0123456789abcdef@example.fr"
	r.surveyEmailSent(surveyMsgID)
	other, _, err := r.st.UpsertContact(context.Background(), store.Contact{Name: "Bob", Email: "bob@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	peer := testpeers.NewIMAP(t)
	// The mailbox's server writes Authentication-Results as mx.example.fr.
	imapRig(t, r, peer, func(o *Options) { o.AuthservID = "mx.example.fr" })
	peer.Deliver(t, reply("genuine-9@example.fr", "Zoé <zoe@example.fr>", "avis@example.fr", surveyMsgID, "9"))
	waitUntil(t, "the genuine answer is read", func() bool { s, _ := peer.Seen(t); return s == 1 })

	forged := []string{
		reply("forged-0@attacker.example", "Zoé <zoe@example.fr>", "avis@example.fr", "", "0"),
		"Authentication-Results: mx.attacker.example; dmarc=pass header.from=example.fr\n" +
			reply("forged-1@attacker.example", "zoe@example.fr", "avis@example.fr", "", "0 service nul"),
		"Authentication-Results: mx.example.fr; dmarc=fail header.from=example.fr\n" +
			"Authentication-Results: mx.attacker.example; dmarc=pass header.from=example.fr\n" +
			reply("forged-2@attacker.example", "zoe@example.fr", "avis@example.fr", "", "0"),
		reply("forged-3@attacker.example", "zoe@example.fr", "avis@example.fr", "npsd.1.ffffffffffffffff@example.fr", "0"),
		bounceReport("forged-bounce@attacker.example", "npsd.9.0000000000000000@example.fr", "zoe@example.fr", "bob@example.fr"),
	}
	for _, m := range forged {
		peer.Deliver(t, m)
	}
	waitUntil(t, "the forged messages are read", func() bool { s, _ := peer.Seen(t); return s == 1+len(forged) })
	_, resp, _, _ := r.state(r.sv.ID)
	if resp.Score != 9 {
		t.Errorf("after forged replies Zoé's score is %d, want 9", resp.Score)
	}
	var cases int
	r.st.View(func(tx *store.Tx) error { return tx.ForEachCase(func(store.Case) error { cases++; return nil }) })
	if cases != 0 {
		t.Errorf("forged replies opened %d case(s)", cases)
	}
	for _, id := range []store.ContactID{r.c.ID, other.ID} {
		var ct store.Contact
		r.st.View(func(tx *store.Tx) (err error) { ct, err = tx.Contact(id); return err })
		if ct.Channels[store.ChannelEmail].State == store.ChannelUndeliverable {
			t.Errorf("a forged delivery report marked %s undeliverable", ct.Email)
		}
	}
	if kept := forOwner(t, r.st); len(kept) != len(forged) {
		t.Errorf("%d messages kept for the owner, want the %d forged ones: %+v", len(kept), len(forged), kept)
	}

	// Authenticated by the receiving server: taken as Zoé's.
	peer.Deliver(t, "Authentication-Results: mx.example.fr; dkim=pass header.d=example.fr; dmarc=pass header.from=example.fr\n"+
		reply("signed-1@example.fr", "zoe@example.fr", "avis@example.fr", "", "Le pain est excellent"))
	waitUntil(t, "the authenticated comment is read", func() bool {
		_, resp, _, _ := r.state(r.sv.ID)
		return strings.Contains(resp.Comment, "Le pain est excellent")
	})
	// A real bounce quotes the survey's Message-ID: Zoé's address is dead.
	peer.Deliver(t, bounceReport("bounce-1@example.fr", surveyMsgID, "zoe@example.fr"))
	waitUntil(t, "a proven bounce marks the address", func() bool {
		var ct store.Contact
		r.st.View(func(tx *store.Tx) (err error) { ct, err = tx.Contact(r.c.ID); return err })
		return ct.Channels[store.ChannelEmail].State == store.ChannelUndeliverable
	})
}

// bounceReport is a delivery status notification (RFC 3464) for failed
// recipients, quoting the original message's headers with messageID.
func bounceReport(id, messageID string, failed ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Mail Delivery System <mailer-daemon@mail.example.fr>\nTo: avis@example.fr\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <%s>\n", id)
	b.WriteString("MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n")
	b.WriteString("--B\nContent-Type: text/plain\n\nThe mail system could not deliver your message.\n\n")
	b.WriteString("--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.fr\n")
	for _, a := range failed {
		fmt.Fprintf(&b, "\nFinal-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n", a)
	}
	fmt.Fprintf(&b, "\n--B\nContent-Type: text/rfc822-headers\n\nFrom: avis@example.fr\nTo: %s\nMessage-ID: <%s>\nSubject: Une question rapide\n\n--B--\n", failed[0], messageID)
	return b.String()
}
