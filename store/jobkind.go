package store

// JobKind says what an outbox job is for. The store owns the one list of
// kinds so that the scheduler, which queues surveys and summaries, the
// inbound side, which queues answers and webhook events, and the
// dispatcher, which sends them all, cannot drift apart on a spelling.
//
// The kinds that are messages are named after the template they are
// written with (templates.ForJob relies on it); the webhook kinds are the
// event names the shop's systems receive. The values are stored in every
// job, so they never change.
type JobKind string

// The message kinds, to a contact.
const (
	// JobSurvey asks the question, 0 to 10.
	JobSurvey JobKind = "survey"
	// JobReminder asks it once more, to a contact who did not answer.
	JobReminder JobKind = "reminder"
	// JobFollowUp asks for the reason of a score.
	JobFollowUp JobKind = "followup"
	// JobThanksPromoter thanks a promoter and may invite a review.
	JobThanksPromoter JobKind = "thanks_promoter"
	// JobThanksPassive thanks a passive and asks what would make it a 10.
	JobThanksPassive JobKind = "thanks_passive"
	// JobApologyDetractor apologises to a detractor: the owner will call.
	JobApologyDetractor JobKind = "apology_detractor"
	// JobReask asks again for a reply that was not a score.
	JobReask JobKind = "reask"
	// JobOptOutConfirm confirms an opt-out; it goes although the contact
	// has left the channel.
	JobOptOutConfirm JobKind = "optout_confirm"
	// JobHelp answers HELP, INFO or AIDE; it goes whatever the channel's
	// state.
	JobHelp JobKind = "help"
)

// The message kinds, to the owners (a fixed recipient in Job.To).
const (
	// JobOwnerAlert tells the owners a detractor answered.
	JobOwnerAlert JobKind = "owner_alert"
	// JobCaseReminder reminds an assignee of an overdue detractor case.
	JobCaseReminder JobKind = "case_reminder"
	// JobWeeklySummary is the week in numbers. Its payload names the week
	// (Payload.SummaryWeek) and the summary is built when it is sent.
	JobWeeklySummary JobKind = "weekly_summary"
)

// The webhook kinds, posted to the shop's systems (Channel webhook). Their
// value is the event name the receiver sees.
const (
	// JobWebhookResponse reports a score or a comment.
	JobWebhookResponse JobKind = "response"
	// JobWebhookOptOut reports an opt-out.
	JobWebhookOptOut JobKind = "opt_out"
)

// JobKinds returns every kind npsd queues, messages first.
func JobKinds() []JobKind {
	return []JobKind{
		JobSurvey, JobReminder, JobFollowUp, JobThanksPromoter, JobThanksPassive, JobApologyDetractor,
		JobReask, JobOptOutConfirm, JobHelp, JobOwnerAlert, JobCaseReminder, JobWeeklySummary,
		JobWebhookResponse, JobWebhookOptOut,
	}
}

func (k JobKind) String() string { return string(k) }

// IsWebhook reports whether the kind is an event for the shop's systems
// rather than a message written with a template.
func (k JobKind) IsWebhook() bool { return k == JobWebhookResponse || k == JobWebhookOptOut }
