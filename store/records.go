package store

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound means no record matches.
var ErrNotFound = errors.New("not found")

// ErrConflict means a write would give two records the same unique key (an
// email, a phone number or an external id).
var ErrConflict = errors.New("conflict")

// ErrInvalid means a record breaks a rule the store enforces itself.
var ErrInvalid = errors.New("invalid record")

// Channel is a way of reaching a contact.
type Channel string

const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
	// ChannelWeb is a response given on the survey page (a click in an email).
	ChannelWeb Channel = "web"
	// ChannelWebhook carries events to the shop's own systems.
	ChannelWebhook Channel = "webhook"
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

// Tx is a transaction over the store's records. It is valid only inside the
// function given to View or Update.
type Tx struct {
	tx  *bolt.Tx
	now func() time.Time
}

func (t *Tx) bucket(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	if appendMostly[string(name)] {
		// bbolt splits a full page in half by default, which leaves every
		// page of a bucket written in key order half empty: twice the file
		// for nothing.
		b.FillPercent = 0.9
	}
	return b
}

// appendMostly are the buckets whose keys grow with time or sequence, so
// new entries land at the end.
var appendMostly = map[string]bool{
	string(bucketContacts):        true,
	string(bucketEvents):          true,
	string(bucketSurveys):         true,
	string(bucketResponses):       true,
	string(bucketResponsesByTime): true,
	string(bucketResponsesByKey):  true,
}

func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(nil, id) }

func keyID(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

func getJSON(b *bolt.Bucket, key []byte, v any) error {
	data := b.Get(key)
	if data == nil {
		return ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode record %x: %w", key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	return b.Put(key, data)
}

// emailKey is the index key of an email: addresses are compared without case,
// as every mail provider a small business meets does.
func emailKey(email string) []byte { return []byte(strings.ToLower(strings.TrimSpace(email))) }
