package csvimport

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"strings"
)

// uniqueKey is a value that at most one row of a file may hold, such as a
// contact's email: the same email twice in one file is a mistake to show,
// not a silent merge.
type uniqueKey struct{ field, value string }

// dupError refuses a row that repeats a unique value of an earlier row.
// first is 0 until the earlier row is confirmed (see claims).
type dupError struct {
	field, value string
	first        int
}

func (e *dupError) Error() string {
	return fmt.Sprintf("%s %s is also on line %d", e.field, e.value, e.first)
}

// claims finds the rows that repeat a unique value of an earlier row while
// holding one 64-bit hash per value rather than the value, nor even its
// line: a million contacts with an email and a phone cost some 23 MB (a
// Go map from hash to line would take 75 MB, the strings more). A row one
// of whose hashes was seen is refused as a hit; before anything is written
// the file is read again to check each hit against the row that claimed
// the hash first, and to name that row's line (see importer.confirm). Two
// values that merely share a hash (about one chance in a million for a
// file of five million values) never refuse a row: their hash is then
// tracked by value and the file is checked again.
type claims struct {
	// hash is a fixed function for the whole import; tests replace it to
	// force collisions.
	hash func(field, value string) uint64
	seen hashSet
	// byValue holds the keys whose hash two different values turned out
	// to share (almost never any), by field and value, with their first
	// line.
	collided map[uint64]bool
	byValue  map[uniqueKey]int
	hits     []claimHit
}

// claimHit is a row refused because one of its keys hashed to a claimed
// hash: row is its index among the file's rows, key the index of the key.
type claimHit struct {
	row  int
	key  int
	hash uint64
}

func newClaims() *claims {
	seed := maphash.MakeSeed()
	c := &claims{hash: func(field, value string) uint64 {
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(field)
		h.WriteByte(0)
		h.WriteString(value)
		return h.Sum64()
	}}
	c.reset()
	return c
}

// reset forgets the rows seen, before a pass checks the file again; the
// hashes known to collide stay tracked by value.
func (c *claims) reset() {
	c.seen = hashSet{}
	c.byValue = map[uniqueKey]int{}
	c.hits = nil
}

// expect sizes the table of hashes for the whole file once part of it is
// read: read of total bytes gave the hashes seen so far.
func (c *claims) expect(read, total int64) {
	if read > 0 && total > read {
		c.seen.reserve(int(float64(c.seen.n) * float64(total) / float64(read) / 0.7))
	}
}

// track makes the keys of these hashes be tracked by value.
func (c *claims) track(hashes []uint64) {
	if c.collided == nil {
		c.collided = map[uint64]bool{}
	}
	for _, h := range hashes {
		c.collided[h] = true
	}
}

// claim records the non-empty keys of row (at line) as seen, or returns
// the error that refuses the row: a key seen on an earlier row leaves
// every key of this one unclaimed.
func (c *claims) claim(row, line int, keys []uniqueKey) error {
	for i, k := range keys {
		if k.value == "" {
			continue
		}
		h := c.hash(k.field, k.value)
		if c.collided[h] {
			if first, dup := c.byValue[k]; dup {
				return &dupError{field: k.field, value: strings.Clone(k.value), first: first}
			}
			continue
		}
		if c.seen.has(h) {
			c.hits = append(c.hits, claimHit{row: row, key: i, hash: h})
			return &dupError{field: k.field, value: strings.Clone(k.value)}
		}
	}
	for _, k := range keys {
		if k.value == "" {
			continue
		}
		if h := c.hash(k.field, k.value); c.collided[h] {
			c.byValue[uniqueKey{k.field, strings.Clone(k.value)}] = line
		} else {
			c.seen.add(h)
		}
	}
	return nil
}

// hashSet is a set of 64-bit hashes in one flat table, found by linear
// probing: some 12 bytes a hash where a Go map takes 38, which is most of
// what a large contacts import holds.
type hashSet struct {
	slots []uint64 // 0 is an empty slot
	n     int      // hashes in slots
	zero  bool     // whether the hash 0 is in the set
}

// maxLoad is the share of slots in use past which the table grows.
const maxLoad = 0.8

func (s *hashSet) has(h uint64) bool {
	if h == 0 {
		return s.zero
	}
	if len(s.slots) == 0 {
		return false
	}
	for i := s.home(h); ; i = s.after(i) {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

func (s *hashSet) add(h uint64) {
	if h == 0 {
		s.zero = true
		return
	}
	if float64(s.n+1) > maxLoad*float64(len(s.slots)) {
		s.reserve(max(1024, len(s.slots)*3/2))
	}
	i := s.home(h)
	for ; s.slots[i] != 0; i = s.after(i) {
		if s.slots[i] == h {
			return
		}
	}
	s.slots[i] = h
	s.n++
}

// reserve makes the table hold at least n slots, so that a table sized
// from an estimate of the file's keys does not grow (and hold its old
// copy) along the way.
func (s *hashSet) reserve(n int) {
	if n <= len(s.slots) {
		return
	}
	old := s.slots
	s.slots, s.n = make([]uint64, n), 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}

// home maps a hash onto the table evenly, whatever the table's size.
func (s *hashSet) home(h uint64) int {
	i, _ := bits.Mul64(h, uint64(len(s.slots)))
	return int(i)
}

func (s *hashSet) after(i int) int {
	if i+1 == len(s.slots) {
		return 0
	}
	return i + 1
}

// claimant is the first row that claimed a hash, and the key it did so with.
type claimant struct {
	line int
	key  uniqueKey
}

// maxConfirmBatch bounds how many hits one reading of the file confirms,
// and so how many claimants it holds: a file made of the same rows twice
// is confirmed in several readings rather than by holding half its values.
const maxConfirmBatch = 1 << 16

// hitChecker confirms one batch of hits in one reading of the file.
type hitChecker struct {
	c        *claims
	batch    []claimHit
	next     int // the next hit of batch to meet
	firsts   map[uint64]claimant
	collided []uint64
}

func newHitChecker(c *claims, batch []claimHit) *hitChecker {
	hc := &hitChecker{c: c, batch: batch, firsts: make(map[uint64]claimant, len(batch))}
	for _, h := range batch {
		hc.firsts[h.hash] = claimant{}
	}
	return hc
}

// done says whether every hit of the batch was met.
func (hc *hitChecker) done() bool { return hc.next == len(hc.batch) }

// isHit says whether the row at index row is the next hit of the batch.
func (hc *hitChecker) isHit(row int) bool { return !hc.done() && hc.batch[hc.next].row == row }

// accepted notes the keys of a row that was not refused: the first such
// row with a key of a hit's hash is the row that claimed it.
func (hc *hitChecker) accepted(line int, keys []uniqueKey) {
	for _, k := range keys {
		if k.value == "" {
			continue
		}
		h := hc.c.hash(k.field, k.value)
		if first, ok := hc.firsts[h]; ok && first.line == 0 {
			hc.firsts[h] = claimant{line: line, key: uniqueKey{k.field, strings.Clone(k.value)}}
		}
	}
}

// hit checks the next hit, a row with these keys, against its claimant,
// and returns the claimant's line, or 0 when the two only share a hash
// (which is then to be tracked by value).
func (hc *hitChecker) hit(keys []uniqueKey) int {
	h := hc.batch[hc.next]
	hc.next++
	first := hc.firsts[h.hash]
	if first.line == 0 || h.key >= len(keys) || keys[h.key] != first.key {
		hc.collided = append(hc.collided, h.hash)
		return 0
	}
	return first.line
}
