// Package report owns what npsd tells the owner from its answers: the
// weekly summary (built here for the mailed summary, the dashboard and
// `npsd summary` alike, with one set of options), the NPS report by group
// or period, the export of responses with their contacts, and the lists
// of cases, kept messages, the outbox and a campaign's plan, in tables,
// CSV and JSON made safe to open.
package report

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// Row is one line of a Report: the whole selection, or one group.
// Its JSON field names are a contract with scripts and later reports.
type Row struct {
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

type Report struct {
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	By       string `json:"by,omitempty"`
	Row
	Groups []Row `json:"groups,omitempty"`
	// Note says what the owner should know to read the report: a --by key
	// no contact has, and the keys they do have (KeysKnown).
	Note      string   `json:"note,omitempty"`
	KeysKnown []string `json:"keys_known,omitempty"`
}

func newRow(group string, t nps.Tally) Row {
	r := Row{
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

// ParseBound reads a --from or --to value. A plain date as --to means the
// end of that day, as an owner asking for "up to the 31st" expects.
func ParseBound(s string, loc *time.Location, end bool) (time.Time, error) {
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

// byPeriod counts each period from q.From (default: 12 periods back)
// to q.To (default: the current period included), oldest first.
func byPeriod(st *store.Store, q store.TallyQuery, unit string, loc *time.Location, now time.Time) (Report, error) {
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
	rep := Report{From: start.Format("2006-01-02"), To: end.Add(-time.Nanosecond).In(loc).Format("2006-01-02"), Campaign: q.Campaign, By: unit, Groups: []Row{}}
	var total nps.Tally
	for p := start; p.Before(end); p = periodNext(p, unit) {
		pq := q
		pq.By, pq.From, pq.To = "", p, periodNext(p, unit)
		if pq.To.After(end) {
			pq.To = end
		}
		res, err := st.Tally(pq)
		if err != nil {
			return Report{}, err
		}
		total.Merge(res.Total)
		rep.Groups = append(rep.Groups, newRow(periodLabel(p, unit), res.Total))
	}
	rep.Row = newRow("", total)
	return rep, nil
}

// fromTally turns counts into rows; groups come largest first, then by
// name, with the attribute-less group last.
func fromTally(res store.TallyResult, from, to, campaign, by string) Report {
	rep := Report{From: from, To: to, Campaign: campaign, By: by, Row: newRow("", res.Total)}
	for g, t := range res.Groups {
		rep.Groups = append(rep.Groups, newRow(g, t))
	}
	slices.SortFunc(rep.Groups, func(a, b Row) int {
		if (a.Group == store.NoGroup) != (b.Group == store.NoGroup) {
			if a.Group == store.NoGroup {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Responses, a.Responses), cmp.Compare(a.Group, b.Group))
	})
	if by != "" && rep.Groups == nil {
		rep.Groups = []Row{}
	}
	return rep
}

func WriteJSON(w io.Writer, rep Report) error {
	return safeout.WriteJSON(w, rep, true)
}

func fmtOpt(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func (r Row) cells(name string) []string {
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

func (rep Report) rows() [][]string {
	out := [][]string{rep.Row.cells("all")}
	for _, g := range rep.Groups {
		out = append(out, g.cells(g.Group))
	}
	return out
}

func WriteCSV(w io.Writer, rep Report) error {
	// Group names are customers' attribute values, such as a city.
	cw := safeout.NewCSVWriter(w)
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

// WriteTable prints a report for the owner, in their words: whole signed
// NPS, percentages and margins as their language writes them.
func WriteTable(w io.Writer, rep Report, p i18n.Printer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	first := p.T("table.group")
	if rep.By != "" {
		first = safeout.TerminalText(rep.By, false)
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%%\t%s\t%%\t%s\t%%\tNPS\t%s\t\n", first, p.T("table.responses"), p.T("table.promoters"), p.T("table.passives"), p.T("table.detractors"), p.T("table.margin"))
	rows := append([]Row{rep.Row}, rep.Groups...)
	for i, row := range rows {
		// Group names are customers' attribute values, such as a city.
		name := safeout.TerminalText(row.Group, false)
		if i == 0 {
			name = p.T("table.all")
		} else if row.Group == store.NoGroup {
			name = p.T("segment.none")
		}
		margin := "–"
		if m := p.Margin(row.MarginOfError, row.Responses); strings.HasPrefix(m, "±") {
			margin = m
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, p.Int(row.Responses),
			p.Int(row.Promoters), p.Decimal(row.PromotersPct, 1), p.Int(row.Passives), p.Decimal(row.PassivesPct, 1),
			p.Int(row.Detractors), p.Decimal(row.DetractorsPct, 1), p.NPS(row.NPS), margin)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Note != "" {
		_, err := fmt.Fprintf(w, "\n%s\n", safeout.TerminalText(keysNote(p, rep.By, rep.KeysKnown), false))
		return err
	}
	return nil
}

// Write writes a report as format: table (see WriteTable), json or csv.
func Write(w io.Writer, rep Report, format string, p i18n.Printer) error {
	switch format {
	case "json":
		return WriteJSON(w, rep)
	case "csv":
		return WriteCSV(w, rep)
	}
	return WriteTable(w, rep, p)
}

// Query is what a report counts: bounds as the owner types them
// (YYYY-MM-DD in the business's time zone, or RFC 3339; To inclusive), a
// campaign, and a contact attribute or a period (week, month, quarter) to
// group by.
type Query struct {
	From, To, Campaign, By string
}

// BoundError is a From or To that cannot be read.
type BoundError struct {
	Field string // "from" or "to"
	Err   error
}

func (e *BoundError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *BoundError) Unwrap() error { return e.Err }

// Build counts the responses the query selects. The command line, the
// shop's API and the dashboard all report through it, so they agree.
func Build(st *store.Store, q Query, loc *time.Location, now time.Time) (Report, error) {
	tq := store.TallyQuery{Campaign: q.Campaign, By: contact.AttributeKey(q.By)}
	var err error
	if tq.From, err = ParseBound(q.From, loc, false); err != nil {
		return Report{}, &BoundError{"from", err}
	}
	if tq.To, err = ParseBound(q.To, loc, true); err != nil {
		return Report{}, &BoundError{"to", err}
	}
	if unit := periodUnit(tq.By); unit != "" {
		return byPeriod(st, tq, unit, loc, now)
	}
	res, err := st.Tally(tq)
	if err != nil {
		return Report{}, err
	}
	rep := fromTally(res, q.From, q.To, q.Campaign, tq.By)
	if tq.By != "" && len(res.Groups) == 1 && res.Groups[store.NoGroup].Responses() > 0 {
		// Every answer fell in "(none)": most likely the key is spelt
		// otherwise (a French header, Ville, where city was asked for).
		if rep.KeysKnown, err = attributeKeys(st); err != nil {
			return Report{}, err
		}
		// The JSON's note is in English, as its keys are; the table says
		// it in the owner's language (see WriteTable).
		rep.Note = keysNote(i18n.For("en", nil), tq.By, rep.KeysKnown)
	}
	return rep, nil
}

// maxKeysNamed bounds the keys a note lists.
const maxKeysNamed = 30

// attributeKeys are the attribute keys contacts have, at most
// maxKeysNamed of them, read once over the contacts.
func attributeKeys(st *store.Store) ([]string, error) {
	keys := map[string]bool{}
	err := st.View(func(tx *store.Tx) error {
		return tx.ForEachContact(func(c store.Contact) error {
			for k := range c.Attributes {
				if len(keys) < maxKeysNamed {
					keys[k] = true
				}
			}
			return nil
		})
	})
	return slices.Sorted(maps.Keys(keys)), err
}

// keysNote says that no answer comes from a contact with the attribute
// key, and which keys contacts do have.
func keysNote(p i18n.Printer, key string, known []string) string {
	if len(known) == 0 {
		return p.T("report.no_key_none", key)
	}
	return p.T("report.no_key", key, strings.Join(known, ", "))
}
