package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// reportRow is one line of a report: the whole selection, or one group.
// Its JSON field names are a contract with scripts and later reports.
type reportRow struct {
	Group         string   `json:"group,omitempty"`
	Responses     int      `json:"responses"`
	Promoters     int      `json:"promoters"`
	Passives      int      `json:"passives"`
	Detractors    int      `json:"detractors"`
	PromotersPct  float64  `json:"promoters_pct"`
	PassivesPct   float64  `json:"passives_pct"`
	DetractorsPct float64  `json:"detractors_pct"`
	NPS           *float64 `json:"nps"`             // null without responses
	MarginOfError *float64 `json:"margin_of_error"` // null without responses
}

type report struct {
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	By       string `json:"by,omitempty"`
	reportRow
	Groups []reportRow `json:"groups,omitempty"`
}

func newReportRow(group string, t nps.Tally) reportRow {
	r := reportRow{
		Group:         group,
		Responses:     t.Responses(),
		Promoters:     t.Promoters,
		Passives:      t.Passives,
		Detractors:    t.Detractors,
		PromotersPct:  nps.Round1(t.Share(t.Promoters)),
		PassivesPct:   nps.Round1(t.Share(t.Passives)),
		DetractorsPct: nps.Round1(t.Share(t.Detractors)),
	}
	r.NPS, r.MarginOfError = t.Shown()
	return r
}

func (c *cli) cmdReport(ctx context.Context, args []string) int {
	fs, config := c.flags("report")
	from := fs.String("from", "", "first day counted, YYYY-MM-DD in the business time zone, or RFC 3339")
	to := fs.String("to", "", "last day counted (inclusive), YYYY-MM-DD, or RFC 3339 (exclusive)")
	by := fs.String("by", "", "group by a contact attribute, such as city, or by period: week, month or quarter")
	campaign := fs.String("campaign", "", "count only this campaign's responses")
	format := fs.String("format", "table", "table, json or csv")
	out := fs.String("out", "", "write to this file, readable by its owner only (default: stdout)")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		fmt.Fprintf(c.stderr, "npsd report: --format must be table, json or csv, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		q := store.TallyQuery{Campaign: *campaign, By: attributeKey(*by)}
		loc := cfg.location()
		var err error
		if q.From, err = parseBound(*from, loc, false); err != nil {
			fmt.Fprintf(c.stderr, "npsd report: --from: %v\n", err)
			return exitUnusable
		}
		if q.To, err = parseBound(*to, loc, true); err != nil {
			fmt.Fprintf(c.stderr, "npsd report: --to: %v\n", err)
			return exitUnusable
		}
		var rep report
		if unit := periodUnit(q.By); unit != "" {
			rep, err = periodReport(st, q, unit, loc, c.now())
		} else {
			var res store.TallyResult
			res, err = st.Tally(q)
			rep = buildReport(res, *from, *to, *campaign, q.By)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd report: %v\n", err)
			return exitPartial
		}
		err = c.output(*out, func(w io.Writer) error {
			switch *format {
			case "json":
				return writeReportJSON(w, rep)
			case "csv":
				return writeReportCSV(w, rep)
			}
			return writeReportTable(w, rep)
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd report: %v\n", err)
			return exitPartial
		}
		return exitOK
	})
}

// parseBound reads a --from or --to value. A plain date as --to means the
// end of that day, as an owner asking for "up to the 31st" expects.
func parseBound(s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			return d.AddDate(0, 0, 1), nil
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not YYYY-MM-DD or RFC 3339", s)
}

// periodUnit recognises --by week, month and quarter.
func periodUnit(by string) string {
	switch by {
	case "week", "month", "quarter":
		return by
	}
	return ""
}

// periodStart is the start of the period of t: a Monday, the 1st of a
// month or of a quarter, at midnight in loc.
func periodStart(t time.Time, unit string, loc *time.Location) time.Time {
	t = t.In(loc)
	switch unit {
	case "week":
		return scheduler.WeekStart(t, loc)
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, loc)
}

func periodNext(t time.Time, unit string) time.Time {
	switch unit {
	case "week":
		return t.AddDate(0, 0, 7)
	case "month":
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 3, 0)
}

func periodLabel(t time.Time, unit string) string {
	switch unit {
	case "week":
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case "month":
		return t.Format("2006-01")
	}
	return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
}

// periodReport counts each period from q.From (default: 12 periods back)
// to q.To (default: the current period included), oldest first.
func periodReport(st *store.Store, q store.TallyQuery, unit string, loc *time.Location, now time.Time) (report, error) {
	end := q.To
	if end.IsZero() {
		end = periodNext(periodStart(now, unit, loc), unit)
	}
	start := periodStart(end.Add(-time.Nanosecond), unit, loc)
	for range 11 {
		start = periodStart(start.Add(-time.Nanosecond), unit, loc)
	}
	if !q.From.IsZero() {
		start = periodStart(q.From, unit, loc)
	}
	rep := report{From: start.Format("2006-01-02"), To: end.Add(-time.Nanosecond).In(loc).Format("2006-01-02"), Campaign: q.Campaign, By: unit, Groups: []reportRow{}}
	var total nps.Tally
	for p := start; p.Before(end); p = periodNext(p, unit) {
		pq := q
		pq.By, pq.From, pq.To = "", p, periodNext(p, unit)
		if pq.To.After(end) {
			pq.To = end
		}
		res, err := st.Tally(pq)
		if err != nil {
			return report{}, err
		}
		total.Merge(res.Total)
		rep.Groups = append(rep.Groups, newReportRow(periodLabel(p, unit), res.Total))
	}
	rep.reportRow = newReportRow("", total)
	return rep, nil
}

// buildReport turns counts into rows; groups come largest first, then by
// name, with the attribute-less group last.
func buildReport(res store.TallyResult, from, to, campaign, by string) report {
	rep := report{From: from, To: to, Campaign: campaign, By: by, reportRow: newReportRow("", res.Total)}
	for g, t := range res.Groups {
		rep.Groups = append(rep.Groups, newReportRow(g, t))
	}
	slices.SortFunc(rep.Groups, func(a, b reportRow) int {
		if (a.Group == store.NoGroup) != (b.Group == store.NoGroup) {
			if a.Group == store.NoGroup {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Responses, a.Responses), cmp.Compare(a.Group, b.Group))
	})
	if by != "" && rep.Groups == nil {
		rep.Groups = []reportRow{}
	}
	return rep
}

func writeReportJSON(w io.Writer, rep report) error {
	return writeTerminalJSON(w, rep, true)
}

func fmtOpt(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func (r reportRow) cells(name string) []string {
	return []string{
		name,
		strconv.Itoa(r.Responses),
		strconv.Itoa(r.Promoters), fmt.Sprintf("%.1f", r.PromotersPct),
		strconv.Itoa(r.Passives), fmt.Sprintf("%.1f", r.PassivesPct),
		strconv.Itoa(r.Detractors), fmt.Sprintf("%.1f", r.DetractorsPct),
		fmtOpt(r.NPS, "%.1f"), fmtOpt(r.MarginOfError, "%.1f"),
	}
}

var reportHeader = []string{"group", "responses", "promoters", "promoters_pct", "passives", "passives_pct", "detractors", "detractors_pct", "nps", "margin_of_error"}

func (rep report) rows() [][]string {
	out := [][]string{rep.reportRow.cells("all")}
	for _, g := range rep.Groups {
		out = append(out, g.cells(g.Group))
	}
	return out
}

func writeReportCSV(w io.Writer, rep report) error {
	// Group names are customers' attribute values, such as a city.
	cw := newSafeCSVWriter(w)
	_ = cw.Write(reportHeader)
	for _, row := range rep.rows() {
		// An empty cell reads better than "-" in a spreadsheet.
		for i, v := range row {
			if v == "-" {
				row[i] = ""
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func writeReportTable(w io.Writer, rep report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	first := "group"
	if rep.By != "" {
		first = terminalText(rep.By, false)
	}
	fmt.Fprintf(tw, "%s\tresponses\tpromoters\t%%\tpassives\t%%\tdetractors\t%%\tNPS\t±95%%\t\n", first)
	for _, row := range rep.rows() {
		// Group names are customers' attribute values, such as a city.
		row[0] = terminalText(row[0], false)
		// The sign is part of how an NPS is read: +25, not 25.
		if nps := row[8]; nps != "-" && !strings.HasPrefix(nps, "-") {
			row[8] = "+" + nps
		}
		for _, cell := range row {
			fmt.Fprintf(tw, "%s\t", cell)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
