package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestOldCampaignPeriodReadsAsDone: a period recorded before waves were
// planned in batches has none of the progress fields, and it was planned
// in full: it must read as done, and never be offered for resuming.
func TestOldCampaignPeriodReadsAsDone(t *testing.T) {
	s := openTest(t)
	old := `{"campaign":"quarterly","period":"2026-07-01T10:00","planned":"2026-07-01T08:00:00Z","queued":3,"skipped":{"opted_out":1}}`
	err := s.Update(context.Background(), func(tx *Tx) error {
		return tx.bucket(bucketCampaignPeriods).Put(periodKey("quarterly", "2026-07-01T10:00"), []byte(old))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		p, ok, err := tx.CampaignPeriod("quarterly", "2026-07-01T10:00")
		if !ok || err != nil || p.InProgress || p.Queued != 3 || p.Cursor != 0 || p.Eligible != 0 {
			t.Errorf("old record = %+v, %v, %v; want done with 3 queued", p, ok, err)
		}
		if err := tx.PeriodsInProgress("quarterly", func(p CampaignPeriod) error {
			t.Errorf("old record offered for resuming: %+v", p)
			return nil
		}); err != nil {
			t.Error(err)
		}
		return nil
	})
}

// TestPeriodsInProgress lists the unfinished periods of one campaign only,
// in period order.
func TestPeriodsInProgress(t *testing.T) {
	s := openTest(t)
	err := s.Update(context.Background(), func(tx *Tx) error {
		for _, p := range []CampaignPeriod{
			{Campaign: "quarterly", Period: "2026-10-01T10:00", InProgress: true, Cursor: 40, Eligible: 100, Queued: 38},
			{Campaign: "quarterly", Period: "2026-07-01T10:00", InProgress: true, Cursor: 7, Eligible: 9, Queued: 7},
			{Campaign: "quarterly", Period: "2026-04-01T10:00", Queued: 12},
			// A campaign whose name starts like the other's.
			{Campaign: "quarterly-vip", Period: "2026-10-01T10:00", InProgress: true},
			{Campaign: "monthly", Period: "2026-10-01T10:00", InProgress: true},
		} {
			if err := tx.PutCampaignPeriod(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	s.View(func(tx *Tx) error {
		return tx.PeriodsInProgress("quarterly", func(p CampaignPeriod) error {
			got = append(got, fmt.Sprintf("%s@%d/%d", p.Period, p.Cursor, p.Eligible))
			return nil
		})
	})
	if want := "[2026-07-01T10:00@7/9 2026-10-01T10:00@40/100]"; fmt.Sprint(got) != want {
		t.Errorf("in progress = %v, want %s", got, want)
	}
}

// TestContactsAfter starts after the given contact and stops when told.
func TestContactsAfter(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := range 5 {
		if _, _, err := s.UpsertContact(ctx, Contact{Email: fmt.Sprintf("c%d@example.com", i)}); err != nil {
			t.Fatal(err)
		}
	}
	stop := errors.New("stop")
	for _, tc := range []struct {
		after ContactID
		limit int
		want  string
	}{
		{0, 10, "[c1 c2 c3 c4 c5]"},
		{2, 10, "[c3 c4 c5]"},
		{2, 2, "[c3 c4]"},
		{5, 10, "[]"},
		{99, 10, "[]"},
	} {
		var got []ContactID
		err := s.View(func(tx *Tx) error {
			return tx.ContactsAfter(tc.after, func(c Contact) error {
				if len(got) == tc.limit {
					return stop
				}
				got = append(got, c.ID)
				return nil
			})
		})
		if fmt.Sprint(got) != tc.want || (err != nil && !errors.Is(err, stop)) {
			t.Errorf("after %s, limit %d: %v, %v; want %s", tc.after, tc.limit, got, err, tc.want)
		}
	}
}
