package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// weekdays accepts English and French day names, short or whole.
var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
	"dim": time.Sunday, "lun": time.Monday, "mar": time.Tuesday, "mer": time.Wednesday,
	"jeu": time.Thursday, "ven": time.Friday, "sam": time.Saturday,
	"dimanche": time.Sunday, "lundi": time.Monday, "mardi": time.Tuesday, "mercredi": time.Wednesday,
	"jeudi": time.Thursday, "vendredi": time.Friday, "samedi": time.Saturday,
}

// sendWindow reads surveys.send_window.
func sendWindow(c SendWindowConfig) (scheduler.Window, error) {
	var w scheduler.Window
	if len(c.Days) == 0 {
		return w, errors.New("days must list at least one day (mon, tue, wed, thu, fri, sat, sun)")
	}
	for _, d := range c.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))]
		if !ok {
			return w, fmt.Errorf("unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", d)
		}
		w.Days[wd] = true
	}
	var err error
	if w.Start, err = clockTime(c.Start); err != nil {
		return w, fmt.Errorf("start: %w", err)
	}
	if w.End, err = clockTime(c.End); err != nil {
		return w, fmt.Errorf("end: %w", err)
	}
	if w.Start >= w.End {
		return w, fmt.Errorf("start %s must be before end %s", c.Start, c.End)
	}
	return w, nil
}

// clockTime reads a time of day, HH:MM, as an offset from midnight.
func clockTime(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		if s == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func blackout(c BlackoutConfig) (scheduler.Blackout, error) {
	from, err := scheduler.ParseDate(c.From)
	if err != nil {
		return scheduler.Blackout{}, fmt.Errorf("from: %w", err)
	}
	to, err := scheduler.ParseDate(c.To)
	if err != nil {
		return scheduler.Blackout{}, fmt.Errorf("to: %w", err)
	}
	if to.String() < from.String() {
		return scheduler.Blackout{}, fmt.Errorf("to (%s) is before from (%s)", to, from)
	}
	return scheduler.Blackout{From: from, To: to, Reason: c.Reason}, nil
}

// Defaults of campaign keys left out of the config.
const (
	defaultEventDelay = 72 * time.Hour // "not the next day, not weeks later"
	defaultWaveSpread = 72 * time.Hour
)

// schedulerOptions maps the config onto the scheduler's options. The config
// has been validated, so errors here are not expected.
func (c *Config) schedulerOptions(log *slog.Logger, now func() time.Time) (scheduler.Options, error) {
	window, err := sendWindow(c.Surveys.SendWindow)
	if err != nil {
		return scheduler.Options{}, fmt.Errorf("surveys.send_window: %w", err)
	}
	timing := scheduler.Timing{Window: window, Business: c.location()}
	for i, b := range c.Surveys.Blackout {
		bo, err := blackout(b)
		if err != nil {
			return scheduler.Options{}, fmt.Errorf("surveys.blackout[%d]: %w", i, err)
		}
		timing.Blackouts = append(timing.Blackouts, bo)
	}
	opts := scheduler.Options{
		Rules: scheduler.Rules{
			MinDaysBetween: c.Surveys.MinDaysBetween,
			Timing:         timing,
		},
		Summary:       c.summaryPlan(now),
		ReminderAfter: time.Duration(c.Surveys.ReminderAfter),
		ExpireAfter:   time.Duration(c.Surveys.ExpireAfter),
		Now:           now,
		Logger:        log,
	}
	for _, ch := range c.Surveys.Channels {
		opts.Rules.Channels = append(opts.Rules.Channels, store.Channel(ch))
	}
	for _, cc := range c.Campaigns {
		camp := scheduler.Campaign{Name: cc.Name, Schedule: cc.Schedule, Event: cc.Event, Segment: cc.Segment}
		if cc.Event != "" {
			camp.FirstOnly = cc.FirstOnly == nil || *cc.FirstOnly
			camp.Delay = defaultEventDelay
			if cc.Delay != nil {
				camp.Delay = time.Duration(*cc.Delay)
			}
		} else {
			camp.Spread = defaultWaveSpread
		}
		if cc.Spread != nil {
			camp.Spread = time.Duration(*cc.Spread)
		}
		opts.Campaigns = append(opts.Campaigns, camp)
	}
	return opts, nil
}

// summaryPlan maps summary.* onto the scheduler's plan; the recipients
// default to the owners. now is the clock the summary judges by (a case
// overdue, the week so far): the caller's, so that a command run on
// another clock than the machine's agrees with itself.
func (c *Config) summaryPlan(now func() time.Time) scheduler.SummaryPlan {
	to := c.Summary.To
	if len(to) == 0 {
		to = c.Business.Owners
	}
	return scheduler.SummaryPlan{
		Schedule: c.Summary.Schedule,
		To:       to,
		Options:  scheduler.SummaryOptions{Segments: c.Summary.Segments, Benchmark: c.Business.BenchmarkNPS, Location: c.location(), Now: now},
	}
}

// contactWindow adapts the scheduler's timing to the dispatcher's Window:
// the window is read in the contact's own time zone.
type contactWindow struct{ timing scheduler.Timing }

func (w contactWindow) Next(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) {
	next, _, err := w.timing.Next(t, scheduler.ContactLocation(c, w.timing.Business), ch)
	return next, err
}

// addressOf returns the bare address of "Name <addr>" or "addr".
func addressOf(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return s
}

// newDispatcher builds the dispatcher the config describes, with its
// transports. The returned closer ends the SMTP connection.
// The templates and the send window are built once per config by the
// caller and shared with newInbound.
func (c *cli) newDispatcher(cfg *Config, st *store.Store, signer inbound.Signer, log *slog.Logger, m *metrics, tpl *templates.Set, timing scheduler.Timing, inFlight *dispatcher.InFlight) (*dispatcher.Dispatcher, func() error, error) {
	closer := func() error { return nil }
	var email dispatcher.EmailSender
	switch cfg.Email.Transport {
	case "smtp":
		s := cfg.Email.SMTP
		sender, err := dispatcher.NewSMTPSender(dispatcher.SMTPOptions{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password.Reveal()})
		if err != nil {
			return nil, nil, err
		}
		email, closer = sender, sender.Close
	default:
		email = dispatcher.FileEmailSender{Dir: cfg.Email.FileDir}
	}
	var sms dispatcher.SMSSender
	switch cfg.SMS.Transport {
	case "twilio":
		t := cfg.SMS.Twilio
		sender, err := dispatcher.NewTwilioSender(dispatcher.TwilioOptions{AccountSID: t.AccountSID, AuthToken: t.AuthToken.Reveal(), From: t.From, MessagingServiceSID: t.MessagingServiceSID, APIURL: t.APIURL})
		if err != nil {
			return nil, nil, err
		}
		sms = sender
	default:
		sms = dispatcher.FileSMSSender{Dir: cfg.SMS.FileDir}
	}
	replyTo := cfg.replyAddress()
	public := strings.TrimRight(cfg.HTTP.PublicURL, "/")
	_, domain, _ := strings.Cut(addressOf(cfg.Email.From), "@")
	links := c.links(cfg, signer)
	d, err := dispatcher.New(st, dispatcher.Options{
		Email:             email,
		SMS:               sms,
		Templates:         tpl,
		Window:            contactWindow{timing},
		Links:             links,
		Business:          templates.Business{Name: cfg.Business.Name, ReviewURL: cfg.Business.ReviewURL},
		From:              cfg.Email.From,
		ReplyTo:           cfg.Email.ReplyTo,
		UnsubscribeMailto: "mailto:" + replyTo + "?subject=unsubscribe",
		StatusCallback:    public + "/hooks/twilio/status",
		MessageIDDomain:   domain,
		Workers:           cfg.Outbox.Workers,
		EmailRate:         cfg.Email.RatePerSecond,
		SMSRate:           cfg.SMS.RatePerSecond,
		MaxAttempts:       cfg.Outbox.MaxAttempts,
		BackoffMax:        time.Duration(cfg.Outbox.BackoffMax),
		Now:               c.now,
		Logger:            log,
		Observe:           m.observeSend,
		Webhooks:          &dispatcher.WebhookSender{Secret: []byte(cfg.Webhooks.Secret.Reveal())},
		InFlight:          inFlight,
		Summary:           scheduler.SummaryOfJob(cfg.summaryPlan(c.now).Options),
	})
	if err != nil {
		closer()
		return nil, nil, err
	}
	return d, closer, nil
}

// newInbound builds the conversation, the HTTP server and, when imap.host
// is set, the IMAP reader; wake tells the dispatcher that answers are due.
func (c *cli) newInbound(cfg *Config, st *store.Store, signer inbound.Signer, log *slog.Logger, wake func(), health func() (map[string]string, bool), m *metrics, tpl *templates.Set, timing scheduler.Timing, adminState *inbound.AdminState) (*inbound.Server, *inbound.IMAPReader, error) {
	co := c.conversationOptions(cfg, signer, log, tpl, timing)
	co.Wake, co.OnScore = wake, m.observeScore
	cv, err := inbound.NewConversation(st, co)
	if err != nil {
		return nil, nil, err
	}
	// Webhooks are checked with the account's token whenever one is set,
	// whichever transport sends.
	token := cfg.SMS.Twilio.AuthToken.Reveal()
	admin := inbound.AdminOptions{
		PasswordHash: cfg.HTTP.AdminPasswordHash,
		State:        adminState,
		Summary: func(tx *store.Tx, now time.Time) (templates.Summary, error) {
			opts := cfg.summaryPlan(c.now).Options
			opts.CaseURL = c.links(cfg, signer).Case
			return scheduler.BuildSummary(tx, scheduler.WeekStart(now, cfg.location()), opts)
		},
	}
	var tokens tokenScopes
	if cfg.HTTP.APITokensFile != "" {
		if tokens, err = apiTokens(cfg.HTTP.APITokensFile); err != nil {
			return nil, nil, err
		}
	}
	admin.Tokens = tokens.admin
	var reader *inbound.IMAPReader
	if i := cfg.IMAP; i.Host != "" {
		reader, err = inbound.NewIMAPReader(inbound.IMAPOptions{
			Host: i.Host, Port: i.Port, TLS: i.TLS, Username: i.Username, Password: i.Password.Reveal(),
			Mailbox: i.Mailbox, PollInterval: time.Duration(i.PollInterval), MaxMessageBytes: int64(i.MaxMessageMB) << 20, AuthservID: i.AuthservID,
			Store: st, Conversation: cv, Signer: signer, Logger: log, Now: c.now,
			OnError: m.imapErrs.Inc,
		})
		if err != nil {
			return nil, nil, err
		}
	}
	srv, err := inbound.NewServer(inbound.ServerOptions{
		Listen:            cfg.HTTP.Listen,
		PublicURL:         cfg.HTTP.PublicURL,
		TrustProxyHeaders: cfg.HTTP.TrustProxyHeaders,
		TwilioAuthToken:   token,
		Conversation:      cv,
		Store:             st,
		Logger:            log,
		Pages:             inbound.PagesOptions{Signer: signer, Business: cfg.Business.Name, DefaultLang: cfg.Business.Language, Location: cfg.location(), Now: c.now},
		Admin:             admin,
		Health:            health,
		Metrics:           m.handler(),
		MetricsTokens:     tokens.metrics,
		Routes:            (&api{cfg: cfg, st: st, tokens: tokens.api, now: c.now, log: log}).routes(),
		OnForged:          m.forged.Inc,
	})
	return srv, reader, err
}

// conversationOptions maps the config onto the conversation's options,
// for the daemon and for a command that decides what a kept message says
// (npsd messages decide); the caller adds Wake and OnScore.
func (c *cli) conversationOptions(cfg *Config, signer inbound.Signer, log *slog.Logger, tpl *templates.Set, timing scheduler.Timing) inbound.ConversationOptions {
	return inbound.ConversationOptions{
		CommentWindow: time.Duration(cfg.Surveys.CommentWindow),
		ReviewRequest: cfg.Followup.ReviewRequest,
		Owners:        cfg.Business.Owners,
		CaseDue:       time.Duration(cfg.Followup.CaseDue),
		Assignee:      cfg.Followup.Assignee,
		CaseURL:       c.links(cfg, signer).Case,
		Business:      templates.Business{Name: cfg.Business.Name, ReviewURL: cfg.Business.ReviewURL},
		Templates:     tpl,
		Window:        contactWindow{timing},
		Webhooks:      cfg.Webhooks.URLs,
		Now:           c.now,
		Logger:        log,
	}
}

// tokenScopes are the bearer tokens of the tokens file by what each
// opens, so that a token given to the shop's systems cannot work the
// dashboard's buttons, nor a monitoring token read the customers' data.
type tokenScopes struct {
	admin   []string // the dashboard and its case buttons
	api     []string // the shop's JSON API
	metrics []string // /metrics
}

// apiTokens reads a tokens file: one token a line, as "scope:token" with
// scope admin, api or metrics, or a bare token, which is an api one as
// every token was before scopes. Blank lines and # comments are ignored.
// A token shorter than 16 characters is refused, since it guards the
// customers' data, and so is an unknown scope rather than taken for part
// of a bare token: a misspelt "amdin:" would otherwise quietly become an
// api token.
func apiTokens(path string) (tokenScopes, error) {
	var out tokenScopes
	data, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		scope, tok := "api", line
		if pre, rest, ok := strings.Cut(line, ":"); ok && isScopeName(pre) {
			scope, tok = pre, strings.TrimSpace(rest)
		}
		if len(tok) < 16 {
			return tokenScopes{}, fmt.Errorf("%s line %d: token shorter than 16 characters", path, i+1)
		}
		switch scope {
		case "admin":
			out.admin = append(out.admin, tok)
		case "api":
			out.api = append(out.api, tok)
		case "metrics":
			out.metrics = append(out.metrics, tok)
		default:
			return tokenScopes{}, fmt.Errorf("%s line %d: unknown scope %q (admin, api or metrics)", path, i+1, scope)
		}
	}
	return out, nil
}

// isScopeName reports whether s reads as a scope before a colon: a short
// lowercase word.
func isScopeName(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// replyAddress is the bare address replies go to.
func (c *Config) replyAddress() string {
	if c.Email.ReplyTo != "" {
		return addressOf(c.Email.ReplyTo)
	}
	return addressOf(c.Email.From)
}

// links builds the signed links of outgoing messages.
func (c *cli) links(cfg *Config, signer inbound.Signer) inbound.SignedLinks {
	return inbound.SignedLinks{PublicURL: cfg.HTTP.PublicURL, Signer: signer, ReplyAddress: cfg.replyAddress(), Now: c.now}
}

// signer returns the link signer, with the key kept in the store.
func signer(ctx context.Context, st *store.Store) (inbound.Signer, error) {
	key, err := st.SigningKey(ctx)
	if err != nil {
		return inbound.Signer{}, fmt.Errorf("signing key: %w", err)
	}
	return inbound.NewSigner(key)
}
