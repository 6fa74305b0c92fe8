package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// PutCase creates a case (ID zero) or replaces a stored one.
func (t *Tx) PutCase(c Case) (Case, error) {
	b := t.bucket(bucketCases)
	if c.ID == 0 {
		if err := t.requireContact(c.ContactID); err != nil {
			return Case{}, err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return Case{}, err
		}
		c.ID = CaseID(seq)
		if err := t.bucket(bucketCasesByContact).Put(caseContactKey(c.ContactID, c.ID), nil); err != nil {
			return Case{}, err
		}
		if c.State == "" {
			c.State = CaseOpen
		}
		if c.Opened.IsZero() {
			c.Opened = t.nowUTC()
		}
		if err := t.indexCaseReminder(c, nil); err != nil {
			return Case{}, err
		}
	} else {
		old, err := t.Case(c.ID)
		if err != nil {
			return Case{}, err
		}
		if err := t.indexCaseReminder(c, &old); err != nil {
			return Case{}, err
		}
	}
	c.Updated = t.nowUTC()
	return c, putJSON(b, idKey(uint64(c.ID)), c)
}

// caseDueKey orders the cases waiting for a reminder by due time, then id.
func caseDueKey(c Case) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 16), timeKey(c.Due))
	return binary.BigEndian.AppendUint64(k, uint64(c.ID))
}

// indexCaseReminder keeps the index of cases waiting for a reminder in
// step with c written over old (nil for a new case).
func (t *Tx) indexCaseReminder(c Case, old *Case) error {
	idx := t.bucket(bucketCasesToRemind)
	if old != nil && old.AwaitsReminder() {
		if err := idx.Delete(caseDueKey(*old)); err != nil {
			return err
		}
	}
	if c.AwaitsReminder() {
		return idx.Put(caseDueKey(c), nil)
	}
	return nil
}

// OverdueCases calls fn for each open case past its due time whose
// assignee has not been reminded yet, most overdue first. It reads only
// those cases, through their index: the sweep costs the same with a
// hundred cases in the store or a hundred thousand.
func (t *Tx) OverdueCases(now time.Time, fn func(Case) error) error {
	var ids []CaseID
	end := timeKey(now)
	cur := t.bucket(bucketCasesToRemind).Cursor()
	for k, _ := cur.First(); len(k) == 16 && binary.BigEndian.Uint64(k) < end; k, _ = cur.Next() {
		ids = append(ids, CaseID(binary.BigEndian.Uint64(k[8:])))
	}
	// The ids are read first: fn may update the cases, and so the index.
	for _, id := range ids {
		c, err := t.Case(id)
		if err != nil {
			return fmt.Errorf("cases to remind index: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// Case returns the case with that id.
func (t *Tx) Case(id CaseID) (Case, error) {
	var c Case
	if err := getJSON(t.bucket(bucketCases), idKey(uint64(id)), &c); err != nil {
		return Case{}, fmt.Errorf("case %s: %w", id, err)
	}
	return c, nil
}

// caseContactKey orders a contact's cases by id: contact id, case id.
func caseContactKey(contact ContactID, id CaseID) []byte { return pairKey(uint64(contact), uint64(id)) }

// pairKey is the key of an index by owner then id (a contact's cases, a
// contact's responses): 16 bytes that sort by the first, then the second.
func pairKey(first, second uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(make([]byte, 0, 16), first), second)
}

// idsUnder lists, in key order, the ids that end the keys of an index
// whose first 8 bytes are first (a pairKey, or a contact's surveys and
// events by time).
func (t *Tx) idsUnder(bucket []byte, first uint64) []uint64 {
	prefix := binary.BigEndian.AppendUint64(nil, first)
	var ids []uint64
	cur := t.bucket(bucket).Cursor()
	for k, _ := cur.Seek(prefix); len(k) >= 16 && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		ids = append(ids, binary.BigEndian.Uint64(k[len(k)-8:]))
	}
	return ids
}

// CasesOf calls fn for each of the contact's cases, oldest first. It reads
// that contact's cases only, through their index: what an answer does
// costs the same with ten cases in the store or a hundred thousand.
func (t *Tx) CasesOf(contact ContactID, fn func(Case) error) error {
	for _, id := range t.idsUnder(bucketCasesByContact, uint64(contact)) {
		c, err := t.Case(CaseID(id))
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// ForEachCase calls fn for every case, oldest first.
func (t *Tx) ForEachCase(fn func(Case) error) error {
	return t.bucket(bucketCases).ForEach(func(k, v []byte) error {
		var c Case
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode case %s: %w", CaseID(keyID(k)), err)
		}
		return fn(c)
	})
}

// CasesNewestFirst calls fn for each case opened before the case before
// (every case when before is zero), newest first, until fn says to stop.
// It reads the cases bucket backwards from there, so a page of the owner's
// list of cases reads that page, not every case the store has kept.
func (t *Tx) CasesNewestFirst(before CaseID, fn func(Case) (more bool, err error)) error {
	cur := t.bucket(bucketCases).Cursor()
	k, v := cur.Last()
	if before != 0 {
		if k, _ = cur.Seek(idKey(uint64(before))); k == nil {
			k, v = cur.Last()
		} else {
			k, v = cur.Prev()
		}
	}
	for ; k != nil; k, v = cur.Prev() {
		var c Case
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("decode case %s: %w", CaseID(keyID(k)), err)
		}
		if more, err := fn(c); err != nil || !more {
			return err
		}
	}
	return nil
}
