package inbound

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

const authToken = "12345678901234567890123456789012"

// TwilioSignature is checked against the example in Twilio's documentation
// of webhook security (URL, parameters and token as published), so that the
// tests below, which sign with it, check the server's use of twilio-go
// against the published algorithm rather than against itself.
func TestTwilioSignatureMatchesTwilioDocumentation(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+12349013030"}, "Digits": {"1234"}, "From": {"+12349013030"}, "To": {"+18005551212"}}
	if got := TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != "0/KCTR6DLpKmkAf8muzZqo1nDgQ=" {
		t.Errorf("signature %q, want Twilio's 0/KCTR6DLpKmkAf8muzZqo1nDgQ=", got)
	}
}

type windowFunc func(time.Time, store.Contact, store.Channel) (time.Time, error)

func (f windowFunc) Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) {
	return f(t, c, ch)
}

type inRig struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	now    time.Time
	opts   ServerOptions
	wakes  int
	window Window
	// handedOver answers the conversation's question to the dispatcher.
	handedOver func(store.SurveyID) bool
}

func newInRig(t *testing.T) *inRig {
	t.Helper()
	r := &inRig{t: t, now: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)}
	var err error
	r.st, err = store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Now: func() time.Time { return r.now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	r.opts = ServerOptions{Listen: "127.0.0.1:0", PublicURL: "https://nps.example.fr", TwilioAuthToken: authToken, Store: r.st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	r.build()
	return r
}

func (r *inRig) build() {
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		r.t.Fatal(err)
	}
	cv, err := NewConversation(r.st, ConversationOptions{
		Owners:    []string{"marie@example.fr", "paul@example.fr"},
		Business:  templates.Business{Name: "Boulangerie Martin", ReviewURL: "https://g.page/r/x/review"},
		Templates: tpl, Window: r.window,
		Wake: func() { r.wakes++ }, HandedOver: r.handedOver, Now: func() time.Time { return r.now }, Logger: r.opts.Logger,
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.opts.Conversation = cv
	if r.srv, err = NewServer(r.opts); err != nil {
		r.t.Fatal(err)
	}
}

// surveyed stores a contact whose survey went out by SMS an hour ago.
func (r *inRig) surveyed(c store.Contact) (store.Contact, store.Survey) {
	r.t.Helper()
	ctx := context.Background()
	c, _, err := r.st.UpsertContact(ctx, c)
	if err != nil {
		r.t.Fatal(err)
	}
	var sv store.Survey
	err = r.st.Update(ctx, func(tx *store.Tx) (err error) {
		sv, err = tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "quarterly", Channel: store.ChannelSMS, State: store.SurveySent, Sent: r.now.Add(-time.Hour)})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return c, sv
}

func (r *inRig) post(path string, form url.Values, signature string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signature != "" {
		req.Header.Set("X-Twilio-Signature", signature)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(w, req)
	return w
}

var sidCounter int

// sms posts a correctly signed incoming message.
func (r *inRig) sms(from, body string) (*httptest.ResponseRecorder, string) {
	sidCounter++
	sid := "SM" + strings.Repeat("0", 30) + string(rune('a'+sidCounter%26)) + string(rune('a'+sidCounter/26%26))
	return r.smsWithSid(sid, from, body), sid
}

func (r *inRig) smsWithSid(sid, from, body string) *httptest.ResponseRecorder {
	form := url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15005550006"}, "Body": {body}, "AccountSid": {"AC123"}}
	return r.post("/hooks/twilio/sms", form, TwilioSignature(authToken, "https://nps.example.fr/hooks/twilio/sms", form), nil)
}

func (r *inRig) state(sv store.SurveyID) (store.Survey, store.Response, []store.Job, store.Contact) {
	var s store.Survey
	var resp store.Response
	var jobs []store.Job
	var c store.Contact
	r.st.View(func(tx *store.Tx) error {
		s, _ = tx.Survey(sv)
		if s.ResponseID != 0 {
			resp, _ = tx.Response(s.ResponseID)
		}
		c, _ = tx.Contact(s.ContactID)
		return tx.ForEachJob(func(j store.Job) error { jobs = append(jobs, j); return nil })
	})
	return s, resp, jobs, c
}

func pendingKinds(jobs []store.Job) map[string]int {
	m := map[string]int{}
	for _, j := range jobs {
		if j.State == store.JobPending {
			m[string(j.Kind)]++
		}
	}
	return m
}

// forOwner lists the messages kept for the owner.
func forOwner(t *testing.T, st *store.Store) []store.InboundMessage {
	var out []store.InboundMessage
	st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error { out = append(out, m); return nil })
	})
	return out
}

func twimlMessage(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
		t.Fatalf("answer %d %s: %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	body := w.Body.String()
	start, end := strings.Index(body, "<Message>"), strings.Index(body, "</Message>")
	if start < 0 {
		return ""
	}
	return body[start+len("<Message>") : end]
}

func TestForgedWebhooksAreRefused(t *testing.T) {
	r := newInRig(t)
	r.surveyed(store.Contact{Phone: "+15145550100"})
	form := url.Values{"MessageSid": {"SMforged"}, "From": {"+15145550100"}, "Body": {"0"}}
	for name, sig := range map[string]string{
		"no signature":     "",
		"wrong token":      TwilioSignature("wrong-token", "https://nps.example.fr/hooks/twilio/sms", form),
		"other URL":        TwilioSignature(authToken, "https://evil.example/hooks/twilio/sms", form),
		"tampered body":    TwilioSignature(authToken, "https://nps.example.fr/hooks/twilio/sms", url.Values{"MessageSid": {"SMforged"}, "From": {"+15145550100"}, "Body": {"10"}}),
		"status, unsigned": "",
	} {
		path := "/hooks/twilio/sms"
		if strings.HasPrefix(name, "status") {
			path = "/hooks/twilio/status"
		}
		if w := r.post(path, form, sig, nil); w.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, w.Code)
		}
	}
	r.st.View(func(tx *store.Tx) error {
		return tx.ForEachInbound(func(m store.InboundMessage) error {
			t.Errorf("a forged request was stored: %+v", m)
			return nil
		})
	})
}

func TestProxyHeadersOnlyWhenTrusted(t *testing.T) {
	r := newInRig(t)
	r.surveyed(store.Contact{Phone: "+15145550100"})
	form := url.Values{"MessageSid": {"SMproxy1"}, "From": {"+15145550100"}, "Body": {"9"}}
	// Signed for the address the proxy received, which differs from public_url.
	sig := TwilioSignature(authToken, "https://sondage.example.fr/hooks/twilio/sms", form)
	headers := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sondage.example.fr"}
	if w := r.post("/hooks/twilio/sms", form, sig, headers); w.Code != http.StatusForbidden {
		t.Errorf("untrusted proxy headers were used: %d", w.Code)
	}
	r.opts.TrustProxyHeaders = true
	r.build()
	if w := r.post("/hooks/twilio/sms", form, sig, headers); w.Code != http.StatusOK {
		t.Errorf("trusted proxy headers: %d %s", w.Code, w.Body.String())
	}
}

func TestScoreThenComment(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Zoé", Phone: "+15145550100", Language: "fr"})
	w, sid := r.sms("+15145550100", "9")
	if got := twimlMessage(t, w); !strings.Contains(got, "Qu&#39;est-ce qui vous a incité") && !strings.Contains(got, "Qu'est-ce qui vous a incité") {
		t.Errorf("answer to a score = %q, want the question why", got)
	}
	s, resp, jobs, _ := r.state(sv.ID)
	if s.State != store.SurveyAnswered || resp.Score != 9 || resp.ContactID != c.ID || resp.Source != "sms" {
		t.Fatalf("after 9: survey %s, response %+v", s.State, resp)
	}
	if k := pendingKinds(jobs); k["thanks_promoter"] != 1 || len(k) != 1 {
		t.Fatalf("pending jobs %v, want the promoter thanks waiting for the comment", k)
	}
	for _, j := range jobs {
		if j.Kind == "thanks_promoter" && !j.Due.Equal(r.now.Add(48*time.Hour)) {
			t.Errorf("thanks due %s, want after the comment window", j.Due)
		}
	}
	// Twilio retries the same webhook: same answer, nothing new.
	w2 := r.smsWithSid(sid, "+15145550100", "9")
	if twimlMessage(t, w2) != twimlMessage(t, w) {
		t.Error("a replayed webhook got another answer")
	}
	r.now = r.now.Add(10 * time.Minute)
	w, _ = r.sms("+15145550100", "Le pain est toujours frais")
	if got := twimlMessage(t, w); got != "" {
		t.Errorf("answer to the comment = %q, want none (the thanks goes through the outbox)", got)
	}
	s, resp, jobs, _ = r.state(sv.ID)
	if resp.Comment != "Le pain est toujours frais" || resp.Score != 9 {
		t.Errorf("after the comment: %+v", resp)
	}
	for _, j := range jobs {
		if j.Kind == "thanks_promoter" && j.State == store.JobPending && !j.Due.Equal(r.now) {
			t.Errorf("thanks due %s, want now that the comment is in", j.Due)
		}
	}
	var responses int
	r.st.View(func(tx *store.Tx) error {
		return tx.ScanResponses(time.Time{}, time.Time{}, func(store.ResponseSummary) error { responses++; return nil })
	})
	if responses != 1 {
		t.Errorf("%d responses stored, want 1", responses)
	}
}

func TestDetractorAlertsOwnersAndLaterScoreReplaces(t *testing.T) {
	r := newInRig(t)
	_, sv := r.surveyed(store.Contact{Name: "Paul", Phone: "+15145550100"})
	w, _ := r.sms("+15145550100", "9")
	twimlMessage(t, w)
	r.now = r.now.Add(time.Hour)
	w, _ = r.sms("+15145550100", "En fait 3, trop d'attente")
	if got := twimlMessage(t, w); got != "" {
		t.Errorf("a score with a comment needs no question: %q", got)
	}
	s, resp, jobs, _ := r.state(sv.ID)
	if resp.Score != 3 || resp.Comment != "trop d'attente" && resp.Comment != "En fait 3, trop d'attente" || !s.Alerted {
		t.Errorf("after the change: response %+v, alerted %v", resp, s.Alerted)
	}
	k := pendingKinds(jobs)
	if k["owner_alert"] != 2 || k["apology_detractor"] != 1 || k["thanks_promoter"] != 0 {
		t.Errorf("pending %v: want two owner alerts, the apology, and the promoter thanks canceled", k)
	}
	for _, j := range jobs {
		if j.Kind == "owner_alert" && (j.To == "" || j.Payload.Score == nil || *j.Payload.Score != 3) {
			t.Errorf("owner alert %+v", j)
		}
	}
	if r.wakes == 0 {
		t.Error("the dispatcher was not woken for the alerts")
	}
	// A number in a later comment is not a new score.
	r.now = r.now.Add(time.Minute)
	r.sms("+15145550100", "Je suis venu le 2 novembre")
	if _, resp, _, _ = r.state(sv.ID); resp.Score != 3 {
		t.Errorf("a date in a comment changed the score to %d", resp.Score)
	}
}

func TestUnreadableIsReaskedOnce(t *testing.T) {
	r := newInRig(t)
	_, sv := r.surveyed(store.Contact{Phone: "+15145550100", Language: "en"})
	w, _ := r.sms("+15145550100", "7 or 8")
	if got := twimlMessage(t, w); !strings.Contains(got, "could not read a score") {
		t.Errorf("re-ask = %q", got)
	}
	w, _ = r.sms("+15145550100", "between 7 and 8 really")
	if got := twimlMessage(t, w); got != "" {
		t.Errorf("asked twice: %q", got)
	}
	w, _ = r.sms("+15145550100", "8")
	twimlMessage(t, w)
	if _, resp, _, _ := r.state(sv.ID); resp.Score != 8 {
		t.Errorf("score after re-ask = %d", resp.Score)
	}
}

func TestStopStartHelpAndStrangers(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100", Language: "fr"})
	r.st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.EnqueueJob(store.Job{Kind: "reminder", SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelSMS, Due: r.now.Add(time.Hour)})
		return err
	})
	w, _ := r.sms("+15145550100", "Arrêt")
	if got := twimlMessage(t, w); !strings.Contains(got, "vous ne recevrez plus") {
		t.Errorf("STOP answer = %q", got)
	}
	if w, _ := r.sms("+15145550100", "STOP"); twimlMessage(t, w) != "" {
		t.Error("a second STOP was confirmed again")
	}
	_, _, jobs, ct := r.state(sv.ID)
	if ct.ChannelStatus(store.ChannelSMS).State != store.ChannelOptedOut || len(pendingKinds(jobs)) != 0 {
		t.Errorf("after STOP: channel %s, pending %v", ct.ChannelStatus(store.ChannelSMS).State, pendingKinds(jobs))
	}
	w, _ = r.sms("+15145550100", "start")
	twimlMessage(t, w)
	if _, _, _, ct = r.state(sv.ID); ct.ChannelStatus(store.ChannelSMS).State != store.ChannelOK {
		t.Error("START did not opt back in")
	}
	w, _ = r.sms("+15145550100", "AIDE")
	if got := twimlMessage(t, w); !strings.Contains(got, "Boulangerie Martin") || !strings.Contains(got, "STOP") {
		t.Errorf("HELP answer = %q", got)
	}
	w, _ = r.sms("+33699999999", "10 !")
	if got := twimlMessage(t, w); got != "" {
		t.Errorf("a stranger got an answer: %q", got)
	}
	found := false
	r.st.View(func(tx *store.Tx) error {
		return tx.ForEachInbound(func(m store.InboundMessage) error {
			if m.From == "+33699999999" && m.Body == "10 !" && strings.Contains(m.Outcome, "unknown sender") {
				found = true
			}
			return nil
		})
	})
	if !found {
		t.Error("a stranger's message was not kept")
	}
	// Kept for the owner, and marked so that it is kept a bounded time.
	var forOwner []store.InboundMessage
	r.st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error { forOwner = append(forOwner, m); return nil })
	})
	if len(forOwner) != 1 || forOwner[0].From != "+33699999999" || !forOwner[0].UnknownSender {
		t.Errorf("messages for the owner: %+v; want the stranger's, marked as from an unknown sender", forOwner)
	}
}

func TestAnswersWaitForTheWindow(t *testing.T) {
	r := newInRig(t)
	morning := r.now.Add(10 * time.Hour)
	r.window = windowFunc(func(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) { return morning, nil })
	r.build()
	_, sv := r.surveyed(store.Contact{Phone: "+15145550100"})
	w, _ := r.sms("+15145550100", "8")
	if got := twimlMessage(t, w); got != "" {
		t.Errorf("answered at night: %q", got)
	}
	_, _, jobs, _ := r.state(sv.ID)
	if pendingKinds(jobs)["followup"] != 1 {
		t.Errorf("the question why was not queued: %v", pendingKinds(jobs))
	}
}

func TestDeliveryStatus(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100"})
	r.st.Update(context.Background(), func(tx *store.Tx) error {
		j, err := tx.EnqueueJob(store.Job{Kind: "survey", SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelSMS, Due: r.now})
		if err != nil {
			return err
		}
		j.State = store.JobSent
		if _, err := tx.UpdateJob(j); err != nil {
			return err
		}
		return tx.IndexProviderID("SMdelivered1", j.ID)
	})
	form := url.Values{"MessageSid": {"SMdelivered1"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30005"}}
	w := r.post("/hooks/twilio/status", form, TwilioSignature(authToken, "https://nps.example.fr/hooks/twilio/status", form), nil)
	if w.Code != http.StatusNoContent {
		t.Fatalf("status callback: %d %s", w.Code, w.Body.String())
	}
	s, _, jobs, ct := r.state(sv.ID)
	if s.State != store.SurveyFailed || jobs[0].State != store.JobFailed || ct.ChannelStatus(store.ChannelSMS).State != store.ChannelUndeliverable {
		t.Errorf("after 30005: survey %s, job %s, channel %s", s.State, jobs[0].State, ct.ChannelStatus(store.ChannelSMS).State)
	}
}

// TestDeliveredStatus records the carrier's "delivered" on the survey,
// once: the funnel's delivered stage. A status for a message that is not
// a survey of ours changes nothing.
func TestDeliveredStatus(t *testing.T) {
	r := newInRig(t)
	c, sv := r.surveyed(store.Contact{Phone: "+15145550100"})
	r.st.Update(context.Background(), func(tx *store.Tx) error {
		j, err := tx.EnqueueJob(store.Job{Kind: store.JobSurvey, SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelSMS, Due: r.now})
		if err != nil {
			return err
		}
		return tx.IndexProviderID("SMdelivered2", j.ID)
	})
	status := func(sid string) {
		form := url.Values{"MessageSid": {sid}, "MessageStatus": {"delivered"}}
		if w := r.post("/hooks/twilio/status", form, TwilioSignature(authToken, "https://nps.example.fr/hooks/twilio/status", form), nil); w.Code != http.StatusNoContent {
			t.Fatalf("status callback: %d %s", w.Code, w.Body.String())
		}
	}
	status("SMdelivered2")
	first, _, _, _ := r.state(sv.ID)
	if first.Delivered.IsZero() {
		t.Fatal("the delivered status was not recorded")
	}
	time.Sleep(time.Millisecond)
	status("SMdelivered2")
	status("SMsomeoneelse")
	if again, _, _, _ := r.state(sv.ID); !again.Delivered.Equal(first.Delivered) || again.State != store.SurveySent {
		t.Errorf("after a second callback: delivered %v, state %s", again.Delivered, again.State)
	}
}

func TestWebhookEventsAreQueued(t *testing.T) {
	r := newInRig(t)
	r.opts.Conversation.o.Webhooks = []string{"https://shop.example/npsd"}
	_, sv := r.surveyed(store.Contact{ExternalID: "POS-7", Phone: "+15145550100"})
	r.sms("+15145550100", "9")
	r.sms("+15145550100", "STOP")
	_, _, jobs, _ := r.state(sv.ID)
	var events []string
	for _, j := range jobs {
		if j.Channel == store.ChannelWebhook {
			events = append(events, string(j.Kind)+" "+string(j.Payload.Webhook))
			if j.To != "https://shop.example/npsd" || j.State != store.JobPending {
				t.Errorf("webhook job %+v", j)
			}
		}
	}
	if len(events) != 2 || !strings.Contains(events[0], `"score":9`) || !strings.Contains(events[0], `"external_id":"POS-7"`) || !strings.HasPrefix(events[1], "opt_out ") {
		t.Errorf("webhook events = %v", events)
	}
}

// A text that answers a survey whose message the provider has taken, its
// outcome not yet recorded, is its answer, on the survey's own channel
// only; a survey only claimed for sending is answered by nothing (the
// customer has not had it). Before, the first was kept as a stranger's
// message and the customer got no reply.
func TestAnswerToASurveyStillInFlight(t *testing.T) {
	for _, c := range []struct {
		name       string
		ch         store.Channel
		handedOver bool
		answered   bool
	}{
		{"sms taken by the provider", store.ChannelSMS, true, true},
		{"sms only claimed", store.ChannelSMS, false, false},
		{"email taken by the provider", store.ChannelEmail, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newInRig(t)
			var sv store.Survey
			r.handedOver = func(id store.SurveyID) bool { return c.handedOver && id == sv.ID }
			r.build()
			ct, _, err := r.st.UpsertContact(context.Background(), store.Contact{Name: "Gaëtan", Phone: "+15145550101", Email: "gaetan@example.ca", Language: "fr"})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.st.Update(context.Background(), func(tx *store.Tx) (err error) {
				if sv, err = tx.PutSurvey(store.Survey{ContactID: ct.ID, Campaign: "quarterly", Channel: c.ch, Due: r.now}); err != nil {
					return err
				}
				sv, err = tx.MoveSurvey(sv, store.SurveyInflight)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			w, _ := r.sms("+15145550101", "Je dirais 4")
			s, resp, _, _ := r.state(sv.ID)
			if !c.answered {
				if s.State != store.SurveyInflight || s.ResponseID != 0 {
					t.Errorf("survey %s, response %d; want it still in flight, unanswered", s.State, s.ResponseID)
				}
				return
			}
			if s.State != store.SurveyAnswered || resp.Score != 4 {
				t.Errorf("survey %s, response %+v; want answered with 4", s.State, resp)
			}
			if twimlMessage(t, w) == "" {
				t.Error("no reply to the score")
			}
		})
	}
}
