package store

import (
	"encoding/binary"
	"fmt"
)

// A contact's active jobs (pending or in flight) and the kinds of message a
// survey has already sent are indexed apart from the contact's whole list
// of jobs. What an answer does to the outbox (cancel a waiting message,
// replace the thanks that waits for the comment, check the customer has
// not had it already) then reads a handful of records, however many
// messages the contact has sent and received before.

// activeJobKey orders a contact's active jobs by id: contact id, job id.
func activeJobKey(contact ContactID, id JobID) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(contact))
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

// sentKindKey names a kind of message one survey has sent: survey id, kind.
func sentKindKey(survey SurveyID, kind JobKind) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(kind)), uint64(survey)), kind...)
}

// indexJobOutcome keeps both indexes in step with a job written over old
// (nil for a new job). It is called by putJob, the one place a job is
// written, so no path can forget it.
func (t *Tx) indexJobOutcome(j Job, old *Job) error {
	if j.ContactID != 0 {
		active := t.bucket(bucketJobsActive)
		switch key := activeJobKey(j.ContactID, j.ID); {
		case j.Active():
			if err := active.Put(key, nil); err != nil {
				return err
			}
		case old == nil || old.Active():
			if err := active.Delete(key); err != nil {
				return err
			}
		}
	}
	if j.State == JobSent && j.SurveyID != 0 && (old == nil || old.State != JobSent) {
		return t.bucket(bucketSurveyKindsSent).Put(sentKindKey(j.SurveyID, j.Kind), nil)
	}
	return nil
}

// ActiveJobsOf calls fn for each of the contact's pending and in-flight
// jobs, oldest first. Sent, failed and canceled jobs are not read.
func (t *Tx) ActiveJobsOf(contact ContactID, fn func(Job) error) error {
	// The ids are read first: fn may update the jobs, and so the index.
	for _, id := range t.idsUnder(bucketJobsActive, uint64(contact)) {
		j, err := t.Job(JobID(id))
		if err != nil {
			return fmt.Errorf("active jobs index: %w", err)
		}
		if err := fn(j); err != nil {
			return err
		}
	}
	return nil
}

// SurveySent reports whether a message of that kind about the survey has
// been sent (accepted by the provider), whatever happened to it since.
func (t *Tx) SurveySent(survey SurveyID, kind JobKind) bool {
	return t.bucket(bucketSurveyKindsSent).Get(sentKindKey(survey, kind)) != nil
}
