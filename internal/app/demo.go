package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// demoToken signs the demo's webhooks as Twilio would with an account's.
const demoToken = "demo-auth-token-0123456789abcdef"

// Demo plays the whole loop in dir: contacts, a wave, answers by SMS
// webhook, by email and by click, the follow-ups, a detractor case and the
// weekly summary — npsd at work before any account is wired. It tells
// what happens on out. The demo lives at noon in Paris, today: texts may
// be sent then, and the loop shows whole whatever the hour it is played
// at.
func Demo(ctx context.Context, dir string, out io.Writer) error {
	paris, _ := time.LoadLocation("Europe/Paris")
	today, started := time.Now().In(paris), time.Now()
	noon := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, paris)
	return demo(ctx, dir, out, func() time.Time { return noon.Add(time.Since(started)) })
}

func demo(ctx context.Context, dir string, out io.Writer, now func() time.Time) error {
	d := &demoRun{ctx: ctx, dir: dir, now: now, wire: wiring{now: now}, cfg: demoConfig(dir), log: slog.New(slog.DiscardHandler)}
	d.say = func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	st, err := store.Open(store.Options{Path: d.cfg.Store.Path, CreateDir: true, Logger: d.log, Now: now})
	if err != nil {
		return err
	}
	defer st.Close()
	d.st = st
	d.say("npsd demo in %s\n", dir)

	if err := d.importContacts(); err != nil {
		return err
	}
	plan, err := d.planWave()
	if err != nil {
		return err
	}
	closeTransports, err := d.startDispatcher()
	if err != nil {
		return err
	}
	defer closeTransports()
	if err := d.sendWave(plan); err != nil {
		return err
	}
	web, err := d.startInbound()
	if err != nil {
		return err
	}
	defer web.Close()
	if err := d.answer(web); err != nil {
		return err
	}
	if err := d.sendFollowups(); err != nil {
		return err
	}
	return d.caseAndSummary()
}

// demoRun holds what the demo's steps build and hand on to the next: the
// store, the parts of the daemon and the surveys the wave sent.
type demoRun struct {
	ctx  context.Context
	dir  string
	now  func() time.Time
	wire wiring
	cfg  config.Config
	log  *slog.Logger
	say  func(format string, args ...any)

	st      *store.Store
	mets    *metrics
	sched   *scheduler.Scheduler
	sign    links.Signer
	tpl     *templates.Set
	disp    *dispatcher.Dispatcher
	srv     *inbound.Server
	surveys map[string]store.Survey
}

// demoConfig is a bakery in Paris that surveys by SMS and email on the file
// transports, at any hour, with one wave a quarter.
func demoConfig(dir string) config.Config {
	cfg := config.Defaults()
	cfg.Business = config.BusinessConfig{Name: "Boulangerie Démo", Timezone: "Europe/Paris", Language: "fr", DefaultRegion: "FR",
		ReviewURL: "https://g.page/r/boulangerie-demo/review", Owners: []string{"patronne@boulangerie-demo.fr"}}
	cfg.Store.Path = filepath.Join(dir, "npsd.db")
	cfg.Email.From = "Boulangerie Démo <avis@boulangerie-demo.fr>"
	cfg.Email.FileDir, cfg.SMS.FileDir = filepath.Join(dir, "outbox", "email"), filepath.Join(dir, "outbox", "sms")
	cfg.Email.RatePerSecond, cfg.SMS.RatePerSecond = 0, 0
	cfg.SMS.Twilio.AuthToken = demoToken
	cfg.Surveys.Channels = []string{"sms", "email"}
	cfg.Surveys.SendWindow = config.SendWindowConfig{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Start: "00:00", End: "24:00"}
	cfg.Campaigns = []config.CampaignConfig{{Name: "demo", Schedule: "0 10 1 1,4,7,10 *", Spread: new(config.Duration)}}
	cfg.Summary.Segments = []string{"ville"}
	return cfg
}

func (d *demoRun) importContacts() error {
	// 1. Contacts.
	people := []store.Contact{
		{Name: "Zoé Lefèvre", Phone: "+33612345601", Language: "fr", Attributes: map[string]string{"ville": "Lyon"}},
		{Name: "Paul Durand", Phone: "+33612345602", Language: "fr", Attributes: map[string]string{"ville": "Lyon"}},
		{Name: "Camille Roy", Email: "camille@example.fr", Language: "fr", Attributes: map[string]string{"ville": "Paris"}},
		{Name: "Sam Smith", Email: "sam@example.com", Language: "en", Attributes: map[string]string{"ville": "Paris"}},
	}
	for _, p := range people {
		if _, _, err := d.st.UpsertContact(d.ctx, p); err != nil {
			return err
		}
	}
	d.say("1. %d contacts imported (two by SMS, two by email)", len(people))
	return nil
}

// planWave plans the demo campaign's wave and readies what sending it
// needs: the signer of links and the templates.
func (d *demoRun) planWave() (scheduler.Plan, error) {
	// 2. A wave, sent by the dispatcher on the file transports.
	d.mets = newMetrics(d.st)
	sched, err := d.wire.newScheduler(&d.cfg, d.st, d.log)
	if err != nil {
		return scheduler.Plan{}, err
	}
	d.sched = sched
	plan, err := sched.Plan(d.ctx, "demo", false)
	if err != nil {
		return scheduler.Plan{}, err
	}
	if d.sign, err = signer(d.ctx, d.st); err != nil {
		return scheduler.Plan{}, err
	}
	if d.tpl, err = LoadTemplates(&d.cfg); err != nil {
		return scheduler.Plan{}, err
	}
	return plan, nil
}

// startDispatcher builds the dispatcher; the caller closes its transports.
func (d *demoRun) startDispatcher() (closeTransports func() error, err error) {
	disp, closeTransports, err := d.wire.newDispatcher(&d.cfg, d.st, d.sign, d.log, d.mets, d.tpl, d.sched.Timing(), nil, nil)
	if err != nil {
		return nil, err
	}
	d.disp = disp
	return closeTransports, nil
}

func (d *demoRun) sendWave(plan scheduler.Plan) error {
	if _, err := d.disp.RunOnce(d.ctx); err != nil {
		return err
	}
	d.say("2. wave planned (%d surveys) and sent: the messages are in %s", plan.Queued, filepath.Join(d.dir, "outbox"))
	return nil
}

// startInbound serves the real handlers on a test server, which the caller
// closes, and notes each contact's survey for the answers to name.
func (d *demoRun) startInbound() (*httptest.Server, error) {
	// 3. The answers come in through the real handlers.
	srv, _, err := d.wire.newInbound(&d.cfg, d.st, d.sign, d.log, d.disp, nil, d.mets, d.tpl, d.sched.Timing(), nil)
	if err != nil {
		return nil, err
	}
	d.srv = srv
	web := httptest.NewServer(srv.Handler())
	d.surveys = map[string]store.Survey{}
	d.st.View(func(tx *store.Tx) error {
		return tx.ForEachSurvey(func(sv store.Survey) error {
			ct, _ := tx.Contact(sv.ContactID)
			d.surveys[ct.Name] = sv
			return nil
		})
	})
	return web, nil
}

// answer plays the four contacts' answers, one way each: two by SMS, one by
// a reply to the email, one by a click and the survey page.
func (d *demoRun) answer(web *httptest.Server) error {
	if err := d.answerBySMS(web); err != nil {
		return err
	}
	if err := d.answerByEmail(); err != nil {
		return err
	}
	return d.answerByClick(web)
}

func (d *demoRun) answerBySMS(web *httptest.Server) error {
	twiml, err := d.smsReply(web, "+33612345601", "10 !", 1)
	if err != nil {
		return err
	}
	d.say("3. Zoé texts \"10 !\"; npsd answers in the webhook: %s", between(twiml, "<Message>", "</Message>"))
	if _, err := d.smsReply(web, "+33612345601", "Les croissants sont les meilleurs du quartier", 2); err != nil {
		return err
	}
	d.say("   Zoé explains; her comment is kept and the thank-you with the review link is queued")
	if _, err := d.smsReply(web, "+33612345602", "3, trop d'attente le samedi", 3); err != nil {
		return err
	}
	d.say("   Paul texts \"3, trop d'attente le samedi\": a detractor; the owner is alerted and a case opened")
	return nil
}

// smsReply posts a text to the Twilio webhook, signed as Twilio would, and
// returns the TwiML it answers with.
func (d *demoRun) smsReply(web *httptest.Server, from, body string, n int) (string, error) {
	form := url.Values{"MessageSid": {fmt.Sprintf("SMdemo%026d", n)}, "From": {from}, "To": {"+33700000000"}, "Body": {body}}
	u := strings.TrimRight(d.cfg.HTTP.PublicURL, "/") + "/hooks/twilio/sms"
	req, _ := http.NewRequestWithContext(d.ctx, http.MethodPost, web.URL+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature(demoToken, u, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("webhook answered %s: %s", resp.Status, b)
	}
	return string(b), nil
}

func (d *demoRun) answerByEmail() error {
	reply := fmt.Sprintf("From: Camille Roy <camille@example.fr>\r\nTo: avis@boulangerie-demo.fr\r\nSubject: Re: une question rapide\r\nMessage-ID: <demo-1@example.fr>\r\n\r\nJe dirais 8, bon pain mais un peu cher\r\n\r\nLe lun. 23 nov. 2026, Boulangerie Démo a écrit :\r\n> Sur une échelle de 0 à 10 ...\r\n> 0 1 2 3 4 5 6 7 8 9 10\r\n")
	m, err := inbound.ReadMessage(strings.NewReader(reply))
	if err != nil {
		return err
	}
	cv := d.srv.Conversation()
	if _, err := cv.Handle(d.ctx, inbound.Incoming{Key: "email:" + m.MessageID, Channel: store.ChannelEmail, From: m.From,
		Text: inbound.StripQuoted(m.Text), Reply: inbound.ParseMessage(m), InReplyTo: m.MessageID, Survey: d.surveys["Camille Roy"].ID}); err != nil {
		return err
	}
	d.say("   Camille replies to the email \"Je dirais 8, bon pain mais un peu cher\" above the quoted survey: 8 is read, not the 0-10 she quoted")
	return nil
}

func (d *demoRun) answerByClick(web *httptest.Server) error {
	page, _ := links.Links{PublicURL: web.URL, Signer: d.sign}.Survey(d.surveys["Sam Smith"])
	if resp, err := http.Get(page + "?score=9"); err != nil {
		return err
	} else {
		resp.Body.Close()
	}
	resp, err := http.PostForm(page, url.Values{"score": {"9"}, "comment": {"Great coffee"}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	d.say("   Sam clicks 9 in his email and adds \"Great coffee\" on the page")
	return nil
}

func (d *demoRun) sendFollowups() error {
	// 4. The follow-ups go out.
	if _, err := d.disp.RunOnce(d.ctx); err != nil {
		return err
	}
	var kinds []string
	d.st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error {
			if j.State == store.JobSent && j.Kind != store.JobSurvey {
				kinds = append(kinds, string(j.Kind))
			}
			return nil
		})
	})
	sort.Strings(kinds)
	d.say("4. follow-ups sent: %s", strings.Join(slices.Compact(kinds), ", "))
	return nil
}

func (d *demoRun) caseAndSummary() error {
	// 5. The case, and the weekly summary.
	cfg := &d.cfg
	d.st.View(func(tx *store.Tx) error {
		return tx.ForEachCase(func(k store.Case) error {
			ct, _ := tx.Contact(k.ContactID)
			d.say("5. case %s: call %s (%d/10) before %s", k.ID, ct.Name, k.Score, k.Due.In(cfg.Location()).Format("2006-01-02 15:04"))
			return nil
		})
	})
	sum, msg, err := Summary(d.ctx, d.st, cfg, scheduler.WeekStart(d.now(), cfg.Location()), d.now)
	if err != nil {
		return err
	}
	summaryPage := filepath.Join(d.dir, "summary.html")
	if err := os.WriteFile(summaryPage, []byte(msg.HTML), 0o644); err != nil {
		return err
	}
	d.say("6. this week's summary: NPS %s from %d answers; open it in a browser: %s", signedValue(sum.Week7.NPS), sum.Week7.Responses, summaryPage)
	d.say("\nThe messages npsd wrote (.eml and .txt) are in %s. Next: copy config.example.yaml, wire SMTP and Twilio, and run npsd.", filepath.Join(d.dir, "outbox"))
	return nil
}

func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return strings.ReplaceAll(v, "&#39;", "'")
}

func signedValue(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%+.1f", *v)
}
