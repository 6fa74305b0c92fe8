// Package dispatcher owns the outbox's way out: it takes due jobs from the
// store, checks they still should go, renders them with the templates,
// sends them by email or SMS within rate limits, and records every outcome
// durably — retrying what is temporary with backoff, ending what is
// permanent and marking the contact's channel when the failure says so.
//
// Delivery contract: a job is marked inflight (on disk) before its message
// is handed to a transport, and its outcome is on disk before the job is
// forgotten. A job found inflight at start-up was interrupted: an email is
// sent again at most once, with the same Message-ID; an SMS is first looked
// up at the provider and sent again only if it did not leave.
package dispatcher

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// Store is what the dispatcher needs of the store.
type Store interface {
	View(fn func(*store.Tx) error) error
	Update(ctx context.Context, fn func(*store.Tx) error) error
}

// Renderer renders one message; *templates.Set is one.
type Renderer interface {
	Render(t templates.Template, contactLang string, d templates.Data) (templates.Message, error)
}

// EmailSender sends one email. Its errors say whether to retry (see
// IsTemporary and SendError).
type EmailSender interface {
	SendEmail(ctx context.Context, e Email) error
}

// SMSSender sends one SMS and returns the provider's id for it, and can
// tell which messages went to a number since a time.
type SMSSender interface {
	SendSMS(ctx context.Context, m SMS) (string, error)
	SentSince(ctx context.Context, to string, since time.Time) ([]string, error)
}

// Window says when a message may reach a contact: t itself, or the next
// opening of the send window in the contact's time zone.
type Window interface {
	Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error)
}

// Links builds the addresses a customer message carries.
type Links interface {
	// Survey returns the survey page and the eleven score links.
	Survey(sv store.Survey) (page string, scores []templates.ScoreLink)
	// Unsubscribe returns the one-click unsubscribe URL for a channel.
	Unsubscribe(c store.Contact, ch store.Channel) string
	// ReplyTo returns the address replies to a survey should go to, ""
	// for the configured one.
	ReplyTo(sv store.Survey) string
}

// Options configures New.
type Options struct {
	Email EmailSender
	SMS   SMSSender
	// Webhooks posts events to the shop's systems; nil: webhook jobs fail.
	Webhooks  *WebhookSender
	Templates Renderer
	Window    Window
	Links     Links
	Business  templates.Business

	From    string
	ReplyTo string
	// UnsubscribeMailto is the mailto: alternative in List-Unsubscribe.
	UnsubscribeMailto string
	// StatusCallback is the URL the SMS provider reports delivery to.
	StatusCallback string
	// MessageIDDomain ends every Message-ID: the sender's domain.
	MessageIDDomain string

	// Workers send in parallel. Default 4.
	Workers int
	// Poll is how often the outbox is looked at when nothing wakes the
	// dispatcher. Default 1s.
	Poll time.Duration
	// SendTimeout bounds one send. Default 60s.
	SendTimeout time.Duration
	// EmailRate and SMSRate cap messages per second per channel; 0 is
	// unlimited. A US long code takes 1 SMS per second.
	EmailRate, SMSRate float64
	// MaxAttempts ends a job after this many temporary failures. Default 10.
	MaxAttempts int
	// BackoffBase and BackoffMax bound the wait between attempts, which
	// doubles from the base, with jitter. Defaults 1m and 6h.
	BackoffBase, BackoffMax time.Duration

	Now    func() time.Time
	Logger *slog.Logger
	// Observe, when set, is told each attempt's outcome (sent, retry,
	// failed), its reason (the provider's code) and how long the send took.
	Observe func(ch store.Channel, outcome, reason string, took time.Duration)

	// InFlight is the set of jobs being worked on, shared with the
	// dispatcher this one replaces on a reload. Default: a set of its own.
	InFlight *InFlight

	// Summary builds the weekly summary a summary job refers to (its
	// payload names the week), reading the store when the job is sent, so
	// that the outbox holds no copy of names, addresses or comments. Nil:
	// summary jobs fail, unless they carry their summary (the old form).
	Summary func(tx *store.Tx, p store.Payload) (templates.Summary, error)

	// crashAfterSend runs between a send and the record of its outcome;
	// when it returns true the outcome is not recorded, as if the process
	// had died there. Tests use it.
	crashAfterSend func(store.Job) bool
}

// Dispatcher sends the outbox.
type Dispatcher struct {
	st     Store
	o      Options
	limits map[store.Channel]*rate.Limiter
	wake   chan struct{}
	log    *slog.Logger

	active *InFlight

	lastSent atomic.Int64 // unix nanos of the last message sent
}

// LastSent is when a message last went out; zero before the first.
func (d *Dispatcher) LastSent() time.Time {
	if n := d.lastSent.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// New checks the options; nothing runs until Run or RunOnce.
func New(st Store, o Options) (*Dispatcher, error) {
	if o.Email == nil || o.SMS == nil || o.Templates == nil {
		return nil, errors.New("dispatcher: an email sender, an SMS sender and templates are required")
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = time.Minute
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 6 * time.Hour
	}
	if o.MessageIDDomain == "" {
		o.MessageIDDomain = "npsd.invalid"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	limit := func(perSecond float64) *rate.Limiter {
		if perSecond <= 0 {
			return rate.NewLimiter(rate.Inf, 1)
		}
		return rate.NewLimiter(rate.Limit(perSecond), 1)
	}
	return &Dispatcher{
		st: st, o: o, log: o.Logger,
		limits: map[store.Channel]*rate.Limiter{store.ChannelEmail: limit(o.EmailRate), store.ChannelSMS: limit(o.SMSRate)},
		wake:   make(chan struct{}, 1),
		active: cmp.Or(o.InFlight, NewInFlight()),
	}, nil
}

// Wake makes the dispatcher look at the outbox now, for a job queued to go
// at once (an answer to a customer).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends due jobs with a pool of workers until ctx ends. Then it takes
// no new job, lets the sends in progress finish and record their outcome,
// and returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	jobs := make(chan store.JobID)
	var wg sync.WaitGroup
	for range d.o.Workers {
		wg.Go(func() {
			for id := range jobs {
				progressed := d.process(ctx, id)
				d.release(id)
				// A worker that got a job through looks at the outbox again
				// at once: a wave larger than one read of the outbox would
				// otherwise go out one read per poll interval. One that
				// could not (the store refuses writes: a full disk) leaves
				// the next try to the poll rather than spin on the same job.
				if progressed {
					d.Wake()
				}
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	for {
		d.recoverOrphans(ctx)
		due, err := d.due()
		if err != nil {
			d.log.Error("reading the outbox", "err", err)
		}
		for _, id := range due {
			if !d.claimLocal(id) {
				continue
			}
			select {
			case jobs <- id:
			case <-ctx.Done():
				d.release(id)
				return nil
			}
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
	d.recoverOrphans(ctx)
	n := 0
	for {
		due, err := d.due()
		if err != nil {
			return n, err
		}
		progressed := false
		for _, id := range due {
			if !d.claimLocal(id) {
				continue
			}
			if d.process(ctx, id) {
				progressed = true
			}
			d.release(id)
			n++
		}
		if !progressed || ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

func (d *Dispatcher) due() ([]store.JobID, error) {
	var ids []store.JobID
	err := d.st.View(func(tx *store.Tx) error {
		jobs, err := tx.DueJobs(d.o.Now(), d.o.Workers*8)
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		return err
	})
	return ids, err
}

func (d *Dispatcher) claimLocal(id store.JobID) bool { return d.active.take(id) }

func (d *Dispatcher) release(id store.JobID) { d.active.release(id) }

// InFlight is the set of jobs this process is working on. A job inflight
// in the store but not in this set was interrupted by a crash and is
// settled as an orphan; a job in the set is someone's send in progress.
// A daemon that replaces its dispatcher on reload gives the new one the
// old one's set, so that a send the old one has not finished (it may
// outlast shutdown_timeout) is not taken for an orphan and sent twice.
type InFlight struct {
	mu  sync.Mutex
	ids map[store.JobID]bool
}

// NewInFlight returns an empty set.
func NewInFlight() *InFlight { return &InFlight{ids: map[store.JobID]bool{}} }

// take adds id and reports whether it was free.
func (f *InFlight) take(id store.JobID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ids[id] {
		return false
	}
	f.ids[id] = true
	return true
}

func (f *InFlight) release(id store.JobID) {
	f.mu.Lock()
	delete(f.ids, id)
	f.mu.Unlock()
}

// Len is how many jobs are being worked on.
func (f *InFlight) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ids)
}

// holds reports whether id is being worked on.
func (f *InFlight) holds(id store.JobID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ids[id]
}

// customerFacing jobs go to the contact; the others (owner alerts, the
// summary) to a fixed address, at any hour, without unsubscribe links.
func customerFacing(j store.Job) bool { return j.To == "" }

// isSurveyKind says whether a job asks the question; such jobs depend on
// their survey's state.
func isSurveyKind(kind store.JobKind) bool {
	return kind == store.JobSurvey || kind == store.JobReminder
}

// claimed is a job taken for sending, with what rendering needs.
type claimed struct {
	job     store.Job
	contact store.Contact
	survey  store.Survey
	to      string
}

// process takes one job through claim, send and record. It returns false
// when the job was not ready to go (no longer pending, or not yet due).
func (d *Dispatcher) process(ctx context.Context, id store.JobID) bool {
	if ctx.Err() != nil {
		return false
	}
	c, ok, err := d.claim(ctx, id)
	if err != nil {
		d.log.Error("claiming a job", "job", id, "err", err)
		return false
	}
	if !ok {
		if err := c.job.PayloadError(); err != nil && c.job.State == store.JobFailed {
			d.log.Error("job failed for good: its payload cannot be read", "job", c.job.ID, "kind", c.job.Kind, "err", err)
		}
		return false
	}
	log := d.log.With("job", c.job.ID, "kind", c.job.Kind, "channel", c.job.Channel)
	// A previous attempt may have left without npsd learning it: ask the
	// provider before sending an SMS again.
	if prev := previousAttempt(c.job); prev != nil && prev.Uncertain && c.job.Channel == store.ChannelSMS {
		sids, err := d.o.SMS.SentSince(ctx, c.to, prev.At)
		if err != nil {
			d.record(ctx, log, c, "", &SendError{Err: fmt.Errorf("checking whether an earlier attempt was sent: %w", err), Temporary: true, Uncertain: true}, 0)
			return true
		}
		if len(sids) > 0 {
			log.Info("an earlier attempt was sent after all: not sending again", "sid", sids[0])
			d.record(ctx, log, c, sids[0], nil, 0)
			return true
		}
	}
	if c.job.Channel == store.ChannelWebhook {
		d.sendWebhook(ctx, log, c)
		return true
	}
	data := d.data(c)
	if c.job.Kind == store.JobWeeklySummary {
		sum, err := d.buildSummary(c.job)
		if err != nil {
			d.record(ctx, log, c, "", err, 0)
			return true
		}
		data.Summary = &sum
	}
	kind, ok := templates.ForJob(c.job.Kind)
	if !ok {
		d.record(ctx, log, c, "", permanent(fmt.Errorf("no template for a job of kind %q", c.job.Kind), "template", ""), 0)
		return true
	}
	msg, err := d.o.Templates.Render(templates.Template{Kind: kind, Channel: templates.Channel(c.job.Channel)}, d.language(c), data)
	if err != nil {
		d.record(ctx, log, c, "", permanent(fmt.Errorf("rendering: %w", err), "template", ""), 0)
		return true
	}
	if err := d.limits[c.job.Channel].Wait(ctx); err != nil {
		// Stopping: hand the job back untouched.
		d.handBack(c)
		return false
	}
	// The send itself is not cut short by a stop: a message half-written
	// to a server is the worst outcome. SendTimeout bounds it.
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	var providerID string
	started := time.Now()
	switch c.job.Channel {
	case store.ChannelEmail:
		err = d.o.Email.SendEmail(sendCtx, d.email(c, msg))
		providerID = c.job.MessageID
	case store.ChannelSMS:
		providerID, err = d.o.SMS.SendSMS(sendCtx, SMS{To: c.to, Body: msg.Text, StatusCallback: d.o.StatusCallback})
	default:
		err = permanent(fmt.Errorf("unknown channel %q", c.job.Channel), "", "")
	}
	if d.o.crashAfterSend != nil && d.o.crashAfterSend(c.job) {
		return true
	}
	d.record(context.WithoutCancel(ctx), log, c, providerID, err, time.Since(started))
	return true
}

// sendWebhook posts a webhook job's payload; it has no template and no
// send window: the receiver is a machine.
func (d *Dispatcher) sendWebhook(ctx context.Context, log *slog.Logger, c claimed) {
	if d.o.Webhooks == nil {
		d.record(ctx, log, c, "", permanent(errors.New("no webhook sender configured"), "", ""), 0)
		return
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	started := time.Now()
	err := d.o.Webhooks.Post(sendCtx, c.job.To, c.job.Kind.String(), c.job.Payload.Webhook)
	d.record(context.WithoutCancel(ctx), log, c, "", err, time.Since(started))
}

func previousAttempt(j store.Job) *store.Attempt {
	if len(j.Attempts) < 2 {
		return nil
	}
	return &j.Attempts[len(j.Attempts)-2]
}

func (d *Dispatcher) language(c claimed) string {
	if customerFacing(c.job) {
		return c.contact.Language
	}
	return "" // the business's language
}

// claim checks that the job should still go and marks it inflight, with a
// new attempt, in one durable write.
func (d *Dispatcher) claim(ctx context.Context, id store.JobID) (claimed, bool, error) {
	now := d.o.Now()
	var c claimed
	var ready bool
	err := d.st.Update(ctx, func(tx *store.Tx) error {
		c, ready = claimed{}, false
		j, err := tx.Job(id)
		if err != nil {
			return err
		}
		if j.State != store.JobPending || j.Due.After(now) {
			return nil
		}
		c.job = j
		if err := j.PayloadError(); err != nil {
			// Sending it would need what cannot be read, and reading it
			// again will not help: it ends now, once, and the jobs after
			// it go on.
			return d.fail(tx, &c, err.Error())
		}
		if j.ContactID != 0 {
			if c.contact, err = tx.Contact(j.ContactID); err != nil {
				return err
			}
		}
		if j.SurveyID != 0 {
			if c.survey, err = tx.Survey(j.SurveyID); err != nil {
				return err
			}
		}
		if reason := d.stale(c); reason != "" {
			return d.cancel(tx, c, reason)
		}
		c.to = j.To
		if customerFacing(j) {
			switch j.Channel {
			case store.ChannelEmail:
				c.to = c.contact.Email
			case store.ChannelSMS:
				c.to = c.contact.Phone
			}
			if c.to == "" {
				return d.cancel(tx, c, "no "+string(j.Channel)+" address")
			}
			if d.o.Window != nil {
				next, err := d.o.Window.Next(now, c.contact, j.Channel)
				if err != nil {
					return err
				}
				if next.After(now) {
					// Retried or delayed into the night: wait for morning.
					j.Due = next
					_, err := tx.UpdateJob(j)
					return err
				}
			}
		}
		if j.Channel == store.ChannelEmail && j.MessageID == "" {
			j.MessageID = newMessageID(j.ID, d.o.MessageIDDomain)
		}
		j.State = store.JobInflight
		j.Attempts = append(j.Attempts, store.Attempt{At: now.UTC(), MessageID: j.MessageID})
		if c.job, err = tx.UpdateJob(j); err != nil {
			return err
		}
		if j.Kind == store.JobSurvey {
			if c.survey, err = tx.MoveSurvey(c.survey, store.SurveyInflight); err != nil {
				return err
			}
		}
		ready = true
		return nil
	})
	return c, ready, err
}

// stale says why a job should no longer go: its survey was answered or has
// expired, or the contact left the channel since it was planned.
func (d *Dispatcher) stale(c claimed) string {
	j := c.job
	if isSurveyKind(j.Kind) {
		want := store.SurveyPending
		if j.Kind == store.JobReminder {
			want = store.SurveySent
		}
		if c.survey.State != want {
			return "survey is " + string(c.survey.State)
		}
	}
	if customerFacing(j) && j.Kind != store.JobOptOutConfirm && j.Kind != store.JobHelp {
		if st := c.contact.ChannelStatus(j.Channel); st.State != store.ChannelOK {
			return string(st.State) + " on " + string(j.Channel)
		}
	}
	return ""
}

func (d *Dispatcher) cancel(tx *store.Tx, c claimed, reason string) error {
	c.job.State, c.job.Reason = store.JobCanceled, reason
	if _, err := tx.UpdateJob(c.job); err != nil {
		return err
	}
	if c.job.Kind == store.JobSurvey && c.survey.State == store.SurveyPending {
		c.survey.Reason = reason
		_, err := tx.MoveSurvey(c.survey, store.SurveySkipped)
		return err
	}
	return nil
}

// fail ends a job that cannot be sent without an attempt, and its survey
// with it.
func (d *Dispatcher) fail(tx *store.Tx, c *claimed, reason string) error {
	c.job.State, c.job.Reason = store.JobFailed, reason
	j, err := tx.UpdateJob(c.job)
	if err != nil {
		return err
	}
	c.job = j
	return d.recordSurvey(tx, j, d.o.Now().UTC())
}

// handBack returns a claimed job to pending without counting the attempt:
// npsd is stopping and nothing was sent.
func (d *Dispatcher) handBack(c claimed) {
	err := d.st.Update(context.Background(), func(tx *store.Tx) error {
		j, err := tx.Job(c.job.ID)
		if err != nil || j.State != store.JobInflight {
			return err
		}
		j.State = store.JobPending
		j.Attempts = j.Attempts[:len(j.Attempts)-1]
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		if j.Kind == store.JobSurvey {
			sv, err := tx.Survey(j.SurveyID)
			if err != nil {
				return err
			}
			if sv.State != store.SurveyInflight {
				return nil // answered meanwhile: the answer stands
			}
			_, err = tx.MoveSurvey(sv, store.SurveyPending)
			return err
		}
		return nil
	})
	if err != nil {
		d.log.Error("handing a job back to the outbox", "job", c.job.ID, "err", err)
	}
}

// record writes the outcome of an attempt.
func (d *Dispatcher) record(ctx context.Context, log *slog.Logger, c claimed, providerID string, sendErr error, took time.Duration) {
	now := d.o.Now().UTC()
	var outcome string
	err := d.st.Update(ctx, func(tx *store.Tx) error {
		j, err := tx.Job(c.job.ID)
		if err != nil {
			return err
		}
		if j.State != store.JobInflight || len(j.Attempts) == 0 {
			return fmt.Errorf("job %s is %s, not inflight: outcome %v not recorded", j.ID, j.State, sendErr)
		}
		last := &j.Attempts[len(j.Attempts)-1]
		var se *SendError
		switch {
		case sendErr == nil:
			j.State = store.JobSent
			last.MessageID = providerID
			outcome = "sent"
		case IsTemporary(sendErr) && len(j.Attempts) < d.o.MaxAttempts:
			last.Error, last.Temporary = sendErr.Error(), true
			last.Uncertain = errors.As(sendErr, &se) && se.Uncertain
			j.State = store.JobPending
			j.Due = now.Add(d.backoff(len(j.Attempts)))
			outcome = "retry"
		default:
			last.Error, last.Temporary = sendErr.Error(), IsTemporary(sendErr)
			j.State = store.JobFailed
			j.Reason = sendErr.Error()
			if last.Temporary {
				j.Reason = fmt.Sprintf("gave up after %d attempts: %v", len(j.Attempts), sendErr)
			}
			outcome = "failed"
			if errors.As(sendErr, &se) && se.Contact != "" && j.ContactID != 0 {
				if err := tx.SetChannelStatus(j.ContactID, j.Channel, store.ChannelStatus{State: se.Contact, Reason: sendErr.Error()}); err != nil {
					return err
				}
			}
		}
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		if j.State == store.JobSent {
			// Delivery callbacks and replies name the message by this id.
			if err := tx.IndexProviderID(providerID, j.ID); err != nil {
				return err
			}
		}
		return d.recordSurvey(tx, j, now)
	})
	if err != nil {
		// The job stays inflight in the store; the orphan pass settles it.
		log.Error("recording a send", "err", err, "send_err", sendErr)
		return
	}
	if d.o.Observe != nil {
		reason := ""
		var se *SendError
		if errors.As(sendErr, &se) {
			reason = se.Code
		}
		d.o.Observe(c.job.Channel, outcome, reason, took)
	}
	switch outcome {
	case "sent":
		d.lastSent.Store(time.Now().UnixNano())
		log.Info("message sent", "id", providerID)
	case "retry":
		log.Warn("send failed, will retry", "err", sendErr, "attempt", len(c.job.Attempts))
	case "failed":
		log.Error("send failed for good", "err", sendErr)
	}
}

// recordSurvey keeps a survey's state in step with its survey job.
func (d *Dispatcher) recordSurvey(tx *store.Tx, j store.Job, now time.Time) error {
	if j.Kind != store.JobSurvey || j.SurveyID == 0 {
		return nil
	}
	sv, err := tx.Survey(j.SurveyID)
	if err != nil {
		return err
	}
	to := map[store.JobState]store.SurveyState{store.JobSent: store.SurveySent, store.JobFailed: store.SurveyFailed, store.JobPending: store.SurveyPending}[j.State]
	if to == "" {
		return nil
	}
	sv.Attempts = j.Attempts
	if !sv.State.CanMove(to) {
		// Answered before the send was recorded (a click on a link that
		// arrived while npsd waited for the server's reply): the answer
		// stands, the attempts are kept.
		_, err = tx.PutSurvey(sv)
		return err
	}
	switch to {
	case store.SurveySent:
		sv.Sent, sv.Channel = now, j.Channel
	case store.SurveyFailed:
		sv.Reason = j.Reason
	}
	_, err = tx.MoveSurvey(sv, to)
	return err
}

// backoff is the wait after the n-th failed attempt: doubling from the
// base up to the cap, with jitter so a crowd of retries does not return
// in step.
func (d *Dispatcher) backoff(n int) time.Duration {
	wait := d.o.BackoffBase
	for i := 1; i < n && wait < d.o.BackoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, d.o.BackoffMax)
	return wait/2 + time.Duration(mrand.Int64N(int64(wait/2)+1))
}

// recoverOrphans settles jobs left inflight by an earlier process.
func (d *Dispatcher) recoverOrphans(ctx context.Context) {
	var orphans []store.Job
	err := d.st.View(func(tx *store.Tx) error {
		jobs, err := tx.InflightJobs()
		for _, j := range jobs {
			if !d.active.holds(j.ID) {
				orphans = append(orphans, j)
			}
		}
		return err
	})
	if err != nil {
		d.log.Error("reading interrupted jobs", "err", err)
		return
	}
	for _, j := range orphans {
		if !d.claimLocal(j.ID) {
			continue
		}
		d.recoverOne(ctx, j)
		d.release(j.ID)
	}
}

// maxEmailResends caps how often an email interrupted in flight is sent
// again. Each interruption (a crash, a kill) leads to one resend, with the
// same Message-ID so a copy that did arrive is recognisable; a claim is on
// disk before the SMTP connection is even used, so an interruption often
// means nothing left, and a single resend in all would lose a survey
// interrupted twice. The cap stops a message that crashes npsd from being
// sent in a loop.
const maxEmailResends = 5

func (d *Dispatcher) recoverOne(ctx context.Context, orphan store.Job) {
	log := d.log.With("job", orphan.ID, "kind", orphan.Kind, "channel", orphan.Channel)
	var sids []string
	if orphan.Channel == store.ChannelSMS && len(orphan.Attempts) > 0 {
		to := orphan.To
		if to == "" {
			var ct store.Contact
			_ = d.st.View(func(tx *store.Tx) (err error) { ct, err = tx.Contact(orphan.ContactID); return err })
			to = ct.Phone
		}
		var err error
		if sids, err = d.o.SMS.SentSince(ctx, to, orphan.Attempts[len(orphan.Attempts)-1].At); err != nil {
			log.Warn("cannot tell yet whether an interrupted SMS was sent; will ask again", "err", err)
			return
		}
	}
	now := d.o.Now().UTC()
	err := d.st.Update(ctx, func(tx *store.Tx) error {
		j, err := tx.Job(orphan.ID)
		if err != nil || j.State != store.JobInflight {
			return err
		}
		last := &j.Attempts[len(j.Attempts)-1]
		last.Uncertain = true
		last.Error = "interrupted: npsd stopped while sending"
		switch {
		case len(sids) > 0:
			last.Error, last.Uncertain, last.MessageID = "", false, sids[0]
			j.State = store.JobSent
			if err := tx.IndexProviderID(sids[0], j.ID); err != nil {
				return err
			}
			log.Info("interrupted SMS had been sent", "sid", sids[0])
		case j.Channel == store.ChannelEmail && uncertainAttempts(j) > maxEmailResends:
			j.State = store.JobFailed
			j.Reason = fmt.Sprintf("interrupted while sending %d times: not sent again", uncertainAttempts(j))
			log.Error("interrupted email not sent again", "message_id", j.MessageID)
		default:
			j.State, j.Due = store.JobPending, now
			log.Warn("interrupted send will be retried", "attempts", len(j.Attempts))
		}
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		return d.recordSurvey(tx, j, now)
	})
	if err != nil {
		log.Error("settling an interrupted job", "err", err)
	}
}

func uncertainAttempts(j store.Job) int {
	n := 0
	for _, a := range j.Attempts {
		if a.Uncertain {
			n++
		}
	}
	return n
}

func newMessageID(id store.JobID, domain string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "npsd." + strconv.FormatUint(uint64(id), 10) + "." + hex.EncodeToString(b[:]) + "@" + domain
}

// data gathers what the templates print.
func (d *Dispatcher) data(c claimed) templates.Data {
	ct := c.contact
	data := templates.Data{
		Business: d.o.Business,
		Contact:  templates.Contact{Name: ct.Name, Email: ct.Email, Phone: ct.Phone, Attributes: ct.Attributes},
	}
	if d.o.Links != nil {
		if c.survey.ID != 0 {
			data.SurveyURL, data.ScoreLinks = d.o.Links.Survey(c.survey)
		}
		if customerFacing(c.job) {
			data.UnsubscribeURL = d.o.Links.Unsubscribe(ct, c.job.Channel)
		}
	}
	p := c.job.Payload
	if p.Score != nil {
		data.Score = *p.Score
	}
	data.Category, data.Comment, data.CaseURL = p.Category, p.Comment, p.CaseURL
	if p.NoReview {
		// followup.review_request keeps this customer out of the invitation.
		data.Business.ReviewURL = ""
	}
	return data
}

// buildSummary builds the summary a summary job refers to. A store that
// cannot be read now may be readable at the next attempt; a job the
// dispatcher cannot build at all ends, and so does a copy of the old form
// that does not read as a summary: it will read no better later.
func (d *Dispatcher) buildSummary(j store.Job) (templates.Summary, error) {
	if raw := j.Payload.LegacySummary; len(raw) > 0 {
		var sum templates.Summary
		if err := json.Unmarshal(raw, &sum); err != nil {
			return templates.Summary{}, permanent(fmt.Errorf("the summary this job of the old form carries cannot be read: %w", err), "", "")
		}
		return sum, nil
	}
	if d.o.Summary == nil {
		return templates.Summary{}, permanent(errors.New("no summary builder configured"), "", "")
	}
	var sum templates.Summary
	err := d.st.View(func(tx *store.Tx) (err error) {
		sum, err = d.o.Summary(tx, j.Payload)
		return err
	})
	if err != nil {
		return templates.Summary{}, &SendError{Err: fmt.Errorf("building the summary: %w", err), Temporary: true}
	}
	return sum, nil
}

// email assembles a rendered message into an Email.
func (d *Dispatcher) email(c claimed, m templates.Message) Email {
	e := Email{
		MessageID: c.job.MessageID,
		From:      d.o.From,
		To:        c.to,
		ReplyTo:   d.o.ReplyTo,
		InReplyTo: c.job.Payload.InReplyTo,
		Subject:   m.Subject,
		Text:      m.Text,
		HTML:      m.HTML,
		Date:      d.o.Now(),
	}
	if customerFacing(c.job) && d.o.Links != nil {
		e.Unsubscribe = d.o.Links.Unsubscribe(c.contact, store.ChannelEmail)
		e.UnsubscribeMailto = d.o.UnsubscribeMailto
		if c.survey.ID != 0 {
			if r := d.o.Links.ReplyTo(c.survey); r != "" {
				e.ReplyTo = r
			}
		}
	}
	return e
}
