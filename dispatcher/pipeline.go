package dispatcher

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// The outbox is sent as a pipeline: the due jobs are claimed a batch at a
// time in one write, the workers send them back to back, and a recorder
// writes their outcomes in batches as they come. A wave then pays a
// fraction of a commit (an fsync) per message instead of two, while every
// promise of the delivery contract holds: a job is inflight on disk before
// its message leaves, and it stays in the in-flight set, where the orphan
// pass cannot take it, until its outcome is on disk.

// sendResult is what one attempt came to, waiting to be recorded.
type sendResult struct {
	c          claimed
	providerID string
	err        error
	took       time.Duration
	// attempt, for an outcome read back from the journal, is the attempt
	// it settles: it applies only to a job still inflight on it.
	attempt int
}

// attrs are the attempt's job, for a log line, followed by more. They are
// put in each line rather than in a logger made for each job with With,
// which encodes them for every message whether anything is logged or not.
func (r sendResult) attrs(more ...any) []any {
	return append([]any{"job", r.c.job.ID, "kind", r.c.job.Kind, "channel", r.c.job.Channel}, more...)
}

// claimsPerWorker sizes a batch of claims: enough that a claim's commit is
// shared by many messages. A provider's rate limit shrinks the batch (see
// claimBatch), so that a job claimed waits at most about a second before
// it is sent.
const claimsPerWorker = 16

// limited says whether a channel sends under a provider's rate limit.
func (d *Dispatcher) limited(ch store.Channel) bool {
	l, ok := d.limits[ch]
	return ok && l.Limit() != rate.Inf
}

// claimBudget is how many of a channel's jobs one claim takes:
// claimsPerWorker per worker, or, under a rate limit, what the channel
// sends in a second, never fewer than one per worker. A claimed job is in
// flight on disk: claiming a minute's worth at 5 emails a second would
// leave hundreds to hand back at a stop and to settle after a crash.
func (d *Dispatcher) claimBudget(ch store.Channel) int {
	if !d.limited(ch) {
		return d.o.Workers * claimsPerWorker
	}
	return min(d.o.Workers*claimsPerWorker, max(d.o.Workers, int(math.Ceil(float64(d.limits[ch].Limit())))))
}

// maxRecordBatch bounds the outcomes written in one commit.
const maxRecordBatch = 256

// recordLinger bounds how long the recorder waits for more outcomes to
// share a commit (see recordResults).
const recordLinger = 10 * time.Millisecond

// Run sends due jobs with a pool of workers until ctx ends. Then it takes
// no new job, lets the sends in progress finish and record their outcome,
// and returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	// The work queue holds one claimed batch, so that the next batch is
	// claimed while the workers send this one: without it they waited
	// for every claim's commit, idle for a third of a wave.
	work := make(chan claimed, max(d.claimBudget(store.ChannelEmail), d.claimBudget(store.ChannelSMS)))
	results := make(chan sendResult, d.o.Workers)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		d.recordResults(context.WithoutCancel(ctx), results)
	}()
	var wg sync.WaitGroup
	for range d.o.Workers {
		wg.Go(func() {
			for c := range work {
				d.sending.Add(1)
				if r, ok := d.deliver(ctx, c); ok {
					results <- r
				} else {
					d.release(c.job.ID)
				}
				d.sending.Add(-1)
			}
		})
	}
	defer func() {
		// The queued jobs no worker took go back untouched, in one write.
		var left []claimed
		for len(work) > 0 {
			select {
			case c := <-work:
				left = append(left, c)
			default:
			}
		}
		d.handBack(left...)
		for _, c := range left {
			d.release(c.job.ID)
		}
		close(work)
		wg.Wait()
		close(results)
		<-recorded
	}()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	d.replayJournal(context.WithoutCancel(ctx))
	for {
		d.recoverOrphans(ctx)
		batch, err := d.claimDue(ctx)
		if err != nil {
			d.log.Error("claiming due jobs", "err", err)
		}
		for i, c := range batch {
			select {
			case work <- c:
			case <-ctx.Done():
				// Stopping: the jobs no worker took go back untouched.
				d.handBack(batch[i:]...)
				for _, rest := range batch[i:] {
					d.release(rest.job.ID)
				}
				return nil
			}
		}
		if len(batch) > 0 && ctx.Err() == nil {
			// A wave larger than one batch goes on at once rather than
			// one batch per poll interval.
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-d.wake:
		}
	}
}

// RunOnce recovers interrupted jobs and sends every job due now, one at a
// time, and returns how many it worked on. Commands and tests use it.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	d.replayJournal(context.WithoutCancel(ctx))
	d.recoverOrphans(ctx)
	n := 0
	for ctx.Err() == nil {
		batch, err := d.claimDue(ctx)
		if err != nil || len(batch) == 0 {
			return n, err
		}
		for _, c := range batch {
			if r, ok := d.deliver(ctx, c); ok {
				d.recordAll(context.WithoutCancel(ctx), []sendResult{r})
			}
			d.release(c.job.ID)
			n++
		}
	}
	return n, ctx.Err()
}

// claimDue reads the due jobs and claims those no worker of this process
// holds, in one write. It returns the jobs ready to send; the others (no
// longer pending, moved to the morning, canceled as stale) are let go.
func (d *Dispatcher) claimDue(ctx context.Context) ([]claimed, error) {
	var due []store.DueJob
	if err := d.st.View(func(tx *store.Tx) error {
		due = tx.DueJobs(d.o.Now(), d.o.Workers*claimsPerWorker)
		if !d.limited(store.ChannelEmail) && !d.limited(store.ChannelSMS) {
			return nil
		}
		// Each channel within its budget. A job whose index entry predates
		// channels has its head read; one whose head cannot be read goes
		// on to its claim, which reports it.
		taken := map[store.Channel]int{}
		kept := due[:0]
		for _, job := range due {
			if job.Channel == "" {
				head, _ := tx.JobHead(job.ID)
				job.Channel = head.Channel
			}
			if taken[job.Channel] < d.claimBudget(job.Channel) {
				taken[job.Channel]++
				kept = append(kept, job)
			}
		}
		due = kept
		return nil
	}); err != nil {
		return nil, err
	}
	var ids []store.JobID
	for _, job := range due {
		if d.claimLocal(job.ID) {
			ids = append(ids, job.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	now := d.o.Now()
	got := make([]claimed, len(ids))
	ready := make([]bool, len(ids))
	fns := make([]func(*store.Tx) error, len(ids))
	for i, id := range ids {
		fns[i] = func(tx *store.Tx) (err error) {
			got[i], ready[i], err = d.claimTx(tx, id, now)
			return err
		}
	}
	// The jobs ready to go are kept in got's own array, in order: a claimed
	// job is a kilobyte, and a claim holds 16 a worker.
	batch := got[:0]
	var firstErr error
	for i, err := range d.st.UpdateAll(ctx, fns) {
		switch {
		case err != nil:
			firstErr = cmp.Or(firstErr, fmt.Errorf("job %s: %w", ids[i], err))
		case ready[i]:
			batch = append(batch, got[i])
			continue
		case got[i].job.State == store.JobFailed && got[i].job.PayloadError() != nil:
			d.log.Error("job failed for good: its payload cannot be read", "job", ids[i], "kind", got[i].job.Kind, "err", got[i].job.PayloadError())
		}
		d.release(ids[i])
	}
	return batch, firstErr
}

// deliver sends one claimed job. ok is false when there is no outcome to
// record: npsd is stopping and the job went back to the outbox untouched.
func (d *Dispatcher) deliver(ctx context.Context, c claimed) (res sendResult, ok bool) {
	res = sendResult{c: c}
	if ctx.Err() != nil {
		d.handBack(c)
		return res, false
	}
	// A previous attempt may have left without npsd learning it: ask the
	// provider before sending an SMS again.
	if prev := previousAttempt(c.job); prev != nil && prev.Uncertain && c.job.Channel == store.ChannelSMS {
		sids, err := d.o.SMS.SentSince(ctx, c.to, prev.At)
		if err != nil {
			res.err = &SendError{Err: fmt.Errorf("checking whether an earlier attempt was sent: %w", err), Temporary: true, Uncertain: true}
			return res, true
		}
		if len(sids) > 0 {
			d.log.Info("an earlier attempt was sent after all: not sending again", res.attrs("sid", sids[0])...)
			res.providerID = sids[0]
			return res, true
		}
	}
	if c.job.Channel == store.ChannelWebhook {
		return d.sendWebhook(ctx, res), true
	}
	msg, err := d.render(c)
	if err != nil {
		res.err = err
		return res, true
	}
	if err := d.limits[c.job.Channel].Wait(ctx); err != nil {
		// Stopping: hand the job back untouched.
		d.handBack(c)
		return res, false
	}
	// The send itself is not cut short by a stop: a message half-written
	// to a server is the worst outcome. SendTimeout bounds it.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	started := time.Now()
	switch c.job.Channel {
	case store.ChannelEmail:
		res.err = d.o.Email.SendEmail(sendCtx, d.email(c, msg))
		res.providerID = c.job.MessageID
	case store.ChannelSMS:
		res.providerID, res.err = d.o.SMS.SendSMS(sendCtx, SMS{To: c.to, Body: msg.Text, StatusCallback: d.o.StatusCallback})
	default:
		res.err = permanent(fmt.Errorf("unknown channel %q", c.job.Channel), "", "")
	}
	res.took = time.Since(started)
	if d.o.crashAfterSend != nil && d.o.crashAfterSend(c.job) {
		return res, false
	}
	if res.err == nil && c.job.Kind == store.JobSurvey && c.job.SurveyID != 0 {
		d.active.handOver(c.job.ID, c.job.SurveyID)
	}
	return res, true
}

// render renders a job's message. Its errors are the job's outcome.
func (d *Dispatcher) render(c claimed) (templates.Message, error) {
	data := d.data(c)
	if c.job.Kind == store.JobWeeklySummary {
		sum, err := d.buildSummary(c.job)
		if err != nil {
			return templates.Message{}, err
		}
		data.Summary = &sum
	}
	kind, ok := templates.ForJob(c.job.Kind)
	if !ok {
		return templates.Message{}, permanent(fmt.Errorf("no template for a job of kind %q", c.job.Kind), "template", "")
	}
	msg, err := d.o.Templates.Render(templates.Template{Kind: kind, Channel: templates.Channel(c.job.Channel)}, d.language(c), data)
	if err != nil {
		return templates.Message{}, permanent(fmt.Errorf("rendering: %w", err), "template", "")
	}
	return msg, nil
}

// recordResults writes outcomes as the workers hand them over. What has
// arrived goes in the next write; while other sends are under way and
// fewer outcomes than workers are gathered, it waits up to recordLinger
// for more, so that a wave's outcomes share a write (an fsync) by the
// number of workers rather than by the one or two that arrive during a
// write; their jobs stay safely in flight meanwhile. An outcome with no
// other send under way (a lone thanks) is written at once.
//
// The wait is bounded by a count, not only by time, for the crash
// promise: a message the server took whose outcome is not yet on disk is
// sent again after a kill. Those are at most one gathered outcome per
// worker plus the sends under way, however fast the relay; a wait of
// 10 ms alone let a kill repeat 10 ms of a wave (17 emails at 1,700 a
// second, and 1 to 3 in the crash test against 0 to 0.4 before).
//
// With a journal, a batch is written there and handed to applyJournaled,
// which commits the outcomes to the store in larger batches.
//
// It returns when results is closed and every outcome is written.
func (d *Dispatcher) recordResults(ctx context.Context, results <-chan sendResult) {
	var toStore chan []sendResult
	if d.o.Journal != nil {
		toStore = make(chan []sendResult, journalBacklog)
		applied := make(chan struct{})
		go func() {
			defer close(applied)
			d.applyJournaled(ctx, toStore)
		}()
		defer func() {
			close(toStore)
			<-applied
		}()
	}
	batch := make([]sendResult, 0, maxRecordBatch)
	linger := time.NewTimer(recordLinger)
	defer linger.Stop()
	for first := range results {
		batch = append(batch[:0], first)
		linger.Reset(recordLinger)
	gather:
		for len(batch) < maxRecordBatch {
			select {
			case r, ok := <-results:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				continue
			default:
			}
			// A worker counts itself out only after handing over its
			// outcome, so none sending means none is on its way.
			if d.sending.Load() == 0 || len(batch) >= d.o.Workers || d.limited(first.c.job.Channel) {
				break gather
			}
			select {
			case r, ok := <-results:
				if !ok {
					break gather
				}
				batch = append(batch, r)
			case <-linger.C:
				break gather
			}
		}
		if toStore == nil {
			d.recordAll(ctx, batch)
			d.releaseAll(batch)
			continue
		}
		err := d.o.Journal.write(batch)
		if err != nil {
			// The store is as durable, only slower.
			d.log.Warn("outcome journal: writing the outcomes to the store directly", "err", err)
			d.recordAll(ctx, batch)
			d.releaseAll(batch)
			d.o.Journal.applied(len(batch))
			continue
		}
		toStore <- slices.Clone(batch)
	}
}

// journalBacklog bounds the journaled batches waiting for the store: when
// the store falls that far behind, the workers wait.
const journalBacklog = 64

// maxApplyBatch bounds the journaled outcomes the store takes in one
// commit.
const maxApplyBatch = 1024

// applyLinger is how long the store's batch of journaled outcomes waits
// for more while sends are under way. The outcomes are durable already;
// waiting only keeps their jobs in flight a little longer, and a wave's
// outcomes then share a commit by the hundred instead of by the handful.
const applyLinger = 20 * time.Millisecond

// applyJournaled commits journaled outcomes to the store, as many as
// gather in one commit, and then lets their jobs leave the in-flight set.
func (d *Dispatcher) applyJournaled(ctx context.Context, in <-chan []sendResult) {
	var batch []sendResult
	linger := time.NewTimer(applyLinger)
	defer linger.Stop()
	for first := range in {
		batch = append(batch[:0], first...)
		linger.Reset(applyLinger)
	more:
		for len(batch) < maxApplyBatch {
			select {
			case next, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, next...)
				continue
			default:
			}
			if d.sending.Load() == 0 {
				break more
			}
			select {
			case next, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, next...)
			case <-linger.C:
				break more
			}
		}
		d.recordAll(ctx, batch)
		d.releaseAll(batch)
		d.o.Journal.applied(len(batch))
	}
}

// replayJournal applies the outcomes a previous run journaled and the
// store did not take before it stopped. It runs before the orphan pass,
// which would otherwise send those jobs again.
func (d *Dispatcher) replayJournal(ctx context.Context) {
	if d.o.Journal == nil {
		return
	}
	entries := d.o.Journal.takeLoaded()
	if len(entries) == 0 {
		return
	}
	d.log.Info("applying the outcomes the last run journaled", "outcomes", len(entries))
	for chunk := range slices.Chunk(entries, maxApplyBatch) {
		results := make([]sendResult, len(chunk))
		for i, e := range chunk {
			results[i] = e.result()
		}
		d.recordAll(ctx, results)
		d.o.Journal.applied(len(chunk))
	}
}

// releaseAll lets the jobs of recorded outcomes leave the in-flight set:
// only now, with their outcome on disk (or its failure to be written
// logged, for the orphan pass to settle).
func (d *Dispatcher) releaseAll(results []sendResult) {
	for _, r := range results {
		d.release(r.c.job.ID)
	}
}

// recordAll writes the outcomes of several attempts in one commit; each
// stands or falls alone.
func (d *Dispatcher) recordAll(ctx context.Context, results []sendResult) {
	now := d.o.Now().UTC()
	outcomes := make([]string, len(results))
	fns := make([]func(*store.Tx) error, len(results))
	for i := range results {
		fns[i] = func(tx *store.Tx) (err error) {
			outcomes[i], err = d.recordTx(tx, &results[i], now)
			return err
		}
	}
	for i, err := range d.st.UpdateAll(ctx, fns) {
		switch {
		case errors.Is(err, errSettled):
			d.log.Debug("journaled outcome already recorded", results[i].attrs()...)
		case err != nil:
			// The job stays inflight in the store; the orphan pass
			// settles it.
			d.log.Error("recording a send", results[i].attrs("err", err, "send_err", results[i].err)...)
		default:
			d.recorded(results[i], outcomes[i])
		}
	}
}
