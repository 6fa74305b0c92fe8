package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/store"
)

// ErrNotCancelable is wrapped by the error CancelJob returns for a job that
// is no longer waiting: in flight (it may be on its way), sent, failed or
// already canceled.
var ErrNotCancelable = errors.New("not waiting in the outbox")

// cancelChunk bounds the jobs one write cancels: a wave of a million
// surveys is canceled in a thousand writes, not in one that holds them all.
const cancelChunk = 1000

// ParseJobID reads a job's id as the outbox lists it: j42.
func ParseJobID(s string) (store.JobID, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "j"), 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a job of the outbox (they read j42)", s)
	}
	return store.JobID(n), nil
}

// CancelJob cancels one waiting job for the owner, named as the outbox
// lists it (j42), with the reason given. A survey not sent yet is skipped
// with it.
func CancelJob(ctx context.Context, st Store, key, reason string) (store.Job, error) {
	id, err := ParseJobID(key)
	if err != nil {
		return store.Job{}, err
	}
	var j store.Job
	err = st.Update(ctx, func(tx *store.Tx) (err error) {
		if j, err = tx.Job(id); err != nil {
			return err
		}
		if j.State != store.JobPending {
			return fmt.Errorf("job %s is %s: %w", id, j.State, ErrNotCancelable)
		}
		j, err = cancelTx(tx, j, reason)
		return err
	})
	return j, err
}

// CancelCampaign cancels every waiting job of the campaign's surveys (the
// surveys not sent yet, the reminders of those sent), a chunk of jobs per
// write, and returns how many it canceled. Jobs in flight go on: they may
// already be on their way.
func CancelCampaign(ctx context.Context, st Store, campaign, reason string) (int, error) {
	var waiting []store.DueJob
	if err := st.View(func(tx *store.Tx) error {
		// The latest time a key can hold: every waiting job.
		waiting = tx.DueJobs(time.Unix(0, math.MaxInt64), math.MaxInt)
		return nil
	}); err != nil {
		return 0, err
	}
	canceled := 0
	for len(waiting) > 0 && ctx.Err() == nil {
		chunk := waiting[:min(cancelChunk, len(waiting))]
		waiting = waiting[len(chunk):]
		n := 0
		err := st.Update(ctx, func(tx *store.Tx) error {
			n = 0
			for _, due := range chunk {
				j, err := tx.Job(due.ID)
				if err != nil {
					return err
				}
				if j.State != store.JobPending || j.SurveyID == 0 {
					continue
				}
				sv, err := tx.Survey(j.SurveyID)
				if err != nil {
					return err
				}
				if sv.Campaign != campaign {
					continue
				}
				if _, err := cancelTx(tx, j, reason); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return canceled, err
		}
		canceled += n
	}
	return canceled, ctx.Err()
}

// cancelTx cancels a pending job and skips its survey when the job was to
// send it.
func cancelTx(tx *store.Tx, j store.Job, reason string) (store.Job, error) {
	j.State, j.Reason = store.JobCanceled, reason
	j, err := tx.UpdateJob(j)
	if err != nil || j.Kind != store.JobSurvey || j.SurveyID == 0 {
		return j, err
	}
	sv, err := tx.Survey(j.SurveyID)
	if err != nil || sv.State != store.SurveyPending {
		return j, err
	}
	sv.Reason = reason
	_, err = tx.MoveSurvey(sv, store.SurveySkipped)
	return j, err
}
