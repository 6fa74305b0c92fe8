package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
)

// AddEvent records an event for an existing contact. An event whose
// external id is already stored is not recorded again: the stored one is
// returned with created false, so a shop system can resend its whole day
// without doubling anything.
func (t *Tx) AddEvent(e Event) (Event, bool, error) {
	e.Type = strings.TrimSpace(e.Type)
	if e.Type == "" {
		return Event{}, false, fmt.Errorf("%w: event type is empty", ErrInvalid)
	}
	if e.At.IsZero() {
		return Event{}, false, fmt.Errorf("%w: event time is missing", ErrInvalid)
	}
	if err := checkExternalID(e.ExternalID); err != nil {
		return Event{}, false, err
	}
	byExt := t.bucket(bucketEventsByExternal)
	if e.ExternalID != "" {
		if v := byExt.Get([]byte(e.ExternalID)); v != nil {
			var old Event
			if err := getJSON(t.bucket(bucketEvents), v, &old); err != nil {
				return Event{}, false, fmt.Errorf("event %s: %w", e.ExternalID, err)
			}
			return old, false, nil
		}
	}
	if err := t.requireContact(e.ContactID); err != nil {
		return Event{}, false, err
	}
	events := t.bucket(bucketEvents)
	seq, err := events.NextSequence()
	if err != nil {
		return Event{}, false, err
	}
	e.ID = EventID(seq)
	e.At = e.At.UTC()
	e.Created = t.nowUTC()
	key := idKey(seq)
	if err := putJSON(events, key, e); err != nil {
		return Event{}, false, err
	}
	if e.ExternalID != "" {
		if err := byExt.Put([]byte(e.ExternalID), key); err != nil {
			return Event{}, false, err
		}
	}
	if err := t.bucket(bucketEventsByContact).Put(contactEventKey(e), nil); err != nil {
		return Event{}, false, err
	}
	return e, true, nil
}

// contactEventKey orders a contact's events by time: contact id, time, event id.
func contactEventKey(e Event) []byte {
	k := make([]byte, 0, 24)
	k = binary.BigEndian.AppendUint64(k, uint64(e.ContactID))
	k = binary.BigEndian.AppendUint64(k, timeKey(e.At))
	return binary.BigEndian.AppendUint64(k, uint64(e.ID))
}

// EventsOf returns a contact's events, oldest first, reading only that
// contact's part of the index.
func (t *Tx) EventsOf(id ContactID) ([]Event, error) {
	var out []Event
	for _, eid := range t.idsUnder(bucketEventsByContact, uint64(id)) {
		var e Event
		if err := getJSON(t.bucket(bucketEvents), idKey(eid), &e); err != nil {
			return nil, fmt.Errorf("events index: event %s: %w", EventID(eid), err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AddEvent is Tx.AddEvent in its own group-committed write.
func (s *Store) AddEvent(ctx context.Context, in Event) (e Event, created bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		e, created, err = tx.AddEvent(in)
		return err
	})
	return e, created, err
}
