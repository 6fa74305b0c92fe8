package scheduler

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/internal/sendwindow"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

func TestParseISOWeek(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	for week, want := range map[string]string{"2026-W47": "2026-11-16", "2026-W01": "2025-12-29", "2027-W53": "", "2026-W53": "2026-12-28", "week 3": ""} {
		got, err := ParseISOWeek(week, paris)
		if want == "" {
			if err == nil {
				t.Errorf("%s accepted as %s", week, got)
			}
			continue
		}
		if err != nil || got.Format("2006-01-02") != want || got.Weekday() != time.Monday {
			t.Errorf("ParseISOWeek(%s) = %s, %v; want %s", week, got, err, want)
		}
	}
	if got := LastCompleteWeek(time.Date(2026, 11, 23, 8, 0, 0, 0, paris), paris); got.Format("2006-01-02") != "2026-11-16" {
		t.Errorf("last complete week on Monday 2026-11-23 = %s", got)
	}
}

// TestSummaryQueuedOnce: the summary is queued once per recipient, once
// per week, as a job that names the week (internal/report builds it from
// the job; its figures are tested there).
func TestSummaryQueuedOnce(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, paris)}
	st := openStore(t, clk.now)
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, paris)
	// Queued once per recipient, once per week.
	s, err := New(st, Options{
		Rules:   Rules{Channels: []store.Channel{store.ChannelEmail}, Timing: sendwindow.Timing{Window: sendwindow.DefaultWindow(), Business: paris}},
		Summary: SummaryPlan{Schedule: "0 8 * * 1", To: []string{"marie@example.fr", "paul@example.fr"}},
		Now:     clk.now, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.QueueSummary(ctx, monday, false); err != nil || n != 2 {
		t.Fatalf("queued %d, %v", n, err)
	}
	if n, _ := s.QueueSummary(ctx, monday, false); n != 0 {
		t.Errorf("the same week queued again: %d", n)
	}
	jobs := jobsOf(t, st)
	// The job names the week; the summary is built when it is sent.
	if len(jobs) != 2 || jobs[0].Kind != store.JobWeeklySummary || !reflect.DeepEqual(jobs[0].Payload, store.Payload{SummaryWeek: "2026-W47"}) {
		t.Fatalf("summary jobs = %+v", jobs)
	}
}

// TestSummaryJobsOfTheOldForm: a summary queued by an older version, with
// the whole summary in it, is rewritten into the form that names the week
// only (that it still builds as it was queued is tested in
// internal/report).
func TestSummaryJobsOfTheOldForm(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "npsd.db")
	st, err := store.Open(store.Options{Path: path, Now: clk.now, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(templates.Summary{Week: "2026-W47", Comments: []templates.CommentLine{{Name: "Paul", Comment: "Trop cher"}}})
	var id store.JobID
	if err := st.Update(ctx, func(tx *store.Tx) error {
		j, err := tx.EnqueueJob(store.Job{Kind: store.JobWeeklySummary, To: "marie@example.fr", Channel: store.ChannelEmail, Due: clk.now(), Payload: store.Payload{SummaryWeek: "2026-W47"}})
		id = j.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The store no longer writes the old form: put it on disk as an older
	// npsd left it.
	st.Close()
	writeOldForm(t, path, id, map[string]string{"summary": string(old)})
	if st, err = store.Open(store.Options{Path: path, Now: clk.now, Logger: quiet()}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var job store.Job
	if err := st.Update(ctx, func(tx *store.Tx) error {
		n, err := ReferSummaryJobs(tx)
		if n != 1 {
			t.Errorf("rewrote %d jobs, want 1", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) (err error) { job, err = tx.Job(id); return err })
	if job.State != store.JobPending || !reflect.DeepEqual(job.Payload, store.Payload{SummaryWeek: "2026-W47"}) {
		t.Errorf("old job after rewriting: %+v", job)
	}
}

func TestSweepCases(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, paris)}
	st := openStore(t, clk.now)
	c := addContact(t, st, store.Contact{Name: "Paul", Phone: "+33612345678"})
	st.Update(ctx, func(tx *store.Tx) error {
		for _, due := range []time.Duration{-time.Hour, time.Hour} {
			if _, err := tx.PutCase(store.Case{ContactID: c.ID, Score: 3, Due: clk.now().Add(due), Assignee: "marie@example.fr"}); err != nil {
				return err
			}
		}
		return nil
	})
	s := newScheduler(t, st, clk, paris)
	s.opts.CaseURL = func(id store.CaseID) string { return "https://nps.example.fr/c/" + id.String() }
	if n, err := s.SweepCases(ctx); err != nil || n != 1 {
		t.Fatalf("reminded %d, %v; want the overdue one", n, err)
	}
	if n, _ := s.SweepCases(ctx); n != 0 {
		t.Errorf("reminded again: %d", n)
	}
	jobs := jobsOf(t, st)
	if len(jobs) != 1 || jobs[0].Kind != store.JobCaseReminder || jobs[0].To != "marie@example.fr" || jobs[0].Payload.CaseURL != "https://nps.example.fr/c/k1" {
		t.Errorf("reminder jobs = %+v", jobs)
	}
}

// writeOldForm rewrites a job on disk as npsd wrote it before schema 4:
// with its payload as a map of strings under "data".
func writeOldForm(t *testing.T, path string, id store.JobID, data map[string]string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("jobs"))
		key := binary.BigEndian.AppendUint64(nil, uint64(id))
		var j map[string]json.RawMessage
		if err := json.Unmarshal(b.Get(key), &j); err != nil {
			return err
		}
		delete(j, "payload")
		var err error
		if j["data"], err = json.Marshal(data); err != nil {
			return err
		}
		v, err := json.Marshal(j)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}
