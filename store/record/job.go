package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Job is one message to send: everything that leaves npsd leaves as a job.
type Job struct {
	ID JobID `json:"id"`
	// Kind is what the job is for: a survey, a reminder, a follow-up…
	Kind      JobKind   `json:"kind"`
	SurveyID  SurveyID  `json:"survey_id,omitempty"`
	ContactID ContactID `json:"contact_id,omitempty"`
	Channel   Channel   `json:"channel"`
	// To is a fixed recipient (an owner). Empty: the contact's address, read
	// when the job is sent so that a corrected address is used.
	To    string    `json:"to,omitempty"`
	State JobState  `json:"state"`
	Due   time.Time `json:"due"`
	// MessageID is the email Message-ID, chosen when the job is created and
	// kept across retries, so a message resent after a crash is recognisable
	// as the same one.
	MessageID string    `json:"message_id,omitempty"`
	Attempts  []Attempt `json:"attempts,omitempty"`
	// Reason says why a job failed or was canceled.
	Reason string `json:"reason,omitempty"`
	// Payload carries what the message needs beyond the records the job
	// names (a score, a comment, the week of a summary…). Jobs written
	// before schema 4 held it as a map of strings under "data"; they are
	// read into it all the same (see UnmarshalJSON).
	Payload Payload   `json:"payload"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`

	// undecoded holds a payload that could not be read, nil when it could.
	undecoded *undecodedPayload
}

// undecodedPayload is a payload the store could not read, kept as it was
// on disk: the job that carries it is failed rather than sent, and its
// bytes stay for the owner to look at until the contact is forgotten.
type undecodedPayload struct {
	payload json.RawMessage // the new form, under "payload"
	data    json.RawMessage // the form before schema 4, under "data"
	err     error
}

// ErrUndecodablePayload is wrapped by the error a job's PayloadError
// returns when its payload cannot be read.
var ErrUndecodablePayload = errors.New("job payload cannot be read")

// JobHead is the part of a stored job that moving it between the outbox's
// indexes needs. An update reads the stored job to learn where it was
// indexed; reading only these fields skips decoding the payload and the
// attempts, which the update rewrites anyway.
type JobHead struct {
	ID      JobID     `json:"id"`
	Channel Channel   `json:"channel"`
	State   JobState  `json:"state"`
	Due     time.Time `json:"due"`
	Created time.Time `json:"created"`
}

// Job is the head as a job, with nothing else set.
func (h JobHead) Job() Job {
	return Job{ID: h.ID, Channel: h.Channel, State: h.State, Due: h.Due, Created: h.Created}
}

// DueJob is a pending job as the outbox's due index holds it. Channel is
// empty in an entry that an npsd from before the index held channels
// wrote; the job's head says it then.
type DueJob struct {
	ID      JobID
	Channel Channel
}

// PayloadError says why the job's payload could not be read, nil when it
// was. A job with such a payload has a zero Payload and must not be sent:
// the dispatcher fails it with this error as its reason.
func (j Job) PayloadError() error {
	if j.undecoded == nil {
		return nil
	}
	return j.undecoded.err
}

// MarshalJSON writes the job with its payload encoded, or with the bytes
// of a payload that could not be read, as they came.
func (j Job) MarshalJSON() ([]byte, error) {
	if j.undecoded == nil && j.Payload.empty() {
		return j.appendJSON()
	}
	return j.marshalWithPayload()
}

// marshalWithPayload writes the job through encoding/json.
func (j Job) marshalWithPayload() ([]byte, error) {
	// plain has the fields of Job without its methods; the outer Payload
	// and Data hide Job's Payload.
	type plain Job
	out := struct {
		plain
		Payload json.RawMessage `json:"payload,omitempty"`
		Data    json.RawMessage `json:"data,omitempty"`
	}{plain: plain(j)}
	if j.undecoded != nil {
		out.Payload, out.Data = j.undecoded.payload, j.undecoded.data
		return json.Marshal(out)
	}
	p, err := json.Marshal(j.Payload)
	if err != nil {
		return nil, fmt.Errorf("encode the payload of job %s: %w", j.ID, err)
	}
	if !bytes.Equal(p, []byte("{}")) {
		out.Payload = p
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a job in either form: with its payload under
// "payload", or, as npsd wrote it before schema 4, as a map of strings
// under "data". A payload that cannot be read does not make the job
// unreadable (one bad job must not stop the outbox from being listed or
// sent): the job gets a zero Payload and PayloadError says why.
func (j *Job) UnmarshalJSON(b []byte) error {
	if fast, ok := readJob(b); ok {
		*j = fast
		return nil
	}
	return j.unmarshalWithPayload(b)
}

// unmarshalWithPayload reads the job through encoding/json.
func (j *Job) unmarshalWithPayload(b []byte) error {
	type plain Job
	var in struct {
		plain
		Payload json.RawMessage `json:"payload"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*j = Job(in.plain)
	var err error
	switch {
	case in.Payload != nil && !bytes.Equal(in.Payload, []byte("null")):
		if err = json.Unmarshal(in.Payload, &j.Payload); err != nil {
			err = fmt.Errorf("payload: %w", err)
		}
	case in.Data != nil && !bytes.Equal(in.Data, []byte("null")):
		j.Payload, err = legacyPayload(in.Data)
	}
	if err != nil {
		j.Payload = Payload{}
		j.undecoded = &undecodedPayload{payload: in.Payload, data: in.Data,
			err: fmt.Errorf("%w: job %s (%s): %w", ErrUndecodablePayload, j.ID, j.Kind, err)}
	}
	return nil
}

// legacyPayload reads the map of strings jobs carried before schema 4.
// Keys no version ever read are ignored, as they always were.
func legacyPayload(raw json.RawMessage) (Payload, error) {
	var data map[string]string
	if err := json.Unmarshal(raw, &data); err != nil {
		return Payload{}, fmt.Errorf("data of the old form: %w", err)
	}
	p := Payload{
		Category:    data["category"],
		Comment:     data["comment"],
		CaseURL:     data["case_url"],
		NoReview:    data["review"] == "no",
		InReplyTo:   data["in_reply_to"],
		SummaryWeek: data["week"],
	}
	if v, ok := data["score"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Payload{}, fmt.Errorf("data of the old form: score %q: %w", v, err)
		}
		p.Score = &n
	}
	// Both were JSON documents held in a string; kept as raw JSON they must
	// be JSON indeed, or they could not be written back.
	for _, f := range []struct {
		key string
		to  *json.RawMessage
	}{{"payload", &p.Webhook}, {"summary", &p.LegacySummary}} {
		v, ok := data[f.key]
		if !ok {
			continue
		}
		if !json.Valid([]byte(v)) {
			return Payload{}, fmt.Errorf("data of the old form: %s is not JSON", f.key)
		}
		*f.to = json.RawMessage(v)
	}
	return p, nil
}

// Done reports whether the job has ended: it will not be sent again.
func (j Job) Done() bool {
	return j.State == JobSent || j.State == JobFailed || j.State == JobCanceled
}

// ReferLegacySummary replaces the copy of a summary a job of the old form
// carries with the week it names. A copy that cannot be read could not be
// sent anyway: it is erased, and a job still waiting is canceled.
func (j *Job) ReferLegacySummary() {
	var sum struct{ Week string }
	if j.undecoded == nil && json.Unmarshal(j.Payload.LegacySummary, &sum) == nil && sum.Week != "" {
		j.Payload = Payload{SummaryWeek: sum.Week}
		return
	}
	j.Payload, j.undecoded = Payload{}, nil
	if j.State == JobPending {
		j.State, j.Reason = JobCanceled, "unreadable summary erased"
	}
}

// CarriesLegacySummary reports whether the job is a summary of the old
// form, or a summary whose payload cannot be read (which may be one).
func (j Job) CarriesLegacySummary() bool {
	return j.Kind == JobWeeklySummary && (len(j.Payload.LegacySummary) > 0 || j.undecoded != nil)
}

// ForgetPayload erases what the job carries, the bytes of a payload that
// could not be read included: both may hold a forgotten contact's words.
func (j *Job) ForgetPayload() { j.Payload, j.undecoded = Payload{}, nil }

// Active reports whether the job is still to be sent or being sent.
func (j Job) Active() bool { return j.State == JobPending || j.State == JobInflight }
