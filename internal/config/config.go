// Package config owns the config file: its schema (the YAML keys and their
// defaults), finding it, reading it strictly (unknown keys, environment
// references and secret files), and checking every value, so that an
// installer sees every problem at once, each with its line and key. The
// mapping of a config onto each package's options is internal/app's.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/textdist"

	"go.yaml.in/yaml/v3"
)

// Config is the YAML file, section by section. Its types carry yaml tags
// only: mapping it onto each package's own options happens in wiring code,
// so no package depends on the file's shape.
type Config struct {
	Business  BusinessConfig   `yaml:"business"`
	Store     StoreConfig      `yaml:"store"`
	HTTP      HTTPConfig       `yaml:"http"`
	Email     EmailConfig      `yaml:"email"`
	IMAP      IMAPConfig       `yaml:"imap"`
	SMS       SMSConfig        `yaml:"sms"`
	Surveys   SurveysConfig    `yaml:"surveys"`
	Campaigns []CampaignConfig `yaml:"campaigns"`
	Summary   SummaryConfig    `yaml:"summary"`
	Templates TemplatesConfig  `yaml:"templates"`
	Outbox    OutboxConfig     `yaml:"outbox"`
	Followup  FollowupConfig   `yaml:"followup"`
	Webhooks  WebhooksConfig   `yaml:"webhooks"`
	Log       LogConfig        `yaml:"log"`
	// ShutdownTimeout bounds a stop: sends in progress finish within it.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`

	// File is the file the config was read from; "" for the built-in defaults.
	File string `yaml:"-"`
	// StoreDirIsDefault is true when store.path was not set, so the store
	// may create its default folder.
	StoreDirIsDefault bool `yaml:"-"`
}

type BusinessConfig struct {
	Name          string   `yaml:"name"`
	Timezone      string   `yaml:"timezone"`
	Language      string   `yaml:"language"`
	DefaultRegion string   `yaml:"default_region"`
	ReviewURL     string   `yaml:"review_url"`
	Owners        []string `yaml:"owners"`
	BenchmarkNPS  *float64 `yaml:"benchmark_nps"`
}

type StoreConfig struct {
	Path string `yaml:"path"`
}

type HTTPConfig struct {
	Listen            string `yaml:"listen"`
	PublicURL         string `yaml:"public_url"`
	TrustProxyHeaders bool   `yaml:"trust_proxy_headers"`
	// AdminPasswordHash is the bcrypt hash of the dashboard password.
	AdminPasswordHash string `yaml:"admin_password_hash"`
	// APITokensFile holds bearer tokens, one a line, each "scope:token"
	// (admin, api, metrics) or bare (api).
	APITokensFile string `yaml:"api_tokens_file"`
}

type EmailConfig struct {
	Transport     string     `yaml:"transport"`
	From          string     `yaml:"from"`
	ReplyTo       string     `yaml:"reply_to"`
	FileDir       string     `yaml:"file_dir"`
	RatePerSecond float64    `yaml:"rate_per_second"`
	SMTP          SMTPConfig `yaml:"smtp"`
}

type SMTPConfig struct {
	Host         string `yaml:"host"`
	Port         int    `yaml:"port"`
	TLS          string `yaml:"tls"`
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// Connections is how many connections npsd keeps open to the server
	// at most (0: the dispatcher's default).
	Connections int `yaml:"connections"`
}

type IMAPConfig struct {
	Host         string   `yaml:"host"`
	Port         int      `yaml:"port"`
	TLS          string   `yaml:"tls"`
	Username     string   `yaml:"username"`
	Password     Secret   `yaml:"password"`
	PasswordFile string   `yaml:"password_file"`
	Mailbox      string   `yaml:"mailbox"`
	PollInterval Duration `yaml:"poll_interval"`
	// MaxMessageMB is the largest message read, in megabytes; a larger one
	// is recorded as failed and passed over without being fetched.
	MaxMessageMB int `yaml:"max_message_mb"`
	// AuthservID names the mail server whose Authentication-Results
	// header is trusted to prove a reply's sender.
	AuthservID string `yaml:"authserv_id"`
}

type SMSConfig struct {
	Transport     string       `yaml:"transport"`
	FileDir       string       `yaml:"file_dir"`
	RatePerSecond float64      `yaml:"rate_per_second"`
	Twilio        TwilioConfig `yaml:"twilio"`
}

type TwilioConfig struct {
	AccountSID          string `yaml:"account_sid"`
	AuthToken           Secret `yaml:"auth_token"`
	AuthTokenFile       string `yaml:"auth_token_file"`
	From                string `yaml:"from"`
	MessagingServiceSID string `yaml:"messaging_service_sid"`
	APIURL              string `yaml:"api_url"`
}

type SurveysConfig struct {
	Channels       []string         `yaml:"channels"`
	MinDaysBetween int              `yaml:"min_days_between"`
	SendWindow     SendWindowConfig `yaml:"send_window"`
	Blackout       []BlackoutConfig `yaml:"blackout"`
	ReminderAfter  Duration         `yaml:"reminder_after"`
	ExpireAfter    Duration         `yaml:"expire_after"`
	CommentWindow  Duration         `yaml:"comment_window"`
}

type SendWindowConfig struct {
	Days  []string `yaml:"days"`
	Start string   `yaml:"start"`
	End   string   `yaml:"end"`
}

type BlackoutConfig struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Reason string `yaml:"reason"`
}

type CampaignConfig struct {
	Name      string            `yaml:"name"`
	Schedule  string            `yaml:"schedule"`
	Event     string            `yaml:"event"`
	FirstOnly *bool             `yaml:"first_only"`
	Delay     *Duration         `yaml:"delay"`
	Spread    *Duration         `yaml:"spread"`
	Segment   map[string]string `yaml:"segment"`
}

// Duration is a length of time as people write it in a config: Go's 72h or
// 90m, or a number of days, 14d.
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: write it as 72h, 90m or 14d", s)
	}
	return v, nil
}

type SummaryConfig struct {
	Schedule string   `yaml:"schedule"`
	To       []string `yaml:"to"`
	Segments []string `yaml:"segments"`
}

type WebhooksConfig struct {
	URLs       []string `yaml:"urls"`
	Secret     Secret   `yaml:"secret"`
	SecretFile string   `yaml:"secret_file"`
}

type FollowupConfig struct {
	ReviewRequest string   `yaml:"review_request"`
	CaseDue       Duration `yaml:"case_due"`
	Assignee      string   `yaml:"assignee"`
}

type OutboxConfig struct {
	Workers     int      `yaml:"workers"`
	MaxAttempts int      `yaml:"max_attempts"`
	BackoffMax  Duration `yaml:"backoff_max"`
}

type TemplatesConfig struct {
	Dir string `yaml:"dir"`
}

type LogConfig struct {
	Format string `yaml:"format"`
	Level  string `yaml:"level"`
}

// Secret is a password or token. It prints as [redacted] so that a config
// dumped into a log or an error never leaks it.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// Format makes every fmt verb, %#v included, print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.String()) }
func (s Secret) MarshalYAML() (any, error)     { return s.String(), nil }
func (s Secret) MarshalJSON() ([]byte, error)  { return json.Marshal(s.String()) }

// Reveal returns the secret itself, for the one place that must send it.
func (s Secret) Reveal() string { return string(s) }

// Defaults is what npsd runs on with no file at all: a local bbolt file,
// messages written to folders instead of sent, the HTTP server on loopback.
func Defaults() Config {
	return Config{
		Business: BusinessConfig{
			Name:          "My Business",
			Timezone:      "UTC",
			Language:      "en",
			DefaultRegion: "US",
		},
		Store: StoreConfig{Path: "npsd-data/npsd.db"},
		HTTP:  HTTPConfig{Listen: "127.0.0.1:8425", PublicURL: "http://127.0.0.1:8425"},
		Email: EmailConfig{
			Transport:     "file",
			From:          "npsd@localhost",
			FileDir:       "npsd-data/outbox/email",
			RatePerSecond: 5,
			SMTP:          SMTPConfig{Port: 587, TLS: "starttls"},
		},
		IMAP: IMAPConfig{Port: 993, TLS: "tls", Mailbox: "INBOX", PollInterval: Duration(time.Minute), MaxMessageMB: 10},
		SMS: SMSConfig{
			Transport:     "file",
			FileDir:       "npsd-data/outbox/sms",
			RatePerSecond: 1,
			Twilio:        TwilioConfig{APIURL: "https://api.twilio.com"},
		},
		Surveys: SurveysConfig{
			Channels:       []string{"email", "sms"},
			MinDaysBetween: 90,
			SendWindow:     SendWindowConfig{Days: []string{"mon", "tue", "wed", "thu", "fri", "sat"}, Start: "09:00", End: "19:00"},
			ReminderAfter:  Duration(72 * time.Hour),
			ExpireAfter:    Duration(14 * 24 * time.Hour),
			CommentWindow:  Duration(48 * time.Hour),
		},
		Followup: FollowupConfig{ReviewRequest: "promoters", CaseDue: Duration(48 * time.Hour)},
		Campaigns: []CampaignConfig{
			{Name: "quarterly", Schedule: "0 10 1 1,4,7,10 *"},
			{Name: "first-purchase", Event: "purchase"},
		},
		Summary:           SummaryConfig{Schedule: "0 8 * * 1"},
		Outbox:            OutboxConfig{Workers: 4, MaxAttempts: 10, BackoffMax: Duration(6 * time.Hour)},
		Log:               LogConfig{Format: "auto", Level: "info"},
		ShutdownTimeout:   Duration(10 * time.Second),
		StoreDirIsDefault: true,
	}
}

// Problem is one thing wrong with a config, located by key path and line.
type Problem struct {
	Line int
	Key  string
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", p.Line, p.Key, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.Key, p.Msg)
}

// Error lists every problem found in a config file, so an installer
// fixes them all in one go rather than one per restart.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = "built-in config"
	}
	fmt.Fprintf(&b, "%s: %d problem(s)", name, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// configSearch is where a config is looked for when neither --config nor
// NPSD_CONFIG names one.
var configSearch = []string{"config.yaml", "/etc/npsd/config.yaml"}

// Find returns the config file to read: the flag, then NPSD_CONFIG,
// then the first of configSearch that exists, else "" for the defaults. A
// file named explicitly must exist.
func Find(flagValue string, getenv func(string) string) (string, error) {
	for _, named := range []struct{ from, path string }{{"--config", flagValue}, {"NPSD_CONFIG", getenv("NPSD_CONFIG")}} {
		if named.path == "" {
			continue
		}
		if _, err := os.Stat(named.path); err != nil {
			return "", fmt.Errorf("config file %s (from %s): %w", named.path, named.from, err)
		}
		return named.path, nil
	}
	for _, p := range configSearch {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("config file %s: %w", p, err)
		}
	}
	return "", nil
}

// Load reads, expands and validates a config file; path "" gives the
// defaults. The error, when not nil, is a *Error listing every problem
// or an error reading the file.
func Load(path string, getenv func(string) string) (*Config, error) {
	cfg := Defaults()
	baseDir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	l := &loader{getenv: getenv}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		cfg.File, baseDir = abs, filepath.Dir(abs)
		defaultStore := cfg.Store.Path
		if err := l.decodeFile(data, &cfg); err != nil {
			return nil, &Error{File: cfg.File, Problems: []Problem{{Key: "(file)", Msg: err.Error()}}}
		}
		cfg.StoreDirIsDefault = cfg.Store.Path == defaultStore
	}
	cfg.resolvePaths(baseDir)
	l.readSecretFiles(&cfg)
	// A key that failed to load (an unset variable, an unreadable file) is
	// not reported again by the rules that read its empty value.
	loadFailed := map[string]bool{}
	for _, p := range l.problems {
		loadFailed[p.Key] = true
		loadFailed[strings.TrimSuffix(p.Key, "_file")] = true
	}
	for _, p := range cfg.validate(l.lines) {
		if !loadFailed[p.Key] {
			l.problems = append(l.problems, p)
		}
	}
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool { return l.problems[i].Line < l.problems[j].Line })
		return &cfg, &Error{File: cfg.File, Problems: l.problems}
	}
	return &cfg, nil
}

type loader struct {
	getenv   func(string) string
	problems []Problem
	// lines maps a key path to the line it was set on, so that problems
	// found after decoding still point at the file.
	lines map[string]int
}

func (l *loader) problem(line int, key, format string, args ...any) {
	l.problems = append(l.problems, Problem{Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) decodeFile(data []byte, cfg *Config) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // An empty file keeps every default.
		}
		return fmt.Errorf("not valid YAML: %w", err)
	}
	l.lines = map[string]int{}
	if len(doc.Content) == 0 {
		return nil
	}
	l.decode(doc.Content[0], "", reflect.ValueOf(cfg).Elem())
	return nil
}

// decode fills v from n, strictly: every mapping key must name a field, and
// each problem is recorded with its key path and line instead of stopping at
// the first.
func (l *loader) decode(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, ok := l.lines[path]; !ok {
		l.lines[path] = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// "section:" with every key commented out keeps the defaults.
		return
	}
	switch {
	case v.Kind() == reflect.Struct && v.Type() != reflect.TypeFor[time.Time]():
		if n.Kind != yaml.MappingNode {
			l.problem(n.Line, orRoot(path), "must be a mapping of keys, not %s", describe(n))
			return
		}
		fields := yamlFields(v.Type())
		firstLine := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			key := joinKey(path, k.Value)
			if first, dup := firstLine[k.Value]; dup {
				l.problem(k.Line, key, "set twice (first on line %d)", first)
				continue
			}
			firstLine[k.Value] = k.Line
			l.lines[key] = k.Line
			idx, ok := fields[k.Value]
			if !ok {
				msg := "unknown key"
				if s := closest(k.Value, slices.Collect(maps.Keys(fields))); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
				l.problem(k.Line, key, "%s", msg)
				continue
			}
			l.decode(val, key, v.Field(idx))
		}
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			l.problem(n.Line, path, "must be a list, not %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			l.decode(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	default:
		if n.Kind == yaml.SequenceNode {
			for i, item := range n.Content {
				l.lines[fmt.Sprintf("%s[%d]", path, i)] = item.Line
			}
		}
		l.expandEnv(n, path)
		target := reflect.New(v.Type())
		if err := n.Decode(target.Interface()); err != nil {
			l.problem(n.Line, path, "%s", cleanYAMLError(err))
			return
		}
		v.Set(target.Elem())
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${NAME} in the scalars under n. Only the braced form is
// expanded, so a password containing a bare $ survives; an unset variable
// is a problem rather than an empty string that would fail later, far from
// its cause.
func (l *loader) expandEnv(n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode {
		for _, c := range n.Content {
			l.expandEnv(c, path)
		}
		return
	}
	if !strings.Contains(n.Value, "${") {
		return
	}
	n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v := l.getenv(name)
		if v == "" {
			l.problem(n.Line, path, "environment variable %s is not set", name)
		}
		return v
	})
	// An expanded value is text whatever it looks like: "${PORT}" was a
	// string before expansion and yaml resolves tags from the original.
	if n.Tag == "!!str" && n.Style == 0 {
		n.Tag = ""
	}
}

func (l *loader) readSecretFiles(cfg *Config) {
	for _, s := range []struct {
		key      string
		secret   *Secret
		fileKey  string
		filePath string
	}{
		{"email.smtp.password", &cfg.Email.SMTP.Password, "email.smtp.password_file", cfg.Email.SMTP.PasswordFile},
		{"imap.password", &cfg.IMAP.Password, "imap.password_file", cfg.IMAP.PasswordFile},
		{"sms.twilio.auth_token", &cfg.SMS.Twilio.AuthToken, "sms.twilio.auth_token_file", cfg.SMS.Twilio.AuthTokenFile},
		{"webhooks.secret", &cfg.Webhooks.Secret, "webhooks.secret_file", cfg.Webhooks.SecretFile},
	} {
		if s.filePath == "" {
			continue
		}
		line := l.lines[s.fileKey]
		if *s.secret != "" {
			l.problem(line, s.fileKey, "set either %s or %s, not both", s.key, s.fileKey)
			continue
		}
		data, err := os.ReadFile(s.filePath)
		if err != nil {
			l.problem(line, s.fileKey, "cannot read the secret: %v", err)
			continue
		}
		// Files written by echo or an editor end with a newline that is not
		// part of the secret.
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			l.problem(line, s.fileKey, "%s is empty", s.filePath)
			continue
		}
		*s.secret = Secret(v)
	}
}

// resolvePaths makes every relative path in cfg relative to dir, the config
// file's folder (or the working folder for the defaults), so that a service
// started from / finds the same files as the installer who tested by hand.
func (c *Config) resolvePaths(dir string) {
	for _, p := range []*string{
		&c.Store.Path, &c.Email.FileDir, &c.SMS.FileDir, &c.Templates.Dir, &c.HTTP.APITokensFile, &c.Webhooks.SecretFile,
		&c.Email.SMTP.PasswordFile, &c.IMAP.PasswordFile, &c.SMS.Twilio.AuthTokenFile,
	} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

func yamlFields(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag != "" && tag != "-" {
			m[tag] = i
		}
	}
	return m
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "this"
}

var yamlLinePrefix = regexp.MustCompile(`^yaml: (unmarshal errors:\n\s*)?(line \d+: )?`)

// cleanYAMLError strips yaml's own prefixes, since the problem already
// carries the key and line.
func cleanYAMLError(err error) string {
	return yamlLinePrefix.ReplaceAllString(err.Error(), "")
}

// closest returns the candidate nearest to s by edit distance when it is
// near enough to be the key that was meant.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	slices.Sort(candidates)
	for _, c := range candidates {
		if d := textdist.Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// DayFirst says whether the business writes the day before the month
// (25/11/2026), as French does; English (US) writes the month first.
func (c *Config) DayFirst() bool {
	return strings.HasPrefix(strings.ToLower(c.Business.Language), "fr")
}

// location is the business's time zone; validation has already checked it.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Business.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Read finds the config (see Find) and loads it (see Load): what the
// command line does at start and the daemon on reload.
func Read(flagValue string, getenv func(string) string) (*Config, error) {
	path, err := Find(flagValue, getenv)
	if err != nil {
		return nil, err
	}
	return Load(path, getenv)
}
