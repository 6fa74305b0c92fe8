package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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
}

// Inbound returns the message stored under key; ok is false when it is new.
func (t *Tx) Inbound(key string) (m InboundMessage, ok bool, err error) {
	err = getJSON(t.bucket(bucketInbound), outsideKey(key), &m)
	if errors.Is(err, ErrNotFound) {
		return InboundMessage{}, false, nil
	}
	return m, err == nil, err
}

// PutInbound stores an incoming message.
func (t *Tx) PutInbound(m InboundMessage) error {
	if m.Key == "" {
		return fmt.Errorf("%w: an inbound message needs a key", ErrInvalid)
	}
	m.Received = m.Received.UTC()
	m.Key = OutsideKey(m.Key)
	if m.NeedsOwner {
		if err := t.bucket(bucketInboundForOwner).Put(ownerInboxKey(m), nil); err != nil {
			return err
		}
	}
	if m.UnknownSender {
		if err := t.bucket(bucketInboundUnknown).Put(ownerInboxKey(m), nil); err != nil {
			return err
		}
	}
	return putJSON(t.bucket(bucketInbound), []byte(m.Key), m)
}

// ownerInboxKey orders the messages kept for the owner by time.
func ownerInboxKey(m InboundMessage) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(m.Received.UnixNano())), m.Key...)
}

// DropUnknownSenders deletes the messages from unknown senders received
// before cutoff, at most max of them (the caller comes back for the
// rest), and returns how many it deleted. It reads only the index of such
// messages, oldest first, so its cost is what it deletes.
func (t *Tx) DropUnknownSenders(cutoff time.Time, max int) (int, error) {
	if !cutoff.After(time.Unix(0, 0)) {
		return 0, nil
	}
	limit := binary.BigEndian.AppendUint64(nil, uint64(cutoff.UnixNano()))
	unknown, forOwner, inbound := t.bucket(bucketInboundUnknown), t.bucket(bucketInboundForOwner), t.bucket(bucketInbound)
	var keys [][]byte
	c := unknown.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < max && string(k[:8]) < string(limit); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		for _, b := range []*bolt.Bucket{unknown, forOwner} {
			if err := b.Delete(k); err != nil {
				return 0, err
			}
		}
		if err := inbound.Delete(k[8:]); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// ForEachForOwner calls fn for each message kept for the owner (see
// InboundMessage.NeedsOwner) received at or after since, oldest first.
func (t *Tx) ForEachForOwner(since time.Time, fn func(InboundMessage) error) error {
	c := t.bucket(bucketInboundForOwner).Cursor()
	k, _ := c.First()
	if since.After(time.Unix(0, 0)) {
		k, _ = c.Seek(binary.BigEndian.AppendUint64(nil, uint64(since.UnixNano())))
	}
	for ; k != nil; k, _ = c.Next() {
		m, ok, err := t.Inbound(string(k[8:]))
		if err != nil {
			return err
		}
		if ok {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForEachInbound calls fn for every stored incoming message.
func (t *Tx) ForEachInbound(fn func(InboundMessage) error) error {
	return t.bucket(bucketInbound).ForEach(func(k, v []byte) error {
		var m InboundMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode inbound %q: %w", k, err)
		}
		return fn(m)
	})
}

// IndexProviderID remembers which job a provider's message id (a Twilio
// MessageSid, an email Message-ID) belongs to, for delivery callbacks and
// for matching replies.
func (t *Tx) IndexProviderID(providerID string, job JobID) error {
	if providerID == "" {
		return nil
	}
	return t.bucket(bucketJobsByProvider).Put(outsideKey(providerID), idKey(uint64(job)))
}

// JobByProviderID returns the job a provider's message id belongs to.
func (t *Tx) JobByProviderID(providerID string) (Job, error) {
	v := t.bucket(bucketJobsByProvider).Get(outsideKey(providerID))
	if v == nil {
		return Job{}, fmt.Errorf("message %q: %w", providerID, ErrNotFound)
	}
	return t.Job(JobID(keyID(v)))
}

var keySigningKey = []byte("signing_key")

// SigningKey returns the key that signs survey and unsubscribe links,
// creating it on first use. It lives in the store so that links keep
// working across restarts and a restored backup still honours them.
func (s *Store) SigningKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := s.Update(ctx, func(tx *Tx) error {
		meta := tx.bucket(bucketMeta)
		if k := meta.Get(keySigningKey); len(k) == 32 {
			key = append([]byte(nil), k...)
			return nil
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return meta.Put(keySigningKey, key)
	})
	return key, err
}
