package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/nps"
)

// ErrAlreadyDecided means the owner's decision about a message was
// recorded before: a message is decided once.
var ErrAlreadyDecided = errors.New("already decided")

// maxDecidedBy bounds who decided, a name typed by the owner.
const maxDecidedBy = 200

// checkDecision refuses a decision that is not one the owner can make.
func checkDecision(d OwnerDecision) error {
	switch d.Action {
	case DecisionScore:
		if !nps.ValidScore(d.Score) {
			return fmt.Errorf("%w: score %d is outside 0-10", ErrInvalid, d.Score)
		}
	case DecisionOptOut, DecisionDismiss:
		if d.Score != 0 {
			return fmt.Errorf("%w: a %s decision takes no score", ErrInvalid, d.Action)
		}
	default:
		return fmt.Errorf("%w: a decision is score, opt_out or dismiss, not %q", ErrInvalid, d.Action)
	}
	if strings.TrimSpace(d.By) == "" {
		return fmt.Errorf("%w: a decision says who made it", ErrInvalid)
	}
	if len(d.By) > maxDecidedBy {
		return fmt.Errorf("%w: who decided is %d bytes, longer than %d", ErrInvalid, len(d.By), maxDecidedBy)
	}
	if d.At.IsZero() {
		return fmt.Errorf("%w: a decision has no time", ErrInvalid)
	}
	return nil
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
	if m.NeedsOwner && m.Decision == nil {
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
// InboundMessage.NeedsOwner) and not decided yet, received at or after
// since, oldest first.
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
		if ok && m.Decision == nil {
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// ForEachForOwnerNewest is ForEachForOwner newest first, stopping after
// max messages: the dashboard shows the latest ones.
func (t *Tx) ForEachForOwnerNewest(max int, fn func(InboundMessage) error) error {
	c := t.bucket(bucketInboundForOwner).Cursor()
	n := 0
	for k, _ := c.Last(); k != nil && n < max; k, _ = c.Prev() {
		m, ok, err := t.Inbound(string(k[8:]))
		if err != nil {
			return err
		}
		if !ok || m.Decision != nil {
			continue
		}
		n++
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// DecideInbound records the owner's decision about a message kept for
// them and takes it off their list; it returns the message as it is now.
// key comes from the owner (a command line, a form), so it is bounded as
// any key from outside. A message decided already is refused with
// ErrAlreadyDecided, saying what was decided and by whom; one that was not
// kept for the owner (npsd acted on it) with ErrInvalid.
func (t *Tx) DecideInbound(key string, d OwnerDecision) (InboundMessage, error) {
	if key == "" {
		return InboundMessage{}, fmt.Errorf("%w: a message key is required", ErrInvalid)
	}
	d.At = d.At.UTC()
	d.By = strings.TrimSpace(d.By)
	if err := checkDecision(d); err != nil {
		return InboundMessage{}, err
	}
	m, ok, err := t.Inbound(key)
	if err != nil {
		return InboundMessage{}, err
	}
	if !ok {
		return InboundMessage{}, fmt.Errorf("message %q: %w", OutsideKey(key), ErrNotFound)
	}
	if m.Decision != nil {
		return m, fmt.Errorf("message %q: %w: %s", m.Key, ErrAlreadyDecided, m.Decision)
	}
	if !m.NeedsOwner {
		return m, fmt.Errorf("%w: message %q was not kept for the owner (%s)", ErrInvalid, m.Key, m.Outcome)
	}
	if err := t.bucket(bucketInboundForOwner).Delete(ownerInboxKey(m)); err != nil {
		return InboundMessage{}, err
	}
	m.Decision = &d
	if err := putJSON(t.bucket(bucketInbound), []byte(m.Key), m); err != nil {
		return InboundMessage{}, err
	}
	return m, nil
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
