// Package record owns the values npsd keeps: contacts, events, surveys
// and the states of their life, responses, and the kinds and payloads of
// outbox jobs. They are plain values with no store behind them; the store
// (which re-exports them under its own name) reads and writes them, and
// every other package passes them around.
package record

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Channel is a way of reaching a contact.
type Channel string

const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
	// ChannelWeb is a response given on the survey page (a click in an email).
	ChannelWeb Channel = "web"
	// ChannelWebhook carries events to the shop's own systems.
	ChannelWebhook Channel = "webhook"
	// ChannelPhone and ChannelCounter are answers the customer gave in
	// person, on the telephone or at the counter, which the owner entered:
	// npsd never writes to anyone on them.
	ChannelPhone   Channel = "phone"
	ChannelCounter Channel = "counter"
)

// ChannelState says whether npsd may write to a contact on a channel.
type ChannelState string

const (
	ChannelOK            ChannelState = "ok"
	ChannelOptedOut      ChannelState = "opted_out"
	ChannelUndeliverable ChannelState = "undeliverable"
)

// ChannelStatus is the state of one channel with when and why it was set.
type ChannelStatus struct {
	State  ChannelState `json:"state"`
	Since  time.Time    `json:"since"`
	Reason string       `json:"reason,omitempty"`
}

// ContactID, EventID, SurveyID and ResponseID number records from 1. Their
// text forms carry a letter (c42, e42, s42, r42) so that an id typed on the
// command line is never mistaken for a phone number or an external id.
type (
	ContactID  uint64
	EventID    uint64
	SurveyID   uint64
	ResponseID uint64
)

func (id ContactID) String() string  { return "c" + strconv.FormatUint(uint64(id), 10) }
func (id EventID) String() string    { return "e" + strconv.FormatUint(uint64(id), 10) }
func (id SurveyID) String() string   { return "s" + strconv.FormatUint(uint64(id), 10) }
func (id ResponseID) String() string { return "r" + strconv.FormatUint(uint64(id), 10) }

// ParseContactID reads the text form of a contact id ("c42").
func ParseContactID(s string) (ContactID, bool) {
	n, ok := parsePrefixed(s, 'c')
	return ContactID(n), ok
}

func parsePrefixed(s string, prefix byte) (uint64, bool) {
	if len(s) < 2 || (s[0] != prefix && s[0] != prefix-'a'+'A') {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}

// Contact is a customer who may be surveyed.
type Contact struct {
	ID         ContactID `json:"id"`
	ExternalID string    `json:"external_id,omitempty"`
	Name       string    `json:"name,omitempty"`
	// Email is stored as given; its index key is lower-cased.
	Email string `json:"email,omitempty"`
	// Phone is in E.164 form (+33612345678); normalizing is the caller's job.
	Phone    string `json:"phone,omitempty"`
	Language string `json:"language,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	// Attributes are free segments: city, plan, tenure, basket…
	Attributes map[string]string `json:"attributes,omitempty"`
	// Channels holds the status of each channel; a missing channel is OK.
	Channels map[Channel]ChannelStatus `json:"channels,omitempty"`
	// Forgotten is when the contact's personal data was erased on request;
	// the record stays so that their anonymous scores still count.
	Forgotten time.Time `json:"forgotten,omitzero"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// DisplayName is what an owner reads for this contact: the name, else
// the email or phone, else the id (a forgotten contact keeps only that).
func (c *Contact) DisplayName() string {
	return cmp.Or(c.Name, c.Email, c.Phone, c.ID.String())
}

// ChannelStatus returns the status of ch, OK when never set.
func (c *Contact) ChannelStatus(ch Channel) ChannelStatus {
	if st, ok := c.Channels[ch]; ok {
		return st
	}
	return ChannelStatus{State: ChannelOK}
}

// Event is something a contact did that may trigger a survey.
type Event struct {
	ID         EventID   `json:"id"`
	ContactID  ContactID `json:"contact_id"`
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	Amount     *float64  `json:"amount,omitempty"`
	ExternalID string    `json:"external_id,omitempty"`
	Created    time.Time `json:"created"`
}

// SurveyState is where a survey is in its life.
type SurveyState string

const (
	SurveyPending  SurveyState = "pending"  // planned, waiting for its due time
	SurveyInflight SurveyState = "inflight" // handed to a transport, outcome unknown
	SurveySent     SurveyState = "sent"
	SurveyAnswered SurveyState = "answered"
	SurveyFailed   SurveyState = "failed"
	SurveySkipped  SurveyState = "skipped"
	SurveyExpired  SurveyState = "expired"
)

// Attempt records one try at sending a survey.
type Attempt struct {
	At        time.Time `json:"at"`
	Error     string    `json:"error,omitempty"`
	Temporary bool      `json:"temporary,omitempty"`
	// MessageID is the email Message-ID or the Twilio MessageSid.
	MessageID string `json:"message_id,omitempty"`
	// Uncertain marks an attempt whose outcome is unknown: npsd stopped,
	// or the connection broke, after the message may have left.
	Uncertain bool `json:"uncertain,omitempty"`
}

// Survey is one question put to one contact by one campaign.
type Survey struct {
	ID        SurveyID    `json:"id"`
	ContactID ContactID   `json:"contact_id"`
	Campaign  string      `json:"campaign"`
	Channel   Channel     `json:"channel"`
	State     SurveyState `json:"state"`
	Reason    string      `json:"reason,omitempty"`
	Planned   time.Time   `json:"planned"`
	Due       time.Time   `json:"due"`
	Sent      time.Time   `json:"sent,omitzero"`
	// Reminded is when the one reminder was queued; zero before.
	Reminded time.Time `json:"reminded,omitzero"`
	// Delivered is when the carrier said the message arrived (SMS);
	// Opened when its page was first opened in a browser. Zero before.
	Delivered time.Time `json:"delivered,omitzero"`
	Opened    time.Time `json:"opened,omitzero"`
	// Answered is when the first score arrived; ResponseID is that answer.
	Answered   time.Time  `json:"answered,omitzero"`
	ResponseID ResponseID `json:"response_id,omitempty"`
	// Reasked is set once the customer was asked again after a reply npsd
	// could not read: they are asked once, never twice.
	Reasked bool `json:"reasked,omitempty"`
	// Alerted is set once the owners were told of a detractor answer.
	Alerted  bool      `json:"alerted,omitempty"`
	Attempts []Attempt `json:"attempts,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Response source values.
const (
	SourceImport = "import"
	SourceSMS    = "sms"
	SourceEmail  = "email"
	SourceWeb    = "web"
	// SourceOwner is a score the owner recorded, reading a message npsd
	// kept for them.
	SourceOwner = "owner"
)

// Response is one answer to the question.
type Response struct {
	ID ResponseID `json:"id"`
	// SurveyID is zero for history imported from another tool.
	SurveyID  SurveyID  `json:"survey_id,omitempty"`
	ContactID ContactID `json:"contact_id"`
	// Campaign is copied from the survey so reports can filter without
	// reading every survey.
	Campaign string    `json:"campaign,omitempty"`
	Score    int       `json:"score"`
	Comment  string    `json:"comment,omitempty"`
	Channel  Channel   `json:"channel,omitempty"`
	Received time.Time `json:"received"`
	Source   string    `json:"source"`
	// Key makes a response idempotent: a second response with the same key
	// is the same response (a re-imported history row, a replayed
	// MessageSid).
	Key     string    `json:"key,omitempty"`
	Created time.Time `json:"created"`
}

// Open reports whether a survey still waits for something: to be sent, or
// to be answered. A contact with an open survey is not asked again.
func (s SurveyState) Open() bool {
	return s == SurveyPending || s == SurveyInflight || s == SurveySent
}

// surveyMoves is a survey's life, and the one place that says it: from
// each state, the states it may move to. Who moves it:
//
//   - the scheduler plans it (pending) and expires it when no answer came
//     (sent → expired);
//   - the dispatcher takes it to send (pending → inflight), hands it back
//     when npsd stops or a send is retried (inflight → pending), records
//     the outcome (→ sent, → failed) or skips it when its contact left
//     the channel (pending → skipped);
//   - inbound records an answer (→ answered) and a delivery report that
//     says the message never arrived (sent → failed).
//
// An answer is taken from any state a message may have reached the
// customer in: npsd never loses an answer because its own record of the
// send is late or wrong.
var surveyMoves = map[SurveyState][]SurveyState{
	SurveyPending:  {SurveyInflight, SurveySkipped, SurveyFailed, SurveyAnswered},
	SurveyInflight: {SurveyPending, SurveySent, SurveyFailed, SurveyAnswered},
	SurveySent:     {SurveyAnswered, SurveyExpired, SurveyFailed},
	SurveyExpired:  {SurveyAnswered},
	SurveyFailed:   {SurveyAnswered},
	SurveyAnswered: nil,
	SurveySkipped:  nil,
}

// CanMove reports whether a survey in state s may move to state to.
// Staying in the same state is always allowed.
func (s SurveyState) CanMove(to SurveyState) bool {
	return s == to || slices.Contains(surveyMoves[s], to)
}

// JobID numbers outbox jobs; its text form is j42.
type JobID uint64

func (id JobID) String() string { return "j" + strconv.FormatUint(uint64(id), 10) }

// JobState is where a job is in the outbox.
type JobState string

const (
	// JobPending waits for its due time.
	JobPending JobState = "pending"
	// JobInflight was handed to a transport and its outcome is not yet
	// recorded. A job still inflight at start-up was interrupted by a crash.
	JobInflight JobState = "inflight"
	JobSent     JobState = "sent"
	JobFailed   JobState = "failed"
	// JobCanceled will not be sent: the contact opted out, answered, or the
	// survey expired before its turn.
	JobCanceled JobState = "canceled"
)

// JobKind says what an outbox job is for. The store owns the one list of
// kinds so that the scheduler, which queues surveys and summaries, the
// inbound side, which queues answers and webhook events, and the
// dispatcher, which sends them all, cannot drift apart on a spelling.
//
// The kinds that are messages are named after the template they are
// written with (templates.ForJob relies on it); the webhook kinds are the
// event names the shop's systems receive. The values are stored in every
// job, so they never change.
type JobKind string

// The message kinds, to a contact.
const (
	// JobSurvey asks the question, 0 to 10.
	JobSurvey JobKind = "survey"
	// JobReminder asks it once more, to a contact who did not answer.
	JobReminder JobKind = "reminder"
	// JobFollowUp asks for the reason of a score.
	JobFollowUp JobKind = "followup"
	// JobThanksPromoter thanks a promoter and may invite a review.
	JobThanksPromoter JobKind = "thanks_promoter"
	// JobThanksPassive thanks a passive and asks what would make it a 10.
	JobThanksPassive JobKind = "thanks_passive"
	// JobApologyDetractor apologises to a detractor: the owner will call.
	JobApologyDetractor JobKind = "apology_detractor"
	// JobReask asks again for a reply that was not a score.
	JobReask JobKind = "reask"
	// JobOptOutConfirm confirms an opt-out; it goes although the contact
	// has left the channel.
	JobOptOutConfirm JobKind = "optout_confirm"
	// JobHelp answers HELP, INFO or AIDE; it goes whatever the channel's
	// state.
	JobHelp JobKind = "help"
)

// The message kinds, to the owners (a fixed recipient in Job.To).
const (
	// JobOwnerAlert tells the owners a detractor answered.
	JobOwnerAlert JobKind = "owner_alert"
	// JobCaseReminder reminds an assignee of an overdue detractor case.
	JobCaseReminder JobKind = "case_reminder"
	// JobWeeklySummary is the week in numbers. Its payload names the week
	// (Payload.SummaryWeek) and the summary is built when it is sent.
	JobWeeklySummary JobKind = "weekly_summary"
)

// The webhook kinds, posted to the shop's systems (Channel webhook). Their
// value is the event name the receiver sees.
const (
	// JobWebhookResponse reports a score or a comment.
	JobWebhookResponse JobKind = "response"
	// JobWebhookOptOut reports an opt-out.
	JobWebhookOptOut JobKind = "opt_out"
)

// JobKinds returns every kind npsd queues, messages first.
func JobKinds() []JobKind {
	return []JobKind{
		JobSurvey, JobReminder, JobFollowUp, JobThanksPromoter, JobThanksPassive, JobApologyDetractor,
		JobReask, JobOptOutConfirm, JobHelp, JobOwnerAlert, JobCaseReminder, JobWeeklySummary,
		JobWebhookResponse, JobWebhookOptOut,
	}
}

func (k JobKind) String() string { return string(k) }

// IsWebhook reports whether the kind is an event for the shop's systems
// rather than a message written with a template.
func (k JobKind) IsWebhook() bool { return k == JobWebhookResponse || k == JobWebhookOptOut }

// Payload is what a job's message needs beyond the records the job names
// (its contact, its survey). Every field is optional and each kind uses a
// few: an owner alert has a score, a category, a comment and a case link;
// a thanks may have NoReview; a weekly summary has its week; a webhook
// event has its body. The store encodes it when the job is written and
// decodes it when the job is read, so nobody else handles its JSON.
type Payload struct {
	// Score is the score a message to the owners is about; nil when the
	// message is about none.
	Score *int `json:"score,omitempty"`
	// Category is the score's category as the owners read it ("detractor").
	Category string `json:"category,omitempty"`
	// Comment is the customer's comment, for the owners.
	Comment string `json:"comment,omitempty"`
	// CaseURL links the detractor case the message is about.
	CaseURL string `json:"case_url,omitempty"`
	// NoReview keeps this customer out of the review invitation, as
	// followup.review_request asks.
	NoReview bool `json:"no_review,omitempty"`
	// InReplyTo is the Message-ID of the customer's email the message
	// answers, so that it lands in the same thread.
	InReplyTo string `json:"in_reply_to,omitempty"`
	// SummaryWeek is the ISO week ("2026-W47") a weekly summary sums up:
	// the summary is built from the store when the job is sent, so that no
	// name, address or comment waits in the outbox.
	SummaryWeek string `json:"week,omitempty"`
	// Webhook is the body of a webhook event, posted as it is.
	Webhook json.RawMessage `json:"webhook,omitempty"`
	// LegacySummary is the whole summary, names and comments included,
	// that summary jobs queued by npsd before schema 4 carried. It is only
	// ever read: EnqueueJob refuses a job that has one, a job that ends
	// keeps only its week, and forgetting a contact rewrites every such
	// job into the form that names its week.
	LegacySummary json.RawMessage `json:"summary,omitempty"`
}

// IntPtr returns a pointer to n, for Payload.Score.
func IntPtr(n int) *int { return &n }
