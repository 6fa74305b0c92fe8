package templates

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

func sample() Data {
	return Data{
		Business: Business{Name: "Boulangerie Martin", ReviewURL: "https://g.page/r/boulangerie-martin/review"},
		Contact: Contact{
			Name: "Zoé Lefèvre", Email: "zoe@example.fr", Phone: "+33612345678",
			Attributes: map[string]string{"city": "Lyon"},
		},
		ScoreLinks:     ScoreLinksOn("https://nps.example.fr/s/TOKEN"),
		SurveyURL:      "https://nps.example.fr/s/TOKEN",
		UnsubscribeURL: "https://nps.example.fr/u/TOKEN",
		Score:          4,
		Category:       "detractor",
		Comment:        "Trop d'attente & pain froid <vraiment>",
		CaseURL:        "https://nps.example.fr/admin/cases/7",
		Summary:        sampleSummary(),
	}
}

// TestGolden renders every template in every language for a sample contact
// and compares with testdata/golden. Run with -update after changing a text
// on purpose, and read the diff.
func TestGolden(t *testing.T) {
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages() {
		for _, tpl := range All() {
			name := fmt.Sprintf("%s_%s_%s", lang, tpl.Kind, tpl.Channel)
			t.Run(name, func(t *testing.T) {
				m, err := s.Render(tpl, lang, sample())
				if err != nil {
					t.Fatal(err)
				}
				if m.Language != lang {
					t.Errorf("rendered in %q, want %q", m.Language, lang)
				}
				parts := map[string]string{"txt": m.Text}
				if tpl.Channel == Email {
					parts["subject"] = m.Subject
					parts["html"] = m.HTML
				}
				for ext, got := range parts {
					path := filepath.Join("testdata", "golden", name+"."+ext)
					if *update {
						os.MkdirAll(filepath.Dir(path), 0o755)
						if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
							t.Fatal(err)
						}
						continue
					}
					want, err := os.ReadFile(path)
					if err != nil {
						t.Fatalf("%v (run go test ./templates -update to create it)", err)
					}
					if got != string(want) {
						t.Errorf("%s differs from its golden file:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
					}
				}
			})
		}
	}
}

func TestRenderEscapesCustomerDataInHTML(t *testing.T) {
	s, _ := Load(Options{})
	d := sample()
	d.Contact.Name = `<script>alert("x")</script> Bob`
	d.Comment = `<img src=x onerror=alert(1)>`
	m, err := s.Render(Template{OwnerAlert, Email}, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") {
		t.Errorf("customer data reached the HTML unescaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("comment not shown escaped:\n%s", m.HTML)
	}
	// The plain-text part shows the text as written.
	if !strings.Contains(m.Text, `<img src=x onerror=alert(1)>`) {
		t.Errorf("text part altered the comment:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `href="tel:&#43;33612345678"`) && !strings.Contains(m.HTML, `href="tel:+33612345678"`) {
		t.Errorf("phone link broken:\n%s", m.HTML)
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	s, _ := Load(Options{})
	d := sample()
	d.Contact.Name = "Eve\r\nBcc: victim@example.com"
	m, err := s.Render(Template{OwnerAlert, Email}, "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject spans lines: %q", m.Subject)
	}
}

func TestLanguageChoice(t *testing.T) {
	s, err := Load(Options{DefaultLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for contact, want := range map[string]string{"en": "en", "fr": "fr", "": "fr", "de": "fr"} {
		m, err := s.Render(Template{Survey, SMS}, contact, sample())
		if err != nil || m.Language != want {
			t.Errorf("contact language %q: rendered %q (%v), want %q", contact, m.Language, err, want)
		}
	}
	if _, err := Load(Options{DefaultLanguage: "de"}); err == nil {
		t.Error("a business language without texts was accepted")
	}
	if _, err := s.Render(Template{Help, Email}, "fr", sample()); err == nil {
		t.Error("rendered a kind in a channel it is not written for")
	}
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "fr"), 0o755)
	os.WriteFile(filepath.Join(dir, "fr", "survey.sms.tmpl"), []byte("{{.Business.Name}} ({{.Contact.Attr \"City\"}}) : votre note de 0 à 10 ?\n"), 0o644)
	s, err := Load(Options{OverrideDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Render(Template{Survey, SMS}, "fr", sample())
	if m.Text != "Boulangerie Martin (Lyon) : votre note de 0 à 10 ?" {
		t.Errorf("override not used: %q", m.Text)
	}
	// Every other file still comes from the defaults.
	m, _ = s.Render(Template{Survey, SMS}, "en", sample())
	if !strings.Contains(m.Text, "how likely are you to recommend") {
		t.Errorf("default lost: %q", m.Text)
	}

	// Broken overrides: every broken file is named, at once.
	os.WriteFile(filepath.Join(dir, "fr", "help.sms.tmpl"), []byte("{{.Business.Name"), 0o644)
	os.MkdirAll(filepath.Join(dir, "en"), 0o755)
	os.WriteFile(filepath.Join(dir, "en", "reask.email.tmpl"), []byte(`{{define "subject"}}x{{end}}`), 0o644)
	_, err = Load(Options{OverrideDir: dir})
	if err == nil {
		t.Fatal("broken overrides accepted")
	}
	for _, want := range []string{filepath.Join(dir, "fr", "help.sms.tmpl"), filepath.Join(dir, "en", "reask.email.tmpl"), "missing block(s) text, html"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if _, err := Load(Options{OverrideDir: filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing override folder was accepted")
	}
}

func TestSMSLength(t *testing.T) {
	tests := []struct {
		text     string
		want     SMSInfo
		describe string
	}{
		{"", SMSInfo{0, 0, "GSM-7"}, "empty"},
		{strings.Repeat("a", 160), SMSInfo{160, 1, "GSM-7"}, "160 GSM-7 fit one"},
		{strings.Repeat("a", 161), SMSInfo{161, 2, "GSM-7"}, "161 split into 153-part messages"},
		{strings.Repeat("a", 306), SMSInfo{306, 2, "GSM-7"}, "306 is two parts"},
		{strings.Repeat("a", 307), SMSInfo{307, 3, "GSM-7"}, "307 is three"},
		{"é à è ù ì ò Ç É ü", SMSInfo{17, 1, "GSM-7"}, "these accents are in GSM-7"},
		{"€[]", SMSInfo{6, 1, "GSM-7"}, "extension characters count two"},
		{"ê", SMSInfo{1, 1, "UCS-2"}, "ê is not in GSM-7"},
		{strings.Repeat("a", 70) + "ç", SMSInfo{71, 2, "UCS-2"}, "ç forces UCS-2: 70 then 67"},
		{"👍", SMSInfo{2, 1, "UCS-2"}, "an emoji is two UTF-16 units"},
	}
	for _, tt := range tests {
		if got := SMSLength(tt.text); got != tt.want {
			t.Errorf("%s: SMSLength = %+v, want %+v", tt.describe, got, tt.want)
		}
	}
}

// TestShippedSMSStayInGSM7 keeps the default texts cheap: a French text with
// one "ê" would cost two or three messages per customer instead of one.
func TestShippedSMSStayInGSM7(t *testing.T) {
	s, _ := Load(Options{})
	d := sample()
	d.Contact.Name = "Zoe"
	for _, lang := range Languages() {
		for _, tpl := range All() {
			if tpl.Channel != SMS {
				continue
			}
			m, err := s.Render(tpl, lang, d)
			if err != nil {
				t.Fatal(err)
			}
			info := SMSLength(m.Text)
			// A review link makes the thank-yous longer; they must
			// still fit two parts.
			max := 1
			if tpl.Kind == ThanksPromoter || tpl.Kind == ThanksPassive || tpl.Kind == Survey || tpl.Kind == Reminder {
				max = 2
			}
			if info.Encoding != "GSM-7" || info.Segments > max {
				t.Errorf("%s %s: %+v for %q", lang, tpl.Kind, info, m.Text)
			}
		}
	}
}

func f(v float64) *float64 { return &v }

// sampleSummary is a week with data in every section.
func sampleSummary() *Summary {
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	return &Summary{
		Week: "2026-W47", From: from, To: from.AddDate(0, 0, 6),
		Week7:     Stat{Responses: 31, Promoters: 18, Passives: 8, Detractors: 5, NPS: f(41.9), MarginOfError: f(27.1)},
		Previous:  Stat{Responses: 25, Promoters: 12, Passives: 8, Detractors: 5, NPS: f(28), MarginOfError: f(33.2)},
		Days90:    Stat{Responses: 240, Promoters: 130, Passives: 70, Detractors: 40, NPS: f(37.5), MarginOfError: f(9.8)},
		Change:    &Change{Points: 13.9},
		Channels:  []ChannelRate{{Channel: "email", Sent: 40, Answered: 18}, {Channel: "sms", Sent: 30, Answered: 13}},
		Trend:     []TrendPoint{{Label: "W46", Responses: 25, NPS: f(28)}, {Label: "W47", Responses: 31, NPS: f(41.9)}, {Label: "W45", Responses: 0}, {Label: "W44", Responses: 4, NPS: f(-25)}},
		Segments:  []Segment{{Attribute: "city", Rows: []SegmentRow{{Value: "Lyon", Stat: Stat{Responses: 200, NPS: f(40)}}, {Value: "Paris", Stat: Stat{Responses: 4, NPS: f(-25)}, TooSmall: true}}}},
		Comments:  []CommentLine{{Name: "Paul Durand", Score: 3, Category: "detractor", Comment: "Trop d'attente <le samedi>"}, {Name: "Zoé", Score: 10, Category: "promoter", Comment: "Parfait"}},
		Cases:     []CaseLine{{Name: "Paul Durand", Score: 3, Due: from.AddDate(0, 0, 8), Overdue: true, Assignee: "marie@example.fr", URL: "https://nps.example.fr/admin/cases/1"}},
		Benchmark: f(30),
	}
}

// TestSummaryGolden renders the weekly summary for a week with data, a
// week with one response and a week with none, each in both languages,
// with the chart over 12, 1 and 0 weeks of answers.
func TestSummaryGolden(t *testing.T) {
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	weeks := func(n int, withData func(i int) *float64) []TrendPoint {
		var out []TrendPoint
		for i := range 12 {
			p := TrendPoint{Label: fmt.Sprintf("W%02d", 36+i)}
			if i >= 12-n {
				p.NPS, p.Responses = withData(i), 5+i
			}
			out = append(out, p)
		}
		return out
	}
	full := sampleSummary()
	full.Trend = weeks(12, func(i int) *float64 { return f(float64(i*15 - 60)) })
	one := &Summary{Week: "2026-W47", From: from, To: from.AddDate(0, 0, 6),
		Week7:    Stat{Responses: 1, Promoters: 1, NPS: f(100), MarginOfError: f(0)},
		Days90:   Stat{Responses: 1, Promoters: 1, NPS: f(100), MarginOfError: f(0)},
		Channels: []ChannelRate{{Channel: "sms", Sent: 3, Answered: 1}},
		Trend:    weeks(1, func(int) *float64 { return f(100) }),
		Comments: []CommentLine{{Name: "Zoé", Score: 10, Category: "promoter", Comment: "Merci !"}},
	}
	none := &Summary{Week: "2026-W47", From: from, To: from.AddDate(0, 0, 6),
		Channels: []ChannelRate{{Channel: "email", Sent: 12}},
		Trend:    weeks(0, nil),
	}
	for name, sum := range map[string]*Summary{"full": full, "one": one, "none": none} {
		for _, lang := range Languages() {
			t.Run(name+"_"+lang, func(t *testing.T) {
				m, err := s.Render(Template{WeeklySummary, Email}, lang, Data{Business: Business{Name: "Boulangerie Martin"}, Summary: sum})
				if err != nil {
					t.Fatal(err)
				}
				for _, bad := range []string{"NaN", "Inf", "<no value>", "%!"} {
					if strings.Contains(m.Text+m.HTML+m.Subject, bad) {
						t.Errorf("rendered %q", bad)
					}
				}
				for ext, got := range map[string]string{"txt": m.Subject + "\n\n" + m.Text, "html": m.HTML} {
					path := filepath.Join("testdata", "golden", "summary_"+name+"_"+lang+"."+ext)
					if *update {
						os.WriteFile(path, []byte(got), 0o644)
						continue
					}
					want, err := os.ReadFile(path)
					if err != nil {
						t.Fatalf("%v (run go test ./templates -update to create it)", err)
					}
					if got != string(want) {
						t.Errorf("%s differs from its golden file:\n%s", path, got)
					}
				}
			})
		}
	}
}

// BenchmarkRenderSurveyEmail renders the survey email, as each message of
// a wave does.
func BenchmarkRenderSurveyEmail(b *testing.B) {
	s, err := Load(Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := sample()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Render(Template{Kind: Survey, Channel: Email}, "fr", d); err != nil {
			b.Fatal(err)
		}
	}
}
