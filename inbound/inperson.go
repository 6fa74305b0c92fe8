package inbound

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
)

// InPerson is an answer a customer gave in person, on the telephone or at
// the counter, which the owner enters.
type InPerson struct {
	Contact store.ContactID
	Score   int
	Comment string
	// Channel is store.ChannelPhone or store.ChannelCounter.
	Channel store.Channel
	// At is when the customer answered; zero means now. An answer entered
	// with its time is recorded once however often it is entered.
	At time.Time
	// By names who entered it (DefaultDecidedBy when empty).
	By string
}

// ErrInPersonRefused means an in-person answer cannot be recorded: a score
// outside 0-10, a channel other than phone or counter, a time to come, a
// forgotten contact. The error says which.
var ErrInPersonRefused = errors.New("in-person answer refused")

// maxInPersonAhead is how far ahead of npsd's clock an answer's time may
// be: the owner's computer may run a little fast, but not a day.
const maxInPersonAhead = 5 * time.Minute

// RecordInPerson records an answer given in person, in one durable write.
// It answers the contact's survey still waiting for an answer (one not
// yet sent, being sent, or sent within the answer window): that survey is
// closed, so neither it nor its reminder goes out afterwards. With no such
// survey, the answer is a survey of its own, asked and answered in person,
// which counts as the contact's latest survey when the next wave looks for
// who was asked recently.
//
// It follows the score as a customer's own would be followed (the
// webhook, a detractor's case and the owners' alert, a note on a case
// already open), except that nothing is sent to the customer: they gave
// their answer, and their reason, face to face.
func (cv *Conversation) RecordInPerson(ctx context.Context, a InPerson) (Outcome, error) {
	now := cv.o.Now().UTC()
	if !nps.ValidScore(a.Score) {
		return Outcome{}, fmt.Errorf("%w: score %d is outside 0-10", ErrInPersonRefused, a.Score)
	}
	if a.Channel != store.ChannelPhone && a.Channel != store.ChannelCounter {
		return Outcome{}, fmt.Errorf("%w: channel %q: an answer given in person came by %s or %s", ErrInPersonRefused, a.Channel, store.ChannelPhone, store.ChannelCounter)
	}
	var key string
	if a.At.IsZero() {
		a.At = now
	} else {
		if a.At.After(now.Add(maxInPersonAhead)) {
			return Outcome{}, fmt.Errorf("%w: the answer's time %s is still to come", ErrInPersonRefused, a.At.Format(time.RFC3339))
		}
		a.At = a.At.UTC()
		key = fmt.Sprintf("in-person:%s:%s:%s", a.Contact, a.Channel, a.At.Format(time.RFC3339Nano))
	}
	if a.By = strings.TrimSpace(a.By); a.By == "" {
		a.By = DefaultDecidedBy
	}
	var out Outcome
	queued := false
	err := cv.st.Update(ctx, func(tx *store.Tx) error {
		out, queued = Outcome{}, false
		if key != "" && tx.HasResponseKey(key) {
			out = Outcome{Duplicate: true, Contact: a.Contact, Note: "already recorded: nothing changed"}
			return nil
		}
		c, err := tx.Contact(a.Contact)
		if err != nil {
			return err
		}
		if !c.Forgotten.IsZero() {
			return fmt.Errorf("%w: contact %s was forgotten: their answers are no longer taken", ErrInPersonRefused, c.ID)
		}
		h := &handling{cv: cv, tx: tx, now: a.At, contact: c, inPerson: true,
			in: Incoming{Key: key, Channel: a.Channel, Source: store.SourceOwner}}
		h.out.Contact = c.ID
		if err := h.answerInPerson(a); err != nil {
			return err
		}
		out, queued = h.out, h.queued
		return nil
	})
	if err != nil {
		return Outcome{}, err
	}
	cv.settled(queued, out.Scored)
	cv.log.Info("in-person answer recorded", "contact", out.Contact, "survey", out.Survey,
		"channel", a.Channel, "by", a.By, "outcome", out.Note, "duplicate", out.Duplicate)
	return out, nil
}

// answerInPerson finds or makes the survey the answer closes, and scores it.
func (h *handling) answerInPerson(a InPerson) error {
	sv, waiting, err := h.waitingSurvey()
	if err != nil {
		return err
	}
	if !waiting {
		// Asked and answered in the same breath: the survey is born
		// answered, on the channel it was given by.
		sv, err = h.tx.PutSurvey(store.Survey{
			ContactID: h.contact.ID, Channel: a.Channel, State: store.SurveyAnswered,
			Planned: a.At, Due: a.At, Reason: a.By, // who took the answer
		})
		if err != nil {
			return err
		}
	}
	h.out.Survey = sv.ID
	if err := h.cancelJobs("answered in person ("+string(a.Channel)+")", func(j store.Job) bool {
		return j.SurveyID == sv.ID && (j.Kind == store.JobSurvey || j.Kind == store.JobReminder)
	}); err != nil {
		return err
	}
	if err := h.score(sv, a.Score, strings.TrimSpace(a.Comment)); err != nil {
		return err
	}
	closed := "as a survey of its own"
	if waiting {
		closed = fmt.Sprintf("closing survey %s (%s)", sv.ID, sv.State)
	}
	h.note("%s (%s): score %d given by %s, entered by %s, %s", h.contact.DisplayName(), h.contact.ID, a.Score, a.Channel, a.By, closed)
	return nil
}

// waitingSurvey is the contact's latest survey if it still waits for an
// answer: not sent yet, being sent, or sent (expired or failed included)
// within the answer window of the in-person answer.
func (h *handling) waitingSurvey() (store.Survey, bool, error) {
	var found store.Survey
	err := h.tx.LatestSurveysOf(h.contact.ID, func(sv store.Survey) bool {
		switch sv.State {
		case store.SurveyPending, store.SurveyInflight, store.SurveySent:
			found = sv
		case store.SurveyExpired, store.SurveyFailed:
			if !sv.Sent.IsZero() && h.now.Sub(sv.Sent) <= h.cv.o.AnswerWindow {
				found = sv
			}
		}
		return false // only the latest survey can be waiting
	})
	return found, found.ID != 0 && found.ResponseID == 0, err
}
