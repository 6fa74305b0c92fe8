package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CampaignPeriod records that a campaign planned one period (a cron wave,
// or one triggering event), so that planning the same period again — a
// double cron run at a DST fall-back, a restart, a manual run — plans
// nothing.
type CampaignPeriod struct {
	Campaign string         `json:"campaign"`
	Period   string         `json:"period"`
	Planned  time.Time      `json:"planned"`
	Queued   int            `json:"queued"`
	Skipped  map[string]int `json:"skipped,omitempty"`
}

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
	return putJSON(t.bucket(bucketCampaignPeriods), periodKey(p.Campaign, p.Period), p)
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
