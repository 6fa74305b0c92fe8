package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

func periodKey(campaign, period string) []byte { return []byte(campaign + "\x00" + period) }

// CampaignPeriod returns the record of a planned period; ok is false when
// the period was never planned.
func (t *Tx) CampaignPeriod(campaign, period string) (p CampaignPeriod, ok bool, err error) {
	err = getJSON(t.bucket(bucketCampaignPeriods), periodKey(campaign, period), &p)
	if errors.Is(err, ErrNotFound) {
		return CampaignPeriod{}, false, nil
	}
	return p, err == nil, err
}

// PutCampaignPeriod records a planned period.
func (t *Tx) PutCampaignPeriod(p CampaignPeriod) error {
	if p.Planned.IsZero() {
		p.Planned = t.nowUTC()
	}
	// The waves still in progress are listed apart, so that looking for
	// them at each sweep reads those few, not every period ever planned.
	meta, mark := t.bucket(bucketMeta), append([]byte(inProgressPrefix), periodKey(p.Campaign, p.Period)...)
	var err error
	if p.InProgress {
		err = meta.Put(mark, nil)
	} else {
		err = meta.Delete(mark)
	}
	if err != nil {
		return err
	}
	return putJSON(t.bucket(bucketCampaignPeriods), periodKey(p.Campaign, p.Period), p)
}

// inProgressPrefix starts the meta keys that mark a wave in progress.
const inProgressPrefix = "wave_in_progress/"

// PeriodsInProgress calls fn for each period of a campaign whose wave began
// and did not finish, in period order, until fn returns an error.
func (t *Tx) PeriodsInProgress(campaign string, fn func(CampaignPeriod) error) error {
	prefix := append([]byte(inProgressPrefix), periodKey(campaign, "")...)
	var periods []string
	c := t.bucket(bucketMeta).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		periods = append(periods, string(k[len(prefix):]))
	}
	for _, period := range periods {
		p, ok, err := t.CampaignPeriod(campaign, period)
		if err != nil || !ok || !p.InProgress {
			if err != nil {
				return fmt.Errorf("campaign period %q %q: %w", campaign, period, err)
			}
			continue
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// ContactsAfter calls fn for each contact with an id above after, in id
// order, until fn returns an error. A wave planned in batches goes on from
// its period's cursor without reading the contacts before it.
func (t *Tx) ContactsAfter(after ContactID, fn func(Contact) error) error {
	c := t.bucket(bucketContacts).Cursor()
	for k, v := c.Seek(idKey(uint64(after) + 1)); k != nil; k, v = c.Next() {
		var ct Contact
		if err := json.Unmarshal(v, &ct); err != nil {
			return fmt.Errorf("decode contact %s: %w", ContactID(keyID(k)), err)
		}
		if err := fn(ct); err != nil {
			return err
		}
	}
	return nil
}

// Cursor returns a named position kept in the meta bucket (the last event a
// campaign has looked at), 0 when never set.
func (t *Tx) Cursor(name string) uint64 {
	v := t.bucket(bucketMeta).Get([]byte("cursor/" + name))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetCursor stores a named position.
func (t *Tx) SetCursor(name string, v uint64) error {
	return t.bucket(bucketMeta).Put([]byte("cursor/"+name), idKey(v))
}

// EventsAfter calls fn for each event with an id above after, in id (that
// is, arrival) order, until fn returns an error.
func (t *Tx) EventsAfter(after EventID, fn func(Event) error) error {
	c := t.bucket(bucketEvents).Cursor()
	for k, v := c.Seek(idKey(uint64(after) + 1)); k != nil; k, v = c.Next() {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode event %s: %w", EventID(keyID(k)), err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
