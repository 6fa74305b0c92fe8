// Package i18n owns the owner's words: every line of the dashboard, the
// customer and case pages, in French and English (per business.language),
// in one catalogue, with numbers, plurals, dates and times written as each
// language writes them, in the business's time zone. The customers' pages
// and messages have their own texts (inbound's pages, templates).
package i18n

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Languages are the languages the catalogue is written in.
var Languages = []string{"fr", "en"}

// Printer writes the owner's words in one language and time zone.
type Printer struct {
	lang string
	loc  *time.Location
}

// For returns the printer of a business: its language ("fr-CA" reads as
// fr; anything but French is English) and its time zone (UTC when nil).
func For(language string, loc *time.Location) Printer {
	lang := "en"
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(language)), "fr") {
		lang = "fr"
	}
	if loc == nil {
		loc = time.UTC
	}
	return Printer{lang: lang, loc: loc}
}

// Lang is the printer's language code, for <html lang>.
func (p Printer) Lang() string { return p.lang }

// Location is the business's time zone.
func (p Printer) Location() *time.Location { return p.loc }

// T is the catalogue's text for key, with args put in as fmt does. A key
// the catalogue lacks is written as itself between brackets, so that a
// missing text shows on the page and in the tests rather than nothing.
func (p Printer) T(key string, args ...any) string {
	e, ok := catalogue[key]
	if !ok {
		e, ok = cliCatalogue[key]
	}
	if !ok {
		return "[" + key + "]"
	}
	text := e.en
	if p.lang == "fr" {
		text = e.fr
	}
	if len(args) == 0 && !strings.Contains(text, "%%") {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// N is the catalogue's text for key in the form n takes: key+".one" for
// one (and, in French, for zero), key+".other" otherwise, with the count
// written as a number of the language: "1 réponse", "0 réponse", "3
// réponses", "1,234 answers".
func (p Printer) N(key string, n int) string {
	form := ".other"
	if n == 1 || p.lang == "fr" && n == 0 {
		form = ".one"
	}
	return p.T(key+form, p.Int(n))
}

// Int writes a whole number with the language's thousands separator: a
// narrow no-break space in French (12 345), a comma in English (12,345).
func (p Printer) Int(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "−", s[1:]
	}
	sep := ","
	if p.lang == "fr" {
		sep = "\u202f"
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return sign + s
}

// Decimal writes v with digits decimals and the language's decimal mark:
// 81,3 in French, 81.3 in English.
func (p Printer) Decimal(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if p.lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return strings.Replace(s, "-", "−", 1)
}

// Week writes a week's label of a chart ("W47") as the language does:
// "S47" (semaine) in French.
func (p Printer) Week(label string) string {
	if n, ok := strings.CutPrefix(label, "W"); ok && p.lang == "fr" {
		return "S" + n
	}
	return label
}

// NPS writes a Net Promoter Score as owners read it: a whole number with
// its sign (+25, −10, 0); "–" when there is none.
func (p Printer) NPS(v *float64) string {
	if v == nil {
		return "–"
	}
	n := int(math.Round(*v))
	switch {
	case n > 0:
		return "+" + strconv.Itoa(n)
	case n < 0:
		return "−" + strconv.Itoa(-n)
	}
	return "0"
}

// Margin writes a margin of error as a whole number of points, "±12",
// or says there are too few answers for it to mean anything: a margin of
// more than 50 points, or one from fewer than minAnswersForMargin
// answers, tells the owner nothing the number itself does not.
func (p Printer) Margin(margin *float64, answers int) string {
	if MarginShown(margin, answers) == nil {
		return p.T("margin.too_few")
	}
	return "±" + strconv.Itoa(int(math.Round(*margin)))
}

// MarginShown is the margin of error worth printing, nil when there are
// too few answers for it to mean anything: the one rule of the pages,
// the command line and the emails.
func MarginShown(margin *float64, answers int) *float64 {
	if margin == nil || answers < minAnswersForMargin || *margin > maxMeaningfulMargin {
		return nil
	}
	return margin
}

// minAnswersForMargin and maxMeaningfulMargin bound where a margin of
// error is worth printing: below them, "±106.7" says only that the answers
// are too few, which the owner is then told in words.
const (
	minAnswersForMargin = 30
	maxMeaningfulMargin = 50
)

// Percent writes a share as a whole percentage: "38 %" in French, "38%".
func (p Printer) Percent(v float64) string {
	n := strconv.Itoa(int(math.Round(v)))
	if p.lang == "fr" {
		return n + "\u202f%"
	}
	return n + "%"
}

var (
	frDays   = [7]string{"dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."}
	frMonths = [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
)

// Date writes a day in the business's zone: "mer. 2 déc. 2026", "Wed Dec
// 2, 2026".
func (p Printer) Date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(p.loc)
	if p.lang == "fr" {
		return fmt.Sprintf("%s %d %s %d", frDays[t.Weekday()], t.Day(), frMonths[t.Month()-1], t.Year())
	}
	return t.Format("Mon Jan 2, 2006")
}

// ShortDay writes a day short enough for a phone's line, in the time's
// own zone: "mer. 2 déc.", "Wed Dec 2".
func (p Printer) ShortDay(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	if p.lang == "fr" {
		return fmt.Sprintf("%s %d %s", frDays[t.Weekday()], t.Day(), frMonths[t.Month()-1])
	}
	return t.Format("Mon Jan 2")
}

// DateTime writes a moment in the business's zone: "mer. 2 déc. 2026,
// 14 h 30", "Wed Dec 2, 2026, 2:30 PM".
func (p Printer) DateTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(p.loc)
	if p.lang == "fr" {
		return fmt.Sprintf("%s, %d h %02d", p.Date(t), t.Hour(), t.Minute())
	}
	return p.Date(t) + ", " + t.Format("3:04 PM")
}
