package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// TestBinaryReplyStories runs the real binary through the two stories of
// the replies issue, by SMS through the signed Twilio webhook:
//   - Gaëtan texts "Je dirais 4. Le pain était rassis samedi", gets his
//     apology, and later "2 baguettes pour demain svp": his score stays 4,
//     his complaint stays, the order is added to it, and no second apology
//     goes out.
//   - Sam texts "Yes! 10": a score of 10, not START (the score was lost and
//     the contact opted back in).
func TestBinaryReplyStories(t *testing.T) {
	tw := testpeers.NewTwilio(t)
	zone := zoneAtMidday(t)
	e := newEnv(t)
	e.file("config.yaml", peerConfig{Twilio: tw, Channels: "[sms]"}.yaml())
	const gaetan, sam = "+15145551001", "+15145551002"
	e.want(e.npsd("contacts", "import", e.file("c.csv", fmt.Sprintf("name,phone,timezone,language\nGaëtan Roy,%s,%s,fr\nSam Lee,%s,%s,en\n", gaetan, zone, sam, zone))), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "wave"), exitOK, []string{"2 surveys queued"}, nil)

	p := startDaemon(t, e.dir)
	rec, _ := p.waitLog(t, "npsd running", 0)
	addr := rec["http"].(string)
	sentTo := func(to, containing string) int {
		n := 0
		for _, m := range tw.Messages() {
			if m.To == to && strings.Contains(m.Body, containing) {
				n++
			}
		}
		return n
	}
	waitFor(t, 30*time.Second, func() string {
		if sentTo(gaetan, "") > 0 && sentTo(sam, "") > 0 {
			return "sent"
		}
		return ""
	})
	// text posts an incoming SMS as Twilio would and returns the TwiML
	// answered at once.
	n := 0
	text := func(from, body string) string {
		t.Helper()
		n++
		form := url.Values{"MessageSid": {fmt.Sprintf("SMstory%026d", n)}, "From": {from}, "To": {tw.From}, "Body": {body}}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature(tw.AuthToken, "http://127.0.0.1:8425/hooks/twilio/sms", form))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d to %q: %s", resp.StatusCode, body, answer)
		}
		return string(answer)
	}

	text(gaetan, "Je dirais 4. Le pain était rassis samedi")
	const apology = "Désolés de ne pas avoir été à la hauteur"
	waitFor(t, 30*time.Second, func() string {
		if sentTo(gaetan, apology) > 0 {
			return "apologised"
		}
		return ""
	})
	if answer := text(gaetan, "2 baguettes pour demain svp"); strings.Contains(answer, "<Message>") {
		t.Errorf("the order was answered at once: %s", answer)
	}
	answer := text(sam, "Yes! 10")
	if !strings.Contains(answer, "What is the main reason for your score?") {
		t.Errorf(`"Yes! 10" was answered %s; want the question why, as for any score`, answer)
	}
	// Whatever the outbox would still send goes now: give it time, then
	// stop the daemon and read the store it leaves.
	time.Sleep(2 * time.Second)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.exit; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if got := sentTo(gaetan, apology); got != 1 {
		t.Errorf("Gaëtan got %d apologies, want 1", got)
	}

	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	answerOf := func(phone string) (store.Contact, store.Response) {
		t.Helper()
		var c store.Contact
		var r store.Response
		err := st.View(func(tx *store.Tx) error {
			id, err := tx.ContactIDByKey("", phone)
			if err != nil {
				return err
			}
			if c, err = tx.Contact(id); err != nil {
				return err
			}
			surveys, err := tx.SurveysOf(id)
			if err != nil || len(surveys) != 1 || surveys[0].ResponseID == 0 {
				return fmt.Errorf("surveys of %s: %+v %v", phone, surveys, err)
			}
			r, err = tx.Response(surveys[0].ResponseID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return c, r
	}
	_, r := answerOf(gaetan)
	if r.Score != 4 || r.Comment != "Le pain était rassis samedi\n2 baguettes pour demain svp" {
		t.Errorf("Gaëtan's answer = %d %q; want 4, his complaint and then his order", r.Score, r.Comment)
	}
	c, r := answerOf(sam)
	if r.Score != 10 {
		t.Errorf(`Sam's "Yes! 10" recorded %d, want 10`, r.Score)
	}
	if s := c.ChannelStatus(store.ChannelSMS); strings.Contains(s.Reason, "START") {
		t.Errorf(`Sam's "Yes! 10" was taken for START: %+v`, s)
	}
}
