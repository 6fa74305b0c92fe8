package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// memoCap bounds each of a memo's two generations: when the newer fills,
// the older is forgotten and the newer takes its place, so that a memo
// holds between memoCap and twice as many records, the most recently
// decoded or written, however many a transaction reads.
const memoCap = 1024

// Memo remembers records as decoded or encoded, by id, with the stored
// bytes each came from, so that reading a record whose stored bytes have
// not changed since (an update reads what its caller read a moment before;
// a send's outcome reads the job its claim wrote) costs a comparison and a
// copy instead of a decoding.
//
// A value is only ever returned for bytes equal to the ones it was decoded
// from or encoded to, compared in full, so a memo can outlive a
// transaction, even one rolled back: whoever wrote the record since, the
// value is the one its bytes decode to. Values go in and come out as
// clones, so that what a caller changes (an attempt appended, a field of
// the last one set) never reaches the memo. The zero Memo is empty and
// ready; a nil one remembers nothing. A memo is not safe for use by more
// than one goroutine at a time.
//
// Only records that are still changing are kept (see Memoized): a job
// claimed is read again when its outcome is recorded, a job sent rarely.
type Memo[K comparable, V Memoized[V]] struct {
	newer, older map[K]memoEntry[V]
}

// Memoized is a record a Memo can keep.
type Memoized[V any] interface {
	// Clone returns a copy that shares nothing a caller could change.
	Clone() V
	// Changing reports whether the record is likely to be read and
	// written again soon (a job waiting or being sent): a memo keeps
	// only those.
	Changing() bool
}

type memoEntry[V any] struct {
	data  []byte // the memo's own copy
	value V
}

// ErrNotFound means no record matches.
var ErrNotFound = errors.New("not found")

// Recall returns a copy of the value remembered for id, if it was
// decoded from or encoded to bytes equal to data.
func (m *Memo[K, V]) Recall(id K, data []byte) (V, bool) {
	if m == nil {
		var zero V
		return zero, false
	}
	e, ok := m.newer[id]
	if !ok {
		e, ok = m.older[id]
	}
	if !ok || len(data) == 0 || !bytes.Equal(e.data, data) {
		var zero V
		return zero, false
	}
	return e.value.Clone(), true
}

// Decode returns the value remembered for id if it came from bytes equal
// to data, and otherwise decodes data and remembers what it read. No data
// (nothing stored under the key) is ErrNotFound.
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
	if m != nil {
		if v.Changing() {
			// data is the store's (a page of its file): the memo
			// keeps a copy of what it keeps.
			data = bytes.Clone(data)
		}
		m.keep(id, data, v)
	}
	return v, nil
}

// Encode encodes value as stored, and remembers it as what the bytes it
// returns hold. The caller stores them under id, or fails its write.
func (m *Memo[K, V]) Encode(id K, value V) ([]byte, error) {
	data, err := Encode(value)
	if err == nil {
		// The bytes are the memo's as much as the store's: neither
		// changes them.
		m.keep(id, data, value)
	}
	return data, err
}

func (m *Memo[K, V]) keep(id K, data []byte, value V) {
	if m == nil || len(data) == 0 {
		return
	}
	if !value.Changing() {
		delete(m.newer, id)
		delete(m.older, id)
		return
	}
	if m.newer == nil || len(m.newer) >= memoCap {
		m.older, m.newer = m.newer, make(map[K]memoEntry[V], memoCap)
	}
	// The older value goes: what a forgotten contact's job carried must
	// not stay in memory behind the value that replaced it.
	delete(m.older, id)
	m.newer[id] = memoEntry[V]{data: data, value: value.Clone()}
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

// Changing reports whether the job is still to be sent or being sent.
func (j Job) Changing() bool { return j.Active() }

// Changing reports whether the survey's message is still to be sent or
// being sent.
func (s Survey) Changing() bool { return s.State == SurveyPending || s.State == SurveyInflight }
