package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/store/record"
)

// rewriteJobs changes jobs on disk behind the store's back, as an older
// npsd (or a damaged file) left them: fix gets each job's fields by name,
// with their JSON, for the jobs in ids.
func rewriteJobs(t *testing.T, path string, fix func(id JobID, fields map[string]json.RawMessage)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketJobs)
		var keys [][]byte
		b.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		for _, k := range keys {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(b.Get(k), &fields); err != nil {
				return err
			}
			fix(JobID(binary.BigEndian.Uint64(k)), fields)
			v, err := json.Marshal(fields)
			if err != nil {
				return err
			}
			if err := b.Put(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// oldForm turns a job's fields into the form before schema 4: its
// payload as a map of strings under "data".
func oldForm(fields map[string]json.RawMessage, data map[string]string) {
	delete(fields, "payload")
	fields["data"], _ = json.Marshal(data)
}

// rawJob returns a job's bytes as they are on disk.
func rawJob(t *testing.T, s *Store, id JobID) string {
	t.Helper()
	var raw string
	s.View(func(tx *Tx) error {
		raw = string(tx.bucket(bucketJobs).Get(idKey(uint64(id))))
		return nil
	})
	return raw
}

// enqueueOwnerJobs queues n owner alerts due at due and returns their ids.
func enqueueOwnerJobs(t *testing.T, s *Store, n int, due time.Time) []JobID {
	t.Helper()
	var ids []JobID
	err := s.Update(context.Background(), func(tx *Tx) error {
		for range n {
			j, err := tx.EnqueueJob(Job{Kind: JobOwnerAlert, To: "marie@example.fr", Channel: ChannelEmail, Due: due})
			if err != nil {
				return err
			}
			ids = append(ids, j.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestJobOfTheOldFormIsRead: a job an older npsd wrote, with its values
// as a map of strings, reads into the typed payload, and is written back
// in the new form.
func TestJobOfTheOldFormIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ids := enqueueOwnerJobs(t, s, 3, due)
	s.Close()
	old := map[JobID]map[string]string{
		ids[0]: {"score": "3", "category": "detractor", "comment": "Pain rassis", "case_url": "https://nps.example.fr/c/k1", "in_reply_to": "<a@b>"},
		ids[1]: {"review": "no", "payload": `{"event":"response","score":9}`},
		ids[2]: {"week": "2026-W47", "summary": `{"Week":"2026-W47"}`, "unknown": "ignored, as it always was"},
	}
	rewriteJobs(t, path, func(id JobID, fields map[string]json.RawMessage) { oldForm(fields, old[id]) })
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[JobID]Payload{
		ids[0]: {Score: IntPtr(3), Category: "detractor", Comment: "Pain rassis", CaseURL: "https://nps.example.fr/c/k1", InReplyTo: "<a@b>"},
		ids[1]: {NoReview: true, Webhook: json.RawMessage(`{"event":"response","score":9}`)},
		ids[2]: {SummaryWeek: "2026-W47", LegacySummary: json.RawMessage(`{"Week":"2026-W47"}`)},
	}
	s.View(func(tx *Tx) error {
		for _, id := range ids {
			j, err := tx.Job(id)
			if err != nil || j.PayloadError() != nil || !reflect.DeepEqual(j.Payload, want[id]) || j.State != JobPending {
				t.Errorf("job %s of the old form read as %+v (payload %+v), %v, %v; want payload %+v", id, j, j.Payload, err, j.PayloadError(), want[id])
			}
		}
		return nil
	})
	// Written again, it takes the new form and reads the same.
	s.Update(context.Background(), func(tx *Tx) error {
		j, err := tx.Job(ids[0])
		if err != nil {
			return err
		}
		_, err = tx.UpdateJob(j)
		return err
	})
	raw := rawJob(t, s, ids[0])
	if strings.Contains(raw, `"data"`) || !strings.Contains(raw, `"payload":{"score":3,`) {
		t.Errorf("job written back as %s", raw)
	}
	s.View(func(tx *Tx) error {
		if j, _ := tx.Job(ids[0]); !reflect.DeepEqual(j.Payload, want[ids[0]]) {
			t.Errorf("after writing back: %+v", j.Payload)
		}
		return nil
	})
}

// TestUndecodablePayload: a payload that cannot be read leaves the job
// readable, says why, keeps its bytes when the job is written again, and
// does not stop the listing of the other jobs.
func TestUndecodablePayload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ids := enqueueOwnerJobs(t, s, 3, due)
	s.Close()
	rewriteJobs(t, path, func(id JobID, fields map[string]json.RawMessage) {
		switch id {
		case ids[0]:
			oldForm(fields, map[string]string{"score": "nine", "comment": "Pain rassis"})
		case ids[1]:
			fields["payload"] = json.RawMessage(`{"score":"9","comment":"Pain rassis"}`)
		}
	})
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := map[JobID]string{ids[0]: rawJob(t, s, ids[0]), ids[1]: rawJob(t, s, ids[1])}
	s.View(func(tx *Tx) error {
		var seen []JobID
		if err := tx.ForEachJob(func(j Job) error { seen = append(seen, j.ID); return nil }); err != nil || len(seen) != 3 {
			t.Errorf("ForEachJob saw %v, %v; want the 3 jobs", seen, err)
		}
		if due := tx.DueJobs(due, 10); len(due) != 3 {
			t.Errorf("DueJobIDs: %d jobs", len(due))
		}
		for id, want := range map[JobID]string{ids[0]: `score "nine"`, ids[1]: "payload: json: cannot unmarshal"} {
			j, err := tx.Job(id)
			perr := j.PayloadError()
			if err != nil || !errors.Is(perr, ErrUndecodablePayload) || !strings.Contains(perr.Error(), want) || !strings.Contains(perr.Error(), id.String()) {
				t.Errorf("job %s: %v, payload error %v; want one naming the job and %q", id, err, perr, want)
			}
			if !reflect.DeepEqual(j.Payload, Payload{}) {
				t.Errorf("job %s with an unreadable payload has %+v", id, j.Payload)
			}
		}
		if j, _ := tx.Job(ids[2]); j.PayloadError() != nil {
			t.Errorf("a good job next to bad ones: %v", j.PayloadError())
		}
		return nil
	})
	// Failing them keeps what could not be read, for the owner to see.
	s.Update(context.Background(), func(tx *Tx) error {
		for _, id := range ids[:2] {
			j, _ := tx.Job(id)
			j.State, j.Reason = JobFailed, j.PayloadError().Error()
			if _, err := tx.UpdateJob(j); err != nil {
				return err
			}
		}
		return nil
	})
	for _, id := range ids[:2] {
		raw := rawJob(t, s, id)
		for _, part := range []string{`"data":{"comment":"Pain rassis","score":"nine"}`, `"payload":{"score":"9","comment":"Pain rassis"}`} {
			if strings.Contains(before[id], part) && !strings.Contains(raw, part) {
				t.Errorf("job %s lost %s: %s", id, part, raw)
			}
		}
		if !strings.Contains(raw, `"state":"failed"`) {
			t.Errorf("job %s not failed: %s", id, raw)
		}
	}
}

// TestMigrationToTypedPayloads opens a version 3 database whose jobs hold
// maps of strings: every job is rewritten in the new form, a summary that
// has ended keeps only its week, one still waiting keeps its copy until it
// goes, and an unreadable payload keeps its bytes.
func TestMigrationToTypedPayloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	var ids []JobID
	s.Update(ctx, func(tx *Tx) error {
		for _, kind := range []JobKind{JobOwnerAlert, JobWeeklySummary, JobWeeklySummary, JobOwnerAlert} {
			j, err := tx.EnqueueJob(Job{Kind: kind, To: "marie@example.fr", Channel: ChannelEmail, Due: due})
			if err != nil {
				return err
			}
			ids = append(ids, j.ID)
		}
		j, _ := tx.Job(ids[2])
		j.State = JobSent
		_, err := tx.UpdateJob(j)
		return err
	})
	s.Close()
	summary := `{"Week":"2026-W47","Comments":[{"Name":"Paul","Comment":"Trop cher"}]}`
	old := map[JobID]map[string]string{
		ids[0]: {"score": "3", "comment": "Pain rassis"},
		ids[1]: {"summary": summary},
		ids[2]: {"summary": summary},
		ids[3]: {"score": "trois"},
	}
	rewriteJobs(t, path, func(id JobID, fields map[string]json.RawMessage) { oldForm(fields, old[id]) })
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, 3))
	})
	db.Close()

	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *Tx) error {
		if v := tx.bucket(bucketMeta).Get(keySchemaVersion); binary.BigEndian.Uint64(v) != uint64(SchemaVersion()) || SchemaVersion() < 4 {
			t.Errorf("schema version %d after opening, this build writes %d", binary.BigEndian.Uint64(v), SchemaVersion())
		}
		return nil
	})
	for i, id := range ids[:3] {
		if raw := rawJob(t, s, id); strings.Contains(raw, `"data"`) {
			t.Errorf("job %d still in the old form: %s", i, raw)
		}
	}
	if raw := rawJob(t, s, ids[3]); !strings.Contains(raw, `"data":{"score":"trois"}`) {
		t.Errorf("an unreadable payload lost its bytes: %s", raw)
	}
	if raw := rawJob(t, s, ids[2]); strings.Contains(raw, "Paul") {
		t.Errorf("a sent summary keeps its copy: %s", raw)
	}
	s.View(func(tx *Tx) error {
		alert, _ := tx.Job(ids[0])
		waiting, _ := tx.Job(ids[1])
		sent, _ := tx.Job(ids[2])
		bad, _ := tx.Job(ids[3])
		if !reflect.DeepEqual(alert.Payload, Payload{Score: IntPtr(3), Comment: "Pain rassis"}) {
			t.Errorf("alert after migration: %+v", alert.Payload)
		}
		if string(waiting.Payload.LegacySummary) != summary || waiting.State != JobPending {
			t.Errorf("waiting summary after migration: %+v", waiting)
		}
		if !reflect.DeepEqual(sent.Payload, Payload{SummaryWeek: "2026-W47"}) || sent.State != JobSent {
			t.Errorf("sent summary after migration: %+v", sent)
		}
		if !errors.Is(bad.PayloadError(), ErrUndecodablePayload) {
			t.Errorf("unreadable payload after migration: %v", bad.PayloadError())
		}
		return nil
	})
	// The waiting summary keeps its copy until it has gone out.
	s.Update(ctx, func(tx *Tx) error {
		j, _ := tx.Job(ids[1])
		j.State = JobSent
		_, err := tx.UpdateJob(j)
		return err
	})
	if raw := rawJob(t, s, ids[1]); strings.Contains(raw, "Paul") || !strings.Contains(raw, `"week":"2026-W47"`) {
		t.Errorf("a summary sent after migration keeps its copy: %s", raw)
	}
}

// TestJobKindsRoundTrip: every kind is stored as the name it has always
// had and reads back as the same constant.
func TestJobKindsRoundTrip(t *testing.T) {
	names := map[JobKind]string{
		JobSurvey: "survey", JobReminder: "reminder", JobFollowUp: "followup",
		JobThanksPromoter: "thanks_promoter", JobThanksPassive: "thanks_passive", JobApologyDetractor: "apology_detractor",
		JobReask: "reask", JobOptOutConfirm: "optout_confirm", JobHelp: "help",
		JobOwnerAlert: "owner_alert", JobCaseReminder: "case_reminder", JobWeeklySummary: "weekly_summary",
		JobWebhookResponse: "response", JobWebhookOptOut: "opt_out",
	}
	kinds := record.JobKinds()
	if len(kinds) != len(names) || len(slices.Compact(slices.Sorted(slices.Values(kinds)))) != len(kinds) {
		t.Fatalf("JobKinds() = %v: want each of the %d kinds once", kinds, len(names))
	}
	s := openTest(t)
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	ids := map[JobKind]JobID{}
	s.Update(context.Background(), func(tx *Tx) error {
		for _, k := range kinds {
			j, err := tx.EnqueueJob(Job{Kind: k, To: "marie@example.fr", Channel: ChannelEmail, Due: due})
			if err != nil {
				return err
			}
			ids[k] = j.ID
		}
		return nil
	})
	for _, k := range kinds {
		if raw := rawJob(t, s, ids[k]); !strings.Contains(raw, `"kind":"`+names[k]+`"`) {
			t.Errorf("%s stored as %s", k, raw)
		}
		s.View(func(tx *Tx) error {
			if j, err := tx.Job(ids[k]); err != nil || j.Kind != k || j.Kind.String() != names[k] {
				t.Errorf("%s read back as %q, %v", k, j.Kind, err)
			}
			return nil
		})
		if k.IsWebhook() != (k == JobWebhookResponse || k == JobWebhookOptOut) {
			t.Errorf("%s: IsWebhook = %v", k, k.IsWebhook())
		}
	}
}

// TestNoJobCarriesACopyOfASummary: a new summary job cannot carry one, and
// forgetting anybody rewrites the old ones, which copy everyone's names.
func TestNoJobCarriesACopyOfASummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "npsd.db")
	s, err := Open(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	due := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	err = s.Update(ctx, func(tx *Tx) error {
		_, err := tx.EnqueueJob(Job{Kind: JobWeeklySummary, To: "marie@example.fr", Channel: ChannelEmail, Due: due,
			Payload: Payload{LegacySummary: json.RawMessage(`{"Week":"2026-W47"}`)}})
		return err
	})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("a new job with a copy of a summary: %v, want ErrInvalid", err)
	}
	c, _, _ := s.UpsertContact(ctx, Contact{Name: "Paul Durand", Email: "paul@example.fr"})
	var summary, alert JobID
	s.Update(ctx, func(tx *Tx) error {
		j, err := tx.EnqueueJob(Job{Kind: JobWeeklySummary, To: "marie@example.fr", Channel: ChannelEmail, Due: due, Payload: Payload{SummaryWeek: "2026-W47"}})
		summary = j.ID
		if err != nil {
			return err
		}
		j, err = tx.EnqueueJob(Job{Kind: JobOwnerAlert, ContactID: c.ID, To: "marie@example.fr", Channel: ChannelEmail, Due: due,
			Payload: Payload{Score: IntPtr(3), Category: "detractor", Comment: "Paul here, call me", CaseURL: "https://nps.example.fr/c/k1"}})
		alert = j.ID
		return err
	})
	s.Close()
	rewriteJobs(t, path, func(id JobID, fields map[string]json.RawMessage) {
		if id == summary {
			oldForm(fields, map[string]string{"summary": `{"Week":"2026-W47","Comments":[{"Name":"Paul Durand","Comment":"Paul here, call me"}]}`})
		}
	})
	if s, err = Open(Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(tx *Tx) error { return tx.Forget(c.ID) }); err != nil {
		t.Fatal(err)
	}
	for _, id := range []JobID{summary, alert} {
		if raw := rawJob(t, s, id); strings.Contains(raw, "Paul") {
			t.Errorf("job %s keeps the forgotten contact: %s", id, raw)
		}
	}
	s.View(func(tx *Tx) error {
		j, _ := tx.Job(summary)
		a, _ := tx.Job(alert)
		if !reflect.DeepEqual(j.Payload, Payload{SummaryWeek: "2026-W47"}) || j.State != JobPending {
			t.Errorf("summary after forget: %+v", j)
		}
		if !reflect.DeepEqual(a.Payload, Payload{}) || a.State != JobCanceled {
			t.Errorf("alert after forget: %+v", a)
		}
		return nil
	})
}
