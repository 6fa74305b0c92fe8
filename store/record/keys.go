package record

import (
	"crypto/sha256"
	"encoding/hex"
)

// maxOutsideKey bounds an index key built from data that comes from
// outside: an email's Message-ID, a Twilio MessageSid, a shop's external
// id. bbolt refuses keys over 32 KB, and a refused key would fail the same
// message on every try; long keys also waste pages. Real ones are far
// shorter (a Message-ID is rarely over 100 bytes).
const maxOutsideKey = 512

// MaxExternalID is the longest external id a contact or an event may have.
// It names a record in the shop's systems (an order, a customer number);
// anything longer is a mistake, refused with the field named rather than
// stored.
const MaxExternalID = 256

// OutsideKey is the index key for a value that comes from outside. A value
// within maxOutsideKey is its own key, so existing keys are unchanged; a
// longer one keeps its beginning, for a person reading the file, and ends
// with the SHA-256 of the whole, so two long values never share a key.
func OutsideKey(s string) string {
	if len(s) <= maxOutsideKey {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return s[:maxOutsideKey-80] + "…sha256:" + hex.EncodeToString(sum[:])
}
