package store

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestMemoNeverHidesTheStore: within one transaction a record read or
// written a moment before is not decoded again, but what a caller does to
// its copy, and any other write of the record, shows through: the memo
// only ever answers for bytes equal to those it decoded or encoded.
func TestMemoNeverHidesTheStore(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "memo@example.com"})
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	err := s.Update(ctx, func(tx *Tx) error {
		sv, err := tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "wave", Channel: ChannelEmail, Planned: t0, Due: t0})
		if err != nil {
			return err
		}
		j, err := tx.EnqueueJob(Job{Kind: JobSurvey, SurveyID: sv.ID, ContactID: c.ID, Channel: ChannelEmail, Due: t0,
			Attempts: []Attempt{{At: t0, Error: "first"}}, Payload: Payload{Score: IntPtr(3)}})
		if err != nil {
			return err
		}

		// A caller's changes to its copy, in place, stay its own.
		got, err := tx.Job(j.ID)
		if err != nil {
			return err
		}
		got.Attempts[0].Error = "changed in place"
		got.Attempts = append(got.Attempts, Attempt{At: t0})
		*got.Payload.Score = 9
		again, err := tx.Job(j.ID)
		if err != nil {
			return err
		}
		if len(again.Attempts) != 1 || again.Attempts[0].Error != "first" || *again.Payload.Score != 3 {
			t.Errorf("read again after changing a copy: %+v, score %d", again.Attempts, *again.Payload.Score)
		}

		// An update is read back as written, head and all.
		again.State, again.Attempts = JobInflight, append(again.Attempts, Attempt{At: t0.Add(time.Minute)})
		if _, err := tx.UpdateJob(again); err != nil {
			return err
		}
		if head, err := tx.JobHead(j.ID); err != nil || head.State != JobInflight {
			t.Errorf("head after the update: %+v, %v", head, err)
		}
		if after, err := tx.Job(j.ID); err != nil || len(after.Attempts) != 2 || after.State != JobInflight {
			t.Errorf("job after the update: %+v, %v", after, err)
		}

		// Bytes put by anything else, or none, are read as they are.
		raw := []byte(`{"id":` + j.ID.String()[1:] + `,"kind":"survey","channel":"sms","state":"failed","due":"2026-12-01T09:00:00Z","payload":{},"created":"2026-12-01T09:00:00Z","updated":"2026-12-01T09:00:00Z"}`)
		// Of the same length as what the memo holds, so that only the
		// bytes themselves tell them apart.
		held := len(tx.bucket(bucketJobs).Get(idKey(uint64(j.ID))))
		if len(raw) > held {
			t.Fatalf("the raw job (%d bytes) is longer than the stored one (%d)", len(raw), held)
		}
		raw = append(raw, bytes.Repeat([]byte(" "), held-len(raw))...)
		if err := tx.bucket(bucketJobs).Put(idKey(uint64(j.ID)), raw); err != nil {
			return err
		}
		if other, err := tx.Job(j.ID); err != nil || other.Channel != ChannelSMS || other.State != JobFailed {
			t.Errorf("job after a raw write: %+v, %v", other, err)
		}
		if err := tx.bucket(bucketJobs).Delete(idKey(uint64(j.ID))); err != nil {
			return err
		}
		if _, err := tx.Job(j.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted job read as %v", err)
		}

		// The same for surveys: a moved survey is read back moved.
		first, err := tx.Survey(sv.ID)
		if err != nil {
			return err
		}
		first.Attempts = append(first.Attempts, Attempt{At: t0})
		if st, _ := tx.Survey(sv.ID); len(st.Attempts) != 0 {
			t.Errorf("survey read again after changing a copy: %+v", st.Attempts)
		}
		if _, err := tx.MoveSurvey(first, SurveyInflight); err != nil {
			return err
		}
		if st, err := tx.Survey(sv.ID); err != nil || st.State != SurveyInflight || len(st.Attempts) != 1 {
			t.Errorf("survey after its move: %+v, %v", st, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMemoAcrossTransactions: the writer's memo outlives its transactions
// but never a change: a write rolled back leaves the stored job as it was,
// and the next transaction reads that, not what the memo was last given.
func TestMemoAcrossTransactions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "memo2@example.com"})
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var id JobID
	if err := s.Update(ctx, func(tx *Tx) error {
		j, err := tx.EnqueueJob(Job{Kind: JobFollowUp, ContactID: c.ID, Channel: ChannelEmail, Due: t0})
		id = j.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused after the write")
	err := s.Update(ctx, func(tx *Tx) error {
		j, err := tx.Job(id)
		if err != nil {
			return err
		}
		j.State, j.Attempts = JobInflight, []Attempt{{At: t0}}
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("the refused write returned %v", err)
	}
	check := func(tx *Tx) error {
		j, err := tx.Job(id)
		if err != nil {
			return err
		}
		if head, err := tx.JobHead(id); err != nil || head.State != JobPending {
			t.Errorf("head after a rolled-back write: %+v, %v", head, err)
		}
		if j.State != JobPending || len(j.Attempts) != 0 {
			t.Errorf("job after a rolled-back write: %s with %d attempts", j.State, len(j.Attempts))
		}
		return nil
	}
	if err := s.Update(ctx, check); err != nil {
		t.Fatal(err)
	}
	if err := s.View(check); err != nil {
		t.Fatal(err)
	}
}
