package store

import (
	"fmt"
)

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
