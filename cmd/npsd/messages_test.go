package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// messagesEnv is an env whose store holds three messages kept for the
// owner: an unclear SMS from a customer just surveyed, a stranger's SMS,
// and an email from the customer whose Message-ID carries a terminal
// escape.
func messagesEnv(t *testing.T) (*env, store.ContactID) {
	t.Helper()
	e := newEnv(t)
	e.file("config.yaml", "business:\n  name: Boulangerie Martin\n  timezone: Europe/Paris\n  language: en\n  default_region: FR\n  owners: [marie@example.fr]\nhttp:\n  listen: 127.0.0.1:0\n")
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,name,email,phone\nK1,Luc Petit,luc@example.fr,06 12 34 56 78\n")), exitOK, nil, nil)
	st, err := store.Open(store.Options{Path: e.storePath(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sent := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	var id store.ContactID
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		if id, err = tx.ContactIDByKey("luc@example.fr", ""); err != nil {
			return err
		}
		sv, err := tx.PutSurvey(store.Survey{ContactID: id, Campaign: "quarterly", Channel: store.ChannelSMS, State: store.SurveySent, Sent: sent})
		if err != nil {
			return err
		}
		for _, m := range []store.InboundMessage{
			{Key: "twilio:SM1", Channel: store.ChannelSMS, From: "+33612345678", Body: "entre 5 et 6, pain rassis", Received: sent.Add(30 * time.Minute),
				ContactID: id, SurveyID: sv.ID, Reading: "unclear: test/two-numbers", Outcome: "no score read: asked once more, kept for the owner", NeedsOwner: true},
			{Key: "twilio:SM2", Channel: store.ChannelSMS, From: "+33699999999", Body: "c'est qui ?", Received: sent.Add(31 * time.Minute),
				Reading: "comment", Outcome: "unknown sender: kept, nothing else done", NeedsOwner: true, UnknownSender: true},
			{Key: "email:<odd\x1b[31mid@example.fr>", Channel: store.ChannelEmail, From: "luc@example.fr", Body: "ne m'écrivez plus", Received: sent.Add(32 * time.Minute),
				ContactID: id, Reading: "comment", Outcome: "kept for the owner, not applied: no proof", NeedsOwner: true},
		} {
			if err := tx.PutInbound(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, id
}

func TestMessagesDecide(t *testing.T) {
	e, id := messagesEnv(t)
	e.want(e.npsd("messages"), exitOK, []string{"key", "kind", "twilio:SM1", "unclear", "twilio:SM2", "email:<oddid@example.fr>"}, nil)
	if r := e.npsd("messages"); strings.Contains(r.stdout, "\x1b") {
		t.Errorf("a terminal escape reached the table: %q", r.stdout)
	}
	e.want(e.npsd("messages", "--format", "json"), exitOK, []string{`"key": "twilio:SM1"`, `"kind": "unclear"`, `"reading": "unclear: test/two-numbers"`}, nil)

	// Exactly one action, named in the error.
	e.want(e.npsd("messages", "decide", "twilio:SM1"), exitUnusable, nil, []string{"give exactly one of --score N, --opt-out or --dismiss (none was given)"})
	e.want(e.npsd("messages", "decide", "twilio:SM1", "--score", "5", "--dismiss"), exitUnusable, nil, []string{"--dismiss and --score were given"})
	e.want(e.npsd("messages", "decide", "twilio:SM1", "--score", "11"), exitUnusable, nil, []string{`--score "11": a score is a whole number from 0 to 10`})
	e.want(e.npsd("messages", "decide", "twilio:SM1", "--opt-out=false"), exitUnusable, nil, []string{"--opt-out=false decides nothing"})
	e.want(e.npsd("messages", "decide", "--dismiss"), exitUnusable, nil, []string{"takes KEY"})
	e.want(e.npsd("messages", "decide", "twilio:SM404", "--dismiss"), exitPartial, nil, []string{"not found", "npsd messages lists the keys"})
	// A stranger's message takes no score.
	e.want(e.npsd("messages", "decide", "twilio:SM2", "--score", "9"), exitPartial, nil, []string{"a stranger's message can only be dismissed"})

	e.want(e.npsd("messages", "decide", "twilio:SM1", "--score", "5", "--by", "marie"), exitOK, []string{"message twilio:SM1: score 5 recorded, by marie"}, nil)
	e.want(e.npsd("messages", "decide", "twilio:SM1", "--dismiss"), exitPartial, nil, []string{"already decided", "score 5 by marie"})
	// The key as the table showed it, its escape taken out, still names
	// the message.
	e.want(e.npsd("messages", "decide", "email:<oddid@example.fr>", "--opt-out"), exitOK, []string{"opted out of email, marked by owner"}, nil)
	r := e.npsd("messages")
	if strings.Contains(r.stdout, "twilio:SM1") || strings.Contains(r.stdout, "oddid") || !strings.Contains(r.stdout, "twilio:SM2") {
		t.Errorf("after two decisions, npsd messages shows:\n%s", r.stdout)
	}

	// With the daemon holding the store, the command goes through it.
	d := e.runDaemon(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	waitForSocket(t, filepath.Join(e.dir, "npsd-data", "npsd.sock"))
	e.want(e.npsd("messages", "decide", "--by=paul", "twilio:SM2", "--dismiss"), exitOK, []string{"message twilio:SM2: dismissed by paul"}, nil)
	e.want(e.npsd("messages", "decide", "twilio:SM2", "--opt-out"), exitPartial, nil, []string{"already decided", "dismiss by paul"})
	if r := e.npsd("messages"); r.code != exitOK || strings.Contains(r.stdout, "twilio:SM") {
		t.Errorf("npsd messages through the daemon: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	d.Stop()

	st, err := store.Open(store.Options{Path: e.storePath(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(func(tx *store.Tx) error {
		surveys, _ := tx.SurveysOf(id)
		resp, err := tx.Response(surveys[0].ResponseID)
		if err != nil || resp.Score != 5 || resp.Source != store.SourceOwner || resp.Comment != "entre 5 et 6, pain rassis" {
			t.Errorf("response %+v, %v", resp, err)
		}
		if k, err := tx.Case(1); err != nil || k.ContactID != id || k.Score != 5 {
			t.Errorf("detractor case %+v, %v", k, err)
		}
		c, _ := tx.Contact(id)
		if st := c.ChannelStatus(store.ChannelEmail); st.State != store.ChannelOptedOut || st.Reason != "marked by the owner (owner)" {
			t.Errorf("email status %+v", st)
		}
		if c.ChannelStatus(store.ChannelSMS).State != store.ChannelOK {
			t.Error("an opt-out of email changed SMS")
		}
		m, _, _ := tx.Inbound("twilio:SM2")
		if m.Decision == nil || m.Decision.Action != store.DecisionDismiss || m.Decision.By != "paul" {
			t.Errorf("the stranger's message: %+v", m.Decision)
		}
		return nil
	})
}
