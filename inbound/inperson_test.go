package inbound

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// customerFacing lists the kinds of the pending jobs that would reach the
// customer: none may follow an answer given in person.
func customerFacing(jobs []store.Job) []string {
	var kinds []string
	for _, j := range jobs {
		if j.State == store.JobPending && j.Kind != store.JobOwnerAlert && j.Channel != store.ChannelWebhook {
			kinds = append(kinds, string(j.Kind))
		}
	}
	return kinds
}

func TestInPersonClosesTheWaitingSurvey(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Gaëtan Roy", Phone: "+15145550101", Language: "fr"})
	// The reminder is queued: the answer by phone must stop it.
	if err := r.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(store.Job{Kind: store.JobReminder, SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelSMS, Due: r.now.Add(2 * 24 * time.Hour)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	wakes := r.wakes
	out, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: c.ID, Score: 3, Comment: "  le pain était rassis ", Channel: store.ChannelPhone, By: "marie"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Survey != sv.ID || !strings.Contains(out.Note, "closing survey") || !strings.Contains(out.Note, "marie") {
		t.Errorf("outcome %+v: want the sent survey closed, by marie", out)
	}
	s, resp, jobs, _ := r.state(sv.ID)
	if s.State != store.SurveyAnswered || resp.Score != 3 || resp.Channel != store.ChannelPhone || resp.Source != store.SourceOwner || resp.Comment != "le pain était rassis" {
		t.Errorf("survey %s, response %+v", s.State, resp)
	}
	for _, j := range jobs {
		if j.Kind == store.JobReminder && (j.State != store.JobCanceled || !strings.Contains(j.Reason, "in person")) {
			t.Errorf("reminder %s is %s (%s): want canceled as answered in person", j.ID, j.State, j.Reason)
		}
	}
	if got := customerFacing(jobs); len(got) != 0 {
		t.Errorf("messages to the customer after an answer by phone: %v", got)
	}
	if got := pendingKinds(jobs)[string(store.JobOwnerAlert)]; got != 2 {
		t.Errorf("%d owners' alerts for a detractor, want one per owner (2)", got)
	}
	var cases []store.Case
	r.st.View(func(tx *store.Tx) error {
		return tx.CasesOf(c.ID, func(k store.Case) error { cases = append(cases, k); return nil })
	})
	if len(cases) != 1 || cases[0].Score != 3 || !cases[0].Open() {
		t.Errorf("cases %+v: want one open case for the detractor", cases)
	}
	if r.wakes == wakes {
		t.Error("the dispatcher was not woken for the owners' alerts")
	}
}

func TestInPersonBeforeTheSurveyWent(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, _, err := r.st.UpsertContact(ctx, store.Contact{Email: "lea@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	var sv store.Survey
	if err := r.st.Update(ctx, func(tx *store.Tx) error {
		if sv, err = tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "quarterly", Channel: store.ChannelEmail, Due: r.now.Add(time.Hour)}); err != nil {
			return err
		}
		_, err = tx.EnqueueJob(store.Job{Kind: store.JobSurvey, SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelEmail, Due: sv.Due})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: c.ID, Score: 10, Channel: store.ChannelCounter})
	if err != nil {
		t.Fatal(err)
	}
	s, resp, jobs, _ := r.state(sv.ID)
	if out.Survey != sv.ID || s.State != store.SurveyAnswered || resp.Score != 10 || resp.Channel != store.ChannelCounter || resp.Campaign != "quarterly" {
		t.Errorf("outcome %+v, survey %s, response %+v: want the planned survey answered at the counter", out, s.State, resp)
	}
	for _, j := range jobs {
		if j.Kind == store.JobSurvey && j.State != store.JobCanceled {
			t.Errorf("the survey's own message is %s: it must not go once answered", j.State)
		}
	}
	// A promoter with no comment: no question why, no thanks by email.
	if got := customerFacing(jobs); len(got) != 0 {
		t.Errorf("messages to the customer after an answer at the counter: %v", got)
	}
}

func TestInPersonWithNoSurveyWaiting(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	// Answered by SMS already: a later answer in person is an answer of
	// its own and leaves the first score as it was.
	c, first := r.surveyed(store.Contact{Phone: "+15145550102"})
	if _, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: c.ID, Score: 8, Channel: store.ChannelPhone}); err != nil {
		t.Fatal(err)
	}
	out, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: c.ID, Score: 6, Channel: store.ChannelCounter})
	if err != nil {
		t.Fatal(err)
	}
	if out.Survey == first.ID || !strings.Contains(out.Note, "of its own") {
		t.Errorf("outcome %+v: want a survey of its own", out)
	}
	s, resp, _, _ := r.state(out.Survey)
	if s.State != store.SurveyAnswered || s.Channel != store.ChannelCounter || resp.Score != 6 || !s.Sent.IsZero() || s.Answered.IsZero() {
		t.Errorf("own survey %+v, response %+v", s, resp)
	}
	if _, resp, _, _ := r.state(first.ID); resp.Score != 8 {
		t.Errorf("the first answer changed to %d", resp.Score)
	}

	// A survey sent longer ago than the answer window no longer waits.
	old, _ := r.surveyed(store.Contact{Phone: "+15145550103"})
	r.now = r.now.Add(90 * 24 * time.Hour)
	if err := r.st.Update(ctx, func(tx *store.Tx) error {
		sv, err := tx.Survey(store.SurveyID(3))
		if err != nil {
			return err
		}
		_, err = tx.MoveSurvey(sv, store.SurveyExpired)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if out, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: old.ID, Score: 9, Channel: store.ChannelPhone}); err != nil || out.Survey == 3 {
		t.Errorf("answer 90 days after an expired survey: %+v, %v; want a survey of its own", out, err)
	}
}

func TestInPersonEnteredTwiceWithItsTime(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, _ := r.surveyed(store.Contact{Phone: "+15145550104"})
	at := r.now.Add(-30 * time.Minute)
	a := InPerson{Contact: c.ID, Score: 7, Channel: store.ChannelPhone, At: at}
	if _, err := r.opts.Conversation.RecordInPerson(ctx, a); err != nil {
		t.Fatal(err)
	}
	out, err := r.opts.Conversation.RecordInPerson(ctx, a)
	if err != nil || !out.Duplicate {
		t.Fatalf("second entry: %+v, %v: want a duplicate", out, err)
	}
	n := 0
	r.st.View(func(tx *store.Tx) error {
		return tx.LatestSurveysOf(c.ID, func(sv store.Survey) bool {
			if sv.ResponseID != 0 {
				n++
				if !sv.Answered.Equal(at) {
					t.Errorf("answered at %s, want the time given %s", sv.Answered, at)
				}
			}
			return true
		})
	})
	if n != 1 {
		t.Errorf("%d answered surveys, want 1", n)
	}
}

func TestInPersonRefusals(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Phone: "+15145550105"})
	gone, _ := r.surveyed(store.Contact{Phone: "+15145550106"})
	if err := r.st.Update(ctx, func(tx *store.Tx) error { return tx.Forget(gone.ID) }); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		a    InPerson
		want string
	}{
		{"score above 10", InPerson{Contact: c.ID, Score: 11, Channel: store.ChannelPhone}, "outside 0-10"},
		{"negative score", InPerson{Contact: c.ID, Score: -1, Channel: store.ChannelPhone}, "outside 0-10"},
		{"a channel npsd writes on", InPerson{Contact: c.ID, Score: 5, Channel: store.ChannelSMS}, `"sms"`},
		{"no channel", InPerson{Contact: c.ID, Score: 5}, "phone or counter"},
		{"tomorrow", InPerson{Contact: c.ID, Score: 5, Channel: store.ChannelPhone, At: r.now.Add(24 * time.Hour)}, "to come"},
		{"forgotten", InPerson{Contact: gone.ID, Score: 5, Channel: store.ChannelPhone}, "forgotten"},
	} {
		_, err := r.opts.Conversation.RecordInPerson(ctx, tc.a)
		if !errors.Is(err, ErrInPersonRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want refused naming %s", tc.name, err, tc.want)
		}
	}
	if _, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: 999, Score: 5, Channel: store.ChannelPhone}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
	if s, _, _, _ := r.state(sv.ID); s.State != store.SurveySent {
		t.Errorf("a refused answer changed the survey to %s", s.State)
	}
}

// TestScoresAreCountedOnce: each recorded score reaches the metrics once,
// whichever way it came (a customer's message, the owner's decision, an
// answer in person), and an answer seen again adds nothing.
func TestScoresAreCountedOnce(t *testing.T) {
	ctx := context.Background()
	r := newInRig(t)
	var counted []string
	r.opts.Conversation.o.OnScore = func(category string) { counted = append(counted, category) }
	c, _ := r.surveyed(store.Contact{Phone: "+15145550107"})
	score := 9
	in := Incoming{Key: "twilio:SMcount1", Channel: store.ChannelSMS, From: c.Phone, Text: "9", Reply: Reply{Intent: IntentScore, Score: &score, Rule: "test/score"}}
	for range 2 {
		if _, err := r.opts.Conversation.Handle(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	at := r.now.Add(-time.Minute)
	for range 2 {
		if _, err := r.opts.Conversation.RecordInPerson(ctx, InPerson{Contact: c.ID, Score: 2, Channel: store.ChannelCounter, At: at}); err != nil {
			t.Fatal(err)
		}
	}
	other, _ := r.surveyed(store.Contact{Phone: "+15145550108"})
	key := r.keptFor("twilio:SMcount2", other.Phone, "sept ou huit")
	if _, err := r.opts.Conversation.Decide(ctx, key, store.OwnerDecision{Action: store.DecisionScore, Score: 7}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(counted, " "); got != "promoter detractor passive" {
		t.Errorf("scores counted: %q, want each once", got)
	}
}
