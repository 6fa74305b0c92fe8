package report

import (
	"net/url"
	"strings"
	"time"

	"github.com/npsd/npsd/nps"
)

// Filter is what the owner picks on the dashboard: a period (days as
// YYYY-MM-DD in the business's zone, To included; the last 90 days when
// From is empty), a campaign, a channel, a segment (city=Lyon).
type Filter struct {
	From, To, Campaign, Channel, Segment string
}

// maxFilterBytes bounds each value of a filter: a date, a campaign's
// name, a segment or two are a few dozen bytes; a query of megabytes is
// not a filter.
const maxFilterBytes = 200

// Bound cuts a value typed in a page (a filter, a search) to
// maxFilterBytes, between characters.
func Bound(s string) string {
	if len(s) > maxFilterBytes {
		s = strings.ToValidUTF8(s[:maxFilterBytes], "")
	}
	return s
}

// FilterFrom reads a filter from a page's query, each value bounded.
func FilterFrom(v url.Values) Filter {
	get := func(k string) string { return Bound(v.Get(k)) }
	return Filter{From: get("from"), To: get("to"), Campaign: get("campaign"), Channel: get("channel"), Segment: get("segment")}
}

// Query is the filter as a page's query, for a link that keeps it.
func (f Filter) Query() string {
	v := url.Values{}
	for k, s := range map[string]string{"from": f.From, "to": f.To, "campaign": f.Campaign, "channel": f.Channel, "segment": f.Segment} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// maxViewAnswers bounds the answers a dashboard view reads: years of a
// shop's answers, never the whole of a store gone wild.
const maxViewAnswers = 100_000

// View is what the dashboard shows for a filter: the answers it selects
// (for the CSV), their counts, NPS and margin of error, and the funnel of
// the surveys of the period.
type View struct {
	Filter Filter
	Row
	Answers Export
	Funnel  []FunnelStat
}

// BuildView reads what a filter selects. A bound or a segment that cannot
// be read is a *BoundError naming it.
func BuildView(st Viewer, f Filter, loc *time.Location, now time.Time) (View, error) {
	v := View{Filter: f}
	segment, err := ParseSegment(f.Segment)
	if err != nil {
		return v, &BoundError{"segment", err}
	}
	start := now.AddDate(0, 0, -90)
	v.Answers, err = Responses(st, ExportQuery{From: f.From, To: f.To, DefaultStart: start, Limit: maxViewAnswers,
		Campaign: f.Campaign, Channel: f.Channel, Segment: segment}, loc)
	if err != nil {
		return v, err
	}
	var t nps.Tally
	for _, r := range v.Answers.Rows {
		_ = t.Add(r.Score)
	}
	v.Row = newRow("", t)
	from, _ := ParseBound(f.From, loc, false)
	to, _ := ParseBound(f.To, loc, true)
	if f.From == "" {
		from = start
	}
	if to.IsZero() {
		to = now.Add(time.Hour) // the hour under way included
	}
	funnel, err := Funnel(st, from, to, f.Campaign)
	surveyChannel := f.Channel
	if surveyChannel == "web" {
		surveyChannel = "email" // the page's answers come from an email's links
	}
	for _, row := range funnel {
		if f.Channel == "" || row.Channel == surveyChannel {
			v.Funnel = append(v.Funnel, row)
		}
	}
	return v, err
}
