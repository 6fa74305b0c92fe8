package store

import (
	"fmt"

	"github.com/npsd/npsd/store/record"
)

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
