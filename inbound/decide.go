package inbound

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
)

// ErrDecisionRefused means the owner's decision cannot apply to the
// message: a score or an opt-out for a sender npsd does not know, a score
// with no survey to give it to. The error says why and what can be done.
var ErrDecisionRefused = errors.New("decision refused")

// DefaultDecidedBy is who decided when the owner gave no name.
const DefaultDecidedBy = "owner"

// Decide applies the owner's decision about a message npsd kept for them
// (see store.InboundMessage.NeedsOwner), in one durable write, and takes
// the message off their list:
//
//   - store.DecisionScore records d.Score on the survey the message
//     answers (the one it named, else the sender's latest sent within the
//     answer window, judged when the message came), with the message's
//     text as the comment, exactly as a customer's score would be: the
//     message for the category, the detractor's case and the owners'
//     alert, the webhooks. The response's source is "owner".
//   - store.DecisionOptOut takes the sender off the message's channel as a
//     STOP would (pending jobs canceled, webhook), the reason saying the
//     owner marked it.
//   - store.DecisionDismiss records the decision and nothing else.
//
// Nothing reaches the customer at once: there is no webhook to answer, and
// the owner may decide at night. What the customer is sent (the message for
// the category, the opt-out's confirmation) goes through the outbox, which
// keeps to the send window. A score or an opt-out needs a sender npsd
// knows; a stranger's message can only be dismissed. A message is decided
// once: a second decision is refused with store.ErrAlreadyDecided.
func (cv *Conversation) Decide(ctx context.Context, key string, d store.OwnerDecision) (Outcome, error) {
	now := cv.o.Now().UTC()
	if d.At.IsZero() {
		d.At = now
	}
	if d.By = strings.TrimSpace(d.By); d.By == "" {
		d.By = DefaultDecidedBy
	}
	var out Outcome
	queued := false
	err := cv.st.Update(ctx, func(tx *store.Tx) error {
		out, queued = Outcome{}, false
		m, err := tx.DecideInbound(key, d)
		if err != nil {
			return err
		}
		// The key marks what follows as the owner's: the response keyed
		// by it is recorded once, whatever is retried.
		in := Incoming{
			Key: "owner:" + m.Key, Channel: m.Channel, From: m.From, Text: m.Body,
			Contact: m.ContactID, Survey: m.SurveyID, Source: store.SourceOwner,
		}
		if id, ok := strings.CutPrefix(m.Key, "email:"); ok && m.Channel == store.ChannelEmail && !strings.Contains(id, "…sha256:") {
			// Answers thread under the customer's email, as they would
			// have had npsd read it.
			in.InReplyTo = id
		}
		h := &handling{cv: cv, tx: tx, in: in, now: now}
		h.out.Contact, h.out.Survey = m.ContactID, m.SurveyID
		if err := h.decide(m, d); err != nil {
			return err
		}
		out, queued = h.out, h.queued
		return nil
	})
	if err != nil {
		return Outcome{}, err
	}
	cv.settled(queued, out.Scored)
	cv.log.Info("owner decided", "contact", out.Contact, "survey", out.Survey,
		"action", d.Action, "by", d.By, "outcome", out.Note)
	return out, nil
}

// decide applies d to the message m, inside the transaction that records
// it.
func (h *handling) decide(m store.InboundMessage, d store.OwnerDecision) error {
	if d.Action == store.DecisionDismiss {
		h.note("dismissed by %s", d.By)
		return nil
	}
	what := "a score"
	if d.Action == store.DecisionOptOut {
		what = "an opt-out"
	}
	if m.ContactID == 0 || m.UnknownSender {
		return fmt.Errorf("%w: message %q is from a sender npsd does not know (%s), so it cannot take %s: a stranger's message can only be dismissed",
			ErrDecisionRefused, m.Key, m.From, what)
	}
	var err error
	if h.contact, err = h.tx.Contact(m.ContactID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: the sender of message %q, %s, is no longer stored: the message can only be dismissed", ErrDecisionRefused, m.Key, m.ContactID)
		}
		return err
	}
	if !h.contact.Forgotten.IsZero() {
		return fmt.Errorf("%w: the sender of message %q, %s, was forgotten: the message can only be dismissed", ErrDecisionRefused, m.Key, m.ContactID)
	}
	h.out.Contact = h.contact.ID
	switch d.Action {
	case store.DecisionScore:
		return h.ownerScore(m, d)
	case store.DecisionOptOut:
		return h.ownerOptOut(d)
	}
	return fmt.Errorf("%w: unknown action %q", ErrDecisionRefused, d.Action)
}

// ownerScore records the score the owner read in the message.
func (h *handling) ownerScore(m store.InboundMessage, d store.OwnerDecision) error {
	// The answer window is judged when the customer wrote, not when the
	// owner got round to reading it.
	now := h.now
	h.now = m.Received
	sv, ok, err := h.survey()
	h.now = now
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s had no survey sent within the answer window when message %q came, so there is no survey to give a score to: dismiss the message instead",
			ErrDecisionRefused, h.contact.ID, m.Key)
	}
	h.out.Survey = sv.ID
	if err := h.score(sv, d.Score, strings.TrimSpace(m.Body)); err != nil {
		return err
	}
	h.note("%s, by %s", h.out.Note, d.By)
	// Without a comment, score asks why; never at once (see Decide).
	return h.outboxAnswer(store.JobFollowUp)
}

// ownerOptOut takes the sender off the message's channel, as a STOP would.
func (h *handling) ownerOptOut(d store.OwnerDecision) error {
	ch := h.in.Channel
	if ch != store.ChannelSMS && ch != store.ChannelEmail {
		return fmt.Errorf("%w: a message that came by %q cannot be an opt-out: only sms and email have one", ErrDecisionRefused, ch)
	}
	already := h.contact.ChannelStatus(ch).State == store.ChannelOptedOut
	if err := h.stop(); err != nil {
		return err
	}
	if already {
		h.note("already opted out of %s", ch)
		return nil
	}
	// stop records the words of a STOP; the owner's decision says whose.
	if err := h.tx.SetChannelStatus(h.contact.ID, ch, store.ChannelStatus{State: store.ChannelOptedOut, Reason: "marked by the owner (" + d.By + ")"}); err != nil {
		return err
	}
	h.note("opted out of %s, marked by %s", ch, d.By)
	return h.outboxAnswer(store.JobOptOutConfirm)
}

// outboxAnswer moves an answer that handling.answer made to be sent at
// once (as TwiML) into the outbox: the owner's decision has no webhook to
// answer, and the outbox keeps to the send window.
func (h *handling) outboxAnswer(kind store.JobKind) error {
	if h.out.Answer == "" {
		return nil
	}
	h.out.Answer = ""
	var sv store.Survey
	if h.out.Survey != 0 {
		var err error
		if sv, err = h.tx.Survey(h.out.Survey); err != nil {
			return err
		}
	}
	return h.queue(kind, sv, h.now, store.Payload{})
}

// source is the response's source: who gave the score, else the channel
// it came by.
func (h *handling) source() string {
	if h.in.Source != "" {
		return h.in.Source
	}
	return string(h.in.Channel)
}

// ErrDecisionScore is a score decision without a whole score from 0 to 10.
var ErrDecisionScore = errors.New("a score is a whole number from 0 to 10")

// ErrDecisionAction is a decision that is none of score, opt_out and
// dismiss.
var ErrDecisionAction = errors.New("the action must be score, opt_out or dismiss")

// NewDecision reads an owner's decision as the dashboard's form and the
// command line give it: an action (store.DecisionScore, DecisionOptOut or
// DecisionDismiss; opt-out as the command line's flag spells it), the
// score as typed for a score, and who decides.
func NewDecision(action, score, by string) (store.OwnerDecision, error) {
	d := store.OwnerDecision{Action: strings.ReplaceAll(action, "-", "_"), By: by}
	switch d.Action {
	case store.DecisionScore:
		n, err := strconv.Atoi(strings.TrimSpace(score))
		if err != nil || !nps.ValidScore(n) {
			return d, ErrDecisionScore
		}
		d.Score = n
	case store.DecisionOptOut, store.DecisionDismiss:
	default:
		return d, ErrDecisionAction
	}
	return d, nil
}
