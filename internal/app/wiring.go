package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/npsd/npsd/dispatcher"
	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/inbound/mailbox"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/sendwindow"
	"github.com/npsd/npsd/internal/shopapi"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// Defaults of campaign keys left out of the config.
const (
	defaultEventDelay = 72 * time.Hour // "not the next day, not weeks later"
	defaultWaveSpread = 72 * time.Hour
)

// wiring maps a config onto each package's options and builds the parts;
// now is the clock every part reads.
type wiring struct {
	now func() time.Time
}

// schedulerOptions maps the config onto the scheduler's options. The config
// has been validated, so errors here are not expected.
func schedulerOptions(c *config.Config, log *slog.Logger, now func() time.Time) (scheduler.Options, error) {
	timing, err := c.Timing()
	if err != nil {
		return scheduler.Options{}, err
	}
	opts := scheduler.Options{
		Rules: scheduler.Rules{
			MinDaysBetween: c.Surveys.MinDaysBetween,
			Timing:         timing,
		},
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
func (wire wiring) newDispatcher(cfg *config.Config, st *store.Store, signer links.Signer, log *slog.Logger, m *metrics, tpl *templates.Set, timing sendwindow.Timing, inFlight *dispatcher.InFlight, journal *dispatcher.Journal) (*dispatcher.Dispatcher, func() error, error) {
	closer := func() error { return nil }
	var email dispatcher.EmailSender
	switch cfg.Email.Transport {
	case "smtp":
		s := cfg.Email.SMTP
		sender, err := dispatcher.NewSMTPSender(dispatcher.SMTPOptions{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password.Reveal(), Connections: s.Connections})
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
	replyTo := replyAddress(cfg)
	public := strings.TrimRight(cfg.HTTP.PublicURL, "/")
	_, domain, _ := strings.Cut(addressOf(cfg.Email.From), "@")
	signed := wire.links(cfg, signer)
	d, err := dispatcher.New(st, dispatcher.Options{
		Email:             email,
		SMS:               sms,
		Templates:         tpl,
		Window:            sendwindow.PerContact{Timing: timing},
		Links:             signed,
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
		Now:               wire.now,
		Logger:            log,
		Observe:           m.observeSend,
		Webhooks:          &dispatcher.WebhookSender{Secret: []byte(cfg.Webhooks.Secret.Reveal())},
		InFlight:          inFlight,
		Journal:           journal,
		Summary:           report.SummaryOfJob(summaryOptions(cfg, signed, wire.now)),
	})
	if err != nil {
		closer()
		return nil, nil, err
	}
	return d, closer, nil
}

// outboxHooks are what the conversation asks of the dispatcher: to wake
// for jobs due now, and whether a survey's message has been handed over.
type outboxHooks interface {
	Wake()
	HandedOver(store.SurveyID) bool
}

// newInbound builds the conversation, the HTTP server and, when imap.host
// is set, the IMAP reader; outbox is the dispatcher that sends what follows.
func (wire wiring) newInbound(cfg *config.Config, st *store.Store, signer links.Signer, log *slog.Logger, outbox outboxHooks, health func() (map[string]string, bool), m *metrics, tpl *templates.Set, timing sendwindow.Timing, adminState *inbound.AdminState) (*inbound.Server, *mailbox.Reader, error) {
	co := wire.conversationOptions(cfg, signer, log, tpl, timing)
	co.Wake, co.HandedOver, co.OnScore = outbox.Wake, outbox.HandedOver, m.observeScore
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
			return report.BuildSummary(tx, scheduler.WeekStart(now, cfg.Location()), summaryOptions(cfg, wire.links(cfg, signer), wire.now))
		},
	}
	var tokens config.Tokens
	if cfg.HTTP.APITokensFile != "" {
		if tokens, err = config.ReadTokens(cfg.HTTP.APITokensFile); err != nil {
			return nil, nil, err
		}
	}
	admin.Tokens = tokens.Admin
	var reader *mailbox.Reader
	if i := cfg.IMAP; i.Host != "" {
		reader, err = mailbox.NewReader(mailbox.Options{
			Host: i.Host, Port: i.Port, TLS: i.TLS, Username: i.Username, Password: i.Password.Reveal(),
			Mailbox: i.Mailbox, PollInterval: time.Duration(i.PollInterval), MaxMessageBytes: int64(i.MaxMessageMB) << 20, AuthservID: i.AuthservID,
			Store: st, Conversation: cv, Signer: signer, Logger: log, Now: wire.now,
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
		Pages:             inbound.PagesOptions{Signer: signer, Business: cfg.Business.Name, DefaultLang: cfg.Business.Language, Location: cfg.Location(), Now: wire.now},
		Admin:             admin,
		Health:            health,
		Metrics:           m.handler(),
		MetricsTokens:     tokens.Metrics,
		Routes:            shopapi.Routes(shopapi.Options{Store: st, Region: cfg.Business.DefaultRegion, Location: cfg.Location(), Language: cfg.Business.Language, Tokens: tokens.API, Now: wire.now, Logger: log}),
		OnForged:          m.forged.Inc,
	})
	return srv, reader, err
}

// conversationOptions maps the config onto the conversation's options,
// for the daemon and for a command that decides what a kept message says
// (npsd messages decide); the caller adds Wake and OnScore.
func (wire wiring) conversationOptions(cfg *config.Config, signer links.Signer, log *slog.Logger, tpl *templates.Set, timing sendwindow.Timing) inbound.ConversationOptions {
	return inbound.ConversationOptions{
		CommentWindow: time.Duration(cfg.Surveys.CommentWindow),
		ReviewRequest: cfg.Followup.ReviewRequest,
		Owners:        cfg.Business.Owners,
		CaseDue:       time.Duration(cfg.Followup.CaseDue),
		Assignee:      cfg.Followup.Assignee,
		CaseURL:       wire.links(cfg, signer).Case,
		Business:      templates.Business{Name: cfg.Business.Name, ReviewURL: cfg.Business.ReviewURL},
		Templates:     tpl,
		Window:        sendwindow.PerContact{Timing: timing},
		Webhooks:      cfg.Webhooks.URLs,
		Now:           wire.now,
		Logger:        log,
	}
}

// replyAddress is the bare address replies go to.
func replyAddress(c *config.Config) string {
	if c.Email.ReplyTo != "" {
		return addressOf(c.Email.ReplyTo)
	}
	return addressOf(c.Email.From)
}

// links builds the signed links of outgoing messages.
func (wire wiring) links(cfg *config.Config, signer links.Signer) links.Links {
	return links.Links{PublicURL: cfg.HTTP.PublicURL, Signer: signer, ReplyAddress: replyAddress(cfg), Now: wire.now}
}

// signer returns the link signer, with the key kept in the store.
func signer(ctx context.Context, st *store.Store) (links.Signer, error) {
	key, err := st.SigningKey(ctx)
	if err != nil {
		return links.Signer{}, fmt.Errorf("signing key: %w", err)
	}
	return links.NewSigner(key)
}

// newScheduler builds the scheduler the config describes.
func (wire wiring) newScheduler(cfg *config.Config, st *store.Store, log *slog.Logger) (*scheduler.Scheduler, error) {
	opts, err := schedulerOptions(cfg, log, wire.now)
	if err != nil {
		return nil, err
	}
	sign, err := signer(context.Background(), st)
	if err != nil {
		return nil, err
	}
	opts.CaseURL = wire.links(cfg, sign).Case
	opts.Summary = summaryPlan(cfg)
	return scheduler.New(st, opts)
}

// decidingConversation builds the conversation the daemon would, for the
// owner's decision: the config's follow-up rules, templates, send window
// and webhooks. What it queues waits in the outbox for the daemon.
func (wire wiring) decidingConversation(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger) (*inbound.Conversation, error) {
	sign, err := signer(ctx, st)
	if err != nil {
		return nil, err
	}
	tpl, err := LoadTemplates(cfg)
	if err != nil {
		return nil, err
	}
	so, err := schedulerOptions(cfg, log, wire.now)
	if err != nil {
		return nil, err
	}
	return inbound.NewConversation(st, wire.conversationOptions(cfg, sign, log, tpl, so.Rules.Timing))
}

// NewScheduler builds the scheduler the config describes, for a command
// that plans a wave or queues a summary now.
func NewScheduler(cfg *config.Config, st *store.Store, log *slog.Logger, now func() time.Time) (*scheduler.Scheduler, error) {
	return wiring{now: now}.newScheduler(cfg, st, log)
}

// DecidingConversation builds the conversation the daemon would, for the
// owner's decision on a kept message (npsd messages decide).
func DecidingConversation(ctx context.Context, cfg *config.Config, st *store.Store, log *slog.Logger, now func() time.Time) (*inbound.Conversation, error) {
	return wiring{now: now}.decidingConversation(ctx, cfg, st, log)
}
