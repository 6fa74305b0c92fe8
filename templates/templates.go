// Package templates owns every message npsd writes to a person: the
// default French and English texts embedded in the binary, the owner's
// overrides read file by file from a folder, the choice of language, and
// rendering — text/template for SMS and plain text, html/template (which
// escapes customer data) for HTML email.
//
// Layout, in the embedded default/ folder and in an override folder alike:
//
//	LANG/KIND.sms.tmpl     the SMS body
//	LANG/KIND.email.tmpl   blocks "subject", "text" and "html"
//	partials.email.tmpl    blocks shared by every email ("scale", "footer"…)
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Kind is what a message is for.
type Kind string

const (
	Survey           Kind = "survey"            // the question, 0 to 10
	Reminder         Kind = "reminder"          // the question again, once, to non-responders
	FollowUp         Kind = "followup"          // "what is the main reason for your score?"
	ThanksPromoter   Kind = "thanks_promoter"   // thanks, and the review link
	ThanksPassive    Kind = "thanks_passive"    // thanks, and "what would make it a 10?"
	ApologyDetractor Kind = "apology_detractor" // sorry, the owner will call
	Reask            Kind = "reask"             // the reply was not a score: ask once more
	OptOutConfirm    Kind = "optout_confirm"    // "you will not hear from us again"
	Help             Kind = "help"              // answer to HELP/INFO/AIDE
	OwnerAlert       Kind = "owner_alert"       // to the owners: a detractor answered
	CaseReminder     Kind = "case_reminder"     // to the assignee: a detractor case is overdue
	WeeklySummary    Kind = "weekly_summary"    // to the owners: the week in numbers
)

// ForJob returns the template an outbox job of kind k is written with, and
// false for a job that is no message (a webhook event) or a kind npsd does
// not know. The store owns the job kinds and knows nothing of templates;
// the kinds that are messages are named after their template, and this is
// the one place that relies on it.
func ForJob[K ~string](k K) (Kind, bool) {
	kind := Kind(k)
	_, ok := channelsOf[kind]
	return kind, ok
}

// Channel is how a message travels.
type Channel string

const (
	Email Channel = "email"
	SMS   Channel = "sms"
)

// channelsOf says which channels each kind is written for. Owner messages
// are email only; HELP is a keyword of text messaging.
var channelsOf = map[Kind][]Channel{
	Survey:           {Email, SMS},
	Reminder:         {Email, SMS},
	FollowUp:         {Email, SMS},
	ThanksPromoter:   {Email, SMS},
	ThanksPassive:    {Email, SMS},
	ApologyDetractor: {Email, SMS},
	Reask:            {Email, SMS},
	OptOutConfirm:    {Email, SMS},
	Help:             {SMS},
	OwnerAlert:       {Email},
	CaseReminder:     {Email},
	WeeklySummary:    {Email},
}

// Languages npsd ships texts for; the first is used when nothing else fits.
var shipped = []string{"en", "fr"}

// Languages returns the languages npsd has texts for.
func Languages() []string { return slices.Clone(shipped) }

// Template names one template: a kind in a channel.
type Template struct {
	Kind    Kind
	Channel Channel
}

// All lists every kind and channel npsd renders, in a stable order.
func All() []Template {
	var out []Template
	for _, k := range []Kind{Survey, Reminder, FollowUp, ThanksPromoter, ThanksPassive, ApologyDetractor, Reask, OptOutConfirm, Help, OwnerAlert, CaseReminder, WeeklySummary} {
		for _, ch := range channelsOf[k] {
			out = append(out, Template{k, ch})
		}
	}
	return out
}

//go:embed default
var embedded embed.FS

// Options configures Load.
type Options struct {
	// OverrideDir holds files laid out like the embedded defaults; each file
	// found there replaces the default of the same name. Empty: defaults only.
	OverrideDir string
	// DefaultLanguage is the business's language, used for contacts whose
	// own language has no texts. Default "en".
	DefaultLanguage string
}

// Set is a loaded, parsed set of templates. It is safe for concurrent use.
type Set struct {
	defaultLang string
	sms         map[string]*texttemplate.Template // key: lang/kind
	emailText   map[string]*texttemplate.Template
	emailHTML   map[string]*htmltemplate.Template
	sources     map[string]string // file name → "default" or the override path, for messages
	// buffers keeps the buffers messages are rendered into: a wave renders
	// thousands of messages of a few kilobytes each, and a buffer grown
	// for one serves the next instead of growing again from nothing.
	buffers sync.Pool
}

// Load parses every template, defaults and overrides, and reports every
// broken file at once.
func Load(opts Options) (*Set, error) {
	if opts.DefaultLanguage == "" {
		opts.DefaultLanguage = "en"
	}
	if !slices.Contains(shipped, opts.DefaultLanguage) {
		return nil, fmt.Errorf("templates: no texts for language %q (have %s)", opts.DefaultLanguage, strings.Join(shipped, ", "))
	}
	defaults, err := fs.Sub(embedded, "default")
	if err != nil {
		return nil, err
	}
	override, err := overrideFS(opts.OverrideDir)
	if err != nil {
		return nil, err
	}
	s := &Set{
		defaultLang: opts.DefaultLanguage,
		sms:         map[string]*texttemplate.Template{},
		emailText:   map[string]*texttemplate.Template{},
		emailHTML:   map[string]*htmltemplate.Template{},
		sources:     map[string]string{},
	}
	files := templateFiles{sources: s.sources, override: override, overrideDir: opts.OverrideDir, defaults: defaults}
	var errs []error
	partials, err := files.read("partials.email.tmpl")
	if err != nil {
		errs = append(errs, err)
	}
	for _, lang := range shipped {
		for _, t := range All() {
			if err := s.parse(files, lang, t, partials); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("templates: %w", errors.Join(errs...))
	}
	return s, nil
}

// overrideFS opens the folder of overrides, nil when there is none.
func overrideFS(dir string) (fs.FS, error) {
	if dir == "" {
		return nil, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("templates: override folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("templates: override folder %s is not a folder", dir)
	}
	return os.DirFS(dir), nil
}

// templateFiles reads a template from the overrides when they have it and
// from the defaults otherwise, noting in sources where each came from.
type templateFiles struct {
	sources     map[string]string
	override    fs.FS
	overrideDir string
	defaults    fs.FS
}

func (f templateFiles) read(name string) (string, error) {
	if f.override != nil {
		data, err := fs.ReadFile(f.override, name)
		if err == nil {
			f.sources[name] = path.Join(f.overrideDir, name)
			return string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", path.Join(f.overrideDir, name), err)
		}
	}
	data, err := fs.ReadFile(f.defaults, name)
	if err != nil {
		return "", fmt.Errorf("default %s: %w", name, err)
	}
	f.sources[name] = "default " + name
	return string(data), nil
}

// parse reads and parses template t in lang into the set; an email
// template is parsed after the partials it may use.
func (s *Set) parse(files templateFiles, lang string, t Template, partials string) error {
	name := fileName(lang, t)
	src, err := files.read(name)
	if err != nil {
		return err
	}
	key := lang + "/" + string(t.Kind)
	switch t.Channel {
	case SMS:
		tt, err := texttemplate.New(name).Funcs(funcs).Option("missingkey=zero").Parse(src)
		if err != nil {
			return fmt.Errorf("%s: %w", s.sources[name], err)
		}
		s.sms[key] = tt
	case Email:
		tt, err := texttemplate.New(name).Funcs(funcs).Option("missingkey=zero").Parse(partials + src)
		if err == nil {
			err = requireBlocks(tt.Lookup, "subject", "text", "html")
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.sources[name], err)
		}
		ht, err := htmltemplate.New(name).Funcs(htmltemplate.FuncMap(funcs)).Option("missingkey=zero").Parse(partials + src)
		if err != nil {
			return fmt.Errorf("%s: %w", s.sources[name], err)
		}
		s.emailText[key], s.emailHTML[key] = tt, ht
	}
	return nil
}

func requireBlocks(lookup func(string) *texttemplate.Template, names ...string) error {
	var missing []string
	for _, n := range names {
		if lookup(n) == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing block(s) %s: an email template defines subject, text and html", strings.Join(missing, ", "))
	}
	return nil
}

func fileName(lang string, t Template) string {
	return fmt.Sprintf("%s/%s.%s.tmpl", lang, t.Kind, t.Channel)
}

// Language picks the language to write to a contact in: theirs when npsd
// has texts for it, else the business's.
func (s *Set) Language(contactLang string) string {
	if slices.Contains(shipped, contactLang) {
		return contactLang
	}
	return s.defaultLang
}

// Message is a rendered message. An SMS has only Text.
type Message struct {
	Language string
	Subject  string
	Text     string
	HTML     string
}

// Render writes one message in the contact's language (see Language).
func (s *Set) Render(t Template, contactLang string, d Data) (Message, error) {
	if !slices.Contains(channelsOf[t.Kind], t.Channel) {
		return Message{}, fmt.Errorf("templates: no %s template for %s", t.Channel, t.Kind)
	}
	lang := s.Language(contactLang)
	key := lang + "/" + string(t.Kind)
	name := fileName(lang, t)
	d.Language, d.French = lang, lang == "fr"
	m := Message{Language: lang}
	var err error
	switch t.Channel {
	case SMS:
		m.Text, err = s.execText(s.sms[key], "", d)
	case Email:
		if m.Subject, err = s.execText(s.emailText[key], "subject", d); err == nil {
			// A subject is one line: a template's stray newline must not
			// turn into a header injection or a broken header.
			m.Subject = strings.Join(strings.Fields(m.Subject), " ")
			if m.Text, err = s.execText(s.emailText[key], "text", d); err == nil {
				b := s.buffer()
				if err = s.emailHTML[key].ExecuteTemplate(b, "html", d); err == nil {
					// One string, made from the buffer's own bytes.
					m.HTML = string(append(bytes.TrimSpace(b.Bytes()), '\n'))
				}
				s.buffers.Put(b)
			}
		}
	}
	if err != nil {
		return Message{}, fmt.Errorf("templates: render %s: %w", s.sources[name], err)
	}
	return m, nil
}

// buffer returns an empty buffer from the set's pool.
func (s *Set) buffer() *bytes.Buffer {
	if b, ok := s.buffers.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

func (s *Set) execText(t *texttemplate.Template, block string, d Data) (string, error) {
	b := s.buffer()
	defer s.buffers.Put(b)
	var err error
	if block == "" {
		err = t.Execute(b, d)
	} else {
		err = t.ExecuteTemplate(b, block, d)
	}
	if err != nil {
		return "", err
	}
	return tidy(b.Bytes()), nil
}

// tidy trims each line's trailing spaces and the message's outer blank
// lines, which template actions leave behind. A "--" line becomes the
// signature separator "-- ", which mail programs (and npsd's own reply
// reader) use to cut the footer from a reply. It reads the template's
// buffer and makes one string.
func tidy(s []byte) string {
	rest := bytes.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(rest) + 1)
	for first := true; ; first = false {
		line, after, more := bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimRight(line, " \t\r")
		if !first {
			b.WriteByte('\n')
		}
		b.Write(line)
		if string(line) == "--" {
			b.WriteByte(' ')
		}
		if !more {
			return b.String()
		}
		rest = after
	}
}
