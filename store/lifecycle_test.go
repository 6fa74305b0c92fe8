package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSurveyLifecycle walks every pair of states: a stored survey moves
// only where its life allows, whether the caller says MoveSurvey or
// changes State and calls PutSurvey, and a refused move changes nothing.
func TestSurveyLifecycle(t *testing.T) {
	allowed := map[[2]SurveyState]bool{
		{SurveyPending, SurveyInflight}: true, {SurveyPending, SurveySkipped}: true, {SurveyPending, SurveyFailed}: true, {SurveyPending, SurveyAnswered}: true,
		{SurveyInflight, SurveyPending}: true, {SurveyInflight, SurveySent}: true, {SurveyInflight, SurveyFailed}: true, {SurveyInflight, SurveyAnswered}: true,
		{SurveySent, SurveyAnswered}: true, {SurveySent, SurveyExpired}: true, {SurveySent, SurveyFailed}: true,
		{SurveyExpired, SurveyAnswered}: true, {SurveyFailed, SurveyAnswered}: true,
	}
	states := []SurveyState{SurveyPending, SurveyInflight, SurveySent, SurveyAnswered, SurveyFailed, SurveySkipped, SurveyExpired}
	s := openTest(t)
	ctx := context.Background()
	c, _, err := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for _, from := range states {
		for _, to := range states {
			for _, viaPut := range []bool{false, true} {
				var sv Survey
				if err := s.Update(ctx, func(tx *Tx) (err error) {
					sv, err = tx.PutSurvey(Survey{ContactID: c.ID, Campaign: "q", Channel: ChannelEmail, State: from, Sent: sent})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				err := s.Update(ctx, func(tx *Tx) error {
					if viaPut {
						sv.State = to
						_, err := tx.PutSurvey(sv)
						return err
					}
					_, err := tx.MoveSurvey(sv, to)
					return err
				})
				want := from == to || allowed[[2]SurveyState{from, to}]
				if want != (err == nil) || (err != nil && !errors.Is(err, ErrInvalid)) {
					t.Errorf("%s → %s (PutSurvey %v): err %v, want allowed %v", from, to, viaPut, err, want)
				}
				var got Survey
				_ = s.View(func(tx *Tx) (err error) { got, err = tx.Survey(sv.ID); return err })
				if wantState := map[bool]SurveyState{true: to, false: from}[want]; got.State != wantState {
					t.Errorf("%s → %s: stored state %s, want %s", from, to, got.State, wantState)
				}
				if from.CanMove(to) != want {
					t.Errorf("%s.CanMove(%s) = %v, want %v", from, to, from.CanMove(to), want)
				}
			}
		}
	}
}
