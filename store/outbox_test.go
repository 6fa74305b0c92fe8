package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "a@example.com"})
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var ids []JobID
	err := s.Update(ctx, func(tx *Tx) error {
		ids = ids[:0]
		for _, due := range []time.Time{t0.Add(2 * time.Hour), t0, t0.Add(time.Hour)} {
			j, err := tx.EnqueueJob(Job{Kind: "survey", ContactID: c.ID, Channel: ChannelEmail, Due: due, MessageID: "<x@npsd>"})
			if err != nil {
				return err
			}
			ids = append(ids, j.ID)
		}
		_, err := tx.EnqueueJob(Job{Kind: "survey", Channel: ChannelEmail, Due: t0})
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("job without recipient: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		due := tx.DueJobs(t0.Add(90*time.Minute), 10)
		if len(due) != 2 || due[0] != (DueJob{ID: ids[1], Channel: ChannelEmail}) || due[1] != (DueJob{ID: ids[2], Channel: ChannelEmail}) {
			t.Errorf("due at +90m = %v, want %v then %v", due, ids[1], ids[2])
		}
		if next, ok := tx.NextDue(); !ok || !next.Equal(t0) {
			t.Errorf("NextDue = %v %v", next, ok)
		}
		return nil
	})

	// Claim the earliest: it leaves the due index for the inflight one.
	err = s.Update(ctx, func(tx *Tx) error {
		j, err := tx.Job(ids[1])
		if err != nil {
			return err
		}
		j.State = JobInflight
		j.Attempts = append(j.Attempts, Attempt{At: t0})
		_, err = tx.UpdateJob(j)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		due := tx.DueJobs(t0.Add(3*time.Hour), 10)
		inflight, _ := tx.InflightJobs(nil)
		if skipped, _ := tx.InflightJobs(func(id JobID) bool { return id == ids[1] }); len(skipped) != 0 {
			t.Errorf("inflight, skipping the one claimed: %v", skipped)
		}
		if len(due) != 2 || len(inflight) != 1 || inflight[0].ID != ids[1] || len(inflight[0].Attempts) != 1 {
			t.Errorf("after claim: due %v, inflight %v", due, inflight)
		}
		return nil
	})

	// Retry later, then send: each state is in exactly one place.
	s.Update(ctx, func(tx *Tx) error {
		j, _ := tx.Job(ids[1])
		j.State, j.Due = JobPending, t0.Add(5*time.Hour)
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		j2, _ := tx.Job(ids[0])
		j2.State = JobSent
		_, err := tx.UpdateJob(j2)
		return err
	})
	s.View(func(tx *Tx) error {
		due := tx.DueJobs(t0.Add(24*time.Hour), 10)
		inflight, _ := tx.InflightJobs(nil)
		counts, _ := tx.CountJobs()
		if len(due) != 2 || due[0] != (DueJob{ID: ids[2], Channel: ChannelEmail}) || due[1] != (DueJob{ID: ids[1], Channel: ChannelEmail}) || len(inflight) != 0 {
			t.Errorf("after retry and send: due %v, inflight %v", due, inflight)
		}
		if counts[JobPending] != 2 || counts[JobSent] != 1 {
			t.Errorf("counts = %v", counts)
		}
		return nil
	})
}

func TestCampaignPeriodsAndCursors(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	err := s.Update(ctx, func(tx *Tx) error {
		if _, ok, err := tx.CampaignPeriod("quarterly", "2026-10-01T10:00"); ok || err != nil {
			t.Errorf("unplanned period found: %v %v", ok, err)
		}
		if err := tx.PutCampaignPeriod(CampaignPeriod{Campaign: "quarterly", Period: "2026-10-01T10:00", Queued: 3, Skipped: map[string]int{"opted_out": 1}}); err != nil {
			return err
		}
		if tx.Cursor("events/after-purchase") != 0 {
			t.Error("new cursor is not 0")
		}
		return tx.SetCursor("events/after-purchase", 42)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		p, ok, err := tx.CampaignPeriod("quarterly", "2026-10-01T10:00")
		if !ok || err != nil || p.Queued != 3 || p.Skipped["opted_out"] != 1 || p.Planned.IsZero() {
			t.Errorf("period = %+v %v %v", p, ok, err)
		}
		if tx.Cursor("events/after-purchase") != 42 {
			t.Error("cursor lost")
		}
		return nil
	})
}

func TestSurveysOfContact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a, _, _ := s.UpsertContact(ctx, Contact{Email: "a@example.com"})
	b, _, _ := s.UpsertContact(ctx, Contact{Email: "b@example.com"})
	s.Update(ctx, func(tx *Tx) error {
		for _, c := range []ContactID{a.ID, b.ID, a.ID} {
			if _, err := tx.PutSurvey(Survey{ContactID: c, Campaign: "q", Channel: ChannelEmail}); err != nil {
				return err
			}
		}
		return nil
	})
	s.View(func(tx *Tx) error {
		got, err := tx.SurveysOf(a.ID)
		if err != nil || len(got) != 2 || got[0].ContactID != a.ID || !got[0].State.Open() {
			t.Errorf("SurveysOf(a) = %+v %v", got, err)
		}
		return nil
	})
	err := s.Update(ctx, func(tx *Tx) error {
		sv, _ := tx.Survey(1)
		sv.ContactID = b.ID
		_, err := tx.PutSurvey(sv)
		return err
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("moving a survey to another contact: %v", err)
	}
}

// TestMigrationFromVersion1 opens a database as version 1 left it (surveys,
// no contact index for them) and checks that migration 2 builds the index.
func TestMigrationFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "a@example.com"})
	s.Update(ctx, func(tx *Tx) error {
		_, err := tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "q", Channel: ChannelSMS})
		return err
	})
	s.Close()
	// Turn the file back into a version 1 database.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketSurveysByContact, bucketJobs, bucketJobsDue, bucketJobsInflight, bucketCampaignPeriods} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, 1))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err = Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *Tx) error {
		got, err := tx.SurveysOf(c.ID)
		if err != nil || len(got) != 1 {
			t.Errorf("after migration: %+v %v", got, err)
		}
		return nil
	})
}

// CountJobs counts jobs by their state, never by a state-like text in a
// job's reason, attempts or data.
func TestCountJobsIsNotFooledByTheJobsText(t *testing.T) {
	s := openTest(t)
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	err := s.Update(context.Background(), func(tx *Tx) error {
		tricky := []Job{
			{Kind: `alert "state":"sent"`, To: `o"wner"@example.fr`, Payload: Payload{Category: "sent", Webhook: json.RawMessage(`{"state":"sent","\"state\":\"failed\"":"x"}`)}},
			{Kind: "alert", To: "owner@example.fr", Reason: `"state":"canceled"`},
			{Kind: "alert", To: "owner@example.fr", Payload: Payload{Comment: `{"state":"inflight"}`}},
		}
		for i, j := range tricky {
			j.Channel, j.Due = ChannelEmail, due
			j, err := tx.EnqueueJob(j)
			if err != nil {
				return err
			}
			if i == 1 {
				j.State = JobFailed
				j.Attempts = []Attempt{{At: due, Error: `550 "state":"sent"`}}
				if _, err := tx.UpdateJob(j); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		counts, err := tx.CountJobs()
		if err != nil {
			t.Fatal(err)
		}
		decoded := map[JobState]int{}
		tx.ForEachJob(func(j Job) error { decoded[j.State]++; return nil })
		if !maps.Equal(counts, decoded) || counts[JobPending] != 2 || counts[JobFailed] != 1 {
			t.Errorf("CountJobs %v, decoding every job %v; want 2 pending and 1 failed", counts, decoded)
		}
		return nil
	})
}

// TestJobStateCounts: the counts /metrics reads follow every move of a job
// (a claim, a retry, a send, a cancel, a forget), and a store of schema 8,
// which kept none, gets them counted from its jobs when it opens.
func TestJobStateCounts(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "counted@example.fr"})
	decodeAll := func(s *Store) (counts, decoded map[JobState]int) {
		decoded = map[JobState]int{}
		s.View(func(tx *Tx) (err error) {
			if counts, err = tx.CountJobs(); err != nil {
				t.Fatal(err)
			}
			return tx.ForEachJob(func(j Job) error { decoded[j.State]++; return nil })
		})
		return counts, decoded
	}
	moves := [][]JobState{
		{JobInflight, JobPending, JobInflight, JobSent},
		{JobInflight, JobFailed},
		{JobCanceled},
		{JobInflight},
		{},
		{JobPending, JobPending},
	}
	for step := range 4 {
		err := s.Update(ctx, func(tx *Tx) error {
			for i, path := range moves {
				if step == 0 {
					if _, err := tx.EnqueueJob(Job{Kind: JobFollowUp, ContactID: c.ID, Channel: ChannelEmail, Due: due.Add(time.Duration(i))}); err != nil {
						return err
					}
				}
				if step >= len(path) {
					continue
				}
				j, err := tx.Job(JobID(i + 1))
				if err != nil {
					return err
				}
				j.State = path[step]
				if _, err := tx.UpdateJob(j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if counts, decoded := decodeAll(s); !maps.Equal(counts, decoded) {
			t.Errorf("after step %d: counted %v, decoding every job %v", step, counts, decoded)
		}
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.Forget(c.ID) }); err != nil {
		t.Fatal(err)
	}
	want := map[JobState]int{JobSent: 1, JobFailed: 1, JobCanceled: 3, JobInflight: 1}
	if counts, decoded := decodeAll(s); !maps.Equal(counts, decoded) || !maps.Equal(counts, want) {
		t.Errorf("after forget: counted %v, decoding every job %v, want %v", counts, decoded, want)
	}
	s.Close()

	asSchema(t, path, 8, bucketJobStates)
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if counts, _ := decodeAll(s); !maps.Equal(counts, want) {
		t.Errorf("after the migration: counted %v, want %v", counts, want)
	}
}
