package inbound

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// keptFor hands the conversation an SMS it cannot read from phone, which
// it keeps for the owner (after asking once more), and returns its key.
// The reading is given rather than parsed, so that these tests do not
// depend on the parser's rules.
func (r *inRig) keptFor(key, phone, text string) string {
	r.t.Helper()
	out, err := r.opts.Conversation.Handle(context.Background(), Incoming{
		Key: key, Channel: store.ChannelSMS, From: phone, Text: text,
		Reply: Reply{Intent: IntentNone, Unreadable: true, Rule: "test/unclear"},
	})
	if err != nil {
		r.t.Fatal(err)
	}
	if !out.Kept && !out.Unknown {
		r.t.Fatalf("message %q was not kept for the owner: %+v", text, out)
	}
	return key
}

// forOwnerKeys lists the keys of the messages on the owner's list.
func (r *inRig) forOwnerKeys() []string {
	r.t.Helper()
	var keys []string
	if err := r.st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error {
			keys = append(keys, m.Key)
			return nil
		})
	}); err != nil {
		r.t.Fatal(err)
	}
	return keys
}

func (r *inRig) inbound(key string) store.InboundMessage {
	r.t.Helper()
	var m store.InboundMessage
	r.st.View(func(tx *store.Tx) (err error) { m, _, err = tx.Inbound(key); return err })
	return m
}

func TestDecideScoreIsTheOwners(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	r.opts.Conversation.o.Webhooks = []string{"https://shop.example/npsd"}
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100", Language: "fr"})
	key := r.keptFor("twilio:SMunclear1", "+15145550100", "entre 5 et 6, le pain était rassis")
	if got := r.forOwnerKeys(); len(got) != 1 || got[0] != key {
		t.Fatalf("owner's list before the decision: %v", got)
	}
	_, _, before, _ := r.state(sv.ID)
	r.now = r.now.Add(3 * time.Hour)
	wakes := r.wakes
	out, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionScore, Score: 5, By: "marie"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Answer != "" || out.Contact != c.ID || out.Survey != sv.ID || !strings.Contains(out.Note, "score 5") || !strings.Contains(out.Note, "marie") {
		t.Errorf("outcome %+v", out)
	}
	s, resp, jobs, _ := r.state(sv.ID)
	if s.State != store.SurveyAnswered || resp.Score != 5 || resp.Source != store.SourceOwner || resp.Comment != "entre 5 et 6, le pain était rassis" || resp.Key != "owner:"+key {
		t.Errorf("survey %s, response %+v: want score 5 from the owner, the message as comment", s.State, resp)
	}
	added := pendingKinds(jobs)
	for k, n := range pendingKinds(before) {
		added[k] -= n
	}
	if added[string(templates.ApologyDetractor)] != 1 || added[string(templates.OwnerAlert)] != 2 || added["response"] != 1 || added[string(templates.FollowUp)] != 0 {
		t.Errorf("jobs added by the owner's score: %v; want the apology, two owner alerts and the webhook, no question why", added)
	}
	for _, j := range jobs {
		if j.Kind == "response" && !strings.Contains(string(j.Payload.Webhook), `"score":5`) {
			t.Errorf("webhook payload %s", j.Payload.Webhook)
		}
	}
	var k store.Case
	r.st.View(func(tx *store.Tx) (err error) { k, err = tx.Case(1); return err })
	if k.ContactID != c.ID || k.Score != 5 || !k.Open() || k.ResponseID != resp.ID {
		t.Errorf("detractor case %+v", k)
	}
	if r.wakes == wakes {
		t.Error("the dispatcher was not woken for the jobs due now")
	}
	if got := r.forOwnerKeys(); len(got) != 0 {
		t.Errorf("the decided message is still on the owner's list: %v", got)
	}
	if m := r.inbound(key); m.Decision == nil || m.Decision.Action != store.DecisionScore || m.Decision.Score != 5 || m.Decision.By != "marie" || !m.Decision.At.Equal(r.now) {
		t.Errorf("decision recorded %+v", m.Decision)
	}

	// A second decision is refused, saying what the first was.
	_, err = r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionDismiss, By: "paul"})
	if !errors.Is(err, store.ErrAlreadyDecided) || !strings.Contains(err.Error(), "score 5 by marie") {
		t.Errorf("deciding twice: %v", err)
	}
	if _, resp2, _, _ := r.state(sv.ID); resp2 != resp {
		t.Errorf("the refused decision changed the response: %+v", resp2)
	}
	if _, err := r.opts.Conversation.Decide(ctx, "twilio:SMnothing", store.OwnerDecision{Action: store.DecisionDismiss}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deciding a message that does not exist: %v", err)
	}
}

// TestDecideScoreReplacesAnEarlierOne: a message kept after a score (an
// unclear change of mind) changes it when the owner reads a new score,
// and the response becomes the owner's.
func TestDecideScoreReplacesAnEarlierOne(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100", Language: "fr"})
	if _, err := r.opts.Conversation.Handle(ctx, Incoming{Key: "twilio:SMscore", Channel: store.ChannelSMS, From: c.Phone, Text: "9", Reply: Reply{Intent: IntentScore, Score: new(9), Standalone: true}}); err != nil {
		t.Fatal(err)
	}
	key := r.keptFor("twilio:SMunclear2", c.Phone, "7 ou 8 finalement")
	if _, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionScore, Score: 8}); err != nil {
		t.Fatal(err)
	}
	_, resp, jobs, _ := r.state(sv.ID)
	if resp.Score != 8 || resp.Source != store.SourceOwner || !strings.Contains(resp.Comment, "7 ou 8 finalement") {
		t.Errorf("response after the owner's score: %+v", resp)
	}
	if got := pendingKinds(jobs); got[string(templates.ThanksPassive)] != 1 || got[string(templates.ThanksPromoter)] != 0 {
		t.Errorf("category messages pending: %v; want the passive's thanks in place of the promoter's", got)
	}
	if m := r.inbound(key); m.Decision == nil || m.Decision.By != DefaultDecidedBy {
		t.Errorf("decision without a name: %+v", m.Decision)
	}
}

func TestDecideOptOut(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	// Night: nothing may reach the customer before morning.
	morning := r.now.Add(10 * time.Hour)
	r.window = windowFunc(func(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) { return morning, nil })
	r.build()
	r.opts.Conversation.o.Webhooks = []string{"https://shop.example/npsd"}
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100", Email: "ann@example.fr", Language: "fr"})
	var reminder store.Job
	r.st.Update(ctx, func(tx *store.Tx) (err error) {
		reminder, err = tx.EnqueueJob(store.Job{Kind: "reminder", SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelSMS, Due: r.now.Add(time.Hour)})
		return err
	})
	key := r.keptFor("twilio:SMplease", c.Phone, "merci de ne plus m'envoyer ces messages")
	out, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionOptOut, By: "paul"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Answer != "" {
		t.Errorf("the owner's opt-out answered at once: %q", out.Answer)
	}
	_, _, jobs, ct := r.state(sv.ID)
	if st := ct.ChannelStatus(store.ChannelSMS); st.State != store.ChannelOptedOut || !strings.Contains(st.Reason, "marked by the owner") || !strings.Contains(st.Reason, "paul") {
		t.Errorf("sms status %+v", st)
	}
	if ct.ChannelStatus(store.ChannelEmail).State != store.ChannelOK {
		t.Error("an opt-out of SMS changed email")
	}
	var confirm, webhook int
	for _, j := range jobs {
		switch {
		case j.ID == reminder.ID && j.State != store.JobCanceled:
			t.Errorf("the pending reminder is %s, want canceled", j.State)
		case j.Kind == store.JobOptOutConfirm && j.State == store.JobPending:
			// Queued, for the dispatcher to send within the window.
			confirm++
			if j.Channel != store.ChannelSMS {
				t.Errorf("confirmation on %s", j.Channel)
			}
		case j.Kind == "opt_out" && j.Channel == store.ChannelWebhook:
			webhook++
		}
	}
	if confirm != 1 || webhook != 1 {
		t.Errorf("%d confirmation(s) and %d webhook(s) queued, want 1 and 1", confirm, webhook)
	}
	if got := r.forOwnerKeys(); len(got) != 0 {
		t.Errorf("owner's list after the opt-out: %v", got)
	}
	if m := r.inbound(key); m.Decision == nil || m.Decision.Action != store.DecisionOptOut {
		t.Errorf("decision %+v", m.Decision)
	}
}

func TestDecideDismiss(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	_, sv := r.surveyed(store.Contact{Phone: "+15145550100", Language: "fr"})
	key := r.keptFor("twilio:SMhmm", "+15145550100", "hmm")
	_, respBefore, jobsBefore, ctBefore := r.state(sv.ID)
	out, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionDismiss, By: "marie"})
	if err != nil || !strings.Contains(out.Note, "dismissed") {
		t.Fatalf("dismiss: %+v, %v", out, err)
	}
	s, resp, jobs, ct := r.state(sv.ID)
	if resp != respBefore || s.ResponseID != 0 || len(jobs) != len(jobsBefore) || ct.ChannelStatus(store.ChannelSMS) != ctBefore.ChannelStatus(store.ChannelSMS) {
		t.Errorf("dismissing changed more than the message: response %+v, %d jobs (was %d), status %+v", resp, len(jobs), len(jobsBefore), ct.ChannelStatus(store.ChannelSMS))
	}
	if got := r.forOwnerKeys(); len(got) != 0 {
		t.Errorf("owner's list after dismissing: %v", got)
	}
	if m := r.inbound(key); m.Decision == nil || m.Decision.Action != store.DecisionDismiss || m.Decision.By != "marie" {
		t.Errorf("decision %+v", m.Decision)
	}
}

func TestDecideStrangerCanOnlyBeDismissed(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	r.surveyed(store.Contact{Phone: "+15145550100", Language: "fr"})
	_, sid := r.sms("+33699999999", "10 !")
	key := "twilio:" + sid
	if got := r.forOwnerKeys(); len(got) != 1 || got[0] != key {
		t.Fatalf("owner's list: %v", got)
	}
	for _, d := range []store.OwnerDecision{
		{Action: store.DecisionScore, Score: 10, By: "marie"},
		{Action: store.DecisionOptOut, By: "marie"},
	} {
		_, err := r.opts.Conversation.Decide(ctx, key, d)
		if !errors.Is(err, ErrDecisionRefused) || !strings.Contains(err.Error(), "can only be dismissed") {
			t.Errorf("%s for a stranger: %v", d.Action, err)
		}
	}
	// The refused decisions left nothing behind: the message waits still.
	if got := r.forOwnerKeys(); len(got) != 1 || r.inbound(key).Decision != nil {
		t.Errorf("after refused decisions: list %v, decision %+v", got, r.inbound(key).Decision)
	}
	var responses int
	r.st.View(func(tx *store.Tx) error {
		return tx.ScanResponses(time.Time{}, time.Time{}, func(store.ResponseSummary) error { responses++; return nil })
	})
	if responses != 0 {
		t.Errorf("%d responses recorded for a stranger", responses)
	}
	if _, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionDismiss, By: "marie"}); err != nil {
		t.Errorf("dismissing a stranger's message: %v", err)
	}
	if got := r.forOwnerKeys(); len(got) != 0 {
		t.Errorf("owner's list after dismissing: %v", got)
	}
}

// TestDecideScoreNeedsASurvey: a score needs a survey sent within the
// answer window of when the message came.
func TestDecideScoreNeedsASurvey(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, _, _ := r.st.UpsertContact(ctx, store.Contact{Phone: "+15145550100", Language: "fr"})
	key := r.keptFor("twilio:SMnosurvey", c.Phone, "top")
	_, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionScore, Score: 9})
	if !errors.Is(err, ErrDecisionRefused) || !strings.Contains(err.Error(), "no survey") {
		t.Errorf("a score with no survey: %v", err)
	}
	if got := r.forOwnerKeys(); len(got) != 1 {
		t.Errorf("owner's list after the refused score: %v", got)
	}
}
