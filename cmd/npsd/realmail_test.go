package main

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/testpeers"
)

// TestRealPostfixAndDovecot sends a wave through Debian's Postfix into
// Maildir mailboxes, takes one survey out of a customer's mailbox, answers
// it through Postfix as that customer's mail program would, and lets the
// real npsd binary read the answer from Dovecot over IMAP into a score.
// .ci/run installs postfix and dovecot-imapd; elsewhere the test says
// what to install and skips.
func TestRealPostfixAndDovecot(t *testing.T) {
	customers := []string{"ana@clients.test", "bruno@clients.test", "chloe@clients.test"}
	boxes := map[string]string{"avis@boulangerie.test": "imap-secret"}
	for _, c := range customers {
		boxes[c] = "unused"
	}
	realMail := testpeers.NewRealMail(t, boxes)

	e := newEnv(t)
	e.file("config.yaml", fmt.Sprintf(`business:
  name: Boulangerie Martin
  timezone: Europe/Paris
  language: fr
  default_region: FR
http:
  listen: 127.0.0.1:0
email:
  transport: smtp
  from: Boulangerie Martin <avis@boulangerie.test>
  smtp:
    host: 127.0.0.1
    port: %d
    tls: none
imap:
  host: 127.0.0.1
  port: %d
  tls: none
  username: avis@boulangerie.test
  password: imap-secret
  poll_interval: 5s
surveys:
  channels: [email]
  send_window:
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "24:00"
campaigns:
  - name: vague
    schedule: "0 0 1 1 *"
    spread: 0s
`, realMail.SMTPPort, realMail.IMAPPort))
	var csv strings.Builder
	csv.WriteString("name,email\n")
	for _, c := range customers {
		local, _, _ := strings.Cut(c, "@")
		fmt.Fprintf(&csv, "%s,%s\n", strings.ToUpper(local[:1])+local[1:], c)
	}
	e.want(e.npsd("contacts", "import", e.file("c.csv", csv.String())), exitOK, []string{"clients créés : 3"}, nil)
	e.want(e.npsd("campaign", "plan", "vague"), exitOK, []string{"3 sondages mis en file"}, nil)

	p := startDaemon(t, e.dir)
	p.waitLog(t, "npsd running", 0)

	// The wave, delivered by Postfix into each customer's Maildir.
	var survey *mail.Message
	var raw string
	for _, c := range customers {
		got := realMail.WaitMailbox(t, c, 1, time.Minute)
		if len(got) != 1 {
			t.Fatalf("%s got %d messages, want one survey", c, len(got))
		}
		m, err := mail.ReadMessage(strings.NewReader(got[0]))
		if err != nil {
			t.Fatalf("survey to %s: %v\n%s", c, err, got[0])
		}
		if from := m.Header.Get("From"); !strings.Contains(from, "avis@boulangerie.test") {
			t.Errorf("survey to %s comes from %q", c, from)
		}
		if c == customers[0] {
			survey, raw = m, got[0]
		}
	}
	id, replyTo := survey.Header.Get("Message-ID"), survey.Header.Get("Reply-To")
	if id == "" || replyTo == "" {
		t.Fatalf("the survey lacks a Message-ID or a Reply-To:\n%s", raw)
	}
	// Postfix put its Received line on top: the survey really went through it.
	if !strings.Contains(survey.Header.Get("Received"), "by mail.npsd.test (Postfix)") {
		t.Errorf("the survey did not come through Postfix:\n%.600s", raw)
	}
	replyAddr, err := mail.ParseAddress(replyTo)
	if err != nil {
		t.Fatalf("Reply-To %q: %v", replyTo, err)
	}

	// Ana answers from her mail program, to the survey's Reply-To, which
	// Postfix delivers to the shop's mailbox: a score and a reason above
	// the quoted survey.
	realMail.Send(t, customers[0], replyAddr.Address, fmt.Sprintf(`From: Ana <%s>
To: %s
Subject: Re: %s
Message-ID: <reponse-ana@clients.test>
In-Reply-To: %s
References: %s
Date: %s
Content-Type: text/plain; charset=utf-8

9, le pain est toujours parfait

Le samedi, Boulangerie Martin <avis@boulangerie.test> a écrit :
> Recommanderiez-vous Boulangerie Martin ?
`, customers[0], replyTo, survey.Header.Get("Subject"), id, id, time.Now().Format(time.RFC1123Z)))

	rec, _ := p.waitLog(t, "email reply read", 0)
	if rec["outcome"] == nil {
		t.Errorf("reply read without an outcome: %v", rec)
	}
	r := e.npsd("responses", "export", "--format", "json")
	e.want(r, exitOK, nil, nil)
	var rows []report.ExportRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("export: %v\n%s", err, r.stdout)
	}
	if len(rows) != 1 || rows[0].Score != 9 || rows[0].Email != customers[0] || rows[0].Channel != "email" {
		t.Fatalf("responses after Ana's reply: %+v", rows)
	}
	if !strings.Contains(rows[0].Comment, "pain est toujours parfait") {
		t.Errorf("comment %q lacks Ana's reason", rows[0].Comment)
	}
	// Dovecot keeps the reply, marked \Seen by npsd after its commit.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if seen, total := realMail.Seen(t, "avis@boulangerie.test"); seen == 1 && total == 1 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("shop mailbox: %d of %d messages seen, want 1 of 1", seen, total)
		}
	}
}
