package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/nps"
)

func TestUpsertContact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	first, res, err := s.UpsertContact(ctx, Contact{ExternalID: "K1", Name: "Anne", Email: "anne@example.com", Attributes: map[string]string{"city": "Paris"}})
	if err != nil || res != Created {
		t.Fatalf("create: %v %v", res, err)
	}
	other, _, err := s.UpsertContact(ctx, Contact{Name: "Bob", Phone: "+33611111111"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		in      Contact
		wantID  ContactID
		wantRes UpsertResult
		wantErr error
		check   func(Contact) bool
	}{
		{name: "same data is unchanged", in: Contact{ExternalID: "K1", Name: "Anne", Email: "anne@example.com"},
			wantID: first.ID, wantRes: Unchanged},
		{name: "match by external id, new email",
			in:     Contact{ExternalID: "K1", Email: "anne.b@example.com", Attributes: map[string]string{"plan": "gold"}},
			wantID: first.ID, wantRes: Updated,
			check: func(c Contact) bool {
				return c.Email == "anne.b@example.com" && c.Name == "Anne" && c.Attributes["city"] == "Paris" && c.Attributes["plan"] == "gold"
			}},
		{name: "match by email, case-insensitive", in: Contact{Email: "ANNE.B@example.com", Language: "fr"},
			wantID: first.ID, wantRes: Updated, check: func(c Contact) bool { return c.Language == "fr" }},
		{name: "match by phone", in: Contact{Phone: "+33611111111", Name: "Bob Martin"},
			wantID: other.ID, wantRes: Updated, check: func(c Contact) bool { return c.Name == "Bob Martin" }},
		{name: "email of another contact", in: Contact{ExternalID: "K1", Phone: "+33611111111"},
			wantErr: ErrConflict},
		{name: "nothing to match on", in: Contact{Name: "Nobody"}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, res, err := s.UpsertContact(ctx, tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != tt.wantID || res != tt.wantRes {
				t.Errorf("got %s %v, want %s %v", c.ID, res, tt.wantID, tt.wantRes)
			}
			if tt.check != nil && !tt.check(c) {
				t.Errorf("contact = %+v", c)
			}
		})
	}
	// The old email no longer finds anyone: its index entry moved.
	if _, err := s.ContactByKey("anne@example.com", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("old email still indexed: %v", err)
	}
}

func TestContactByKey(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a, _, _ := s.UpsertContact(ctx, Contact{ExternalID: "1042", Email: "a@example.com", Phone: "+14165550100"})
	// b's external id is a's phone number written as a shop system might.
	b, _, _ := s.UpsertContact(ctx, Contact{ExternalID: "+14165550100", Email: "b@example.com"})
	tests := []struct {
		key, phone string
		want       ContactID
		wantErr    string
	}{
		{key: a.ID.String(), want: a.ID},
		{key: strings.ToUpper(b.ID.String()), want: b.ID},
		{key: "1042", want: a.ID},
		{key: "A@EXAMPLE.COM", want: a.ID},
		{key: "4165550100", phone: "+14165550100", want: a.ID},
		{key: "+14165550100", phone: "+14165550100", wantErr: "ambiguous"},
		{key: "c999", wantErr: "not found"},
		{key: "nobody@example.com", wantErr: "not found"},
	}
	for _, tt := range tests {
		c, err := s.ContactByKey(tt.key, tt.phone)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ContactByKey(%q) = %v, %v; want error %q", tt.key, c.ID, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.ID != tt.want {
			t.Errorf("ContactByKey(%q) = %v, %v; want %v", tt.key, c.ID, err, tt.want)
		}
	}
}

func TestEventsAreIdempotentByExternalID(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "a@example.com"})
	at := time.Date(2026, 5, 2, 15, 4, 0, 0, time.UTC)
	e1, created, err := s.AddEvent(ctx, Event{ContactID: c.ID, Type: "purchase", At: at, ExternalID: "T-1"})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	e2, created, err := s.AddEvent(ctx, Event{ContactID: c.ID, Type: "purchase", At: at.Add(time.Hour), ExternalID: "T-1"})
	if err != nil || created || e2.ID != e1.ID || !e2.At.Equal(at) {
		t.Fatalf("second add = %+v created=%v err=%v", e2, created, err)
	}
	if _, _, err := s.AddEvent(ctx, Event{ContactID: c.ID, Type: "purchase", At: at.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddEvent(ctx, Event{ContactID: 99, Type: "purchase", At: at}); !errors.Is(err, ErrNotFound) {
		t.Errorf("event for a missing contact: %v", err)
	}
	s.View(func(tx *Tx) error {
		evs, err := tx.EventsOf(c.ID)
		if err != nil || len(evs) != 2 || !evs[0].At.Before(evs[1].At) {
			t.Errorf("EventsOf = %+v, %v; want two, oldest first", evs, err)
		}
		return nil
	})
}

func TestResponsesTally(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	lyon, _, _ := s.UpsertContact(ctx, Contact{Email: "l@example.com", Attributes: map[string]string{"city": "Lyon"}})
	paris, _, _ := s.UpsertContact(ctx, Contact{Email: "p@example.com", Attributes: map[string]string{"city": "Paris"}})
	nowhere, _, _ := s.UpsertContact(ctx, Contact{Email: "n@example.com"})
	var sv Survey
	s.Update(ctx, func(tx *Tx) (err error) {
		sv, err = tx.PutSurvey(Survey{ContactID: paris.ID, Campaign: "after-purchase", Channel: ChannelSMS})
		return err
	})
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	for _, r := range []Response{
		{ContactID: lyon.ID, Score: 10, Received: day(1), Source: SourceImport, Key: "k1"},
		{ContactID: lyon.ID, Score: 3, Received: day(2), Source: SourceImport, Key: "k2"},
		{ContactID: paris.ID, Score: 9, Received: day(3), Source: SourceSMS, SurveyID: sv.ID},
		{ContactID: paris.ID, Score: 7, Received: day(4), Source: SourceImport},
		{ContactID: nowhere.ID, Score: 0, Received: day(5), Source: SourceImport},
		// Before 1970: the time index must still sort it first.
		{ContactID: nowhere.ID, Score: 9, Received: time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC), Source: SourceImport},
	} {
		if _, _, err := s.AddResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// The same key again is the same response.
	if r, created, err := s.AddResponse(ctx, Response{ContactID: lyon.ID, Score: 2, Received: day(9), Source: SourceImport, Key: "k1"}); err != nil || created || r.Score != 10 {
		t.Fatalf("replayed key: %+v %v %v", r, created, err)
	}
	if _, _, err := s.AddResponse(ctx, Response{ContactID: lyon.ID, Score: 11, Received: day(9), Source: SourceImport}); !errors.Is(err, ErrInvalid) {
		t.Errorf("score 11 accepted: %v", err)
	}
	if _, _, err := s.AddResponse(ctx, Response{ContactID: lyon.ID, SurveyID: sv.ID, Score: 5, Received: day(9), Source: SourceSMS}); !errors.Is(err, ErrInvalid) {
		t.Errorf("response to another contact's survey accepted: %v", err)
	}

	tests := []struct {
		name       string
		q          TallyQuery
		want       nps.Tally
		wantGroups map[string]nps.Tally
	}{
		{name: "all", q: TallyQuery{}, want: nps.Tally{Promoters: 3, Passives: 1, Detractors: 2}},
		{name: "range [2,4)", q: TallyQuery{From: day(2), To: day(4)}, want: nps.Tally{Promoters: 1, Detractors: 1}},
		{name: "open end", q: TallyQuery{From: day(4)}, want: nps.Tally{Passives: 1, Detractors: 1}},
		{name: "campaign", q: TallyQuery{Campaign: "after-purchase"}, want: nps.Tally{Promoters: 1}},
		{name: "by city", q: TallyQuery{By: "city", From: day(1)}, want: nps.Tally{Promoters: 2, Passives: 1, Detractors: 2},
			wantGroups: map[string]nps.Tally{
				"Lyon":  {Promoters: 1, Detractors: 1},
				"Paris": {Promoters: 1, Passives: 1},
				NoGroup: {Detractors: 1},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Tally(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != tt.want {
				t.Errorf("total = %+v, want %+v", got.Total, tt.want)
			}
			if len(got.Groups) != len(tt.wantGroups) {
				t.Errorf("groups = %+v, want %+v", got.Groups, tt.wantGroups)
			}
			for g, want := range tt.wantGroups {
				if got.Groups[g] != want {
					t.Errorf("group %s = %+v, want %+v", g, got.Groups[g], want)
				}
			}
		})
	}
	var scanned []int
	s.View(func(tx *Tx) error {
		return tx.ScanResponses(time.Time{}, day(3), func(r ResponseSummary) error {
			scanned = append(scanned, r.Score)
			return nil
		})
	})
	if len(scanned) != 3 || scanned[0] != 9 || scanned[1] != 10 || scanned[2] != 3 {
		t.Errorf("ScanResponses to day 3 = %v, want [9 10 3]", scanned)
	}
}

func TestChannelStatus(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{Email: "a@example.com", Phone: "+33612345678"})
	if st := c.ChannelStatus(ChannelSMS); st.State != ChannelOK {
		t.Fatalf("new contact's SMS status = %+v, want ok", st)
	}
	err := s.Update(ctx, func(tx *Tx) error {
		return tx.SetChannelStatus(c.ID, ChannelSMS, ChannelStatus{State: ChannelOptedOut, Reason: "replied STOP"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A later import of the same contact must not bring the channel back.
	if _, _, err := s.UpsertContact(ctx, Contact{Email: "a@example.com", Name: "Ann"}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ContactByKey(c.ID.String(), "")
	st := got.ChannelStatus(ChannelSMS)
	if st.State != ChannelOptedOut || st.Reason != "replied STOP" || st.Since.IsZero() || got.Name != "Ann" {
		t.Errorf("after opt-out and re-import: %+v, status %+v", got, st)
	}
	if got.ChannelStatus(ChannelEmail).State != ChannelOK {
		t.Errorf("opting out of SMS changed email")
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c, _, _ := s.UpsertContact(ctx, Contact{ExternalID: "K9", Name: "Paul Durand", Email: "paul@example.fr", Phone: "+33612345678", Attributes: map[string]string{"city": "Lyon"}})
	other, _, _ := s.UpsertContact(ctx, Contact{Email: "ann@example.fr"})
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	s.AddResponse(ctx, Response{ContactID: c.ID, Score: 3, Comment: "Paul here, call me on 0612345678", Received: day, Source: SourceSMS})
	s.AddResponse(ctx, Response{ContactID: other.ID, Score: 9, Comment: "Super", Received: day, Source: SourceSMS})
	s.Update(ctx, func(tx *Tx) error {
		if err := tx.PutInbound(InboundMessage{Key: "twilio:SM1", From: "+33612345678", Body: "3 call me", ContactID: c.ID, Received: day}); err != nil {
			return err
		}
		// Kept without a contact: too large to read, from Paul's address.
		if err := tx.PutInbound(InboundMessage{Key: "email:big@example.fr", From: "paul@example.fr", Body: "Re: votre avis", Received: day, Outcome: "failed: message too large", NeedsOwner: true}); err != nil {
			return err
		}
		_, err := tx.PutCase(Case{ContactID: c.ID, Score: 3, Notes: []CaseNote{{Text: "left a message for Paul"}}})
		return err
	})
	if err := s.Update(ctx, func(tx *Tx) error { return tx.Forget(c.ID) }); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"K9", "paul@example.fr"} {
		if _, err := s.ContactByKey(key, "+33612345678"); !errors.Is(err, ErrNotFound) {
			t.Errorf("forgotten contact still found by %s: %v", key, err)
		}
	}
	res, _ := s.Tally(TallyQuery{By: "city"})
	if res.Total.Responses() != 2 || res.Groups[NoGroup].Detractors != 1 {
		t.Errorf("scores after forget: %+v", res)
	}
	s.View(func(tx *Tx) error {
		got, _ := tx.Contact(c.ID)
		r, _ := tx.Response(1)
		keep, _ := tx.Response(2)
		m, _, _ := tx.Inbound("twilio:SM1")
		failed, _, _ := tx.Inbound("email:big@example.fr")
		k, _ := tx.Case(1)
		if failed.From != "" || failed.Body != "" {
			t.Errorf("a failed message from the forgotten address keeps %q %q", failed.From, failed.Body)
		}
		if got.Name != "" || got.Email != "" || got.Phone != "" || got.Attributes != nil || got.Forgotten.IsZero() {
			t.Errorf("contact after forget: %+v", got)
		}
		if r.Comment != "" || r.Score != 3 || keep.Comment != "Super" {
			t.Errorf("responses after forget: %+v, %+v", r, keep)
		}
		if m.From != "" || m.Body != "" || len(k.Notes) != 0 {
			t.Errorf("message %+v, case %+v after forget", m, k)
		}
		return nil
	})
}

func TestCaseOverdueAndDisplayName(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		state CaseState
		due   time.Time
		want  bool
	}{
		{CaseOpen, now.Add(-time.Minute), true},
		{CaseOpen, now.Add(time.Minute), false},
		// Someone called: late or not, nobody needs reminding.
		{CaseContacted, now.Add(-time.Hour), false},
		{CaseResolved, now.Add(-time.Hour), false},
	} {
		if got := (Case{State: tt.state, Due: tt.due}).Overdue(now); got != tt.want {
			t.Errorf("%s case due %s: Overdue = %v", tt.state, tt.due, got)
		}
	}
	for want, c := range map[string]Contact{
		"Marie Dupont":     {ID: 1, Name: "Marie Dupont", Email: "marie@example.fr"},
		"marie@example.fr": {ID: 1, Email: "marie@example.fr", Phone: "+33612345678"},
		"+33612345678":     {ID: 1, Phone: "+33612345678"},
		"c7":               {ID: 7}, // forgotten: only the id is left
	} {
		if got := c.DisplayName(); got != want {
			t.Errorf("DisplayName of %+v = %q, want %q", c, got, want)
		}
	}
}
