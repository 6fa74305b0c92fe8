package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// memoCap bounds what one transaction remembers: a transaction that reads
// many records (a listing, a migration) forgets and starts over rather
// than holding them all.
const memoCap = 1024

// Memo remembers the records a transaction decoded or wrote, by id, with
// the stored bytes each came from, so that reading the same record again
// in that transaction (an update reads what the caller read a moment
// before) costs a copy instead of a decoding.
//
// Bytes are recognised as the same by their address and length, not their
// content: until its transaction ends, bbolt hands back the very slice a
// value was read from (its page, which does not change under a
// transaction) or written with, and a write of the record puts another
// slice in its place. So a remembered value is only ever returned for the
// bytes it was decoded from or encoded to; anything else is a miss.
//
// Values go in and come out as clones, so that what a caller changes (an
// attempt appended, a field of the last one set) never reaches the memo.
// The zero Memo is empty and ready.
type Memo[K comparable, V interface{ Clone() V }] struct {
	entries map[K]memoEntry[V]
}

type memoEntry[V any] struct {
	data  []byte
	value V
}

// Recall returns a copy of the value remembered for id, if it came from
// data itself.
func (m *Memo[K, V]) Recall(id K, data []byte) (V, bool) {
	e, ok := m.entries[id]
	if !ok || !sameSlice(e.data, data) {
		var zero V
		return zero, false
	}
	return e.value.Clone(), true
}

// ErrNotFound means no record matches.
var ErrNotFound = errors.New("not found")

// Decode returns the value remembered for id if it came from data, and
// otherwise decodes data and remembers what it read. No data (nothing
// stored under the key) is ErrNotFound.
func (m *Memo[K, V]) Decode(id K, data []byte) (V, error) {
	if v, ok := m.Recall(id, data); ok {
		return v, nil
	}
	var v V
	if data == nil {
		return v, ErrNotFound
	}
	if err := Decode(data, &v); err != nil {
		return v, fmt.Errorf("decode record: %w", err)
	}
	m.Keep(id, data, v)
	return v, nil
}

// Encode encodes value as stored, and remembers it as what the bytes it
// returns hold for id: the caller stores them under id or fails its
// transaction.
func (m *Memo[K, V]) Encode(id K, value V) ([]byte, error) {
	data, err := Encode(value)
	if err == nil {
		m.Keep(id, data, value)
	}
	return data, err
}

// Keep remembers a copy of value as what data holds for id.
func (m *Memo[K, V]) Keep(id K, data []byte, value V) {
	if len(data) == 0 {
		return
	}
	if m.entries == nil || len(m.entries) >= memoCap {
		m.entries = make(map[K]memoEntry[V])
	}
	m.entries[id] = memoEntry[V]{data: data, value: value.Clone()}
}

// Decode reads a stored record into v. A record that decodes itself is
// called directly: json.Unmarshal would first scan the whole record only
// to hand it over.
func Decode(data []byte, v any) error {
	if u, ok := v.(json.Unmarshaler); ok {
		return u.UnmarshalJSON(data)
	}
	return json.Unmarshal(data, v)
}

// Encode writes a record as it is stored. A record that encodes itself is
// called directly: json.Marshal would scan and compact again what the
// record's own json.Marshal made compact.
func Encode(v any) ([]byte, error) {
	if m, ok := v.(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	return json.Marshal(v)
}

func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// Head is the job's head, as JobHead reads it.
func (j Job) Head() JobHead {
	return JobHead{ID: j.ID, Channel: j.Channel, State: j.State, Due: j.Due, Created: j.Created}
}

// Clone returns a copy of the job that shares nothing it could change.
func (j Job) Clone() Job {
	j.Attempts = slices.Clone(j.Attempts)
	if j.Payload.Score != nil {
		j.Payload.Score = IntPtr(*j.Payload.Score)
	}
	j.Payload.Webhook = slices.Clone(j.Payload.Webhook)
	j.Payload.LegacySummary = slices.Clone(j.Payload.LegacySummary)
	return j
}

// Clone returns a copy of the survey that shares nothing it could change.
func (s Survey) Clone() Survey {
	s.Attempts = slices.Clone(s.Attempts)
	return s
}
