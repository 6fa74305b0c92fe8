package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/npsd/npsd/store/record"
)

// surveyContactKey orders a contact's surveys by creation: contact id,
// creation time, survey id.
func surveyContactKey(s Survey) []byte {
	k := make([]byte, 0, 24)
	k = binary.BigEndian.AppendUint64(k, uint64(s.ContactID))
	k = binary.BigEndian.AppendUint64(k, timeKey(s.Created))
	return binary.BigEndian.AppendUint64(k, uint64(s.ID))
}

// surveySentKey orders sent, unanswered surveys by when they were sent, for
// the reminder and expiry sweeps.
func surveySentKey(s Survey) []byte {
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, timeKey(s.Sent))
	return binary.BigEndian.AppendUint64(k, uint64(s.ID))
}

// PutSurvey creates a survey (ID zero) or replaces a stored one, stamping
// Created and Updated. A new survey is stored in the state it carries (a
// plan is pending; history keeps its own); a stored one changes state
// only as the lifecycle allows (see surveyMoves), which MoveSurvey says
// at the call site.
func (t *Tx) PutSurvey(s Survey) (Survey, error) {
	b := t.bucket(bucketSurveys)
	now := t.nowUTC()
	var old Survey
	if s.ID == 0 {
		if err := t.requireContact(s.ContactID); err != nil {
			return Survey{}, err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return Survey{}, err
		}
		s.ID = SurveyID(seq)
		s.Created = now
		if err := t.bucket(bucketSurveysByContact).Put(surveyContactKey(s), nil); err != nil {
			return Survey{}, err
		}
	} else {
		var err error
		if old, err = t.Survey(s.ID); err != nil {
			return Survey{}, err
		}
		if old.ContactID != s.ContactID {
			return Survey{}, fmt.Errorf("%w: survey %s belongs to %s, not %s", ErrInvalid, s.ID, old.ContactID, s.ContactID)
		}
		if err := checkMove(old, s); err != nil {
			return Survey{}, err
		}
		s.Created = old.Created
		if old.State == SurveySent {
			if err := t.bucket(bucketSurveysSent).Delete(surveySentKey(old)); err != nil {
				return Survey{}, err
			}
		}
	}
	if s.State == SurveySent {
		if s.Sent.IsZero() {
			return Survey{}, fmt.Errorf("%w: survey %s is sent but has no sent time", ErrInvalid, s.ID)
		}
		s.Sent = s.Sent.UTC()
		if err := t.bucket(bucketSurveysSent).Put(surveySentKey(s), nil); err != nil {
			return Survey{}, err
		}
	}
	if s.State == "" {
		s.State = SurveyPending
	}
	s.Updated = now
	if err := t.countFunnel(old, s); err != nil {
		return Survey{}, err
	}
	data, err := t.surveys.Encode(s.ID, s)
	if err != nil {
		return Survey{}, fmt.Errorf("encode survey %s: %w", s.ID, err)
	}
	return s, b.Put(idKey(uint64(s.ID)), data)
}

// countFunnel counts the stages a survey reached in this change.
func (t *Tx) countFunnel(old, s Survey) error {
	b := t.bucket(bucketFunnel)
	for _, step := range record.FunnelSteps(old, s) {
		k := record.FunnelKey(step)
		if c, ok := record.ParseFunnel(k, b.Get(k)); ok {
			step.N += c.N
		}
		if err := b.Put(k, binary.BigEndian.AppendUint64(nil, step.N)); err != nil {
			return err
		}
	}
	return nil
}

// FunnelBetween calls fn for each count of the funnel in the hours of
// [from, to): its cost grows with the period, never with the history.
func (t *Tx) FunnelBetween(from, to time.Time, fn func(record.FunnelCount) error) error {
	c, end := t.bucket(bucketFunnel).Cursor(), record.FunnelHour(to)
	for k, v := c.Seek(record.FunnelHour(from)); k != nil && bytes.Compare(k[:4], end) < 0; k, v = c.Next() {
		if fc, ok := record.ParseFunnel(k, v); ok {
			if err := fn(fc); err != nil {
				return err
			}
		}
	}
	return nil
}

// Survey returns the survey with that id.
func (t *Tx) Survey(id SurveyID) (Survey, error) {
	s, err := t.surveys.Decode(id, t.bucket(bucketSurveys).Get(idKey(uint64(id))))
	if err != nil {
		return Survey{}, fmt.Errorf("survey %s: %w", id, err)
	}
	return s, nil
}

// SurveysOf returns a contact's surveys, oldest first, reading only that
// contact's part of the index.
func (t *Tx) SurveysOf(id ContactID) ([]Survey, error) {
	var out []Survey
	for _, sid := range t.idsUnder(bucketSurveysByContact, uint64(id)) {
		s, err := t.Survey(SurveyID(sid))
		if err != nil {
			return nil, fmt.Errorf("surveys index: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// LatestSurveysOf calls fn for a contact's surveys, newest first, until fn
// returns false. Finding the survey a reply answers then reads the one or
// two latest surveys, not every survey the contact was ever sent.
func (t *Tx) LatestSurveysOf(id ContactID, fn func(Survey) bool) error {
	prefix := idKey(uint64(id))
	c := t.bucket(bucketSurveysByContact).Cursor()
	k, _ := c.Seek(idKey(uint64(id) + 1))
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && len(k) == 24 && string(k[:8]) == string(prefix); k, _ = c.Prev() {
		s, err := t.Survey(SurveyID(binary.BigEndian.Uint64(k[16:])))
		if err != nil {
			return fmt.Errorf("surveys index: %w", err)
		}
		if !fn(s) {
			return nil
		}
	}
	return nil
}

// SentSurveysBefore calls fn for each survey still in the sent state (sent,
// not answered, not expired) that was sent before t, oldest first.
func (t *Tx) SentSurveysBefore(before time.Time, fn func(Survey) error) error {
	end := timeKey(before)
	var ids []SurveyID
	c := t.bucket(bucketSurveysSent).Cursor()
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k[:8]) < end; k, _ = c.Next() {
		ids = append(ids, SurveyID(binary.BigEndian.Uint64(k[8:])))
	}
	// The ids are collected first so that fn may change the surveys (and
	// with them this index) as it goes.
	for _, id := range ids {
		s, err := t.Survey(id)
		if err != nil {
			return fmt.Errorf("sent surveys index: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

// ForEachSurvey calls fn for every survey in id order until fn returns an error.
func (t *Tx) ForEachSurvey(fn func(Survey) error) error {
	return t.bucket(bucketSurveys).ForEach(func(k, v []byte) error {
		var s Survey
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode survey %s: %w", SurveyID(keyID(k)), err)
		}
		return fn(s)
	})
}

// MoveSurvey stores sv, with the other changes it carries (a sent time, a
// channel, a reason), in state to, if its stored state may move there;
// otherwise it changes nothing and the error wraps ErrInvalid.
func (t *Tx) MoveSurvey(sv Survey, to SurveyState) (Survey, error) {
	sv.State = to
	return t.PutSurvey(sv)
}

// checkMove refuses a change of state the lifecycle does not allow.
func checkMove(old, next Survey) error {
	if !old.State.CanMove(next.State) {
		return fmt.Errorf("%w: survey %s cannot move from %s to %s", ErrInvalid, old.ID, old.State, next.State)
	}
	return nil
}
