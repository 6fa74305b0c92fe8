package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/store/record"
)

// ErrNotFound means no record matches.
var ErrNotFound = record.ErrNotFound

// ErrConflict means a write would give two records the same unique key (an
// email, a phone number or an external id).
var ErrConflict = errors.New("conflict")

// ErrInvalid means a record breaks a rule the store enforces itself.
var ErrInvalid = errors.New("invalid record")

// Tx is a transaction over the store's records. It is valid only inside the
// function given to View or Update.
type Tx struct {
	tx  *bolt.Tx
	now func() time.Time
	// jobs and surveys spare the writer's transactions a second decoding
	// of a record (see record.Memo); nil in any other.
	jobs    *record.Memo[JobID, Job]
	surveys *record.Memo[SurveyID, Survey]
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
	if err := record.Decode(data, v); err != nil {
		return fmt.Errorf("decode record %x: %w", key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := record.Encode(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	return b.Put(key, data)
}

// emailKey is the index key of an email: addresses are compared without case,
// as every mail provider a small business meets does.
func emailKey(email string) []byte { return []byte(strings.ToLower(strings.TrimSpace(email))) }

// MaxExternalID is record.MaxExternalID.
const MaxExternalID = record.MaxExternalID

// outsideKey is record.OutsideKey as an index key.
func outsideKey(s string) []byte { return []byte(record.OutsideKey(s)) }

// OutsideKey is record.OutsideKey, for a record that keeps its own key
// (an inbound message).
func OutsideKey(s string) string { return record.OutsideKey(s) }

// checkExternalID refuses an external id longer than MaxExternalID.
func checkExternalID(id string) error {
	if len(id) > MaxExternalID {
		return fmt.Errorf("%w: external id is %d bytes, longer than %d", ErrInvalid, len(id), MaxExternalID)
	}
	return nil
}
