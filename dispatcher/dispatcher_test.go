package dispatcher

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// windowFunc adapts a function to Window.
type windowFunc func(time.Time, store.Contact, store.Channel) (time.Time, error)

func (f windowFunc) Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) {
	return f(t, c, ch)
}

type rig struct {
	t    testing.TB
	path string // the store's file
	st   *store.Store
	smtp *testpeers.SMTP
	tw   *testpeers.Twilio
	clk  *clock
	opts Options
}

func newRig(t testing.TB) *rig {
	t.Helper()
	// The clock starts at the real time: the Twilio peer stamps messages
	// with it, and reconciliation compares the two.
	r := &rig{t: t, clk: &clock{t: time.Now().UTC().Truncate(time.Second)}}
	var err error
	r.path = filepath.Join(t.TempDir(), "npsd.db")
	r.st, err = store.Open(store.Options{Path: r.path, Now: r.clk.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	r.smtp = testpeers.NewSMTP(t, "none")
	r.tw = testpeers.NewTwilio(t)
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	email, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: r.smtp.Port(), TLS: "none", Username: r.smtp.User, Password: r.smtp.Password, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { email.Close() })
	sms, err := NewTwilioSender(TwilioOptions{AccountSID: r.tw.AccountSID, AuthToken: r.tw.AuthToken, From: r.tw.From, APIURL: r.tw.Server.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r.opts = Options{
		Email: email, SMS: sms, Templates: tpl,
		Links:             PlainLinks{PublicURL: "https://nps.example.fr", ReplyAddress: "avis@example.fr"},
		Business:          templates.Business{Name: "Boulangerie Martin", ReviewURL: "https://g.page/r/x/review"},
		From:              "Boulangerie Martin <avis@example.fr>",
		ReplyTo:           "avis@example.fr",
		UnsubscribeMailto: "mailto:avis@example.fr?subject=unsubscribe",
		StatusCallback:    "https://nps.example.fr/hooks/twilio/status",
		MessageIDDomain:   "example.fr",
		Now:               r.clk.now,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxAttempts:       3,
	}
	return r
}

// editFile changes the store's file as bbolt holds it, the way an older
// npsd or a damaged disk leaves it, between a close and a reopen.
func (r *rig) editFile(edit func(*bolt.Tx) error) {
	r.t.Helper()
	if err := r.st.Close(); err != nil {
		r.t.Fatal(err)
	}
	db, err := bolt.Open(r.path, 0o600, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := errors.Join(db.Update(edit), db.Close()); err != nil {
		r.t.Fatal(err)
	}
	if r.st, err = store.Open(store.Options{Path: r.path, Now: r.clk.now, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) dispatcher() *Dispatcher {
	r.t.Helper()
	d, err := New(r.st, r.opts)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

func (r *rig) runOnce() {
	r.t.Helper()
	if _, err := r.dispatcher().RunOnce(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// survey stores a contact with a pending survey and its job, due now.
func (r *rig) survey(c store.Contact, ch store.Channel) (store.Contact, store.Job) {
	r.t.Helper()
	ctx := context.Background()
	c, _, err := r.st.UpsertContact(ctx, c)
	if err != nil {
		r.t.Fatal(err)
	}
	var j store.Job
	err = r.st.Update(ctx, func(tx *store.Tx) error {
		sv, err := tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "quarterly", Channel: ch, Due: r.clk.now()})
		if err != nil {
			return err
		}
		j, err = tx.EnqueueJob(store.Job{Kind: "survey", SurveyID: sv.ID, ContactID: c.ID, Channel: ch, Due: r.clk.now()})
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return c, j
}

func (r *rig) job(id store.JobID) (store.Job, store.Survey, store.Contact) {
	r.t.Helper()
	var j store.Job
	var sv store.Survey
	var c store.Contact
	r.st.View(func(tx *store.Tx) (err error) {
		if j, err = tx.Job(id); err != nil {
			return err
		}
		if j.SurveyID != 0 {
			sv, _ = tx.Survey(j.SurveyID)
		}
		c, _ = tx.Contact(j.ContactID)
		return nil
	})
	return j, sv, c
}

func TestSendsSurveysByEmailAndSMS(t *testing.T) {
	r := newRig(t)
	_, mailJob := r.survey(store.Contact{Name: "Zoé Lefèvre", Email: "zoe@example.fr", Language: "fr"}, store.ChannelEmail)
	_, smsJob := r.survey(store.Contact{Name: "Sam Smith", Phone: "+15145550100", Language: "en"}, store.ChannelSMS)
	r.runOnce()

	j, sv, _ := r.job(mailJob.ID)
	if j.State != store.JobSent || sv.State != store.SurveySent || !sv.Sent.Equal(r.clk.now()) || len(j.Attempts) != 1 {
		t.Fatalf("email job %+v, survey %+v", j, sv)
	}
	msgs := r.smtp.Received()
	if len(msgs) != 1 {
		t.Fatalf("SMTP server got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	for _, want := range []string{
		"Message-ID: <" + j.MessageID + ">",
		"To: <zoe@example.fr>",
		"Reply-To: <avis+" + sv.ID.String() + "@example.fr>",
		"List-Unsubscribe: <https://nps.example.fr/u/c1-email>, <mailto:avis@example.fr?subject=unsubscribe>",
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
		"multipart/alternative",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("email lacks %q:\n%s", want, m[:min(len(m), 1500)])
		}
	}
	survey := parseEmail(t, m)
	if survey.subject != "Boulangerie Martin : une question rapide" ||
		!strings.Contains(survey.text, "Bonjour Zoé,") || !strings.Contains(survey.text, "https://nps.example.fr/s/s1?score=10") ||
		!strings.Contains(survey.html, `href="https://nps.example.fr/s/s1?score=0"`) {
		t.Errorf("survey email reads wrong: subject %q\n%s\n%s", survey.subject, survey.text, survey.html)
	}
	if !strings.HasSuffix(j.MessageID, "@example.fr") {
		t.Errorf("Message-ID %q is not on the sender's domain", j.MessageID)
	}

	j, sv, _ = r.job(smsJob.ID)
	sent := r.tw.Messages()
	if j.State != store.JobSent || sv.State != store.SurveySent || len(sent) != 1 {
		t.Fatalf("sms job %+v, survey %+v, twilio got %d", j, sv, len(sent))
	}
	if sent[0].To != "+15145550100" || sent[0].From != r.tw.From || sent[0].StatusCallback != r.opts.StatusCallback ||
		!strings.Contains(sent[0].Body, "how likely are you to recommend us") || j.Attempts[0].MessageID != sent[0].Sid {
		t.Errorf("twilio got %+v; job attempt %+v", sent[0], j.Attempts[0])
	}

	// Nothing is sent twice.
	r.runOnce()
	if len(r.smtp.Received()) != 1 || len(r.tw.Messages()) != 1 {
		t.Errorf("second run sent again: %d emails, %d SMS", len(r.smtp.Received()), len(r.tw.Messages()))
	}
}

func TestFailuresAreClassified(t *testing.T) {
	tests := []struct {
		name        string
		contact     store.Contact
		ch          store.Channel
		wantState   store.JobState
		wantChannel store.ChannelState
		wantSurvey  store.SurveyState
	}{
		{"SMTP 550 5.1.1", store.Contact{Email: "gone550@example.fr"}, store.ChannelEmail, store.JobFailed, store.ChannelUndeliverable, store.SurveyFailed},
		{"SMTP 554 5.7.1 policy", store.Contact{Email: "policy@example.fr"}, store.ChannelEmail, store.JobFailed, store.ChannelOK, store.SurveyFailed},
		{"SMTP 451", store.Contact{Email: "busy451@example.fr"}, store.ChannelEmail, store.JobPending, store.ChannelOK, store.SurveyPending},
		{"SMTP connection dropped", store.Contact{Email: "drop@example.fr"}, store.ChannelEmail, store.JobPending, store.ChannelOK, store.SurveyPending},
		{"Twilio 21211", store.Contact{Phone: "+15145550001"}, store.ChannelSMS, store.JobFailed, store.ChannelUndeliverable, store.SurveyFailed},
		{"Twilio 21610", store.Contact{Phone: "+15145550002"}, store.ChannelSMS, store.JobFailed, store.ChannelOptedOut, store.SurveyFailed},
		{"Twilio 21614", store.Contact{Phone: "+15145550003"}, store.ChannelSMS, store.JobFailed, store.ChannelUndeliverable, store.SurveyFailed},
		{"Twilio 429", store.Contact{Phone: "+15145550429"}, store.ChannelSMS, store.JobPending, store.ChannelOK, store.SurveyPending},
		{"Twilio 500", store.Contact{Phone: "+15145550500"}, store.ChannelSMS, store.JobPending, store.ChannelOK, store.SurveyPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			_, job := r.survey(tt.contact, tt.ch)
			r.runOnce()
			j, sv, c := r.job(job.ID)
			if j.State != tt.wantState || sv.State != tt.wantSurvey || c.ChannelStatus(tt.ch).State != tt.wantChannel {
				t.Fatalf("job %s (%s), survey %s, channel %s; want %s, %s, %s", j.State, j.Reason, sv.State, c.ChannelStatus(tt.ch).State, tt.wantState, tt.wantSurvey, tt.wantChannel)
			}
			if len(j.Attempts) != 1 || j.Attempts[0].Error == "" {
				t.Fatalf("attempts = %+v", j.Attempts)
			}
			if tt.wantState == store.JobPending {
				// Retried later with backoff, then given up after MaxAttempts.
				if !j.Due.After(r.clk.now()) || !j.Attempts[0].Temporary {
					t.Fatalf("temporary failure not rescheduled: due %s, attempt %+v", j.Due, j.Attempts[0])
				}
				for range 5 {
					r.clk.add(7 * time.Hour)
					r.runOnce()
				}
				j, sv, _ = r.job(job.ID)
				if j.State != store.JobFailed || len(j.Attempts) != 3 || !strings.Contains(j.Reason, "gave up after 3 attempts") || sv.State != store.SurveyFailed {
					t.Errorf("after retries: job %s (%s), %d attempts, survey %s", j.State, j.Reason, len(j.Attempts), sv.State)
				}
			}
		})
	}
}

func TestStaleJobsAreCanceled(t *testing.T) {
	r := newRig(t)
	c, job := r.survey(store.Contact{Phone: "+15145550100"}, store.ChannelSMS)
	// The customer texted STOP after the wave was planned.
	r.st.Update(context.Background(), func(tx *store.Tx) error {
		return tx.SetChannelStatus(c.ID, store.ChannelSMS, store.ChannelStatus{State: store.ChannelOptedOut, Reason: "STOP"})
	})
	r.runOnce()
	j, sv, _ := r.job(job.ID)
	if j.State != store.JobCanceled || sv.State != store.SurveySkipped || !strings.Contains(j.Reason, "opted_out") || len(r.tw.Messages()) != 0 {
		t.Errorf("job %s (%s), survey %s, %d SMS sent", j.State, j.Reason, sv.State, len(r.tw.Messages()))
	}
}

func TestWindowDefersAJob(t *testing.T) {
	r := newRig(t)
	later := r.clk.now().Add(10 * time.Hour)
	r.opts.Window = windowFunc(func(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) { return later, nil })
	_, job := r.survey(store.Contact{Phone: "+15145550100"}, store.ChannelSMS)
	r.runOnce()
	j, sv, _ := r.job(job.ID)
	if j.State != store.JobPending || !j.Due.Equal(later) || len(j.Attempts) != 0 || sv.State != store.SurveyPending || len(r.tw.Messages()) != 0 {
		t.Errorf("job %+v, survey %s, sent %d", j, sv.State, len(r.tw.Messages()))
	}
}

// TestCrashBetweenSendAndRecord: the process dies after a message left and
// before its outcome was written. On restart the email goes again, with the
// same Message-ID, once per interruption and no more than maxEmailResends
// times; the SMS is found at the provider and not sent again.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	r := newRig(t)
	_, mailJob := r.survey(store.Contact{Email: "zoe@example.fr"}, store.ChannelEmail)
	_, smsJob := r.survey(store.Contact{Phone: "+15145550100"}, store.ChannelSMS)
	r.opts.crashAfterSend = func(store.Job) bool { return true }
	r.runOnce()
	if len(r.smtp.Received()) != 1 || len(r.tw.Messages()) != 1 {
		t.Fatalf("before restart: %d emails, %d SMS", len(r.smtp.Received()), len(r.tw.Messages()))
	}
	for _, id := range []store.JobID{mailJob.ID, smsJob.ID} {
		if j, _, _ := r.job(id); j.State != store.JobInflight {
			t.Fatalf("job %s is %s after the crash, want inflight", id, j.State)
		}
	}
	// Restart, and crash again after each copy, every time.
	for restart := 1; restart <= maxEmailResends+1; restart++ {
		r.clk.add(time.Minute)
		r.runOnce()
		if restart == 1 {
			j, sv, _ := r.job(smsJob.ID)
			if len(r.tw.Messages()) != 1 || j.State != store.JobSent || sv.State != store.SurveySent || j.Attempts[len(j.Attempts)-1].MessageID != r.tw.Messages()[0].Sid {
				t.Errorf("interrupted SMS: job %+v, survey %s, %d texts", j, sv.State, len(r.tw.Messages()))
			}
		}
	}
	msgs := r.smtp.Received()
	if len(msgs) != maxEmailResends+1 {
		t.Errorf("%d copies of the email, want %d: one, then one per interruption up to the cap", len(msgs), maxEmailResends+1)
	}
	for _, m := range msgs[1:] {
		if messageID(m) == "" || messageID(m) != messageID(msgs[0]) {
			t.Errorf("a resent email has another Message-ID: %q vs %q", messageID(m), messageID(msgs[0]))
		}
	}
	j, sv, _ := r.job(mailJob.ID)
	if j.State != store.JobFailed || !strings.Contains(j.Reason, "interrupted while sending 6 times") || sv.State != store.SurveyFailed {
		t.Errorf("email interrupted past the cap: job %s (%s), survey %s", j.State, j.Reason, sv.State)
	}
}

// TestUncertainSMSIsReconciled: Twilio took the message but the answer was
// lost. The next attempt asks Twilio first and does not send it again.
func TestUncertainSMSIsReconciled(t *testing.T) {
	r := newRig(t)
	_, job := r.survey(store.Contact{Phone: "+15145550408"}, store.ChannelSMS)
	r.runOnce()
	j, _, _ := r.job(job.ID)
	if j.State != store.JobPending || !j.Attempts[0].Uncertain || len(r.tw.Messages()) != 1 {
		t.Fatalf("after a lost answer: job %+v, twilio has %d", j, len(r.tw.Messages()))
	}
	r.clk.add(7 * time.Hour)
	r.runOnce()
	j, sv, _ := r.job(job.ID)
	if j.State != store.JobSent || sv.State != store.SurveySent || len(r.tw.Messages()) != 1 {
		t.Errorf("after reconciling: job %s, survey %s, twilio has %d (want 1)", j.State, sv.State, len(r.tw.Messages()))
	}
}

func TestOwnerAlertGoesToTheOwner(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	c, _, _ := r.st.UpsertContact(ctx, store.Contact{Name: "Paul Durand", Phone: "+33612345678"})
	var job store.Job
	r.st.Update(ctx, func(tx *store.Tx) (err error) {
		job, err = tx.EnqueueJob(store.Job{Kind: "owner_alert", ContactID: c.ID, To: "marie@example.fr", Channel: store.ChannelEmail, Due: r.clk.now(),
			Payload: store.Payload{Score: store.IntPtr(3), Category: "detractor", Comment: "Pain rassis"}})
		return err
	})
	// Owners are told at any hour.
	r.opts.Window = windowFunc(func(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) { return t.Add(time.Hour), nil })
	r.runOnce()
	j, _, _ := r.job(job.ID)
	msgs := r.smtp.Received()
	if j.State != store.JobSent || len(msgs) != 1 {
		t.Fatalf("owner alert: %s, %d messages", j.State, len(msgs))
	}
	alert := parseEmail(t, msgs[0])
	if alert.header.Get("To") != "<marie@example.fr>" || alert.subject != "Client mécontent : Paul Durand a donné 3/10" {
		t.Errorf("alert to %q, subject %q", alert.header.Get("To"), alert.subject)
	}
	// html/template writes "+" as &#43;, which mail programs show as "+".
	for _, want := range []string{"Pain rassis", "33612345678"} {
		if !strings.Contains(alert.text, want) || !strings.Contains(alert.html, want) {
			t.Errorf("alert lacks %q:\n%s\n%s", want, alert.text, alert.html)
		}
	}
	if strings.Contains(msgs[0], "List-Unsubscribe") {
		t.Error("an owner alert carries an unsubscribe header")
	}
}

func messageID(raw string) string {
	for _, line := range strings.Split(raw, "\r\n") {
		if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
			return v
		}
	}
	return ""
}

// parsedEmail is a received message read back as a mail program would.
type parsedEmail struct {
	header  netmail.Header
	subject string
	text    string
	html    string
}

func parseEmail(t *testing.T, raw string) parsedEmail {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var p parsedEmail
	p.header = m.Header
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = part
		if part.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(part)
		}
		b, _ := io.ReadAll(body)
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			p.text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.html = string(b)
		}
	}
	return p
}
