package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestEventIndexes: the active jobs of a contact, the kinds each survey
// has sent and the cases waiting for a reminder follow every write, and a
// store of schema 5 gets them all on opening.
func TestEventIndexes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ann, _, _ := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
	bob, _, _ := s.UpsertContact(ctx, Contact{Email: "bob@example.fr"})
	if err := s.Update(ctx, func(tx *Tx) error {
		sv, err := tx.PutSurvey(Survey{ContactID: ann.ID, Campaign: "q", Channel: ChannelEmail, State: SurveySent, Sent: now})
		if err != nil {
			return err
		}
		// Jobs 1–6: Ann's pending, inflight, sent, failed, canceled, and Bob's pending.
		for i, st := range []JobState{JobPending, JobInflight, JobSent, JobFailed, JobCanceled, JobPending} {
			c := ann.ID
			if i == 5 {
				c = bob.ID
			}
			j, err := tx.EnqueueJob(Job{Kind: JobThanksPromoter, SurveyID: sv.ID, ContactID: c, Channel: ChannelEmail, Due: now})
			if err != nil {
				return err
			}
			if i == 2 {
				j.Kind = JobSurvey
			}
			if st != JobPending {
				j.State = st
				if _, err := tx.UpdateJob(j); err != nil {
					return err
				}
			}
		}
		// Cases 1–5: overdue and waiting; not yet due; reminded; contacted; nobody to remind.
		for i, k := range []Case{
			{Due: now.Add(-time.Hour), Assignee: "marie@example.fr"},
			{Due: now.Add(time.Hour), Assignee: "marie@example.fr"},
			{Due: now.Add(-time.Hour), Assignee: "marie@example.fr", Reminded: now},
			{Due: now.Add(-time.Hour), Assignee: "marie@example.fr", State: CaseContacted},
			{Due: now.Add(-time.Hour)},
		} {
			k.ContactID, k.Score = ann.ID, i
			if _, err := tx.PutCase(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	const want = "ann active [j1:pending j2:inflight] bob active [j6:pending] sent survey=true thanks=false overdue [k1] later [k1 k2]"
	if got := eventIndexes(t, s, ann.ID, bob.ID, now); got != want {
		t.Errorf("indexes:\n got %s\nwant %s", got, want)
	}

	// Sending a job and reminding a case take them out of the indexes.
	if err := s.Update(ctx, func(tx *Tx) error {
		j, err := tx.Job(1)
		if err != nil {
			return err
		}
		j.State = JobSent
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		k, err := tx.Case(1)
		if err != nil {
			return err
		}
		k.Reminded = now
		_, err = tx.PutCase(k)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const after = "ann active [j2:inflight] bob active [j6:pending] sent survey=true thanks=true overdue [] later [k2]"
	if got := eventIndexes(t, s, ann.ID, bob.ID, now); got != after {
		t.Errorf("after a send and a reminder:\n got %s\nwant %s", got, after)
	}
	s.Close()

	// As a store of schema 5 left it: none of the three indexes.
	asSchema(t, path, 5, bucketJobsActive, bucketSurveyKindsSent, bucketCasesToRemind)
	if s, err = Open(Options{Path: path, Now: func() time.Time { return now }}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := eventIndexes(t, s, ann.ID, bob.ID, now); got != after {
		t.Errorf("after the migration:\n got %s\nwant %s", got, after)
	}
}

// eventIndexes says what the three indexes give, in one line.
func eventIndexes(t *testing.T, s *Store, ann, bob ContactID, now time.Time) string {
	t.Helper()
	var out string
	if err := s.View(func(tx *Tx) error {
		for _, c := range []struct {
			name string
			id   ContactID
		}{{"ann", ann}, {"bob", bob}} {
			var active []string
			if err := tx.ActiveJobsOf(c.id, func(j Job) error {
				active = append(active, fmt.Sprintf("%s:%s", j.ID, j.State))
				return nil
			}); err != nil {
				return err
			}
			out += fmt.Sprintf("%s active %v ", c.name, active)
		}
		out += fmt.Sprintf("sent survey=%v thanks=%v", tx.SurveySent(1, JobSurvey), tx.SurveySent(1, JobThanksPromoter))
		for _, at := range []struct {
			name string
			now  time.Time
		}{{"overdue", now}, {"later", now.Add(2 * time.Hour)}} {
			var ids []string
			if err := tx.OverdueCases(at.now, func(k Case) error {
				ids = append(ids, k.ID.String())
				return nil
			}); err != nil {
				return err
			}
			out += fmt.Sprintf(" %s %v", at.name, ids)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLatestSurveysOf: a contact's surveys come newest first and stop when
// asked, for a contact between others and for the last contact of all.
func TestLatestSurveysOf(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s, err := Open(Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []ContactID
	for _, e := range []string{"a@example.fr", "b@example.fr", "c@example.fr"} {
		c, _, _ := s.UpsertContact(ctx, Contact{Email: e})
		ids = append(ids, c.ID)
	}
	for range 3 {
		for _, id := range ids {
			now = now.Add(time.Minute)
			if err := s.Update(ctx, func(tx *Tx) error {
				_, err := tx.PutSurvey(Survey{ContactID: id, Campaign: "q", Channel: ChannelEmail, State: SurveyPending})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	latest := func(id ContactID, max int) (got []SurveyID) {
		if err := s.View(func(tx *Tx) error {
			return tx.LatestSurveysOf(id, func(sv Survey) bool {
				if sv.ContactID != id {
					t.Errorf("survey %s of %s given for %s", sv.ID, sv.ContactID, id)
				}
				got = append(got, sv.ID)
				return len(got) < max
			})
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := fmt.Sprint(latest(ids[1], 10), latest(ids[2], 10), latest(ids[0], 2)); got != "[s8 s5 s2] [s9 s6 s3] [s7 s4]" {
		t.Errorf("latest surveys = %s", got)
	}
}
