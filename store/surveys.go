package store

import (
	"encoding/json"
	"fmt"
)

// PutSurvey creates a survey (ID zero) or replaces a stored one, stamping
// Created and Updated.
func (t *Tx) PutSurvey(s Survey) (Survey, error) {
	b := t.bucket(bucketSurveys)
	now := t.nowUTC()
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
	} else if b.Get(idKey(uint64(s.ID))) == nil {
		return Survey{}, fmt.Errorf("survey %s: %w", s.ID, ErrNotFound)
	}
	if s.State == "" {
		s.State = SurveyPending
	}
	s.Updated = now
	return s, putJSON(b, idKey(uint64(s.ID)), s)
}

// Survey returns the survey with that id.
func (t *Tx) Survey(id SurveyID) (Survey, error) {
	var s Survey
	if err := getJSON(t.bucket(bucketSurveys), idKey(uint64(id)), &s); err != nil {
		return Survey{}, fmt.Errorf("survey %s: %w", id, err)
	}
	return s, nil
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
