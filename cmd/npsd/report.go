package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"npsd/nps"
	"npsd/store"
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
	if v, ok := t.NPS(); ok {
		v = nps.Round1(v)
		r.NPS = &v
	}
	if v, ok := t.MarginOfError(); ok {
		v = nps.Round1(v)
		r.MarginOfError = &v
	}
	return r
}

func (c *cli) cmdReport(ctx context.Context, args []string) int {
	fs, config := c.flags("report")
	from := fs.String("from", "", "first day counted, YYYY-MM-DD in the business time zone, or RFC 3339")
	to := fs.String("to", "", "last day counted (inclusive), YYYY-MM-DD, or RFC 3339 (exclusive)")
	by := fs.String("by", "", "contact attribute to group by, such as city")
	campaign := fs.String("campaign", "", "count only this campaign's responses")
	format := fs.String("format", "table", "table, json or csv")
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
		res, err := st.Tally(q)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd report: %v\n", err)
			return exitPartial
		}
		rep := buildReport(res, *from, *to, *campaign, q.By)
		switch *format {
		case "json":
			err = writeReportJSON(c.stdout, rep)
		case "csv":
			err = writeReportCSV(c.stdout, rep)
		default:
			err = writeReportTable(c.stdout, rep)
		}
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
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
	cw := csv.NewWriter(w)
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
		first = rep.By
	}
	fmt.Fprintf(tw, "%s\tresponses\tpromoters\t%%\tpassives\t%%\tdetractors\t%%\tNPS\t±95%%\t\n", first)
	for _, row := range rep.rows() {
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
