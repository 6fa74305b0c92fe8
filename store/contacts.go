package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// UpsertResult says what an upsert did.
type UpsertResult int

const (
	Unchanged UpsertResult = iota
	Created
	Updated
)

func (r UpsertResult) String() string {
	switch r {
	case Created:
		return "created"
	case Updated:
		return "updated"
	}
	return "unchanged"
}

// UpsertContact creates the contact or merges it into the one it matches:
// by external id first, then by email, then by phone. Non-empty fields of in
// replace stored ones and attributes are merged key by key, so an import with
// fewer columns never erases what another source knew. An email, phone or
// external id that belongs to a different contact is an ErrConflict.
func (t *Tx) UpsertContact(in Contact) (Contact, UpsertResult, error) {
	if err := checkExternalID(in.ExternalID); err != nil {
		return Contact{}, Unchanged, err
	}
	match, err := t.matchContact(in)
	if err != nil {
		return Contact{}, Unchanged, err
	}

	now := t.nowUTC()
	if match == 0 {
		return t.createContact(in, now)
	}

	old, err := t.Contact(match)
	if err != nil {
		return Contact{}, Unchanged, err
	}
	if in.ExternalID != "" && old.ExternalID != "" && in.ExternalID != old.ExternalID {
		// Two records of the shop's system share an address (a family, a
		// shared phone): neither is renamed into the other.
		return Contact{}, Unchanged, fmt.Errorf("%w: contact %s has external id %s, not %s, with the same email or phone", ErrConflict, old.ID, old.ExternalID, in.ExternalID)
	}
	merged := old.MergedWith(in)
	if old.SameFields(merged) {
		return old, Unchanged, nil
	}
	merged.Updated = now
	if err := t.putContact(merged, &old); err != nil {
		return Contact{}, Unchanged, err
	}
	return merged, Updated, nil
}

// matchContact finds the contact in's keys name, 0 when none does: by
// external id first, then by email, then by phone. Keys that name two
// different contacts are an ErrConflict.
func (t *Tx) matchContact(in Contact) (ContactID, error) {
	byExt := t.bucket(bucketContactsByExternal)
	byEmail := t.bucket(bucketContactsByEmail)
	byPhone := t.bucket(bucketContactsByPhone)

	type unique struct {
		field string
		value string
		b     *bolt.Bucket
		key   []byte
	}
	uniques := []unique{
		{"external_id", in.ExternalID, byExt, []byte(in.ExternalID)},
		{"email", in.Email, byEmail, emailKey(in.Email)},
		{"phone", in.Phone, byPhone, []byte(in.Phone)},
	}

	var match ContactID
	for _, u := range uniques {
		if u.value == "" {
			continue
		}
		if v := u.b.Get(u.key); v != nil {
			match = ContactID(keyID(v))
			break
		}
	}
	for _, u := range uniques {
		if u.value == "" {
			continue
		}
		if v := u.b.Get(u.key); v != nil && match != 0 && ContactID(keyID(v)) != match {
			return 0, fmt.Errorf("%w: %s %s belongs to contact %s, not %s", ErrConflict, u.field, u.value, ContactID(keyID(v)), match)
		}
	}
	return match, nil
}

// createContact stores in as a new contact, created now.
func (t *Tx) createContact(in Contact, now time.Time) (Contact, UpsertResult, error) {
	if in.ExternalID == "" && in.Email == "" && in.Phone == "" {
		return Contact{}, Unchanged, fmt.Errorf("%w: a contact needs an email, a phone or an external id", ErrInvalid)
	}
	seq, err := t.bucket(bucketContacts).NextSequence()
	if err != nil {
		return Contact{}, Unchanged, err
	}
	c := in
	c.ID = ContactID(seq)
	c.Created, c.Updated = now, now
	if err := t.putContact(c, nil); err != nil {
		return Contact{}, Unchanged, err
	}
	return c, Created, nil
}

// putContact writes c and moves its index entries from old (nil for a new
// contact).
func (t *Tx) putContact(c Contact, old *Contact) error {
	id := idKey(uint64(c.ID))
	indexes := []struct {
		b        *bolt.Bucket
		old, new []byte
	}{
		{t.bucket(bucketContactsByExternal), nil, []byte(c.ExternalID)},
		{t.bucket(bucketContactsByEmail), nil, emailKey(c.Email)},
		{t.bucket(bucketContactsByPhone), nil, []byte(c.Phone)},
	}
	if old != nil {
		indexes[0].old = []byte(old.ExternalID)
		indexes[1].old = emailKey(old.Email)
		indexes[2].old = []byte(old.Phone)
	}
	for _, ix := range indexes {
		if len(ix.old) > 0 && string(ix.old) != string(ix.new) {
			if err := ix.b.Delete(ix.old); err != nil {
				return err
			}
		}
		if len(ix.new) > 0 {
			if err := ix.b.Put(ix.new, id); err != nil {
				return err
			}
		}
	}
	return putJSON(t.bucket(bucketContacts), id, c)
}

// Contact returns the contact with that id.
func (t *Tx) Contact(id ContactID) (Contact, error) {
	var c Contact
	if err := getJSON(t.bucket(bucketContacts), idKey(uint64(id)), &c); err != nil {
		return Contact{}, fmt.Errorf("contact %s: %w", id, err)
	}
	return c, nil
}

// ContactByKey finds a contact by any of its keys: its id (c42), its external
// id, its email or its phone (as stored, E.164). phone is the key normalized
// as a phone number by the caller, or "" when it is not one. A key that
// names two different contacts (an external id that is also someone's phone)
// is refused rather than guessed.
func (t *Tx) ContactByKey(key, phone string) (Contact, error) {
	id, err := t.ContactIDByKey(key, phone)
	if err != nil {
		return Contact{}, err
	}
	return t.Contact(id)
}

// ContactIDByKey is ContactByKey without reading the record, for writes that
// only need to point at the contact.
func (t *Tx) ContactIDByKey(key, phone string) (ContactID, error) {
	key = strings.TrimSpace(key)
	found := map[ContactID]string{}
	if id, ok := ParseContactID(key); ok && t.bucket(bucketContacts).Get(idKey(uint64(id))) != nil {
		found[id] = "id"
	}
	lookups := []struct {
		what string
		b    *bolt.Bucket
		k    []byte
	}{
		{"external id", t.bucket(bucketContactsByExternal), []byte(key)},
		{"email", t.bucket(bucketContactsByEmail), emailKey(key)},
		{"phone", t.bucket(bucketContactsByPhone), []byte(phone)},
	}
	for _, l := range lookups {
		if len(l.k) == 0 {
			continue
		}
		if v := l.b.Get(l.k); v != nil {
			id := ContactID(keyID(v))
			if _, seen := found[id]; !seen {
				found[id] = l.what
			}
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("contact %q: %w", key, ErrNotFound)
	case 1:
		for id := range found {
			return id, nil
		}
	}
	var names []string
	for _, id := range slices.Sorted(maps.Keys(found)) {
		names = append(names, fmt.Sprintf("%s (by %s)", id, found[id]))
	}
	return 0, fmt.Errorf("contact %q is ambiguous: it matches %s; use the id", key, strings.Join(names, " and "))
}

// requireContact fails with ErrNotFound unless the contact exists, without
// decoding it.
func (t *Tx) requireContact(id ContactID) error {
	if t.bucket(bucketContacts).Get(idKey(uint64(id))) == nil {
		return fmt.Errorf("contact %s: %w", id, ErrNotFound)
	}
	return nil
}

// SetChannelStatus records that a channel became opted out, undeliverable or
// usable again, with why.
func (t *Tx) SetChannelStatus(id ContactID, ch Channel, st ChannelStatus) error {
	c, err := t.Contact(id)
	if err != nil {
		return err
	}
	if st.Since.IsZero() {
		st.Since = t.nowUTC()
	}
	c.Channels = maps.Clone(c.Channels)
	if c.Channels == nil {
		c.Channels = map[Channel]ChannelStatus{}
	}
	c.Channels[ch] = st
	c.Updated = t.nowUTC()
	return putJSON(t.bucket(bucketContacts), idKey(uint64(id)), c)
}

// ForEachContact calls fn for every contact in id order until fn returns an
// error.
func (t *Tx) ForEachContact(fn func(Contact) error) error { return t.ContactsAfter(0, fn) }

// CountContacts returns how many contacts are stored.
func (t *Tx) CountContacts() int { return t.bucket(bucketContacts).Stats().KeyN }

// UpsertContact is Tx.UpsertContact in its own group-committed write.
func (s *Store) UpsertContact(ctx context.Context, in Contact) (c Contact, res UpsertResult, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		c, res, err = tx.UpsertContact(in)
		return err
	})
	return c, res, err
}

// ContactByKey is Tx.ContactByKey in its own read transaction.
func (s *Store) ContactByKey(key, phone string) (c Contact, err error) {
	err = s.View(func(tx *Tx) error {
		c, err = tx.ContactByKey(key, phone)
		return err
	})
	return c, err
}

// nowUTC is the store clock in UTC, the zone every stored time is kept in.
func (t *Tx) nowUTC() time.Time { return t.now().UTC() }
