package record

import (
	"slices"
	"strconv"
	"time"
)

// CaseID numbers detractor cases; its text form is k42.
type CaseID uint64

func (id CaseID) String() string { return "k" + strconv.FormatUint(uint64(id), 10) }

// ParseCaseID reads the text form of a case id ("k42").
func ParseCaseID(s string) (CaseID, bool) {
	n, ok := parsePrefixed(s, 'k')
	return CaseID(n), ok
}

// CaseState is where a detractor case stands.
type CaseState string

const (
	CaseOpen      CaseState = "open"
	CaseContacted CaseState = "contacted"
	CaseResolved  CaseState = "resolved"
)

// CaseNote is one step of a case: a call made, a resolution, a new score.
type CaseNote struct {
	At    time.Time `json:"at"`
	By    string    `json:"by,omitempty"`
	State CaseState `json:"state,omitempty"`
	Text  string    `json:"text"`
}

// Case makes sure an unhappy customer is called back: every detractor
// answer opens one, with a due date and someone to do it.
type Case struct {
	ID         CaseID     `json:"id"`
	ContactID  ContactID  `json:"contact_id"`
	SurveyID   SurveyID   `json:"survey_id,omitempty"`
	ResponseID ResponseID `json:"response_id"`
	Score      int        `json:"score"`
	State      CaseState  `json:"state"`
	Opened     time.Time  `json:"opened"`
	Due        time.Time  `json:"due"`
	Assignee   string     `json:"assignee,omitempty"`
	// Reminded is when the assignee was reminded of an overdue case.
	Reminded time.Time  `json:"reminded,omitzero"`
	Notes    []CaseNote `json:"notes,omitempty"`
	Updated  time.Time  `json:"updated"`
}

// Open reports whether someone still has to act on the case.
func (c Case) Open() bool { return c.State != CaseResolved }

// Overdue reports whether the case is past its due date and nobody has
// called the customer yet.
func (c Case) Overdue(now time.Time) bool { return c.State == CaseOpen && c.Due.Before(now) }

// ResolvedAt is when a resolved case was last marked so: its last note
// saying resolved, or its last update for a case resolved without one.
func (c Case) ResolvedAt() (time.Time, bool) {
	if c.State != CaseResolved {
		return time.Time{}, false
	}
	for _, n := range slices.Backward(c.Notes) {
		if n.State == CaseResolved {
			return n.At, true
		}
	}
	return c.Updated, true
}

// AwaitsReminder reports whether the assignee is still to be reminded of
// the case once it is overdue: it is open, nobody has called, nobody has
// been reminded, and there is someone to remind.
func (c Case) AwaitsReminder() bool {
	return c.State == CaseOpen && c.Reminded.IsZero() && c.Assignee != ""
}

// CampaignPeriod records that a campaign planned one period (a cron wave,
// or one triggering event), so that planning the same period again — a
// double cron run at a DST fall-back, a restart, a manual run — plans
// nothing.
//
// A wave is planned in batches, each committed with this record, so the
// record also says how far a wave has gone: while InProgress, the contacts
// up to Cursor are planned and the ones after it are not yet looked at.
// Records written before waves were batched have no InProgress and read as
// done, which they are.
type CampaignPeriod struct {
	Campaign string `json:"campaign"`
	Period   string `json:"period"`
	// Planned is when planning began; a wave's due times are spread from it.
	Planned time.Time `json:"planned"`
	// Queued counts the surveys queued so far, which is also the spread
	// position of the next one.
	Queued  int            `json:"queued"`
	Skipped map[string]int `json:"skipped,omitempty"`
	// InProgress is true from a wave's first batch until its last.
	InProgress bool `json:"in_progress,omitempty"`
	// Cursor is the last contact the wave looked at.
	Cursor ContactID `json:"cursor,omitempty"`
	// Eligible is how many contacts were eligible when the wave began: the
	// spread is cut into that many places.
	Eligible int `json:"eligible,omitempty"`
}
