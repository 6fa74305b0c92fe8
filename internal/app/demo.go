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

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
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
	wire := wiring{now: now}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
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
	log := slog.New(slog.DiscardHandler)

	st, err := store.Open(store.Options{Path: cfg.Store.Path, CreateDir: true, Logger: log, Now: now})
	if err != nil {
		return err
	}
	defer st.Close()
	say("npsd demo in %s\n", dir)

	// 1. Contacts.
	people := []store.Contact{
		{Name: "Zoé Lefèvre", Phone: "+33612345601", Language: "fr", Attributes: map[string]string{"ville": "Lyon"}},
		{Name: "Paul Durand", Phone: "+33612345602", Language: "fr", Attributes: map[string]string{"ville": "Lyon"}},
		{Name: "Camille Roy", Email: "camille@example.fr", Language: "fr", Attributes: map[string]string{"ville": "Paris"}},
		{Name: "Sam Smith", Email: "sam@example.com", Language: "en", Attributes: map[string]string{"ville": "Paris"}},
	}
	for _, p := range people {
		if _, _, err := st.UpsertContact(ctx, p); err != nil {
			return err
		}
	}
	say("1. %d contacts imported (two by SMS, two by email)", len(people))

	// 2. A wave, sent by the dispatcher on the file transports.
	mets := newMetrics(st)
	sched, err := wire.newScheduler(&cfg, st, log)
	if err != nil {
		return err
	}
	plan, err := sched.Plan(ctx, "demo", false)
	if err != nil {
		return err
	}
	sign, err := signer(ctx, st)
	if err != nil {
		return err
	}
	tpl, err := LoadTemplates(&cfg)
	if err != nil {
		return err
	}
	disp, closeTransports, err := wire.newDispatcher(&cfg, st, sign, log, mets, tpl, sched.Timing(), nil)
	if err != nil {
		return err
	}
	defer closeTransports()
	if _, err := disp.RunOnce(ctx); err != nil {
		return err
	}
	say("2. wave planned (%d surveys) and sent: the messages are in %s", plan.Queued, filepath.Join(dir, "outbox"))

	// 3. The answers come in through the real handlers.
	srv, _, err := wire.newInbound(&cfg, st, sign, log, func() {}, nil, mets, tpl, sched.Timing(), nil)
	if err != nil {
		return err
	}
	web := httptest.NewServer(srv.Handler())
	defer web.Close()
	surveys := map[string]store.Survey{}
	st.View(func(tx *store.Tx) error {
		return tx.ForEachSurvey(func(sv store.Survey) error {
			ct, _ := tx.Contact(sv.ContactID)
			surveys[ct.Name] = sv
			return nil
		})
	})
	smsReply := func(from, body string, n int) (string, error) {
		form := url.Values{"MessageSid": {fmt.Sprintf("SMdemo%026d", n)}, "From": {from}, "To": {"+33700000000"}, "Body": {body}}
		u := strings.TrimRight(cfg.HTTP.PublicURL, "/") + "/hooks/twilio/sms"
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, web.URL+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
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
	twiml, err := smsReply("+33612345601", "10 !", 1)
	if err != nil {
		return err
	}
	say("3. Zoé texts \"10 !\"; npsd answers in the webhook: %s", between(twiml, "<Message>", "</Message>"))
	if _, err := smsReply("+33612345601", "Les croissants sont les meilleurs du quartier", 2); err != nil {
		return err
	}
	say("   Zoé explains; her comment is kept and the thank-you with the review link is queued")
	if _, err := smsReply("+33612345602", "3, trop d'attente le samedi", 3); err != nil {
		return err
	}
	say("   Paul texts \"3, trop d'attente le samedi\": a detractor; the owner is alerted and a case opened")

	reply := fmt.Sprintf("From: Camille Roy <camille@example.fr>\r\nTo: avis@boulangerie-demo.fr\r\nSubject: Re: une question rapide\r\nMessage-ID: <demo-1@example.fr>\r\n\r\nJe dirais 8, bon pain mais un peu cher\r\n\r\nLe lun. 23 nov. 2026, Boulangerie Démo a écrit :\r\n> Sur une échelle de 0 à 10 ...\r\n> 0 1 2 3 4 5 6 7 8 9 10\r\n")
	m, err := inbound.ReadMessage(strings.NewReader(reply))
	if err != nil {
		return err
	}
	cv := srv.Conversation()
	if _, err := cv.Handle(ctx, inbound.Incoming{Key: "email:" + m.MessageID, Channel: store.ChannelEmail, From: m.From,
		Text: inbound.StripQuoted(m.Text), Reply: inbound.ParseMessage(m), InReplyTo: m.MessageID, Survey: surveys["Camille Roy"].ID}); err != nil {
		return err
	}
	say("   Camille replies to the email \"Je dirais 8, bon pain mais un peu cher\" above the quoted survey: 8 is read, not the 0-10 she quoted")

	page, _ := links.Links{PublicURL: web.URL, Signer: sign}.Survey(surveys["Sam Smith"])
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
	say("   Sam clicks 9 in his email and adds \"Great coffee\" on the page")

	// 4. The follow-ups go out.
	if _, err := disp.RunOnce(ctx); err != nil {
		return err
	}
	var kinds []string
	st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error {
			if j.State == store.JobSent && j.Kind != store.JobSurvey {
				kinds = append(kinds, string(j.Kind))
			}
			return nil
		})
	})
	sort.Strings(kinds)
	say("4. follow-ups sent: %s", strings.Join(slices.Compact(kinds), ", "))

	// 5. The case, and the weekly summary.
	st.View(func(tx *store.Tx) error {
		return tx.ForEachCase(func(k store.Case) error {
			ct, _ := tx.Contact(k.ContactID)
			say("5. case %s: call %s (%d/10) before %s", k.ID, ct.Name, k.Score, k.Due.In(cfg.Location()).Format("2006-01-02 15:04"))
			return nil
		})
	})
	sum, msg, err := Summary(ctx, st, &cfg, scheduler.WeekStart(now(), cfg.Location()), now)
	if err != nil {
		return err
	}
	summaryPage := filepath.Join(dir, "summary.html")
	if err := os.WriteFile(summaryPage, []byte(msg.HTML), 0o644); err != nil {
		return err
	}
	say("6. this week's summary: NPS %s from %d answers; open it in a browser: %s", signedValue(sum.Week7.NPS), sum.Week7.Responses, summaryPage)
	say("\nThe messages npsd wrote (.eml and .txt) are in %s. Next: copy config.example.yaml, wire SMTP and Twilio, and run npsd.", filepath.Join(dir, "outbox"))
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
