package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// SummaryOptions says what the weekly summary shows. The daemon builds
// one set from the config, and every summary is built with it: the
// mailed one, the dashboard's, `npsd summary`'s and the demo's.
type SummaryOptions struct {
	// Segments are the contact attributes the NPS is broken down by.
	Segments []string
	// Benchmark is an industry NPS the owner set, nil when not.
	Benchmark *float64
	// Location is the business's time zone: weeks start on its Mondays.
	Location *time.Location
	// CaseURL links a case to its page; nil for none. The daemon gives
	// the signed case link of owner alerts, which opens without a login.
	CaseURL func(store.CaseID) string
	// PublicURL is where npsd's pages are served: the summary links to
	// the dashboard (PublicURL/admin) and to each customer's page
	// (PublicURL/admin/contacts/c7). Empty: no such links.
	PublicURL string
	// Now decides which cases are overdue. Default time.Now.
	Now func() time.Time
}

// FunnelRow is one channel's surveys of the week from planned to
// answered, as the summary shows them (Summary.Funnel).
type FunnelRow = templates.FunnelRow

// tooSmall is the group size under which a segment's NPS is flagged: with
// fewer answers its margin of error is wider than the scale's halves.
const tooSmall = 10

func stat(t nps.Tally) templates.Stat {
	s := templates.Stat{Responses: t.Responses(), Promoters: t.Promoters, Passives: t.Passives, Detractors: t.Detractors}
	s.NPS, s.MarginOfError = t.Shown()
	return s
}

// BuildSummary gathers the figures of the week that starts at monday.
func BuildSummary(tx *store.Tx, monday time.Time, o SummaryOptions) (templates.Summary, error) {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	from := monday.In(loc)
	to := from.AddDate(0, 0, 7)
	year, week := from.ISOWeek()
	sum := templates.Summary{Week: fmt.Sprintf("%d-W%02d", year, week), From: from, To: to.AddDate(0, 0, -1), Benchmark: o.Benchmark}
	if base := o.base(); base != "" {
		sum.DashboardURL = base + "/admin"
	}
	tally := func(q store.TallyQuery) (nps.Tally, error) {
		res, err := tx.Tally(q)
		return res.Total, err
	}
	cur, err := tally(store.TallyQuery{From: from, To: to})
	if err != nil {
		return sum, err
	}
	prev, err := tally(store.TallyQuery{From: from.AddDate(0, 0, -7), To: from})
	if err != nil {
		return sum, err
	}
	d90, err := tally(store.TallyQuery{From: to.AddDate(0, 0, -90), To: to})
	if err != nil {
		return sum, err
	}
	sum.Week7, sum.Previous, sum.Days90 = stat(cur), stat(prev), stat(d90)
	if d, ok := nps.Compare(prev, cur); ok {
		sum.Change = &templates.Change{Points: nps.Round1(d.Change), Significant: d.Significant}
	}
	for i := 11; i >= 0; i-- {
		start := from.AddDate(0, 0, -7*i)
		t, err := tally(store.TallyQuery{From: start, To: start.AddDate(0, 0, 7)})
		if err != nil {
			return sum, err
		}
		_, w := start.ISOWeek()
		s := stat(t)
		sum.Trend = append(sum.Trend, templates.TrendPoint{Label: fmt.Sprintf("W%02d", w), Responses: s.Responses, NPS: s.NPS})
	}
	for _, attr := range o.Segments {
		res, err := tx.Tally(store.TallyQuery{From: to.AddDate(0, 0, -90), To: to, By: attr})
		if err != nil {
			return sum, err
		}
		seg := templates.Segment{Attribute: attr}
		for value, t := range res.Groups {
			seg.Rows = append(seg.Rows, templates.SegmentRow{Value: value, Stat: stat(t), TooSmall: t.Responses() < tooSmall})
		}
		slices.SortFunc(seg.Rows, func(a, b templates.SegmentRow) int {
			return cmp.Or(cmp.Compare(b.Responses, a.Responses), cmp.Compare(a.Value, b.Value))
		})
		if len(seg.Rows) > 0 {
			sum.Segments = append(sum.Segments, seg)
		}
	}
	if err := weekChannels(tx, &sum, from, to); err != nil {
		return sum, err
	}
	if err := openCases(tx, &sum, o); err != nil {
		return sum, err
	}
	return sum, weekComments(tx, &sum, from, to, o)
}

// base is the public URL without its trailing slash.
func (o SummaryOptions) base() string { return strings.TrimRight(o.PublicURL, "/") }

// contactURL is a customer's page in the dashboard, "" without a public
// URL.
func (o SummaryOptions) contactURL(id store.ContactID) string {
	if o.PublicURL == "" || id == 0 {
		return ""
	}
	return o.base() + "/admin/contacts/" + id.String()
}

// openCases lists the detractor cases still open, overdue first.
func openCases(tx *store.Tx, sum *templates.Summary, o SummaryOptions) error {
	now := time.Now()
	if o.Now != nil {
		now = o.Now()
	}
	err := tx.ForEachCase(func(k store.Case) error {
		if !k.Open() {
			return nil
		}
		line := templates.CaseLine{ID: k.ID.String(), Score: k.Score, State: string(k.State), Due: k.Due.In(o.location()),
			Overdue: k.Overdue(now), Assignee: k.Assignee, ContactID: k.ContactID.String(), ContactURL: o.contactURL(k.ContactID)}
		if c, err := tx.Contact(k.ContactID); err == nil {
			line.Name, line.Phone, line.Email = c.DisplayName(), c.Phone, c.Email
		}
		if r, err := tx.Response(k.ResponseID); err == nil {
			line.Comment = r.Comment
		}
		if o.CaseURL != nil {
			line.URL = o.CaseURL(k.ID)
		}
		sum.Cases = append(sum.Cases, line)
		return nil
	})
	slices.SortStableFunc(sum.Cases, func(a, b templates.CaseLine) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return a.Due.Compare(b.Due)
	})
	return err
}

// weekChannels reads the week's funnel, by channel, from the funnel's
// counts (their cost grows with the week, never with the history), and
// the answer rate of each channel a survey is sent by: the answers of the
// week over the surveys sent in it.
func weekChannels(tx *store.Tx, sum *templates.Summary, from, to time.Time) error {
	funnel, err := funnelIn(tx, from, to, "")
	for _, f := range funnel {
		sum.Funnel = append(sum.Funnel, templates.FunnelRow(f))
		if f.Channel == "email" || f.Channel == "sms" {
			sum.Channels = append(sum.Channels, templates.ChannelRate{Channel: f.Channel, Sent: f.Sent, Answered: f.Answered})
		}
	}
	return err
}

// weekComments lists the week's comments, detractors first, then passives,
// then promoters, oldest first within each.
func weekComments(tx *store.Tx, sum *templates.Summary, from, to time.Time, o SummaryOptions) error {
	type entry struct {
		line templates.CommentLine
		cat  nps.Category
		at   time.Time
	}
	var all []entry
	err := tx.ScanResponses(from, to, func(rs store.ResponseSummary) error {
		r, err := tx.Response(rs.ID)
		if err != nil || r.Comment == "" {
			return err
		}
		line := templates.CommentLine{Name: "(anonymous)", Score: r.Score, Comment: r.Comment}
		if c, err := tx.Contact(r.ContactID); err == nil {
			line.Name, line.ContactURL = c.DisplayName(), o.contactURL(c.ID)
		}
		cat, _ := nps.CategoryOf(r.Score)
		line.Category = cat.String()
		all = append(all, entry{line, cat, r.Received})
		return nil
	})
	slices.SortStableFunc(all, func(a, b entry) int { return cmp.Or(cmp.Compare(a.cat, b.cat), a.at.Compare(b.at)) })
	for _, e := range all {
		sum.Comments = append(sum.Comments, e.line)
	}
	return err
}

func (o SummaryOptions) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// SummaryOfJob returns what the dispatcher calls to build the summary a
// summary job refers to, from the store as it is when the job is sent,
// with the options o. A job of the old form carries its summary and gets
// it back as it was queued.
func SummaryOfJob(o SummaryOptions) func(tx *store.Tx, p store.Payload) (templates.Summary, error) {
	return func(tx *store.Tx, p store.Payload) (templates.Summary, error) {
		if len(p.LegacySummary) > 0 {
			var sum templates.Summary
			if err := json.Unmarshal(p.LegacySummary, &sum); err != nil {
				return templates.Summary{}, fmt.Errorf("summary job of the old form: %w", err)
			}
			return sum, nil
		}
		monday, err := scheduler.ParseISOWeek(p.SummaryWeek, o.location())
		if err != nil {
			return templates.Summary{}, fmt.Errorf("summary job: %w", err)
		}
		return BuildSummary(tx, monday, o)
	}
}
