package report

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// summaryStore opens a store on a fixed clock, for the weekly summary's
// figures; the summary never meets a real peer.
func summaryStore(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func addSummaryContact(t *testing.T, st *store.Store, c store.Contact) store.Contact {
	t.Helper()
	c, _, err := st.UpsertContact(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSummaryFigures: the week's figures are the report's for the same
// period, with the week before, 90 days, a trend of 12 weeks, comments
// detractors first and small segments flagged; a job that names the week
// builds the same summary when it is sent.
func TestSummaryFigures(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	now := func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, paris) }
	st := summaryStore(t, now)
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, paris)
	lyon := addSummaryContact(t, st, store.Contact{Name: "Ann", Email: "a@example.fr", Attributes: map[string]string{"city": "Lyon"}})
	paul := addSummaryContact(t, st, store.Contact{Name: "Paul", Email: "p@example.fr"})
	for i, r := range []store.Response{
		{ContactID: lyon.ID, Score: 10, Comment: "Parfait", Received: monday.Add(10 * time.Hour)},
		{ContactID: paul.ID, Score: 3, Comment: "Trop cher", Received: monday.Add(30 * time.Hour)},
		{ContactID: lyon.ID, Score: 8, Received: monday.Add(50 * time.Hour)},
		{ContactID: paul.ID, Score: 9, Received: monday.AddDate(0, 0, -7)},   // the week before
		{ContactID: paul.ID, Score: 10, Received: monday.AddDate(0, 0, 7)},   // after the week
		{ContactID: paul.ID, Score: 0, Received: monday.AddDate(0, 0, -100)}, // outside 90 days
	} {
		r.Source, r.Key = store.SourceImport, string(rune('a'+i))
		if _, _, err := st.AddResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var sum templates.Summary
	err := st.View(func(tx *store.Tx) (err error) {
		sum, err = BuildSummary(tx, monday, SummaryOptions{Segments: []string{"city"}, Location: paris})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same figures as the report for the same period.
	res, _ := st.Tally(store.TallyQuery{From: monday, To: monday.AddDate(0, 0, 7)})
	want, _ := res.Total.NPS()
	if sum.Week != "2026-W47" || sum.Week7.Responses != 3 || *sum.Week7.NPS != nps.Round1(want) || sum.Week7.Detractors != 1 {
		t.Errorf("week = %s %+v", sum.Week, sum.Week7)
	}
	if sum.Previous.Responses != 1 || sum.Days90.Responses != 4 || sum.Change == nil {
		t.Errorf("previous %+v, 90 days %+v, change %+v", sum.Previous, sum.Days90, sum.Change)
	}
	if len(sum.Trend) != 12 || sum.Trend[11].Label != "W47" || sum.Trend[11].Responses != 3 || sum.Trend[10].Responses != 1 || sum.Trend[0].NPS != nil {
		t.Errorf("trend = %+v", sum.Trend)
	}
	if len(sum.Comments) != 2 || sum.Comments[0].Name != "Paul" || sum.Comments[1].Comment != "Parfait" {
		t.Errorf("comments = %+v (detractors first)", sum.Comments)
	}
	if len(sum.Segments) != 1 || len(sum.Segments[0].Rows) != 2 || !sum.Segments[0].Rows[0].TooSmall {
		t.Errorf("segments = %+v", sum.Segments)
	}
	// The job the scheduler queues names the week; the summary is built
	// when it is sent.
	var got templates.Summary
	if err := st.View(func(tx *store.Tx) (err error) {
		got, err = SummaryOfJob(SummaryOptions{Location: paris})(tx, store.Payload{SummaryWeek: "2026-W47"})
		return err
	}); err != nil || got.Week7.Responses != 3 || len(got.Comments) != 2 {
		t.Errorf("summary of the job: %+v, %v", got, err)
	}
}

// TestSummaryJobOfTheOldForm: a summary queued by an older version, with
// the whole summary in it, still builds as it was queued.
func TestSummaryJobOfTheOldForm(t *testing.T) {
	st := summaryStore(t, time.Now)
	old, _ := json.Marshal(templates.Summary{Week: "2026-W47", Comments: []templates.CommentLine{{Name: "Paul", Comment: "Trop cher"}}})
	var got templates.Summary
	st.View(func(tx *store.Tx) (err error) {
		got, err = SummaryOfJob(SummaryOptions{})(tx, store.Payload{LegacySummary: old})
		return err
	})
	if len(got.Comments) != 1 || got.Comments[0].Name != "Paul" {
		t.Errorf("old form built as %+v", got)
	}
}

// TestSummaryCases: open cases are in the summary, overdue first, each
// with the link to its page, the customer's phone (the assignee is who
// calls, not whom to call), their page in the dashboard and a due day in
// the business's time zone; the summary links to the dashboard, each
// comment to its customer, and has no funnel without surveys.
func TestSummaryCases(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	now := func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, paris) }
	st := summaryStore(t, now)
	c := addSummaryContact(t, st, store.Contact{Name: "Paul", Phone: "+33612345678", Email: "paul@example.fr"})
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, paris)
	if _, _, err := st.AddResponse(ctx, store.Response{ContactID: c.ID, Score: 3, Comment: "Trop cher", Received: monday.Add(10 * time.Hour), Source: store.SourceImport, Key: "a"}); err != nil {
		t.Fatal(err)
	}
	st.Update(ctx, func(tx *store.Tx) error {
		for _, due := range []time.Duration{-time.Hour, 16*time.Hour + 30*time.Minute} {
			// Due 00:30 on Tuesday in Paris is 23:30 on Monday in UTC.
			if _, err := tx.PutCase(store.Case{ContactID: c.ID, Score: 3, Due: now().Add(due).UTC(), Assignee: "marie@example.fr"}); err != nil {
				return err
			}
		}
		return nil
	})
	caseURL := func(id store.CaseID) string { return "https://nps.example.fr/c/" + id.String() }
	var sum templates.Summary
	st.View(func(tx *store.Tx) (err error) {
		sum, err = BuildSummary(tx, monday, SummaryOptions{Location: paris, Now: now, CaseURL: caseURL, PublicURL: "https://nps.example.fr/"})
		return err
	})
	if len(sum.Cases) != 2 || !sum.Cases[0].Overdue || sum.Cases[1].Overdue || sum.Cases[0].URL != "https://nps.example.fr/c/k1" {
		t.Fatalf("summary cases = %+v (overdue first)", sum.Cases)
	}
	k := sum.Cases[1]
	contact := "https://nps.example.fr/admin/contacts/" + c.ID.String()
	if k.Phone != "+33612345678" || k.CallBy() != "+33612345678" || k.ContactID != c.ID.String() || k.ContactURL != contact {
		t.Errorf("case line = %+v", k)
	}
	if k.Due.Location() != paris || k.Due.Weekday() != time.Tuesday {
		t.Errorf("due %v, want Tuesday in Paris", k.Due)
	}
	if sum.DashboardURL != "https://nps.example.fr/admin" || len(sum.Comments) != 1 || sum.Comments[0].ContactURL != contact {
		t.Errorf("dashboard %q, comments %+v", sum.DashboardURL, sum.Comments)
	}
	// An imported answer is no survey: the week's funnel is empty.
	if sum.Funnel != nil || sum.Channels != nil {
		t.Errorf("funnel = %+v, channels %+v, with no survey in the week", sum.Funnel, sum.Channels)
	}
	// Without a public URL there is nothing to link to.
	st.View(func(tx *store.Tx) (err error) {
		sum, err = BuildSummary(tx, monday, SummaryOptions{Location: paris, Now: now})
		return err
	})
	if sum.DashboardURL != "" || sum.Cases[0].ContactURL != "" || sum.Cases[0].URL != "" || sum.Comments[0].ContactURL != "" {
		t.Errorf("links without a public URL: %+v", sum)
	}
}

// TestSummaryFunnel: the week's funnel counts each stage a survey reached
// in the week, by channel, and the answer rate comes from it.
func TestSummaryFunnel(t *testing.T) {
	ctx := context.Background()
	paris, _ := time.LoadLocation("Europe/Paris")
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, paris)
	clock := monday.Add(9 * time.Hour)
	st := summaryStore(t, func() time.Time { return clock })
	c := addSummaryContact(t, st, store.Contact{Name: "Paul", Phone: "+33612345678", Email: "paul@example.fr"})
	err := st.Update(ctx, func(tx *store.Tx) error {
		for i, ch := range []store.Channel{store.ChannelSMS, store.ChannelSMS, store.ChannelEmail} {
			sv, err := tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "q", Channel: ch})
			if err != nil {
				return err
			}
			if sv, err = tx.MoveSurvey(sv, store.SurveyInflight); err != nil {
				return err
			}
			sv.Sent = clock.Add(time.Hour)
			if sv, err = tx.MoveSurvey(sv, store.SurveySent); err != nil {
				return err
			}
			if i == 0 {
				sv.Delivered, sv.Answered, sv.ResponseID = clock.Add(2*time.Hour), clock.Add(3*time.Hour), 1
				if _, err := tx.MoveSurvey(sv, store.SurveyAnswered); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum templates.Summary
	st.View(func(tx *store.Tx) (err error) {
		sum, err = BuildSummary(tx, monday, SummaryOptions{Location: paris, Now: func() time.Time { return clock.AddDate(0, 0, 7) }})
		return err
	})
	want := []templates.FunnelRow{{Channel: "email", Planned: 1, Sent: 1}, {Channel: "sms", Planned: 2, Sent: 2, Delivered: 1, Answered: 1}}
	if fmt.Sprint(sum.Funnel) != fmt.Sprint(want) {
		t.Errorf("funnel = %+v, want %+v", sum.Funnel, want)
	}
	if len(sum.Channels) != 2 || sum.Channels[1].Channel != "sms" || sum.Channels[1].Rate() != 50 {
		t.Errorf("channels = %+v", sum.Channels)
	}
	// The week after holds none of it.
	st.View(func(tx *store.Tx) (err error) {
		sum, err = BuildSummary(tx, monday.AddDate(0, 0, 7), SummaryOptions{Location: paris, Now: func() time.Time { return clock.AddDate(0, 0, 14) }})
		return err
	})
	if sum.Funnel != nil {
		t.Errorf("the next week's funnel = %+v", sum.Funnel)
	}
}
