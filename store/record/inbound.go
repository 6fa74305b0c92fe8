package record

import (
	"fmt"
	"time"
)

// InboundMessage is a message that came in (an SMS, an email reply), kept
// whatever it said and whoever sent it: its key makes a replayed webhook or
// a refetched email a no-op, and an unknown sender's message is not lost
// (it is kept for a bounded time, then dropped).
type InboundMessage struct {
	// Key is the message's identity: "twilio:SM…", "imap:INBOX:1700000000:42".
	Key       string    `json:"key"`
	Channel   Channel   `json:"channel"`
	From      string    `json:"from"`
	Body      string    `json:"body"`
	Received  time.Time `json:"received"`
	ContactID ContactID `json:"contact_id,omitempty"`
	SurveyID  SurveyID  `json:"survey_id,omitempty"`
	Intent    string    `json:"intent,omitempty"`
	// Reading is what npsd read in the message and by which rule
	// ("unclear: unclear/two-numbers"), for the owner.
	Reading string `json:"reading,omitempty"`
	// Outcome says what npsd did with it.
	Outcome string `json:"outcome"`
	// Answer is the reply sent back at once (TwiML), so a replayed webhook
	// gets the same answer.
	Answer string `json:"answer,omitempty"`
	// NeedsOwner marks a message npsd kept without acting on it, for the
	// owner to read: one that failed, or one it could not trust. Such
	// messages are indexed by time, so listing them does not read the
	// whole history.
	NeedsOwner bool `json:"needs_owner,omitempty"`
	// UnknownSender marks a message from nobody npsd knows: it is kept
	// for a bounded time only (see DropUnknownSenders), since it may be
	// anyone's personal data and answers no survey.
	UnknownSender bool `json:"unknown_sender,omitempty"`
	// Decision is what the owner decided about a message kept for them;
	// nil while it waits. A decided message leaves the owner's list.
	Decision *OwnerDecision `json:"decision,omitempty"`
}

// What the owner may decide about a message kept for them.
const (
	// DecisionScore records the score the owner read in the message.
	DecisionScore = "score"
	// DecisionOptOut takes the sender off the message's channel.
	DecisionOptOut = "opt_out"
	// DecisionDismiss only takes the message off the owner's list.
	DecisionDismiss = "dismiss"
)

// OwnerDecision is the owner's decision about a message kept for them,
// recorded as theirs rather than as something npsd read.
type OwnerDecision struct {
	// Action is DecisionScore, DecisionOptOut or DecisionDismiss.
	Action string `json:"action"`
	// Score is the score the owner read, for DecisionScore.
	Score int       `json:"score,omitempty"`
	By    string    `json:"by"`
	At    time.Time `json:"at"`
}

// String says what was decided, by whom and when, for a person.
func (d OwnerDecision) String() string {
	what := d.Action
	switch d.Action {
	case DecisionScore:
		what = fmt.Sprintf("score %d", d.Score)
	case DecisionOptOut:
		what = "opt-out"
	}
	return fmt.Sprintf("%s by %s on %s", what, d.By, d.At.UTC().Format("2006-01-02 15:04 UTC"))
}
