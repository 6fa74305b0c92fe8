package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/scheduler"
)

// validate checks every value and returns every problem, each with the line
// its key was set on when the file set it.
func (c *Config) validate(lines map[string]int) []Problem {
	v := &validator{lines: lines}
	// Problems are reported in the order of these calls, so the order is
	// part of what the command line shows and the tests expect.
	c.validateBusiness(v)
	c.validateStore(v)
	c.validateHTTP(v)
	c.validateEmail(v)
	c.validateIMAP(v)
	c.validateSMS(v)
	c.validateSurveys(v)
	c.validateCampaigns(v)
	c.validateSummary(v)
	c.validateTemplates(v)
	c.validateWebhooks(v)
	c.validateFollowup(v)
	c.validateOutbox(v)
	c.validateDaemon(v)
	return v.problems
}

func (c *Config) validateBusiness(v *validator) {
	b := c.Business
	v.check(strings.TrimSpace(b.Name) != "", "business.name", "must not be empty: it is in every message")
	if err := contact.Timezone(b.Timezone); err != nil {
		v.add("business.timezone", "%v", err)
	}
	if _, err := contact.Language(b.Language); err != nil {
		v.add("business.language", "%v", err)
	}
	v.check(contact.ValidRegion(b.DefaultRegion), "business.default_region", "%q is not a region code (use two capital letters such as FR, CA or US)", b.DefaultRegion)
	if b.ReviewURL != "" {
		v.url("business.review_url", b.ReviewURL)
	}
	v.emails("business.owners", b.Owners)
	v.check(b.BenchmarkNPS == nil || *b.BenchmarkNPS >= -100 && *b.BenchmarkNPS <= 100, "business.benchmark_nps", "must be between -100 and 100")
}

func (c *Config) validateStore(v *validator) {
	v.check(c.Store.Path != "", "store.path", "must not be empty")
	if c.Store.Path != "" && !c.StoreDirIsDefault {
		dir := filepath.Dir(c.Store.Path)
		if fi, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			v.add("store.path", "folder %s does not exist: create it (mode 0700)", dir)
		} else if err == nil && !fi.IsDir() {
			v.add("store.path", "%s is not a folder", dir)
		}
	}
}

func (c *Config) validateHTTP(v *validator) {
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		v.add("http.listen", "must be host:port, such as 127.0.0.1:8425 (%v)", err)
	} else {
		v.port("http.listen", port)
	}
	v.url("http.public_url", c.HTTP.PublicURL)
	if h := c.HTTP.AdminPasswordHash; h != "" {
		if _, err := bcrypt.Cost([]byte(h)); err != nil {
			v.add("http.admin_password_hash", "is not a bcrypt hash: make one with `npsd hash-password`")
		}
	}
	if f := c.HTTP.APITokensFile; f != "" {
		if _, err := ReadTokens(f); err != nil {
			v.add("http.api_tokens_file", "%v", err)
		}
	}
}

func (c *Config) validateEmail(v *validator) {
	e := c.Email
	switch e.Transport {
	case "file":
		v.check(e.FileDir != "", "email.file_dir", "must be set when email.transport is file")
	case "smtp":
		v.check(e.SMTP.Host != "", "email.smtp.host", "must be set when email.transport is smtp")
		v.portNumber("email.smtp.port", e.SMTP.Port)
		v.oneOf("email.smtp.tls", e.SMTP.TLS, "starttls", "tls", "none")
		v.check(e.SMTP.Connections >= 0 && e.SMTP.Connections <= 64, "email.smtp.connections", "must be 1-64 (or unset: 3)")
		v.check((e.SMTP.Username == "") == (e.SMTP.Password == ""), "email.smtp.password", "username and password go together: set both or neither")
		v.check(e.SMTP.TLS != "none" || e.SMTP.Username == "" || isLoopback(e.SMTP.Host), "email.smtp.tls",
			"none would send the password in clear to %s: use starttls or tls (none is for a relay on this machine)", e.SMTP.Host)
	default:
		v.add("email.transport", "must be file or smtp, not %q", e.Transport)
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		v.add("email.from", "must be an address, optionally with a name (Name <address@example.com>), not %q", e.From)
	}
	if e.ReplyTo != "" {
		v.email("email.reply_to", e.ReplyTo)
	}
}

func (c *Config) validateIMAP(v *validator) {
	if i := c.IMAP; i.Host != "" {
		v.portNumber("imap.port", i.Port)
		v.oneOf("imap.tls", i.TLS, "tls", "starttls", "none")
		v.check(i.Username != "", "imap.username", "must be set when imap.host is")
		v.check(i.Password != "", "imap.password", "must be set when imap.host is (or imap.password_file)")
		v.check(i.Mailbox != "", "imap.mailbox", "must not be empty")
		v.check(i.PollInterval >= Duration(5*time.Second), "imap.poll_interval", "must be 5s or more")
		v.check(i.MaxMessageMB >= 1 && i.MaxMessageMB <= 100, "imap.max_message_mb", "must be between 1 and 100")
	}
}

func (c *Config) validateSMS(v *validator) {
	switch s := c.SMS; s.Transport {
	case "file":
		v.check(s.FileDir != "", "sms.file_dir", "must be set when sms.transport is file")
	case "twilio":
		v.twilio(s.Twilio)
	default:
		v.add("sms.transport", "must be file or twilio, not %q", s.Transport)
	}
}

func (v *validator) twilio(t TwilioConfig) {
	v.check(twilioSID.MatchString(t.AccountSID) && strings.HasPrefix(t.AccountSID, "AC"), "sms.twilio.account_sid", "must be the AC… id of the Twilio account (34 characters)")
	v.check(t.AuthToken != "", "sms.twilio.auth_token", "must be set when sms.transport is twilio (or sms.twilio.auth_token_file)")
	switch {
	case t.From == "" && t.MessagingServiceSID == "":
		v.add("sms.twilio.from", "set from (a number in E.164 form) or messaging_service_sid")
	case t.From != "":
		if _, err := contact.Phone(t.From, ""); err != nil || !strings.HasPrefix(t.From, "+") {
			v.add("sms.twilio.from", "must be a phone number in E.164 form such as +15145550100")
		}
	}
	if t.MessagingServiceSID != "" {
		v.check(twilioSID.MatchString(t.MessagingServiceSID) && strings.HasPrefix(t.MessagingServiceSID, "MG"), "sms.twilio.messaging_service_sid", "must be an MG… id (34 characters)")
	}
	v.url("sms.twilio.api_url", t.APIURL)
}

func (c *Config) validateSurveys(v *validator) {
	sv := c.Surveys
	v.check(len(sv.Channels) > 0, "surveys.channels", "must list at least one of email, sms")
	seen := map[string]bool{}
	for i, ch := range sv.Channels {
		key := fmt.Sprintf("surveys.channels[%d]", i)
		v.oneOf(key, ch, "email", "sms")
		v.check(!seen[ch], key, "%s is listed twice", ch)
		seen[ch] = true
	}
	v.check(sv.MinDaysBetween >= 0, "surveys.min_days_between", "must be 0 or more")
	if _, err := sv.SendWindow.Window(); err != nil {
		v.add("surveys.send_window", "%v", err)
	}
	for i, b := range sv.Blackout {
		if _, err := b.Blackout(); err != nil {
			v.add(fmt.Sprintf("surveys.blackout[%d]", i), "%v", err)
		}
	}
	v.check(sv.ReminderAfter >= 0, "surveys.reminder_after", "must not be negative (0 disables reminders)")
	v.check(sv.ExpireAfter > 0, "surveys.expire_after", "must be more than 0")
	v.check(sv.ReminderAfter == 0 || sv.ReminderAfter < sv.ExpireAfter, "surveys.reminder_after", "must be shorter than surveys.expire_after, or the reminder would never go")
}

func (c *Config) validateCampaigns(v *validator) {
	names := map[string]bool{}
	for i, cp := range c.Campaigns {
		key := fmt.Sprintf("campaigns[%d]", i)
		if !campaignName.MatchString(cp.Name) {
			v.add(key+".name", "must be letters, digits, - or _ (it appears in reports and on the command line), not %q", cp.Name)
		}
		v.check(!names[cp.Name], key+".name", "campaign %q is defined twice", cp.Name)
		names[cp.Name] = true
		v.campaignTiming(key, cp)
	}
}

// campaignTiming checks how a campaign is triggered and spaced out: by a
// cron schedule or by an event, never both.
func (v *validator) campaignTiming(key string, cp CampaignConfig) {
	switch {
	case cp.Schedule == "" && cp.Event == "":
		v.add(key, "set schedule (a cron spec) or event (the event type that triggers it)")
	case cp.Schedule != "" && cp.Event != "":
		v.add(key, "set schedule or event, not both")
	case cp.Schedule != "":
		v.cron(key+".schedule", cp.Schedule)
	}
	v.check(cp.Delay == nil || *cp.Delay >= 0, key+".delay", "must not be negative")
	v.check(cp.Spread == nil || *cp.Spread >= 0, key+".spread", "must not be negative")
	v.check(cp.Event != "" || cp.FirstOnly == nil, key+".first_only", "applies to event campaigns only")
	v.check(cp.Event != "" || cp.Delay == nil, key+".delay", "applies to event campaigns only: a scheduled wave starts at its cron time")
}

func (c *Config) validateSummary(v *validator) {
	v.cron("summary.schedule", c.Summary.Schedule)
	v.emails("summary.to", c.Summary.To)
	for i, s := range c.Summary.Segments {
		v.check(strings.TrimSpace(s) != "", fmt.Sprintf("summary.segments[%d]", i), "must not be empty")
	}
}

func (c *Config) validateTemplates(v *validator) {
	if d := c.Templates.Dir; d != "" {
		if fi, err := os.Stat(d); err != nil {
			v.add("templates.dir", "%v", err)
		} else if !fi.IsDir() {
			v.add("templates.dir", "%s is not a folder", d)
		}
	}
}

func (c *Config) validateWebhooks(v *validator) {
	for i, u := range c.Webhooks.URLs {
		v.url(fmt.Sprintf("webhooks.urls[%d]", i), u)
	}
	v.check(len(c.Webhooks.URLs) == 0 || len(c.Webhooks.Secret) >= 16, "webhooks.secret", "must be set, 16 characters or more, when webhooks.urls is: receivers check it")
}

// validateFollowup checks what happens after an answer: how long a comment
// may follow the score, and the review request and case that it may start.
func (c *Config) validateFollowup(v *validator) {
	v.check(c.Surveys.CommentWindow > 0, "surveys.comment_window", "must be more than 0")
	v.oneOf("followup.review_request", c.Followup.ReviewRequest, "promoters", "all", "off")
	v.check(c.Followup.CaseDue > 0, "followup.case_due", "must be more than 0")
	if c.Followup.Assignee != "" {
		v.email("followup.assignee", c.Followup.Assignee)
	}
}

// validateOutbox checks how fast and how stubbornly messages leave: the
// channels' rate limits and the outbox's workers and retries.
func (c *Config) validateOutbox(v *validator) {
	v.check(c.Email.RatePerSecond >= 0, "email.rate_per_second", "must be 0 (no limit) or more")
	v.check(c.SMS.RatePerSecond >= 0, "sms.rate_per_second", "must be 0 (no limit) or more")
	v.check(c.Outbox.Workers >= 1 && c.Outbox.Workers <= 64, "outbox.workers", "must be 1-64")
	v.check(c.Outbox.MaxAttempts >= 1, "outbox.max_attempts", "must be 1 or more")
	v.check(c.Outbox.BackoffMax >= Duration(time.Minute), "outbox.backoff_max", "must be 1m or more")
}

// validateDaemon checks the settings of the process itself: its shutdown
// and its log.
func (c *Config) validateDaemon(v *validator) {
	v.check(c.ShutdownTimeout >= Duration(time.Second), "shutdown_timeout", "must be 1s or more")
	v.oneOf("log.format", c.Log.Format, "auto", "text", "json")
	v.oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
}

var (
	twilioSID    = regexp.MustCompile(`^[A-Z]{2}[0-9a-f]{32}$`)
	campaignName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

type validator struct {
	lines    map[string]int
	problems []Problem
}

func (v *validator) add(key, format string, args ...any) {
	v.problems = append(v.problems, Problem{Line: v.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// line finds where key was set, or its nearest parent when the key itself
// was not in the file (a list item, a required key left out).
func (v *validator) line(key string) int {
	for key != "" {
		if n, ok := v.lines[key]; ok {
			return n
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

func (v *validator) check(ok bool, key, format string, args ...any) {
	if !ok {
		v.add(key, format, args...)
	}
}

func (v *validator) oneOf(key, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(key, "must be one of %s, not %q", strings.Join(allowed, ", "), value)
}

func (v *validator) portNumber(key string, port int) {
	v.check(port >= 1 && port <= 65535, key, "must be 1-65535")
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// port checks the port of a listen address; 0 asks the kernel for a free
// one, which tests use.
func (v *validator) port(key, port string) {
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		v.add(key, "port must be 0-65535, not %q", port)
	}
}

func (v *validator) url(key, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(key, "must be an absolute http or https URL, not %q", s)
	}
}

func (v *validator) email(key, s string) {
	if _, err := contact.Email(s); err != nil {
		v.add(key, "%v", err)
	}
}

func (v *validator) emails(key string, list []string) {
	for i, s := range list {
		v.email(fmt.Sprintf("%s[%d]", key, i), s)
	}
}

// cron checks a five-field spec the way the scheduler will parse it.
func (v *validator) cron(key, spec string) {
	if _, err := scheduler.ParseSchedule(spec); err != nil {
		v.add(key, "%v", err)
	}
}
