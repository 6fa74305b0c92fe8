package store

import "github.com/npsd/npsd/store/record"

// The values the store keeps are package record's, under the store's own
// names, so that callers write store.Contact and store.JobSurvey as they
// always have.
type (
	Channel        = record.Channel
	ChannelState   = record.ChannelState
	ChannelStatus  = record.ChannelStatus
	ContactID      = record.ContactID
	EventID        = record.EventID
	SurveyID       = record.SurveyID
	ResponseID     = record.ResponseID
	Contact        = record.Contact
	Event          = record.Event
	SurveyState    = record.SurveyState
	Attempt        = record.Attempt
	Survey         = record.Survey
	Response       = record.Response
	JobID          = record.JobID
	JobState       = record.JobState
	JobKind        = record.JobKind
	Payload        = record.Payload
	Job            = record.Job
	DueJob         = record.DueJob
	CaseID         = record.CaseID
	CaseState      = record.CaseState
	CaseNote       = record.CaseNote
	Case           = record.Case
	CampaignPeriod = record.CampaignPeriod
	InboundMessage = record.InboundMessage
	OwnerDecision  = record.OwnerDecision
)

// The states, channels, sources and job kinds of package record.
const (
	DecisionScore   = record.DecisionScore
	DecisionOptOut  = record.DecisionOptOut
	DecisionDismiss = record.DecisionDismiss
	CaseOpen        = record.CaseOpen
	CaseContacted   = record.CaseContacted
	CaseResolved    = record.CaseResolved

	ChannelEmail         = record.ChannelEmail
	ChannelSMS           = record.ChannelSMS
	ChannelWeb           = record.ChannelWeb
	ChannelWebhook       = record.ChannelWebhook
	ChannelPhone         = record.ChannelPhone
	ChannelCounter       = record.ChannelCounter
	ChannelOK            = record.ChannelOK
	ChannelOptedOut      = record.ChannelOptedOut
	ChannelUndeliverable = record.ChannelUndeliverable
	SurveyPending        = record.SurveyPending
	SurveyInflight       = record.SurveyInflight
	SurveySent           = record.SurveySent
	SurveyAnswered       = record.SurveyAnswered
	SurveyFailed         = record.SurveyFailed
	SurveySkipped        = record.SurveySkipped
	SurveyExpired        = record.SurveyExpired
	SourceImport         = record.SourceImport
	SourceSMS            = record.SourceSMS
	SourceEmail          = record.SourceEmail
	SourceWeb            = record.SourceWeb
	SourceOwner          = record.SourceOwner
	JobPending           = record.JobPending
	JobInflight          = record.JobInflight
	JobSent              = record.JobSent
	JobFailed            = record.JobFailed
	JobCanceled          = record.JobCanceled
	JobSurvey            = record.JobSurvey
	JobReminder          = record.JobReminder
	JobFollowUp          = record.JobFollowUp
	JobThanksPromoter    = record.JobThanksPromoter
	JobThanksPassive     = record.JobThanksPassive
	JobApologyDetractor  = record.JobApologyDetractor
	JobReask             = record.JobReask
	JobOptOutConfirm     = record.JobOptOutConfirm
	JobHelp              = record.JobHelp
	JobOwnerAlert        = record.JobOwnerAlert
	JobCaseReminder      = record.JobCaseReminder
	JobWeeklySummary     = record.JobWeeklySummary
	JobWebhookResponse   = record.JobWebhookResponse
	JobWebhookOptOut     = record.JobWebhookOptOut
)

// ParseContactID is record.ParseContactID.
func ParseContactID(s string) (ContactID, bool) { return record.ParseContactID(s) }

// ParseCaseID is record.ParseCaseID.
func ParseCaseID(s string) (CaseID, bool) { return record.ParseCaseID(s) }

// IntPtr is record.IntPtr.
func IntPtr(n int) *int { return record.IntPtr(n) }

// ErrUndecodablePayload is wrapped by the error a job's PayloadError
// returns when its payload cannot be read.
var ErrUndecodablePayload = record.ErrUndecodablePayload
