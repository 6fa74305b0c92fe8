package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/store/record"
)

// Bucket names. Every bucket a release uses is created by a migration, so a
// Tx can assume they exist.
var (
	bucketMeta               = []byte("meta")
	bucketContacts           = []byte("contacts")
	bucketContactsByEmail    = []byte("contacts_by_email")
	bucketContactsByPhone    = []byte("contacts_by_phone")
	bucketContactsByExternal = []byte("contacts_by_external")
	bucketEvents             = []byte("events")
	bucketEventsByExternal   = []byte("events_by_external")
	bucketEventsByContact    = []byte("events_by_contact")
	bucketSurveys            = []byte("surveys")
	bucketResponses          = []byte("responses")
	bucketResponsesByTime    = []byte("responses_by_time")
	bucketResponsesByKey     = []byte("responses_by_key")

	bucketSurveysByContact   = []byte("surveys_by_contact")
	bucketSurveysSent        = []byte("surveys_sent")
	bucketJobs               = []byte("jobs")
	bucketJobsDue            = []byte("jobs_due")
	bucketJobsInflight       = []byte("jobs_inflight")
	bucketCampaignPeriods    = []byte("campaign_periods")
	bucketInbound            = []byte("inbound")
	bucketJobsByProvider     = []byte("jobs_by_provider")
	bucketJobsByContact      = []byte("jobs_by_contact")
	bucketCases              = []byte("cases")
	bucketInboundForOwner    = []byte("inbound_for_owner")
	bucketInboundUnknown     = []byte("inbound_unknown")
	bucketCasesByContact     = []byte("cases_by_contact")
	bucketJobsActive         = []byte("jobs_active_by_contact")
	bucketSurveyKindsSent    = []byte("survey_kinds_sent")
	bucketCasesToRemind      = []byte("cases_to_remind")
	bucketResponsesByContact = []byte("responses_by_contact")
	bucketFunnel             = []byte("funnel")
	bucketJobStates          = []byte("job_states")

	keySchemaVersion = []byte("schema_version")
)

// migration moves the schema from version-1 to version. Migrations only go
// forward: a database written by a newer npsd is refused rather than
// misread.
type migration struct {
	version int
	what    string
	apply   func(*bolt.Tx) error
}

var migrations = []migration{
	{1, "create the buckets of contacts, events, surveys and responses", func(tx *bolt.Tx) error {
		return createBuckets(tx, bucketContacts, bucketContactsByEmail, bucketContactsByPhone, bucketContactsByExternal,
			bucketEvents, bucketEventsByExternal, bucketEventsByContact, bucketSurveys,
			bucketResponses, bucketResponsesByTime, bucketResponsesByKey)
	}},
	{2, "add the outbox, surveys by contact, campaign periods, inbound messages and cases", func(tx *bolt.Tx) error {
		if err := createBuckets(tx, bucketSurveysByContact, bucketSurveysSent, bucketJobs, bucketJobsDue, bucketJobsInflight, bucketCampaignPeriods, bucketInbound, bucketJobsByProvider, bucketJobsByContact, bucketCases); err != nil {
			return err
		}
		// Surveys written before this version get their indexes.
		byContact, sent := tx.Bucket(bucketSurveysByContact), tx.Bucket(bucketSurveysSent)
		return eachRecord(tx, bucketSurveys, func(s Survey) error {
			if s.State == SurveySent {
				if err := sent.Put(surveySentKey(s), nil); err != nil {
					return err
				}
			}
			return byContact.Put(surveyContactKey(s), nil)
		})
	}},
	{3, "add the indexes of messages kept for the owner and of unknown senders", func(tx *bolt.Tx) error {
		return createBuckets(tx, bucketInboundForOwner, bucketInboundUnknown)
	}},
	{4, "give every job a typed payload in place of its map of strings", func(tx *bolt.Tx) error {
		// Job.UnmarshalJSON reads the old form and MarshalJSON writes the
		// new one; the version moves on so that an older npsd refuses the
		// file rather than read the jobs without their payload. A payload
		// that cannot be read keeps its bytes, and the dispatcher fails its
		// job when it comes due; a summary that has ended keeps only its
		// week.
		jobs := tx.Bucket(bucketJobs)
		type rewrite struct {
			key []byte
			job Job
		}
		var all []rewrite
		if err := jobs.ForEach(func(k, v []byte) error {
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				// Not a job at all: left as it is, for ForEachJob to name.
				return nil
			}
			all = append(all, rewrite{append([]byte(nil), k...), j})
			return nil
		}); err != nil {
			return err
		}
		for _, r := range all {
			if r.job.Done() && len(r.job.Payload.LegacySummary) > 0 {
				r.job.ReferLegacySummary()
			}
			if err := putJSON(jobs, r.key, r.job); err != nil {
				return fmt.Errorf("job %s: %w", r.job.ID, err)
			}
		}
		return nil
	}},
	{5, "index cases by contact, so that an answer reads only its contact's cases", func(tx *bolt.Tx) error {
		byContact, err := tx.CreateBucketIfNotExists(bucketCasesByContact)
		if err != nil {
			return fmt.Errorf("bucket %s: %w", bucketCasesByContact, err)
		}
		return eachRecord(tx, bucketCases, func(c Case) error { return byContact.Put(caseContactKey(c.ContactID, c.ID), nil) })
	}},
	{6, "index the active jobs of each contact, the kinds of message each survey has sent, and the cases waiting for a reminder", migrateEventIndexes},
	{7, "index responses by contact, so that a customer's page and forget read only theirs", func(tx *bolt.Tx) error {
		if err := createBuckets(tx, bucketResponsesByContact); err != nil {
			return err
		}
		byContact := tx.Bucket(bucketResponsesByContact)
		return eachRecord(tx, bucketResponses, func(r Response) error { return byContact.Put(pairKey(uint64(r.ContactID), uint64(r.ID)), nil) })
	}},
	{8, "count the response funnel by hour, stage and channel, from the surveys already stored", func(tx *bolt.Tx) error {
		if err := createBuckets(tx, bucketFunnel); err != nil {
			return err
		}
		t := &Tx{tx: tx}
		return eachRecord(tx, bucketSurveys, func(s Survey) error { return t.countFunnel(Survey{}, s) })
	}},
	{9, "count the outbox's jobs by state, so that /metrics reads five counts instead of every job", func(tx *bolt.Tx) error {
		if err := createBuckets(tx, bucketJobStates); err != nil {
			return err
		}
		t := &Tx{tx: tx}
		return eachRecord(tx, bucketJobs, func(h record.JobHead) error { return t.countJobState(nil, h.Job()) })
	}},
}

// eachRecord calls fn with each record of a bucket, for a migration that
// indexes them. A value that is not a record at all is passed over, left
// for the bucket's reader to name.
func eachRecord[T any](tx *bolt.Tx, bucket []byte, fn func(T) error) error {
	return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
		var r T
		if json.Unmarshal(v, &r) != nil {
			return nil
		}
		return fn(r)
	})
}

// createBuckets creates the buckets a migration adds.
func createBuckets(tx *bolt.Tx, names ...[]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateEventIndexes builds schema 6's indexes from the jobs and cases a
// store already holds. Each record is read once, in key order, and nothing
// of it is kept beyond its index entry.
func migrateEventIndexes(tx *bolt.Tx) error {
	if err := createBuckets(tx, bucketJobsActive, bucketSurveyKindsSent, bucketCasesToRemind); err != nil {
		return err
	}
	t := &Tx{tx: tx}
	if err := eachRecord(tx, bucketJobs, func(j Job) error { return t.indexJobOutcome(j, nil) }); err != nil {
		return err
	}
	return eachRecord(tx, bucketCases, func(c Case) error { return t.indexCaseReminder(c, nil) })
}

// SchemaVersion is the schema this build writes.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

func (s *Store) migrate() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("meta bucket: %w", err)
		}
		current := 0
		if v := meta.Get(keySchemaVersion); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("meta bucket: schema_version is %d bytes, want 8: the file is not an npsd database or is damaged", len(v))
			}
			current = int(binary.BigEndian.Uint64(v))
		}
		if current > SchemaVersion() {
			return fmt.Errorf("schema version %d is newer than this npsd understands (%d): run the newer npsd, or restore a backup", current, SchemaVersion())
		}
		for _, m := range migrations {
			if m.version <= current {
				continue
			}
			if err := m.apply(tx); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.what, err)
			}
			s.log.Info("store migrated", "version", m.version, "what", m.what)
			current = m.version
		}
		return meta.Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, uint64(current)))
	})
}
