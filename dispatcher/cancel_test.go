package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/npsd/npsd/store"
)

// TestCancelJob: the owner cancels one waiting survey: the job is
// canceled with their reason, the survey skipped with it, and nothing is
// sent; a job no longer waiting is refused and left as it is.
func TestCancelJob(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	_, waiting := r.survey(store.Contact{Email: "zoe@example.fr"}, store.ChannelEmail)
	if _, err := CancelJob(ctx, r.st, waiting.ID.String(), "client fâché, ne pas relancer"); err != nil {
		t.Fatal(err)
	}
	j, sv, _ := r.job(waiting.ID)
	if j.State != store.JobCanceled || j.Reason != "client fâché, ne pas relancer" || sv.State != store.SurveySkipped || sv.Reason != j.Reason {
		t.Errorf("after the cancel: job %s %q, survey %s %q", j.State, j.Reason, sv.State, sv.Reason)
	}
	_, sent := r.survey(store.Contact{Email: "lea@example.fr"}, store.ChannelEmail)
	r.runOnce()
	if n := len(r.smtp.Received()); n != 1 {
		t.Fatalf("%d emails sent, want only the one not canceled", n)
	}
	if _, err := CancelJob(ctx, r.st, sent.ID.String(), "trop tard"); !errors.Is(err, ErrNotCancelable) {
		t.Errorf("canceling a sent job = %v, want ErrNotCancelable", err)
	}
	if j, _, _ := r.job(sent.ID); j.State != store.JobSent {
		t.Errorf("the sent job became %s", j.State)
	}
	if _, err := CancelJob(ctx, r.st, "j9999", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("canceling a job that does not exist = %v", err)
	}
	for in, want := range map[string]store.JobID{"j42": 42, "J7": 7, " 12 ": 12} {
		if got, err := ParseJobID(in); err != nil || got != want {
			t.Errorf("ParseJobID(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "j", "s42", "j-1", "j0", "jx"} {
		if _, err := ParseJobID(in); err == nil {
			t.Errorf("ParseJobID(%q) read a job", in)
		}
	}
}

// TestCancelCampaign: every waiting message of the campaign's surveys is
// canceled, over more than one write; other campaigns' and other kinds'
// jobs stay.
func TestCancelCampaign(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	var wave []store.JobID
	for i := range cancelChunk + 5 {
		_, j := r.survey(store.Contact{Email: fmt.Sprintf("c%d@example.fr", i)}, store.ChannelEmail)
		wave = append(wave, j.ID)
	}
	// Another campaign's survey, and an owner's alert with no survey.
	var other, alert store.Job
	err := r.st.Update(ctx, func(tx *store.Tx) error {
		c, _, err := tx.UpsertContact(store.Contact{Email: "autre@example.fr"})
		if err != nil {
			return err
		}
		sv, err := tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "after_purchase", Channel: store.ChannelEmail, Due: r.clk.now()})
		if err != nil {
			return err
		}
		if other, err = tx.EnqueueJob(store.Job{Kind: "survey", SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelEmail, Due: r.clk.now()}); err != nil {
			return err
		}
		alert, err = tx.EnqueueJob(store.Job{Kind: "owner_alert", To: "patron@example.fr", Channel: store.ChannelEmail, Due: r.clk.now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := CancelCampaign(ctx, r.st, "quarterly", "vague annulée")
	if err != nil || n != len(wave) {
		t.Fatalf("CancelCampaign = %d, %v; want %d", n, err, len(wave))
	}
	for _, id := range []store.JobID{wave[0], wave[len(wave)-1]} {
		if j, sv, _ := r.job(id); j.State != store.JobCanceled || sv.State != store.SurveySkipped {
			t.Errorf("job %s of the wave: %s, survey %s", id, j.State, sv.State)
		}
	}
	for _, id := range []store.JobID{other.ID, alert.ID} {
		if j, _, _ := r.job(id); j.State != store.JobPending {
			t.Errorf("job %s (%s) outside the campaign became %s", id, j.Kind, j.State)
		}
	}
	if n, err := CancelCampaign(ctx, r.st, "quarterly", "encore"); n != 0 || err != nil {
		t.Errorf("canceling again = %d, %v; want nothing left to cancel", n, err)
	}
}
