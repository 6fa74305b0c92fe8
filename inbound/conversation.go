package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// Store is what the inbound side needs of the store.
type Store interface {
	View(fn func(*store.Tx) error) error
	Update(ctx context.Context, fn func(*store.Tx) error) error
}

// Renderer renders an answer sent back at once; *templates.Set is one.
type Renderer interface {
	Render(t templates.Template, contactLang string, d templates.Data) (templates.Message, error)
}

// Window says when a message may reach a contact (see dispatcher.Window).
type Window interface {
	Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error)
}

// Review request policies (followup.review_request).
const (
	ReviewPromoters = "promoters"
	ReviewAll       = "all"
	ReviewOff       = "off"
)

// ConversationOptions configures a Conversation.
type ConversationOptions struct {
	// CommentWindow is how long after a score the next message is taken as
	// its comment. Default 48h.
	CommentWindow time.Duration
	// ReviewRequest says who is invited to leave a public review.
	ReviewRequest string
	// Owners get an alert email for each detractor.
	Owners []string
	// CaseDue is how long the owners have to call a detractor back.
	// Default 48h. Assignee is who does; default the first owner.
	CaseDue  time.Duration
	Assignee string
	// CaseURL links an owner alert to the case's page; nil for none.
	CaseURL   func(store.CaseID) string
	Business  templates.Business
	Templates Renderer
	Window    Window
	// AnswerWindow is how long after a survey was sent an answer still
	// counts. Default 60 days.
	AnswerWindow time.Duration
	// Wake tells the dispatcher that jobs are due now.
	Wake func()
	// HandedOver says whether a survey in flight has been taken by its
	// provider, its outcome not yet recorded; nil: none has.
	HandedOver func(store.SurveyID) bool
	// OnScore, when set, is told the category of each score recorded.
	OnScore func(category string)
	// Webhooks are the shop's URLs told of each new or changed response
	// and each opt-out, through the outbox.
	Webhooks []string
	Now      func() time.Time
	Logger   *slog.Logger
}

// Conversation turns what customers send into responses, comments, opt-outs
// and the answers that follow. It is the one handler behind every way in.
type Conversation struct {
	st  Store
	o   ConversationOptions
	log *slog.Logger
}

// NewConversation returns a conversation handler.
func NewConversation(st Store, o ConversationOptions) (*Conversation, error) {
	if o.Templates == nil {
		return nil, errors.New("inbound: templates are required")
	}
	if o.CommentWindow <= 0 {
		o.CommentWindow = 48 * time.Hour
	}
	if o.CaseDue <= 0 {
		o.CaseDue = 48 * time.Hour
	}
	if o.Assignee == "" && len(o.Owners) > 0 {
		o.Assignee = o.Owners[0]
	}
	if o.AnswerWindow <= 0 {
		o.AnswerWindow = 60 * 24 * time.Hour
	}
	switch o.ReviewRequest {
	case "":
		o.ReviewRequest = ReviewPromoters
	case ReviewPromoters, ReviewAll, ReviewOff:
	default:
		return nil, fmt.Errorf("inbound: review request must be promoters, all or off, not %q", o.ReviewRequest)
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Conversation{st: st, o: o, log: o.Logger}, nil
}

// Incoming is one message that came in.
type Incoming struct {
	// Key identifies the message for good: a second delivery of the same
	// key changes nothing.
	Key     string
	Channel store.Channel
	// From is the sender: an E.164 number or an email address.
	From  string
	Text  string
	Reply Reply
	// Contact is the sender when the way in already knows (a signed
	// survey link); zero to find them by From.
	Contact store.ContactID
	// Survey is the survey the message answers when the way in tells
	// (a reply-to token, In-Reply-To); zero to take the contact's latest.
	Survey store.SurveyID
	// Bounced lists addresses a delivery report says failed.
	Bounced []string
	// InReplyTo is the Message-ID to thread email answers under.
	InReplyTo string
	// Unproven, when set, says why the message cannot be trusted to come
	// from whom it says (an email with nothing that proves its From): it
	// is kept for the owner and not applied, but for an opt-out, which is
	// honoured whoever asks, since a missed one costs far more than a
	// forged one.
	Unproven string
	// Source, when set, is who gave a score instead of the channel it
	// came by: "owner" for a score the owner read (see Decide).
	Source string
}

// Outcome is what Handle did.
type Outcome struct {
	// Duplicate is set when the message had been handled before.
	Duplicate bool
	// Answer is text to send back at once (as TwiML), "" for none.
	Answer  string
	Contact store.ContactID
	Survey  store.SurveyID
	// Note says what happened, for the log and the inbound record.
	Note string
	// Unknown is set when the sender matched no contact (or several): the
	// message is kept for the owner, for a bounded time.
	Unknown bool
	// Scored is the score the message recorded or changed to, nil when
	// it recorded none: what the response metrics count.
	Scored *int
	// Kept is set when the message had no effect npsd could give it (an
	// unclear reply, a message with no survey to answer): it is listed for
	// the owner to decide.
	Kept bool
}

// Handle stores what a message says and queues what follows, in one
// durable write: when it returns, the answer is on disk.
func (cv *Conversation) Handle(ctx context.Context, in Incoming) (Outcome, error) {
	now := cv.o.Now().UTC()
	var out Outcome
	queued := false
	err := cv.st.Update(ctx, func(tx *store.Tx) error {
		out, queued = Outcome{}, false
		if prev, seen, err := tx.Inbound(in.Key); err != nil {
			return err
		} else if seen {
			out = Outcome{Duplicate: true, Answer: prev.Answer, Contact: prev.ContactID, Survey: prev.SurveyID, Note: "already handled: " + prev.Outcome}
			return nil
		}
		if in.Unproven != "" && in.Reply.Intent != IntentStop {
			out = Outcome{Note: "kept for the owner, not applied: " + in.Unproven}
			if id, err := tx.ContactIDByKey(in.From, ""); err == nil {
				out.Contact = id
			}
			return tx.PutInbound(store.InboundMessage{
				Key: in.Key, Channel: in.Channel, From: in.From, Body: clipRunes(in.Text, maxKeptText), Received: now,
				ContactID: out.Contact, Intent: string(in.Reply.Intent), Reading: in.Reply.Reading(), Outcome: out.Note, NeedsOwner: true,
			})
		}
		h := &handling{cv: cv, tx: tx, in: in, now: now}
		if err := h.run(); err != nil {
			return err
		}
		out, queued = h.out, h.queued
		return tx.PutInbound(store.InboundMessage{
			Key: in.Key, Channel: in.Channel, From: in.From, Body: clipRunes(in.Text, maxKeptText), Received: now,
			ContactID: out.Contact, SurveyID: out.Survey, Intent: string(in.Reply.Intent), Reading: in.Reply.Reading(),
			Outcome: out.Note, Answer: out.Answer, NeedsOwner: out.Unknown || out.Kept, UnknownSender: out.Unknown,
		})
	})
	if err != nil {
		return Outcome{}, err
	}
	cv.settled(queued, out.Scored)
	cv.log.Info("message handled", "channel", in.Channel, "contact", out.Contact, "survey", out.Survey,
		"intent", in.Reply.Intent, "outcome", out.Note, "duplicate", out.Duplicate)
	return out, nil
}

// settled follows a handling's write once it is on disk: the dispatcher
// is woken when something waits to go now, and a score recorded is
// counted for the metrics (a duplicate records none).
func (cv *Conversation) settled(queued bool, scored *int) {
	if queued {
		cv.o.Wake()
	}
	if cv.o.OnScore != nil && scored != nil {
		c, _ := nps.CategoryOf(*scored)
		cv.o.OnScore(c.String())
	}
}

// handling is one message being handled inside its transaction.
type handling struct {
	cv      *Conversation
	tx      *store.Tx
	in      Incoming
	now     time.Time
	contact store.Contact
	out     Outcome
	queued  bool
	// inPerson is set for an answer given face to face: nothing follows
	// it to the customer.
	inPerson bool
}

func (h *handling) note(format string, args ...any) { h.out.Note = fmt.Sprintf(format, args...) }

func (h *handling) run() error {
	if h.in.Reply.Intent == IntentBounce {
		return h.bounce()
	}
	id, err := h.in.Contact, error(nil)
	if id == 0 {
		id, err = h.tx.ContactIDByKey(h.in.From, phoneOf(h.in))
	}
	if err != nil {
		h.out.Unknown = true
		if errors.Is(err, store.ErrNotFound) {
			h.note("unknown sender: kept, nothing else done")
			return nil
		}
		// Two contacts share this address: keep the message for a person.
		h.note("sender matches more than one contact: kept, nothing else done (%v)", err)
		return nil
	}
	if h.contact, err = h.tx.Contact(id); err != nil {
		return err
	}
	h.out.Contact = h.contact.ID
	switch h.in.Reply.Intent {
	case IntentStop:
		return h.stop()
	case IntentStart:
		if err := h.tx.SetChannelStatus(h.contact.ID, h.in.Channel, store.ChannelStatus{State: store.ChannelOK, Reason: "replied START"}); err != nil {
			return err
		}
		h.note("opted back in on %s", h.in.Channel)
		return nil
	case IntentHelp:
		h.note("asked for help")
		if h.in.Channel != store.ChannelSMS {
			return nil // HELP is a texting keyword; an email saying "help" is kept for a person
		}
		return h.answer(store.JobHelp)
	case IntentAutoReply:
		h.note("automatic reply: ignored")
		return nil
	}
	sv, ok, err := h.survey()
	if err != nil {
		return err
	}
	if !ok {
		h.keep("no survey to answer: kept for the owner")
		return nil
	}
	h.out.Survey = sv.ID
	r := h.in.Reply
	answered := sv.ResponseID != 0
	inWindow := answered && h.now.Sub(sv.Answered) <= h.cv.o.CommentWindow
	switch {
	case r.Intent == IntentScore && !answered:
		return h.score(sv, *r.Score, r.Comment)
	case r.ChangesScore():
		return h.score(sv, *r.Score, r.Comment)
	case inWindow && r.Unreadable:
		// "8 ou 9 finalement": a change the customer may mean, which npsd
		// cannot read. The score stays; the owner decides.
		h.keep("unclear change of score: kept for the owner, the score stays")
		return nil
	case inWindow && strings.TrimSpace(h.in.Text) != "":
		// Whatever it opens with, a later message is a comment, whole.
		return h.comment(sv, strings.TrimSpace(h.in.Text))
	case answered:
		h.keep("message after the comment window: kept for the owner")
		return nil
	case !sv.Reasked:
		sv.Reasked = true
		if _, err := h.tx.PutSurvey(sv); err != nil {
			return err
		}
		h.keep("no score read: asked once more, kept for the owner")
		return h.answer(store.JobReask)
	}
	h.keep("no score read, already asked again: kept for the owner")
	return nil
}

// keep notes that the message was kept without effect, for the owner to
// read and decide.
func (h *handling) keep(note string) {
	h.note("%s", note)
	h.out.Kept = true
}

// maxCommentRunes bounds a comment on every channel (the survey page, an
// email, an SMS). A comment is read by a person in the owners' alert, the
// case page and the exports: 2,000 characters is a long paragraph, and
// without a bound an email reply of megabytes would be stored, rendered and
// exported whole.
const maxCommentRunes = 2000

// capComment keeps the first maxCommentRunes characters of a comment, the
// last of them an ellipsis that says the rest was cut, cutting between
// runes so the text stays valid UTF-8.
func capComment(s string) string { return clipRunes(s, maxCommentRunes) }

// clipRunes returns s cut to at most n characters, the last of them an
// ellipsis that says the rest was cut, cutting between characters so the
// text stays valid UTF-8.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, count := 0, 0
	for i := range s {
		if count == n-1 {
			cut = i
			break
		}
		count++
	}
	return s[:cut] + "…"
}

func phoneOf(in Incoming) string {
	if in.Channel == store.ChannelSMS {
		return in.From
	}
	return ""
}

// survey finds the survey a message answers: the one the way in named,
// else the contact's latest survey sent within the answer window.
func (h *handling) survey() (store.Survey, bool, error) {
	if h.in.Survey != 0 {
		sv, err := h.tx.Survey(h.in.Survey)
		if err == nil && sv.ContactID == h.contact.ID {
			return sv, true, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Survey{}, false, err
		}
	}
	var found store.Survey
	err := h.tx.LatestSurveysOf(h.contact.ID, func(sv store.Survey) bool {
		switch sv.State {
		case store.SurveyInflight:
			// Taken by the provider, and the customer may already have
			// answered on its channel: the outcome reaches the store a
			// moment after the provider's reply. A survey only claimed
			// for sending is not answered by anything.
			if sv.Channel == h.in.Channel && h.cv.o.HandedOver != nil && h.cv.o.HandedOver(sv.ID) {
				found = sv
				return false
			}
		case store.SurveySent, store.SurveyAnswered, store.SurveyExpired:
			if h.now.Sub(sv.Sent) <= h.cv.o.AnswerWindow {
				found = sv
				return false
			}
		}
		return true
	})
	return found, found.ID != 0, err
}

// score records a score (or replaces an earlier one) and queues what
// follows: the question why when no comment came with it, the message for
// the category once the comment is in (or the comment window has passed),
// and the owners' alert for a detractor.
func (h *handling) score(sv store.Survey, score int, comment string) error {
	comment = capComment(comment)
	cat, err := nps.CategoryOf(score)
	if err != nil {
		return err
	}
	h.out.Scored = &score
	if sv.ResponseID == 0 {
		r, _, err := h.tx.AddResponse(store.Response{
			SurveyID: sv.ID, ContactID: h.contact.ID, Score: score, Comment: comment,
			Channel: h.in.Channel, Received: h.now, Source: h.source(), Key: h.in.Key,
		})
		if err != nil {
			return err
		}
		sv.ResponseID, sv.Answered = r.ID, h.now
		h.note("score %d recorded", score)
	} else {
		r, err := h.tx.Response(sv.ResponseID)
		if err != nil {
			return err
		}
		r.Score, r.Received = score, h.now
		if h.in.Source != "" {
			r.Source = h.in.Source
		}
		if comment != "" && !strings.Contains(r.Comment, comment) {
			// A comment never replaces an earlier one: it is added to it.
			r.Comment = capComment(strings.TrimLeft(r.Comment+"\n"+comment, "\n"))
		}
		if _, err := h.tx.UpdateResponse(r); err != nil {
			return err
		}
		comment = r.Comment
		sv.Answered = h.now // the comment window restarts with the new score
		h.note("score changed to %d", score)
	}
	if err := h.webhook(store.JobWebhookResponse, map[string]any{
		"response": sv.ResponseID.String(), "survey": sv.ID.String(), "campaign": sv.Campaign,
		"score": score, "category": cat.String(), "comment": comment, "channel": string(h.in.Channel),
	}); err != nil {
		return err
	}
	if err := h.openCase(&sv, cat, score, comment); err != nil {
		return err
	}
	if h.in.Channel == store.ChannelWeb && sv.Opened.IsZero() {
		sv.Opened = h.now // the page, opened in a browser that ran it: the funnel's click
	}
	if _, err := h.tx.MoveSurvey(sv, store.SurveyAnswered); err != nil {
		return err
	}
	// The message for the category waits for the comment, at most the
	// comment window; a new score replaces a waiting one.
	due := h.now.Add(h.cv.o.CommentWindow)
	if comment != "" {
		due = h.now
	}
	if h.inPerson {
		return nil
	}
	if err := h.replaceCategoryJob(sv, cat, due); err != nil {
		return err
	}
	if comment == "" && h.in.Channel != store.ChannelWeb {
		// The survey page asks why itself.
		return h.answer(store.JobFollowUp)
	}
	return nil
}

// openCase opens a detractor's case and alerts the owners, once a
// survey; a later score is noted on the contact's open cases instead.
func (h *handling) openCase(sv *store.Survey, cat nps.Category, score int, comment string) error {
	if cat != nps.Detractor || sv.Alerted {
		return h.noteOnCases(score)
	}
	sv.Alerted = true
	c, err := h.tx.PutCase(store.Case{
		ContactID: h.contact.ID, SurveyID: sv.ID, ResponseID: sv.ResponseID, Score: score,
		Opened: h.now, Due: h.now.Add(h.cv.o.CaseDue), Assignee: h.cv.o.Assignee,
	})
	if err != nil {
		return err
	}
	return h.alertOwners(score, comment, c.ID)
}

// comment stores the text as the survey's comment (appended to one already
// there) and lets the message for the category go now.
func (h *handling) comment(sv store.Survey, text string) error {
	r, err := h.tx.Response(sv.ResponseID)
	if err != nil {
		return err
	}
	if r.Comment == "" {
		r.Comment = text
	} else {
		r.Comment += "\n" + text
	}
	r.Comment = capComment(r.Comment)
	if _, err := h.tx.UpdateResponse(r); err != nil {
		return err
	}
	h.note("comment recorded")
	cat, _ := nps.CategoryOf(r.Score)
	return h.replaceCategoryJob(sv, cat, h.now)
}

// categoryKinds are the messages that close the loop after a score.
var categoryKinds = map[store.JobKind]bool{
	store.JobThanksPromoter: true, store.JobThanksPassive: true, store.JobApologyDetractor: true,
}

func (h *handling) replaceCategoryJob(sv store.Survey, cat nps.Category, due time.Time) error {
	for kind := range categoryKinds {
		if h.tx.SurveySent(sv.ID, kind) {
			// The customer has had their thanks or apology for this
			// survey: a comment or a new score does not bring a second.
			return nil
		}
	}
	kind := store.JobThanksPassive
	switch cat {
	case nps.Promoter:
		kind = store.JobThanksPromoter
	case nps.Detractor:
		kind = store.JobApologyDetractor
	}
	invite := h.cv.o.ReviewRequest == ReviewAll && cat != nps.Detractor || h.cv.o.ReviewRequest == ReviewPromoters && cat == nps.Promoter
	var waiting *store.Job
	err := h.tx.ActiveJobsOf(h.contact.ID, func(j store.Job) error {
		switch {
		case j.SurveyID != sv.ID || !categoryKinds[j.Kind]:
		case j.State == store.JobInflight:
			// Being sent now: it is the one message for this survey.
			waiting = &j
			return errSentAlready
		case j.Kind == kind && j.Channel == h.replyChannel(sv) && waiting == nil:
			waiting = &j
		default:
			j.State, j.Reason = store.JobCanceled, "replaced by a newer answer"
			_, err := h.tx.UpdateJob(j)
			return err
		}
		return nil
	})
	switch {
	case errors.Is(err, errSentAlready):
		return nil
	case err != nil:
		return err
	case waiting == nil:
		return h.queue(kind, sv, due, store.Payload{NoReview: !invite})
	}
	// The message of the same kind that waits for the comment moves to
	// its new time in place: one job per survey, however many comments.
	j := *waiting
	j.Due, j.Payload.NoReview, j.Payload.InReplyTo = due, !invite, h.in.InReplyTo
	if _, err := h.tx.UpdateJob(j); err != nil {
		return err
	}
	if !due.After(h.now) {
		h.queued = true
	}
	return nil
}

// errSentAlready stops the walk of a contact's active jobs when the
// message it looks for is already on its way.
var errSentAlready = errors.New("already being sent")

// noteOnCases records a new score on the contact's open cases: the owner
// about to call should know the customer now answers 9.
func (h *handling) noteOnCases(score int) error {
	return h.tx.CasesOf(h.contact.ID, func(c store.Case) error {
		if !c.Open() || score == c.Score {
			return nil
		}
		c.Notes = append(c.Notes, store.CaseNote{At: h.now, By: "npsd", Text: fmt.Sprintf("new score from the customer: %d/10 (was %d)", score, c.Score)})
		_, err := h.tx.PutCase(c)
		return err
	})
}

func (h *handling) alertOwners(score int, comment string, caseID store.CaseID) error {
	p := store.Payload{Score: store.IntPtr(score), Category: nps.Detractor.String(), Comment: comment}
	if h.cv.o.CaseURL != nil {
		p.CaseURL = h.cv.o.CaseURL(caseID)
	}
	for _, owner := range h.cv.o.Owners {
		_, err := h.tx.EnqueueJob(store.Job{
			Kind: store.JobOwnerAlert, ContactID: h.contact.ID, SurveyID: h.out.Survey, To: owner,
			Channel: store.ChannelEmail, Due: h.now, Payload: p,
		})
		if err != nil {
			return err
		}
	}
	h.queued = true
	return nil
}

// replyChannel is the channel an answer to the message goes back by.
func (h *handling) replyChannel(sv store.Survey) store.Channel {
	if h.in.Channel == store.ChannelWeb {
		// A click in an email is answered by email.
		return sv.Channel
	}
	return h.in.Channel
}

func (h *handling) queue(kind store.JobKind, sv store.Survey, due time.Time, p store.Payload) error {
	p.InReplyTo = h.in.InReplyTo
	_, err := h.tx.EnqueueJob(store.Job{Kind: kind, SurveyID: sv.ID, ContactID: h.contact.ID, Channel: h.replyChannel(sv), Due: due, Payload: p})
	if err == nil && !due.After(h.now) {
		h.queued = true
	}
	return err
}

// answer replies to the customer: at once in the webhook's response for an
// SMS inside the hours texts may arrive, through the outbox otherwise.
func (h *handling) answer(kind store.JobKind) error {
	var sv store.Survey
	if h.out.Survey != 0 {
		var err error
		if sv, err = h.tx.Survey(h.out.Survey); err != nil {
			return err
		}
	}
	if h.in.Channel == store.ChannelSMS {
		now := true
		if h.cv.o.Window != nil && kind != store.JobHelp && kind != store.JobOptOutConfirm {
			next, err := h.cv.o.Window.Next(h.now, h.contact, store.ChannelSMS)
			if err != nil {
				return err
			}
			now = !next.After(h.now)
		}
		if now {
			tk, ok := templates.ForJob(kind)
			if !ok {
				return fmt.Errorf("answering at once with a %q: it has no template", kind)
			}
			msg, err := h.cv.o.Templates.Render(templates.Template{Kind: tk, Channel: templates.SMS}, h.contact.Language, templates.Data{
				Business: h.cv.o.Business,
				Contact:  templates.Contact{Name: h.contact.Name, Phone: h.contact.Phone, Attributes: h.contact.Attributes},
			})
			if err != nil {
				return err
			}
			h.out.Answer = msg.Text
			return nil
		}
	}
	return h.queue(kind, sv, h.now, store.Payload{})
}

// stop takes the sender off the channel their message came by, and
// confirms it once.
func (h *handling) stop() error {
	return h.optOut(h.in.Channel, "replied "+strings.ToUpper(strings.TrimSpace(h.in.Text)), true)
}

// optOut is the one way a contact leaves a channel, whether they reply
// STOP, click the unsubscribe link or the owner decides it for them: the
// channel's status, the jobs waiting on it canceled, the shop's webhook,
// and (for a reply) the confirmation. Leaving a channel already left does
// nothing again: a second STOP gets silence, a second click no webhook.
func (h *handling) optOut(ch store.Channel, reason string, confirm bool) error {
	if h.contact.ChannelStatus(ch).State == store.ChannelOptedOut {
		h.note("already opted out of %s", ch)
		return nil
	}
	if err := h.tx.SetChannelStatus(h.contact.ID, ch, store.ChannelStatus{State: store.ChannelOptedOut, Reason: reason}); err != nil {
		return err
	}
	// Nothing more goes out on this channel: waiting jobs are canceled now
	// rather than at their turn, so the outbox shows the truth.
	if err := h.cancelJobs("opted out", func(j store.Job) bool { return j.Channel == ch && j.To == "" }); err != nil {
		return err
	}
	h.note("opted out of %s", ch)
	if err := h.webhook(store.JobWebhookOptOut, map[string]any{"channel": string(ch)}); err != nil {
		return err
	}
	if !confirm {
		return nil
	}
	return h.answer(store.JobOptOutConfirm)
}

// webhook queues an event for each of the shop's URLs, with the contact's
// ids so their system can match it.
func (h *handling) webhook(event store.JobKind, fields map[string]any) error {
	if len(h.cv.o.Webhooks) == 0 {
		return nil
	}
	fields["event"] = event
	fields["contact"] = h.contact.ID.String()
	fields["external_id"] = h.contact.ExternalID
	fields["at"] = h.now.Format(time.RFC3339)
	payload, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	for _, url := range h.cv.o.Webhooks {
		if _, err := h.tx.EnqueueJob(store.Job{Kind: event, To: url, ContactID: h.contact.ID, Channel: store.ChannelWebhook, Due: h.now,
			Payload: store.Payload{Webhook: payload}}); err != nil {
			return err
		}
	}
	h.queued = true
	return nil
}

// cancelJobs cancels the contact's pending jobs that match. It reads only
// the contact's active jobs, not every message they were ever sent.
func (h *handling) cancelJobs(reason string, match func(store.Job) bool) error {
	return h.tx.ActiveJobsOf(h.contact.ID, func(j store.Job) error {
		if j.State != store.JobPending || !match(j) {
			return nil
		}
		j.State, j.Reason = store.JobCanceled, reason
		_, err := h.tx.UpdateJob(j)
		return err
	})
}

// bounce marks the addresses a delivery report names as undeliverable.
func (h *handling) bounce() error {
	var marked []string
	for _, addr := range h.in.Bounced {
		id, err := h.tx.ContactIDByKey(addr, "")
		if err != nil {
			continue
		}
		if err := h.tx.SetChannelStatus(id, store.ChannelEmail, store.ChannelStatus{State: store.ChannelUndeliverable, Reason: "bounced"}); err != nil {
			return err
		}
		h.out.Contact = id
		marked = append(marked, addr)
	}
	h.note("bounce: %d address(es) marked undeliverable", len(marked))
	return nil
}
