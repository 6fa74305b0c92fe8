package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotFound means no record matches.
var ErrNotFound = errors.New("not found")

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
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode record %x: %w", key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	return b.Put(key, data)
}

// emailKey is the index key of an email: addresses are compared without case,
// as every mail provider a small business meets does.
func emailKey(email string) []byte { return []byte(strings.ToLower(strings.TrimSpace(email))) }
