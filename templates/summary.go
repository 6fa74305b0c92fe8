package templates

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/npsd/npsd/internal/i18n"
)

// Summary is what the weekly email shows the owners. The scheduler fills
// it from the store; every figure uses the same counts and rounding as
// `npsd report`, so the two always agree.
type Summary struct {
	// Week is the ISO week summarized ("2026-W47"), From and To its bounds
	// (To excluded), in the business's time zone.
	Week     string
	From, To time.Time
	// Week7 is the week itself; Days90 the 90 days up to its end; Previous
	// the week before, for the change.
	Week7, Days90, Previous Stat
	// Change compares Week7 with Previous; nil when either is empty.
	Change *Change
	// Channels has the surveys sent during the week and how many were
	// answered, by channel.
	Channels []ChannelRate
	// Trend is the NPS of each of the last 12 weeks, oldest first.
	Trend    []TrendPoint
	Segments []Segment
	// Comments are the week's comments, detractors first.
	Comments []CommentLine
	Cases    []CaseLine
	// Benchmark is the industry NPS the owner set, if any.
	Benchmark *float64
	// DashboardURL is the owners' dashboard; empty when npsd has no
	// public URL to link to.
	DashboardURL string
	// Funnel follows each channel's surveys from planned to answered. It
	// is nil until the counts are gathered, and the email shows it only
	// when it is set.
	Funnel []FunnelRow
}

// FunnelRow is one channel's surveys of the week, stage by stage: how
// many were planned, sent, delivered (the provider said so), clicked
// (a link opened) and answered.
type FunnelRow struct {
	Channel                                     string
	Planned, Sent, Delivered, Clicked, Answered int
}

// HasTrend reports whether any week of the chart has answers: a chart of
// empty weeks says nothing and is left out.
func (s Summary) HasTrend() bool {
	for _, p := range s.Trend {
		if p.Responses > 0 {
			return true
		}
	}
	return false
}

// Stat is a period's counts, NPS and margin of error (nil when empty).
type Stat struct {
	Responses, Promoters, Passives, Detractors int
	NPS, MarginOfError                         *float64
}

// MarginShown is the margin of error worth printing (see
// i18n.MarginShown), nil when there are too few answers for it to mean
// anything.
func (s Stat) MarginShown() *float64 { return i18n.MarginShown(s.MarginOfError, s.Responses) }

// Change is the move of the NPS from one week to the next.
type Change struct {
	Points      float64
	Significant bool
}

// ChannelRate is the answer rate of one channel.
type ChannelRate struct {
	Channel        string
	Sent, Answered int
}

// Rate is answered ÷ sent, in percent; 0 when nothing was sent. The
// week's answers may include some to the week before's surveys: the rate
// says at most 100.
func (c ChannelRate) Rate() float64 {
	if c.Sent == 0 {
		return 0
	}
	return min(100, 100*float64(c.Answered)/float64(c.Sent))
}

// TrendPoint is one week of the chart.
type TrendPoint struct {
	Label     string // "W47"
	Responses int
	NPS       *float64
}

// Below and Above are the point's bar, as a width in percent of half the
// chart on each side of zero: the chart is a table of colored cells, which
// every mail program shows (SVG and scripts they do not). A week without
// answers has no bar.
func (p TrendPoint) Below() int {
	if p.NPS == nil || *p.NPS >= 0 {
		return 0
	}
	return int(math.Round(-*p.NPS))
}

// Above is the bar of a week whose NPS is 0 or more.
func (p TrendPoint) Above() int {
	if p.NPS == nil || *p.NPS < 0 {
		return 0
	}
	return int(math.Round(*p.NPS))
}

// Segment is the NPS by the values of one contact attribute.
type Segment struct {
	Attribute string
	Rows      []SegmentRow
}

// SegmentRow is one value of a segment.
type SegmentRow struct {
	Value string
	Stat
	// TooSmall flags groups whose margin of error makes the NPS a guess.
	TooSmall bool
}

// CommentLine is a comment of the week, with who wrote it.
type CommentLine struct {
	Name     string
	Score    int
	Category string
	Comment  string
	// ContactURL is the customer's page in the dashboard, if any.
	ContactURL string
}

// CaseLine is an open detractor case, with what calling back needs.
type CaseLine struct {
	ID       string // k42
	Name     string
	Phone    string
	Email    string
	Score    int
	Comment  string
	State    string // open or contacted
	Due      time.Time
	Overdue  bool
	Assignee string
	// URL is the case's page (a signed link, as in owner alerts).
	URL string
	// ContactID names the customer ("c7"); ContactURL is their page in
	// the dashboard, if any.
	ContactID  string
	ContactURL string
}

// signed formats an NPS with its sign, one decimal: +42.5, -10.0.
func signed(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%+.1f", *v)
}

// oneDecimal formats a margin of error or a percentage.
func oneDecimal(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *v)
}

// The methods below write the weekly summary's figures in the language
// being rendered (Data.Language), for its HTML part: an NPS is a whole
// number with its sign, counts take the language's plural and thousands
// separator, days are short and named ("mer. 2 déc.", "Wed Dec 2").

// Week writes a week's label of the chart ("W47") as the language does:
// "S47" (semaine) in French.
func (d Data) Week(label string) string { return d.printer().Week(label) }

// printer writes numbers as the owner's language does (internal/i18n).
func (d Data) printer() i18n.Printer { return i18n.For(d.Language, nil) }

// NPS writes a Net Promoter Score as a whole number with its sign: +25,
// −10, 0; "–" when there is none.
func (d Data) NPS(v *float64) string { return d.printer().NPS(v) }

// Points writes a change of the NPS: "+14 points", "−1 point".
func (d Data) Points(v float64) string {
	n := int(math.Abs(math.Round(v)))
	if n <= 1 {
		return d.NPS(&v) + " point"
	}
	return d.NPS(&v) + " points"
}

// Margin writes a period's margin of error as whole points ("±9"), or says
// in words that there are too few answers for one (see Stat.MarginShown).
func (d Data) Margin(s Stat) string {
	m := s.MarginShown()
	switch {
	case m != nil:
		return "±" + strconv.Itoa(int(math.Round(*m)))
	case d.Language == "fr":
		return "trop peu de réponses pour le dire"
	}
	return "too few answers to say"
}

// Plural writes a count with its noun: "1 réponse", "0 réponse", "1 234
// réponses" in French (zero takes the singular, thousands a narrow
// no-break space), "1 answer", "0 answers", "1,234 answers" in English.
func (d Data) Plural(n int, one, many string) string {
	noun := many
	if n == 1 || n == 0 && d.Language == "fr" {
		noun = one
	}
	return d.Count(n) + " " + noun
}

// Count writes a whole number with the language's thousands separator.
func (d Data) Count(n int) string { return d.printer().Int(n) }

// Day writes a day short enough for a phone's line, in the time's own
// zone (the summary's times are in the business's): "mer. 2 déc.", "Wed
// Dec 2".
func (d Data) Day(t time.Time) string { return d.printer().ShortDay(t) }

// ChannelName names a channel as the owner says it.
func (d Data) ChannelName(ch string) string {
	switch {
	case ch == "email" && d.Language == "fr":
		return "courriel"
	case ch == "sms":
		return "SMS"
	}
	return ch
}

// CallBy is how to reach a case's customer: their phone, else their email.
func (c CaseLine) CallBy() string {
	if c.Phone != "" {
		return c.Phone
	}
	return c.Email
}
