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
	// UpdateAll commits several independent writes together, one error
	// each: a batch of claims or of outcomes pays one fsync.
	UpdateAll(ctx context.Context, fns []func(*store.Tx) error) []error
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

	// Journal, when set, takes each batch of outcomes first, and the store
	// takes them after in larger batches (see journal.go). Nil: outcomes
	// are committed to the store directly.
	Journal *Journal

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
	// sending counts the workers between taking a job and handing over
	// its outcome: while some are, more outcomes are on their way.
	sending atomic.Int64
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

func (d *Dispatcher) claimLocal(id store.JobID) bool { return d.active.take(id) }

func (d *Dispatcher) release(id store.JobID) { d.active.release(id) }

// HandedOver says whether the survey's message has been taken by its
// provider and its outcome not yet recorded (see InFlight.HandedOver).
func (d *Dispatcher) HandedOver(survey store.SurveyID) bool { return d.active.HandedOver(survey) }

// InFlight is the set of jobs this process is working on. A job inflight
// in the store but not in this set was interrupted by a crash and is
// settled as an orphan; a job in the set is someone's send in progress.
// A daemon that replaces its dispatcher on reload gives the new one the
// old one's set, so that a send the old one has not finished (it may
// outlast shutdown_timeout) is not taken for an orphan and sent twice.
type InFlight struct {
	mu  sync.Mutex
	ids map[store.JobID]bool
	// handedOver are the surveys whose message a provider has taken and
	// whose outcome is not yet in the store, by the job that sent them.
	handedOver map[store.JobID]store.SurveyID
}

// NewInFlight returns an empty set.
func NewInFlight() *InFlight {
	return &InFlight{ids: map[store.JobID]bool{}, handedOver: map[store.JobID]store.SurveyID{}}
}

// handOver notes that a survey's message was taken by its provider.
func (f *InFlight) handOver(job store.JobID, survey store.SurveyID) {
	f.mu.Lock()
	f.handedOver[job] = survey
	f.mu.Unlock()
}

// HandedOver says whether a provider has taken the survey's message while
// its outcome is still on its way to the store: the customer may answer
// in that moment, and the answer is the survey's.
func (f *InFlight) HandedOver(survey store.SurveyID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.handedOver {
		if s == survey {
			return true
		}
	}
	return false
}

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
	delete(f.handedOver, id)
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

// sendWebhook posts a webhook job's payload; it has no template and no
// send window: the receiver is a machine.
func (d *Dispatcher) sendWebhook(ctx context.Context, res sendResult) sendResult {
	if d.o.Webhooks == nil {
		res.err = permanent(errors.New("no webhook sender configured"), "", "")
		return res
	}
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.o.SendTimeout)
	defer cancel()
	started := time.Now()
	res.err = d.o.Webhooks.Post(sendCtx, res.c.job.To, res.c.job.Kind.String(), res.c.job.Payload.Webhook)
	res.took = time.Since(started)
	return res
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

// claimTx checks that the job should still go and marks it inflight, with
// a new attempt. It runs in the write that claims a batch (see claimBatch),
// which may run it more than once: it starts from nothing each time. It
// returns the job claimed, or ok false when the job is not to go now.
func (d *Dispatcher) claimTx(tx *store.Tx, id store.JobID, now time.Time) (c claimed, ok bool, err error) {
	j, err := tx.Job(id)
	if err != nil || j.State != store.JobPending || j.Due.After(now) {
		return c, false, err
	}
	c.job = j
	if err := j.PayloadError(); err != nil {
		// Sending it would need what cannot be read, and reading it
		// again will not help: it ends now, once, and the jobs after it
		// go on.
		return c, false, d.fail(tx, &c, err.Error())
	}
	if j.ContactID != 0 {
		if c.contact, err = tx.Contact(j.ContactID); err != nil {
			return c, false, err
		}
	}
	if j.SurveyID != 0 {
		if c.survey, err = tx.Survey(j.SurveyID); err != nil {
			return c, false, err
		}
	}
	if reason := d.stale(c); reason != "" {
		return c, false, d.cancel(tx, c, reason)
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
			return c, false, d.cancel(tx, c, "no "+string(j.Channel)+" address")
		}
		if d.o.Window != nil {
			next, err := d.o.Window.Next(now, c.contact, j.Channel)
			if err != nil {
				return c, false, err
			}
			if next.After(now) {
				// Retried or delayed into the night: wait for morning.
				j.Due = next
				_, err := tx.UpdateJob(j)
				return c, false, err
			}
		}
	}
	if j.Channel == store.ChannelEmail && j.MessageID == "" {
		j.MessageID = newMessageID(j.ID, d.o.MessageIDDomain)
	}
	j.State = store.JobInflight
	j.Attempts = append(j.Attempts, store.Attempt{At: now.UTC(), MessageID: j.MessageID})
	if c.job, err = tx.UpdateJob(j); err != nil {
		return c, false, err
	}
	if j.Kind == store.JobSurvey {
		if c.survey, err = tx.MoveSurvey(c.survey, store.SurveyInflight); err != nil {
			return c, false, err
		}
	}
	return c, true, nil
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
	_, err := cancelTx(tx, c.job, reason)
	return err
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

// handBack returns claimed jobs to pending without counting the attempt,
// in one write: npsd is stopping and nothing was sent.
func (d *Dispatcher) handBack(batch ...claimed) {
	fns := make([]func(*store.Tx) error, len(batch))
	for i, c := range batch {
		fns[i] = func(tx *store.Tx) error { return handBackTx(tx, c.job.ID) }
	}
	for i, err := range d.st.UpdateAll(context.Background(), fns) {
		if err != nil {
			d.log.Error("handing a job back to the outbox", "job", batch[i].job.ID, "err", err)
		}
	}
}

func handBackTx(tx *store.Tx, id store.JobID) error {
	j, err := tx.Job(id)
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
}

// recordTx writes the outcome of an attempt, and says what it was: sent,
// retry or failed. It runs in the write that records a batch of outcomes
// (see recordAll), which may run it more than once.
func (d *Dispatcher) recordTx(tx *store.Tx, r *sendResult, now time.Time) (string, error) {
	j, err := tx.Job(r.c.job.ID)
	if err != nil {
		return "", err
	}
	// An outcome read back from the journal names only its job: the
	// metrics want its kind and channel.
	r.c.job.Kind, r.c.job.Channel = j.Kind, j.Channel
	if r.attempt > 0 && (j.State != store.JobInflight || len(j.Attempts) != r.attempt) {
		// A journaled outcome the store already took before a crash.
		return "", errSettled
	}
	if j.State != store.JobInflight || len(j.Attempts) == 0 {
		return "", fmt.Errorf("job %s is %s, not inflight: outcome %v not recorded", j.ID, j.State, r.err)
	}
	last := &j.Attempts[len(j.Attempts)-1]
	var se *SendError
	var outcome string
	switch {
	case r.err == nil:
		j.State = store.JobSent
		last.MessageID = r.providerID
		outcome = "sent"
	case IsTemporary(r.err) && len(j.Attempts) < d.o.MaxAttempts:
		last.Error, last.Temporary = r.err.Error(), true
		last.Uncertain = errors.As(r.err, &se) && se.Uncertain
		j.State = store.JobPending
		j.Due = now.Add(d.backoff(len(j.Attempts)))
		outcome = "retry"
	default:
		last.Error, last.Temporary = r.err.Error(), IsTemporary(r.err)
		j.State = store.JobFailed
		j.Reason = r.err.Error()
		if last.Temporary {
			j.Reason = fmt.Sprintf("gave up after %d attempts: %v", len(j.Attempts), r.err)
		}
		outcome = "failed"
		if errors.As(r.err, &se) && se.Contact != "" && j.ContactID != 0 {
			if err := tx.SetChannelStatus(j.ContactID, j.Channel, store.ChannelStatus{State: se.Contact, Reason: r.err.Error()}); err != nil {
				return "", err
			}
		}
	}
	if _, err := tx.UpdateJob(j); err != nil {
		return "", err
	}
	if j.State == store.JobSent {
		// Delivery callbacks and replies name the message by this id.
		if err := tx.IndexProviderID(r.providerID, j.ID); err != nil {
			return "", err
		}
	}
	return outcome, d.recordSurvey(tx, j, now)
}

// errSettled is a journaled outcome whose attempt the store has already
// settled.
var errSettled = errors.New("outcome already recorded")

// recorded tells the metrics and the log of an outcome once it is on disk.
func (d *Dispatcher) recorded(r sendResult, outcome string) {
	if d.o.Observe != nil {
		reason := ""
		var se *SendError
		if errors.As(r.err, &se) {
			reason = se.Code
		}
		d.o.Observe(r.c.job.Channel, outcome, reason, r.took)
	}
	switch outcome {
	case "sent":
		d.lastSent.Store(time.Now().UnixNano())
		d.log.Info("message sent", r.attrs("id", r.providerID)...)
	case "retry":
		d.log.Warn("send failed, will retry", r.attrs("err", r.err, "attempt", max(len(r.c.job.Attempts), r.attempt))...)
	case "failed":
		d.log.Error("send failed for good", r.attrs("err", r.err)...)
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
		// Answered before the send was recorded (a click on a link, or a
		// text back, that arrived while npsd waited for the server's
		// reply or wrote its outcome): the answer stands, the attempts
		// are kept, and the funnel counts the send.
		if to == store.SurveySent && sv.Sent.IsZero() {
			sv.Sent, sv.Channel = now, j.Channel
		}
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
		var err error
		orphans, err = tx.InflightJobs(d.active.holds)
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
