package store

import (
	"fmt"
	"slices"
)

// surveyMoves is a survey's life, and the one place that says it: from
// each state, the states it may move to. Who moves it:
//
//   - the scheduler plans it (pending) and expires it when no answer came
//     (sent → expired);
//   - the dispatcher takes it to send (pending → inflight), hands it back
//     when npsd stops or a send is retried (inflight → pending), records
//     the outcome (→ sent, → failed) or skips it when its contact left
//     the channel (pending → skipped);
//   - inbound records an answer (→ answered) and a delivery report that
//     says the message never arrived (sent → failed).
//
// An answer is taken from any state a message may have reached the
// customer in: npsd never loses an answer because its own record of the
// send is late or wrong.
var surveyMoves = map[SurveyState][]SurveyState{
	SurveyPending:  {SurveyInflight, SurveySkipped, SurveyFailed, SurveyAnswered},
	SurveyInflight: {SurveyPending, SurveySent, SurveyFailed, SurveyAnswered},
	SurveySent:     {SurveyAnswered, SurveyExpired, SurveyFailed},
	SurveyExpired:  {SurveyAnswered},
	SurveyFailed:   {SurveyAnswered},
	SurveyAnswered: nil,
	SurveySkipped:  nil,
}

// CanMove reports whether a survey in state s may move to state to.
// Staying in the same state is always allowed.
func (s SurveyState) CanMove(to SurveyState) bool {
	return s == to || slices.Contains(surveyMoves[s], to)
}

// MoveSurvey stores sv, with the other changes it carries (a sent time, a
// channel, a reason), in state to, if its stored state may move there;
// otherwise it changes nothing and the error wraps ErrInvalid.
func (t *Tx) MoveSurvey(sv Survey, to SurveyState) (Survey, error) {
	sv.State = to
	return t.PutSurvey(sv)
}

// checkMove refuses a change of state the lifecycle does not allow.
func checkMove(old, next Survey) error {
	if !old.State.CanMove(next.State) {
		return fmt.Errorf("%w: survey %s cannot move from %s to %s", ErrInvalid, old.ID, old.State, next.State)
	}
	return nil
}
