package inbound

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func testSigner(t *testing.T) Signer {
	s, err := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type pageRig struct {
	*inRig
	signer Signer
	sv     store.Survey
	c      store.Contact
}

func newPageRig(t *testing.T) *pageRig {
	r := &pageRig{inRig: newInRig(t), signer: testSigner(t)}
	r.opts.Pages = PagesOptions{Signer: r.signer, Business: "Boulangerie Martin", DefaultLang: "fr", Now: func() time.Time { return r.now }}
	r.build()
	ctx := context.Background()
	r.c, _, _ = r.st.UpsertContact(ctx, store.Contact{Name: "Zoé", Email: "zoe@example.fr", Language: "fr"})
	r.st.Update(ctx, func(tx *store.Tx) (err error) {
		r.sv, err = tx.PutSurvey(store.Survey{ContactID: r.c.ID, Campaign: "quarterly", Channel: store.ChannelEmail, State: store.SurveySent, Sent: r.now.Add(-time.Hour)})
		return err
	})
	return r
}

// useRealClock moves the rig onto the real clock, for a test whose peer
// judges time by its own (a browser, a real wait): the rig's survey is
// sent an hour before now, as it was on the fixed clock, so that every
// window counted from it (the answer window, the comment window) holds
// on any date.
func (r *pageRig) useRealClock() {
	r.t.Helper()
	r.now = time.Now().UTC()
	err := r.st.Update(context.Background(), func(tx *store.Tx) (err error) {
		sv, err := tx.Survey(r.sv.ID)
		if err != nil {
			return err
		}
		sv.Sent = r.now.Add(-time.Hour)
		r.sv, err = tx.PutSurvey(sv)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *pageRig) do(method, target string, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(w, req)
	return w
}

func TestLinkScannersRecordNothing(t *testing.T) {
	r := newPageRig(t)
	path := "/s/" + r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour))
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodGet} {
		w := r.do(method, path+"?score=0", nil)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d", method, w.Code)
		}
		if method == http.MethodGet && (!strings.Contains(w.Body.String(), `value="0" style="background:#c62828" class="sel"`) || !strings.Contains(w.Body.String(), "fetch(location.pathname")) {
			t.Errorf("page does not highlight the score or post it:\n%s", w.Body.String())
		}
	}
	s, _, _, _ := r.state(r.sv.ID)
	if s.ResponseID != 0 || s.State != store.SurveySent {
		t.Errorf("opening the link recorded an answer: %+v", s)
	}
}

func TestSurveyPageRecordsScoreAndComment(t *testing.T) {
	r := newPageRig(t)
	path := "/s/" + r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour))
	if w := r.do(http.MethodPost, path, url.Values{"score": {"9"}, "auto": {"1"}}); w.Code != http.StatusNoContent {
		t.Fatalf("auto post: %d %s", w.Code, w.Body.String())
	}
	s, resp, jobs, _ := r.state(r.sv.ID)
	if s.State != store.SurveyAnswered || resp.Score != 9 || resp.Channel != store.ChannelWeb || resp.Source != "web" {
		t.Fatalf("after the click: survey %s, response %+v", s.State, resp)
	}
	if k := pendingKinds(jobs); k["followup"] != 0 || k["thanks_promoter"] != 1 {
		t.Errorf("pending %v: the page asks why itself; the thanks waits", k)
	}
	// The same post again (the page reloaded) changes nothing.
	r.do(http.MethodPost, path, url.Values{"score": {"9"}, "auto": {"1"}})
	w := r.do(http.MethodPost, path, url.Values{"score": {"9"}, "comment": {"Le pain est <b>excellent</b>"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Merci pour votre réponse") || !strings.Contains(w.Body.String(), "Le pain est &lt;b&gt;excellent&lt;/b&gt;") {
		t.Fatalf("thank-you page %d:\n%s", w.Code, w.Body.String())
	}
	// The page's URL carries the token: no referrer may leave with it.
	if got := w.Header().Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("survey page Referrer-Policy %q", got)
	}
	_, resp, jobs, _ = r.state(r.sv.ID)
	if resp.Comment != "Le pain est <b>excellent</b>" || resp.Score != 9 {
		t.Errorf("after the comment: %+v", resp)
	}
	for _, j := range jobs {
		if j.Kind == "thanks_promoter" && j.State == store.JobPending && (j.Channel != store.ChannelEmail || !j.Due.Equal(r.now)) {
			t.Errorf("thanks job %+v: want by email, now", j)
		}
	}
	// Changing the score on the page replaces it.
	r.do(http.MethodPost, path, url.Values{"score": {"6"}, "auto": {"1"}})
	if _, resp, _, _ = r.state(r.sv.ID); resp.Score != 6 {
		t.Errorf("score after a change on the page = %d", resp.Score)
	}
	if w := r.do(http.MethodPost, path, url.Values{"score": {"11"}}); w.Code != http.StatusBadRequest {
		t.Errorf("score 11: %d", w.Code)
	}
}

func TestBadLinksChangeNothing(t *testing.T) {
	r := newPageRig(t)
	good := r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour))
	other, _ := NewSigner([]byte("an attacker's key, not the store"))
	tests := map[string]struct {
		token string
		code  int
		text  string
	}{
		"forged":        {other.SurveyToken(r.sv.ID, r.now.Add(time.Hour)), http.StatusBadRequest, "pas valide"},
		"tampered":      {good[:len(good)-3] + "xyz", http.StatusBadRequest, "pas valide"},
		"expired":       {r.signer.SurveyToken(r.sv.ID, r.now.Add(-time.Minute)), http.StatusGone, "Ce lien a expiré"},
		"unknown":       {r.signer.SurveyToken(999, r.now.Add(time.Hour)), http.StatusBadRequest, "pas valide"},
		"wrong purpose": {r.signer.UnsubscribeToken(r.c.ID, store.ChannelEmail), http.StatusBadRequest, "pas valide"},
	}
	for name, tt := range tests {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			w := r.do(method, "/s/"+tt.token, url.Values{"score": {"0"}})
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.text) {
				t.Errorf("%s %s: %d %s", name, method, w.Code, w.Body.String())
			}
		}
	}
	if s, _, _, _ := r.state(r.sv.ID); s.ResponseID != 0 {
		t.Error("a bad link recorded a score")
	}
}

func TestUnsubscribeLink(t *testing.T) {
	r := newPageRig(t)
	r.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(store.Job{Kind: "reminder", SurveyID: r.sv.ID, ContactID: r.c.ID, Channel: store.ChannelEmail, Due: r.now.Add(time.Hour)})
		return err
	})
	path := "/u/" + r.signer.UnsubscribeToken(r.c.ID, store.ChannelEmail)
	w := r.do(http.MethodGet, path, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Me désabonner") {
		t.Fatalf("GET: %d %s", w.Code, w.Body.String())
	}
	if _, _, _, c := r.state(r.sv.ID); c.ChannelStatus(store.ChannelEmail).State != store.ChannelOK {
		t.Fatal("opening the unsubscribe link unsubscribed")
	}
	// RFC 8058: the mail program's one-click POST.
	w = r.do(http.MethodPost, path, url.Values{"List-Unsubscribe": {"One-Click"}})
	if w.Code != http.StatusOK {
		t.Fatalf("one-click: %d", w.Code)
	}
	_, _, jobs, c := r.state(r.sv.ID)
	if c.ChannelStatus(store.ChannelEmail).State != store.ChannelOptedOut || len(pendingKinds(jobs)) != 0 {
		t.Errorf("after one-click: %s, pending %v", c.ChannelStatus(store.ChannelEmail).State, pendingKinds(jobs))
	}
	if w := r.do(http.MethodPost, "/u/garbage.token", url.Values{"List-Unsubscribe": {"One-Click"}}); w.Code != http.StatusBadRequest {
		t.Errorf("forged unsubscribe: %d", w.Code)
	}
}

func TestDetractorCase(t *testing.T) {
	r := newPageRig(t)
	links := SignedLinks{PublicURL: "https://nps.example.fr", Signer: r.signer}
	r.opts.Conversation.o.CaseURL = links.Case
	r.opts.Conversation.o.CaseDue = 48 * time.Hour
	r.opts.Conversation.o.Assignee = "marie@example.fr"
	path := "/s/" + r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour))
	r.do(http.MethodPost, path, url.Values{"score": {"2"}, "comment": {"Pain brûlé"}})
	var k store.Case
	var alertURL string
	r.st.View(func(tx *store.Tx) error {
		k, _ = tx.Case(1)
		return tx.ForEachJob(func(j store.Job) error {
			if j.Kind == "owner_alert" {
				alertURL = j.Payload.CaseURL
			}
			return nil
		})
	})
	if k.State != store.CaseOpen || k.Score != 2 || k.Assignee != "marie@example.fr" || !k.Due.Equal(r.now.Add(48*time.Hour)) {
		t.Fatalf("case = %+v", k)
	}
	if alertURL != links.Case(k.ID) {
		t.Errorf("owner alert links to %q, want the case page", alertURL)
	}
	casePath := strings.TrimPrefix(alertURL, "https://nps.example.fr")
	w := r.do(http.MethodGet, casePath, nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Pain brûlé") || !strings.Contains(w.Body.String(), "Contacté") {
		t.Fatalf("case page %d:\n%s", w.Code, w.Body.String())
	}
	w = r.do(http.MethodPost, casePath, url.Values{"state": {"contacted"}, "note": {"Appelée, bon d'achat offert"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("marking contacted: %d", w.Code)
	}
	// The customer answers again, happier: the case notes it.
	r.do(http.MethodPost, path, url.Values{"score": {"8"}, "auto": {"1"}})
	r.st.View(func(tx *store.Tx) error { k, _ = tx.Case(1); return nil })
	if k.State != store.CaseContacted || len(k.Notes) != 2 || k.Notes[0].Text != "Appelée, bon d'achat offert" || !strings.Contains(k.Notes[1].Text, "8/10") {
		t.Errorf("case after the call and the new score: %+v", k)
	}
	if w := r.do(http.MethodPost, casePath, url.Values{"state": {"forgotten"}}); w.Code != http.StatusBadRequest {
		t.Errorf("bad state: %d", w.Code)
	}
	if w := r.do(http.MethodGet, "/c/"+r.signer.SurveyToken(r.sv.ID, r.now.Add(time.Hour)), nil); w.Code != http.StatusBadRequest {
		t.Errorf("a survey token opened a case page: %d", w.Code)
	}
}
