package inbound

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// TestConversationAfterAScore: after a score, a later message is a comment
// added to the earlier one, unless it plainly changes the score; an unclear
// change leaves the score and waits for the owner; the thanks or apology
// goes out once.
func TestConversationAfterAScore(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Gaëtan", Phone: "+15145550121", Language: "fr"})
	score := func() (int, string) {
		_, resp, _, _ := r.state(sv.ID)
		return resp.Score, resp.Comment
	}
	steps := []struct {
		text    string
		score   int
		comment string
	}{
		{"Je dirais 4. Le pain était rassis samedi", 4, "Le pain était rassis samedi"},
		{"2 baguettes pour demain svp", 4, "Le pain était rassis samedi\n2 baguettes pour demain svp"},
		{"7, le service était correct", 4, "Le pain était rassis samedi\n2 baguettes pour demain svp\n7, le service était correct"},
		{"8 ou 9 finalement", 4, "Le pain était rassis samedi\n2 baguettes pour demain svp\n7, le service était correct"},
		{"finalement 6", 6, "Le pain était rassis samedi\n2 baguettes pour demain svp\n7, le service était correct"},
		{"9", 9, "Le pain était rassis samedi\n2 baguettes pour demain svp\n7, le service était correct"},
		{"Oups je voulais mettre 8 pas 9, vous êtes gentils", 8, "Le pain était rassis samedi\n2 baguettes pour demain svp\n7, le service était correct\nvous êtes gentils"},
	}
	for _, s := range steps {
		r.sms(c.Phone, s.text)
		if got, comment := score(); got != s.score || comment != s.comment {
			t.Errorf("after %q: score %d, comment %q; want %d, %q", s.text, got, comment, s.score, s.comment)
		}
	}
	var kept []string
	for _, m := range forOwner(t, r.st) {
		kept = append(kept, m.Body)
	}
	if len(kept) != 1 || kept[0] != "8 ou 9 finalement" {
		t.Errorf("kept for the owner: %q; want the unclear change only", kept)
	}
}

// TestUnclearFirstReplyIsAskedOnceAndKept: "5/5" is the happiest customer,
// never a 5: they are asked once for a number from 0 to 10, and the reply
// waits for the owner with what npsd read.
func TestUnclearFirstReplyIsAskedOnceAndKept(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Sam", Phone: "+15145550122"})
	rec, _ := r.sms(c.Phone, "5/5 !!")
	if !strings.Contains(rec.Body.String(), "un seul chiffre de 0") {
		t.Errorf("answer to 5/5: %s; want the question for one number", rec.Body.String())
	}
	if _, resp, _, _ := r.state(sv.ID); resp.ID != 0 {
		t.Fatalf("5/5 recorded a score: %+v", resp)
	}
	kept := forOwner(t, r.st)
	if len(kept) != 1 || kept[0].Reading != "unclear: unclear/other-scale" {
		t.Fatalf("kept for the owner: %+v", kept)
	}
	rec, _ = r.sms(c.Phone, "10 pour le service, 6 pour le prix")
	if strings.Contains(rec.Body.String(), "<Message>") {
		t.Errorf("asked twice: %s", rec.Body.String())
	}
	rec, _ = r.sms(c.Phone, "10")
	if _, resp, _, _ := r.state(sv.ID); resp.Score != 10 {
		t.Errorf("the clear answer after the question: %+v", resp)
	}
}

// TestCommentsKeepOneThanks: however many comments follow a score, the
// survey has one thanks waiting, moved to go now, never a pile of
// canceled ones; once it is sent, further comments bring no second.
func TestCommentsKeepOneThanks(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Léa", Phone: "+15145550123", Language: "fr"})
	thanks := func() (live, canceled int, last store.Job) {
		_, _, jobs, _ := r.state(sv.ID)
		for _, j := range jobs {
			if j.Kind != store.JobThanksPromoter {
				continue
			}
			if j.State == store.JobCanceled {
				canceled++
			} else {
				live++
				last = j
			}
		}
		return live, canceled, last
	}
	r.sms(c.Phone, "10")
	if live, canceled, j := thanks(); live != 1 || canceled != 0 || !j.Due.After(r.now) {
		t.Fatalf("after the score: %d thanks, %d canceled, due %s; want one waiting for the comment", live, canceled, j.Due)
	}
	for i, text := range []string{"Le pain est excellent", "Et les croissants aussi", "Merci à Julie", "Vraiment"} {
		r.now = r.now.Add(time.Minute)
		r.sms(c.Phone, text)
		live, canceled, j := thanks()
		if live != 1 || canceled != 0 || j.Due.After(r.now) || j.State != store.JobPending {
			t.Fatalf("after comment %d: %d thanks (%s, due %s), %d canceled; want one pending, due now", i+1, live, j.State, j.Due, canceled)
		}
	}
	_, _, j := thanks()
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		j.State = store.JobSent
		_, err := tx.UpdateJob(j)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r.sms(c.Phone, "Encore une chose")
	if live, _, _ := thanks(); live != 1 {
		t.Errorf("a comment after the thanks went out: %d thanks; want the one sent", live)
	}
}
