package store

import (
	"encoding/binary"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// asSchema turns the closed store file at path back into one written by
// the schema version given: the buckets a later migration added are
// dropped and the version is set back, so that opening it runs those
// migrations on the records already there.
func asSchema(t testing.TB, path string, version int, added ...[]byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range added {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, uint64(version)))
	}); err != nil {
		t.Fatal(err)
	}
}
