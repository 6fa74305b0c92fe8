package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/npsd/npsd/inbound"
)

// TestDaemonSurveyAndAnswerBySMS runs the daemon against a Twilio-shaped
// API: a planned survey goes out as an SMS, the customer's "9" comes back
// through the signed webhook, and the answer to it is the question why.
func TestDaemonSurveyAndAnswerBySMS(t *testing.T) {
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	var mu sync.Mutex
	var sent []url.Values
	twilio := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != sid || p != token {
			w.WriteHeader(401)
			return
		}
		r.ParseForm()
		mu.Lock()
		sent = append(sent, r.PostForm)
		n := len(sent)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"sid": "SM%032d", "status": "queued"}`, n)
	}))
	defer twilio.Close()

	e := newEnv(t)
	e.file("config.yaml", fmt.Sprintf(`business:
  name: Garage Dupont
  timezone: America/Toronto
  default_region: CA
  language: en
http:
  listen: 127.0.0.1:0
  public_url: https://nps.garage-dupont.ca
sms:
  transport: twilio
  twilio:
    account_sid: %s
    auth_token: %s
    from: "+15145550199"
    api_url: %s
surveys:
  channels: [sms]
  send_window:
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "00:00"
    end: "24:00"
campaigns:
  - name: now
    schedule: "* * * * *"
    spread: 0s
`, sid, token, twilio.URL))
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,phone\nSam,+1 514 555 0100\n")), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "now"), exitOK, []string{"1 surveys queued"}, nil)

	// SMS hours (08:00-21:00 in Toronto) still hold whatever the window
	// says: the daemon's clock runs from noon there, today.
	loc, _ := time.LoadLocation("America/Toronto")
	today := time.Now().In(loc)
	base, started := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, loc), time.Now()
	noon := func() time.Time { return base.Add(time.Since(started)) }
	d := e.runDaemon(noon)
	defer func() {
		if code := d.Stop(); code != exitOK {
			t.Errorf("run exited %d:\n%s", code, d.Logs.String())
		}
	}()
	addr := d.Addr
	waitFor(t, 20*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if len(sent) > 0 {
			return "sent"
		}
		return ""
	})
	mu.Lock()
	first := sent[0]
	mu.Unlock()
	// The customer answers a text that has left: its outcome is in the
	// store a moment after Twilio took it (the outbox records outcomes in
	// batches), as it always is by the time a reply comes back.
	waitFor(t, 20*time.Second, func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		if m, _ := io.ReadAll(resp.Body); strings.Contains(string(m), `npsd_outbox_jobs{state="sent"} 1`) {
			return "recorded"
		}
		return ""
	})
	if first.Get("To") != "+15145550100" || first.Get("From") != "+15145550199" || !strings.Contains(first.Get("Body"), "how likely are you to recommend us") ||
		first.Get("StatusCallback") != "https://nps.garage-dupont.ca/hooks/twilio/status" {
		t.Errorf("survey SMS = %v", first)
	}

	form := url.Values{"MessageSid": {"SMreply0001"}, "From": {"+15145550100"}, "To": {"+15145550199"}, "Body": {"9"}}
	reply := func(signature string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := reply("forged"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged webhook: %d", resp.StatusCode)
	}
	resp := reply(inbound.TwilioSignature(token, "https://nps.garage-dupont.ca/hooks/twilio/sms", form))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Message>Thank you! What is the main reason for your score?") {
		t.Errorf("webhook answer %d: %s", resp.StatusCode, body)
	}

	mresp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`npsd_messages_total{channel="sms",outcome="sent",reason=""} 1`,
		`npsd_responses_total{category="promoter"} 1`,
		`npsd_webhook_signature_rejections_total 1`,
		`npsd_outbox_jobs{state="sent"} 1`,
		`npsd_send_seconds_count{channel="sms"} 1`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func waitFor(t *testing.T, d time.Duration, f func() string) string {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if v := f(); v != "" {
			return v
		}
	}
	t.Fatalf("gave up waiting after %s", d)
	return ""
}
