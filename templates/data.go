package templates

import (
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"time"
)

// Data is everything a template may use. Callers fill what the kind needs;
// a template that reads a field left empty gets "" (and can test it with
// {{with}}), never an error half-way through a customer's message.
type Data struct {
	Business Business
	Contact  Contact
	// Language is set by Render to the language being written, and
	// French to whether it is French: {{if .French}} is a field read where
	// {{if eq .Language "fr"}} is a function called through reflection,
	// a tenth of a survey email's render for its four uses.
	Language string
	French   bool

	// Survey messages.
	ScoreLinks []ScoreLink // eleven links, 0 to 10, for the email scale
	SurveyURL  string      // the survey page
	// UnsubscribeURL is the one-click unsubscribe page.
	UnsubscribeURL string

	// Follow-ups and owner alerts.
	Score    int
	Category string // promoter, passive or detractor
	Comment  string
	CaseURL  string

	// Summary is the weekly summary's figures.
	Summary *Summary
}

// Business is what a message says about the sender.
type Business struct {
	Name      string
	ReviewURL string
}

// Contact is what a message may say about the person it is written to (or,
// in an owner alert, about the customer).
type Contact struct {
	Name       string
	Email      string
	Phone      string
	Attributes map[string]string
}

// FirstName is the first word of the name: "Bonjour Marie" reads warmer
// than "Bonjour Marie-Claire Dubois-Lefèvre".
func (c Contact) FirstName() string {
	f := strings.Fields(c.Name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Attr returns a segment attribute ("city", "plan"…), "" when absent.
func (c Contact) Attr(name string) string { return c.Attributes[strings.ToLower(name)] }

// ScoreLink is one of the eleven answers of the email scale.
type ScoreLink struct {
	Score int
	URL   string
}

// ScoreLinksOn builds the scale's eleven links on a survey page's URL, as
// PAGE?score=N.
func ScoreLinksOn(base string) []ScoreLink {
	// The eleven links are cut from one string, written once: every
	// survey email makes them.
	var b strings.Builder
	b.Grow(11*(len(base)+len("?score=")) + 12)
	var ends [11]int
	for i := range ends {
		b.WriteString(base)
		b.WriteString("?score=")
		b.WriteString(strconv.Itoa(i))
		ends[i] = b.Len()
	}
	all := b.String()
	links := make([]ScoreLink, 11)
	start := 0
	for i, end := range ends {
		links[i] = ScoreLink{Score: i, URL: all[start:end]}
		start = end
	}
	return links
}

var funcs = map[string]any{
	"scoreColor": ScoreColor,
	"scaleCells": scaleCells,
	"scaleText":  scaleText,
	"mso":        mso,
	"signed":     signed,
	"oneDecimal": oneDecimal,
	"round0": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf("%+.0f", *v)
	},
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f", f) },
	"date":     func(t time.Time) string { return t.Format("2006-01-02") },
	"npsColor": NPSColor,
	// plural writes a count with its noun: "1 answer", "3 answers" (and
	// "0 réponse" in French, where zero takes the singular).
	"plural": func(n int, one, many string) string {
		if n == 1 || n == 0 && one == "réponse" {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

// mso wraps markup in a conditional comment that only Outlook on Windows
// opens, <!--[if mso]>…<![endif]-->: the "ghost" tables of fixed widths
// that Word, which ignores max-width and inline-block, lays the fluid
// parts out in. html/template drops every comment written in a template,
// so the templates write these through mso; the markup is always a
// template's own text, never a customer's.
func mso(markup string) htmltemplate.HTML {
	return htmltemplate.HTML("<!--[if mso]>" + markup + "<![endif]-->")
}

// NPSColor shades an NPS: green from +30, amber from 0, red below, grey
// when there is none.
func NPSColor(v *float64) string {
	switch {
	case v == nil:
		return "#999999"
	case *v >= 30:
		return "#2e7d32"
	case *v >= 0:
		return "#f9a825"
	}
	return "#c62828"
}

// ScoreColor shades a score the way NPS reads it: red detractors, amber
// passives, green promoters. The email scale and the survey page share it.
func ScoreColor(score int) string {
	switch {
	case score >= 9:
		return "#2e7d32"
	case score >= 7:
		return "#f9a825"
	default:
		return "#c62828"
	}
}

// SMSInfo is how a text travels as SMS.
type SMSInfo struct {
	Chars    int    // characters as the phone counts them (GSM-7 escapes count 2)
	Segments int    // messages it is split into, each billed
	Encoding string // "GSM-7" or "UCS-2"
}

// gsm7 is the GSM 03.38 basic character set; gsm7Ext the characters sent
// with an escape, which take two of the 160.
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// SMSLength counts a text the way the network will: in GSM-7 when every
// character is in that alphabet (160 per message, 153 per part when split),
// else in UCS-2 (70, then 67). One "ê" turns a 150-character message into
// three parts, which is why `npsd check` prints these numbers.
func SMSLength(text string) SMSInfo {
	septets := 0
	gsm := true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			gsm = false
		}
	}
	if gsm {
		return SMSInfo{Chars: septets, Segments: segments(septets, 160, 153), Encoding: "GSM-7"}
	}
	// UCS-2 counts UTF-16 code units: an emoji takes two.
	units := 0
	for _, r := range text {
		if r > 0xFFFF {
			units += 2
		} else {
			units++
		}
	}
	return SMSInfo{Chars: units, Segments: segments(units, 70, 67), Encoding: "UCS-2"}
}

func segments(n, single, part int) int {
	switch {
	case n == 0:
		return 0
	case n <= single:
		return 1
	default:
		return (n + part - 1) / part
	}
}
