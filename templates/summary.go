package templates

import (
	"fmt"
	"math"
	"time"
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

// Rate is answered ÷ sent, in percent; 0 when nothing was sent.
func (c ChannelRate) Rate() float64 {
	if c.Sent == 0 {
		return 0
	}
	return 100 * float64(c.Answered) / float64(c.Sent)
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
	URL      string
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
