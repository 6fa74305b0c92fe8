package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/npsd/npsd/store/record"
)

func jobDueKey(j Job) []byte {
	k := make([]byte, 0, 16)
	k = binary.BigEndian.AppendUint64(k, timeKey(j.Due))
	return binary.BigEndian.AppendUint64(k, uint64(j.ID))
}

// EnqueueJob adds a pending job to the outbox.
func (t *Tx) EnqueueJob(j Job) (Job, error) {
	if j.Kind == "" || j.Channel == "" || j.Due.IsZero() {
		return Job{}, fmt.Errorf("%w: a job needs a kind, a channel and a due time", ErrInvalid)
	}
	if j.ContactID == 0 && j.To == "" {
		return Job{}, fmt.Errorf("%w: a job needs a contact or a recipient", ErrInvalid)
	}
	if len(j.Payload.LegacySummary) > 0 {
		// A copy of a summary holds names and comments that forgetting a
		// contact would have to hunt for: a summary job names its week.
		return Job{}, fmt.Errorf("%w: a summary job names its week (SummaryWeek) and carries no copy of the summary", ErrInvalid)
	}
	if j.ContactID != 0 {
		if err := t.requireContact(j.ContactID); err != nil {
			return Job{}, err
		}
	}
	seq, err := t.bucket(bucketJobs).NextSequence()
	if err != nil {
		return Job{}, err
	}
	j.ID = JobID(seq)
	j.State = JobPending
	j.Due = j.Due.UTC()
	j.Created = t.nowUTC()
	if j.ContactID != 0 {
		if err := t.bucket(bucketJobsByContact).Put(append(idKey(uint64(j.ContactID)), idKey(seq)...), nil); err != nil {
			return Job{}, err
		}
	}
	return j, t.putJob(j, nil)
}

// JobsOf returns the jobs about a contact, oldest first, reading only that
// contact's part of the index.
func (t *Tx) JobsOf(id ContactID) ([]Job, error) {
	var out []Job
	for _, jid := range t.idsUnder(bucketJobsByContact, uint64(id)) {
		j, err := t.Job(JobID(jid))
		if err != nil {
			return nil, fmt.Errorf("jobs by contact index: %w", err)
		}
		out = append(out, j)
	}
	return out, nil
}

// UpdateJob stores a changed job and moves its index entries: the due
// index holds pending jobs only, the inflight index inflight ones only.
func (t *Tx) UpdateJob(j Job) (Job, error) {
	head, err := t.JobHead(j.ID)
	if err != nil {
		return Job{}, err
	}
	old := head.Job()
	j.Created = old.Created
	j.Due = j.Due.UTC()
	if j.Done() && len(j.Payload.LegacySummary) > 0 {
		// A summary of the old form needed its copy to be sent; once it
		// has ended, the week it names is all anyone reads of it.
		j.ReferLegacySummary()
	}
	return j, t.putJob(j, &old)
}

func (t *Tx) putJob(j Job, old *Job) error {
	due, inflight := t.bucket(bucketJobsDue), t.bucket(bucketJobsInflight)
	id := idKey(uint64(j.ID))
	if err := t.indexJobOutcome(j, old); err != nil {
		return err
	}
	if err := t.countJobState(old, j); err != nil {
		return err
	}
	if old != nil {
		switch old.State {
		case JobPending:
			if err := due.Delete(jobDueKey(*old)); err != nil {
				return err
			}
		case JobInflight:
			if err := inflight.Delete(id); err != nil {
				return err
			}
		}
	}
	switch j.State {
	case JobPending:
		if err := due.Put(jobDueKey(j), []byte(j.Channel)); err != nil {
			return err
		}
	case JobInflight:
		if err := inflight.Put(id, nil); err != nil {
			return err
		}
	}
	j.Updated = t.nowUTC()
	data, err := t.jobs.Encode(j.ID, j)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	return t.bucket(bucketJobs).Put(id, data)
}

// JobHead reads a job's id, state, channel and times, without decoding
// its payload and attempts.
func (t *Tx) JobHead(id JobID) (record.JobHead, error) {
	if j, ok := t.jobs.Recall(id, t.bucket(bucketJobs).Get(idKey(uint64(id)))); ok {
		return j.Head(), nil
	}
	var head record.JobHead
	if err := getJSON(t.bucket(bucketJobs), idKey(uint64(id)), &head); err != nil {
		return head, fmt.Errorf("job %s: %w", id, err)
	}
	return head, nil
}

// Job returns the job with that id.
func (t *Tx) Job(id JobID) (Job, error) {
	j, err := t.jobs.Decode(id, t.bucket(bucketJobs).Get(idKey(uint64(id))))
	if err != nil {
		return Job{}, fmt.Errorf("job %s: %w", id, err)
	}
	return j, nil
}

// DueJobs returns up to limit pending jobs due at or before now, earliest
// first, from the due part of the index alone: the outbox shares a claim
// among channels by it, and reads each job in that job's own claim.
func (t *Tx) DueJobs(now time.Time, limit int) []DueJob {
	end := timeKey(now)
	var out []DueJob
	c := t.bucket(bucketJobsDue).Cursor()
	for k, channel := c.First(); k != nil && len(out) < limit; k, channel = c.Next() {
		if binary.BigEndian.Uint64(k[:8]) > end {
			break
		}
		out = append(out, DueJob{ID: JobID(binary.BigEndian.Uint64(k[8:])), Channel: Channel(channel)})
	}
	return out
}

// NextDue returns the due time of the earliest pending job.
func (t *Tx) NextDue() (time.Time, bool) {
	k, _ := t.bucket(bucketJobsDue).Cursor().First()
	if k == nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])^1<<63)).UTC(), true
}

// InflightJobs returns the jobs whose outcome was never recorded, but
// for those skip (when not nil) passes over unread: the outbox looks for
// orphans between batches, and the jobs its own workers hold are most of
// the in-flight set then.
func (t *Tx) InflightJobs(skip func(JobID) bool) ([]Job, error) {
	var out []Job
	err := t.bucket(bucketJobsInflight).ForEach(func(k, _ []byte) error {
		id := JobID(keyID(k))
		if skip != nil && skip(id) {
			return nil
		}
		j, err := t.Job(id)
		if err != nil {
			return fmt.Errorf("inflight index: %w", err)
		}
		out = append(out, j)
		return nil
	})
	return out, err
}

// ForEachJob calls fn for every job in id order until fn returns an error.
func (t *Tx) ForEachJob(fn func(Job) error) error {
	return t.bucket(bucketJobs).ForEach(func(k, v []byte) error {
		var j Job
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("decode job %s: %w", JobID(keyID(k)), err)
		}
		return fn(j)
	})
}

// CountJobs returns how many jobs are in each state. /metrics calls it on
// every scrape: it reads the counts putJob keeps, never the jobs.
func (t *Tx) CountJobs() (map[JobState]int, error) {
	counts := map[JobState]int{}
	err := t.bucket(bucketJobStates).ForEach(func(k, v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("count of %s jobs: %d bytes, want 8", k, len(v))
		}
		if n := binary.BigEndian.Uint64(v); n > 0 {
			counts[JobState(k)] = int(n)
		}
		return nil
	})
	return counts, err
}

// countJobState moves a job's count from its old state to its new one.
func (t *Tx) countJobState(old *Job, j Job) error {
	b := t.bucket(bucketJobStates)
	if old != nil {
		if old.State == j.State {
			return nil
		}
		if err := b.Put([]byte(old.State), record.AddCount(b.Get([]byte(old.State)), -1)); err != nil {
			return err
		}
	}
	return b.Put([]byte(j.State), record.AddCount(b.Get([]byte(j.State)), 1))
}
