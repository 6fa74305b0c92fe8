package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/npsd/npsd/inbound/reply"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
)

// CaseRow is a detractor case as `npsd cases` prints it; the JSON names are stable.
type CaseRow struct {
	ID       string    `json:"id"`
	Contact  string    `json:"contact"`
	Name     string    `json:"name"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
	Score    int       `json:"score"`
	Comment  string    `json:"comment,omitempty"`
	State    string    `json:"state"`
	Opened   time.Time `json:"opened"`
	Due      time.Time `json:"due"`
	Overdue  bool      `json:"overdue"`
	Assignee string    `json:"assignee,omitempty"`
	Notes    int       `json:"notes"`
	// Resolved is when a resolved case was marked so.
	Resolved time.Time `json:"resolved,omitzero"`
}

// Cases lists the detractor cases, oldest first, with each customer's
// name, phone and comment; open keeps only those not yet resolved.
func Cases(st *store.Store, open bool, now time.Time) ([]CaseRow, error) {
	rows := []CaseRow{}
	err := st.View(func(tx *store.Tx) error {
		return tx.ForEachCase(func(k store.Case) error {
			if !open || k.Open() {
				rows = append(rows, caseRow(tx, k, now))
			}
			return nil
		})
	})
	return rows, err
}

// caseRow is the case k as the lists show it, with its customer's name,
// phone and email and the comment of the answer that opened it.
func caseRow(tx *store.Tx, k store.Case, now time.Time) CaseRow {
	row := CaseRow{ID: k.ID.String(), Contact: k.ContactID.String(), Score: k.Score, State: string(k.State),
		Opened: k.Opened, Due: k.Due, Overdue: k.Overdue(now), Assignee: k.Assignee, Notes: len(k.Notes)}
	row.Resolved, _ = k.ResolvedAt()
	if ct, err := tx.Contact(k.ContactID); err == nil {
		row.Name, row.Phone, row.Email = ct.DisplayName(), ct.Phone, ct.Email
	}
	if r, err := tx.Response(k.ResponseID); err == nil {
		row.Comment = r.Comment
	}
	return row
}

// CaseQuery selects a page of the owner's list of cases, newest first.
type CaseQuery struct {
	// State keeps the cases in that state; empty keeps them all.
	State store.CaseState
	// After starts the page with the case that comes after this one in
	// the list (the one opened just before it); zero starts with the
	// newest.
	After store.CaseID
	// Limit ends a page after this many cases; 0 does not.
	Limit int
	// MaxExamined bounds the cases read for one page, whatever State
	// keeps: a page of resolved cases among a hundred thousand open ones
	// reads this many at most and says where to go on. 0 bounds nothing.
	MaxExamined int
	Now         time.Time
}

// CasePage is one page of the list of cases.
type CasePage struct {
	Rows []CaseRow
	// Next is the cursor of the next page (k42), "" after the last case.
	// A page cut short by MaxExamined has one too, fewer rows than Limit,
	// and the next page goes on from the last case it read.
	Next string
	// Examined is how many cases the page read and considered.
	Examined int
}

// ListCases reads one page of the cases q selects, newest first. It reads
// the cases from q.After backwards and stops once the page is full or
// q.MaxExamined cases are read, so a page costs the same with a hundred
// cases in the store or a hundred thousand.
func ListCases(st Viewer, q CaseQuery) (CasePage, error) {
	page := CasePage{Rows: []CaseRow{}}
	err := st.View(func(tx *store.Tx) error {
		last := store.CaseID(0)
		return tx.CasesNewestFirst(q.After, func(k store.Case) (bool, error) {
			keep := q.State == "" || k.State == q.State
			// The case read past a full page or past the bound is not
			// shown: it says only that the list goes on after the last.
			bound := q.MaxExamined > 0 && page.Examined == q.MaxExamined
			if full := q.Limit > 0 && len(page.Rows) == q.Limit; bound || (keep && full) {
				page.Next = last.String()
				return false, nil
			}
			page.Examined++
			if keep {
				page.Rows = append(page.Rows, caseRow(tx, k, q.Now))
			}
			last = k.ID
			return true, nil
		})
	})
	if err != nil {
		return CasePage{}, fmt.Errorf("list cases: %w", err)
	}
	return page, nil
}

// WriteCasesTable prints the cases for the owner, in their words and
// time zone.
func WriteCasesTable(w io.Writer, rows []CaseRow, p i18n.Printer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n", strings.Join([]string{p.T("col.case"), p.T("col.customer"), p.T("col.score"), p.T("col.state"), p.T("col.due"), p.T("col.assignee"), p.T("col.phone"), p.T("col.comment")}, "\t"))
	for _, r := range rows {
		state := p.Word("state", r.State)
		if r.Overdue {
			state += " (" + p.T("cases.overdue") + ")"
		}
		// Names, phones and comments come from customers: one line each,
		// nothing a terminal would act on.
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, safeout.TerminalText(r.Name, false), r.Score, state, r.Due.In(p.Location()).Format("2006-01-02 15:04"),
			safeout.TerminalText(r.Assignee, false), safeout.TerminalText(r.Phone, false), safeout.TerminalText(r.Comment, false))
	}
	return tw.Flush()
}

// MessageRow is a message kept for the owner as `npsd messages` prints it;
// the JSON names are stable.
type MessageRow struct {
	// Key is the message's id, which `npsd messages decide` takes.
	Key      string    `json:"key"`
	Received time.Time `json:"received"`
	Channel  string    `json:"channel"`
	From     string    `json:"from"`
	Contact  string    `json:"contact,omitempty"`
	// Name is the sender as a person reads them: "Gaëtan Roy (c7)".
	Name string `json:"name,omitempty"`
	// Kind is what npsd read (unclear, comment, opt-out…); Reading adds
	// the rule that read it.
	Kind    string `json:"kind,omitempty"`
	Reading string `json:"reading,omitempty"`
	Outcome string `json:"outcome"`
	Text    string `json:"text"`
}

// Messages lists the messages npsd kept for the owner to read and decide,
// received on or after from (zero: all), with what npsd read in each.
func Messages(st *store.Store, from time.Time) ([]MessageRow, error) {
	rows := []MessageRow{}
	err := st.View(func(tx *store.Tx) error {
		return tx.ForEachForOwner(from, func(m store.InboundMessage) error {
			row := MessageRow{Key: m.Key, Received: m.Received, Channel: string(m.Channel), From: m.From,
				Kind: reply.KindOfReading(m.Reading), Reading: m.Reading, Outcome: m.Outcome, Text: m.Body}
			if m.ContactID != 0 {
				row.Contact, row.Name = m.ContactID.String(), contactLabel(tx, m.ContactID)
			}
			rows = append(rows, row)
			return nil
		})
	})
	return rows, err
}

// WriteMessagesTable prints the messages for a terminal, in the owner's
// words and time zone. What npsd read and did is written as it was
// stored, as the dashboard shows it.
func WriteMessagesTable(w io.Writer, rows []MessageRow, p i18n.Printer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, p.T("messages.header"))
	for _, r := range rows {
		// Keys, senders and texts come from outside: one line each,
		// nothing a terminal would act on, and only the start of the
		// text. A key changed by that is still taken by decide.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safeout.TerminalText(r.Key, false), r.Received.In(p.Location()).Format("2006-01-02 15:04"), p.Stored("channel", r.Channel),
			safeout.TerminalText(cmp.Or(r.Name, r.From), false), cmp.Or(safeout.TerminalText(r.Kind, false), "-"), safeout.TerminalText(r.Outcome, false), safeout.TerminalText(clipText(r.Text, 80), false))
	}
	return tw.Flush()
}

// MessageKey returns the stored key the owner means by arg: the key
// itself, or the key as npsd messages showed it when the terminal's
// safety changed it (a Message-ID with control characters in it), if
// exactly one message waiting shows so.
func MessageKey(st *store.Store, arg string) (string, error) {
	key := arg
	err := st.View(func(tx *store.Tx) error {
		if _, ok, err := tx.Inbound(arg); err != nil || ok {
			return err
		}
		var found []string
		if err := tx.ForEachForOwner(time.Time{}, func(m store.InboundMessage) error {
			if safeout.TerminalText(m.Key, false) == arg {
				found = append(found, m.Key)
			}
			return nil
		}); err != nil {
			return err
		}
		if len(found) == 1 {
			key = found[0]
		}
		return nil
	})
	return key, err
}

// clipText keeps the first n characters of s, with "…" where it was cut.
func clipText(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n]) + "…"
	}
	return s
}

// OutboxStates reads --state of the outbox list: one state, "all" (nil:
// no filter), or "" for what needs watching (pending, in flight, failed).
func OutboxStates(s string) (map[store.JobState]bool, error) {
	switch st := store.JobState(s); st {
	case "":
		return map[store.JobState]bool{store.JobPending: true, store.JobInflight: true, store.JobFailed: true}, nil
	case "all":
		return nil, nil
	case store.JobPending, store.JobInflight, store.JobSent, store.JobFailed, store.JobCanceled:
		return map[store.JobState]bool{st: true}, nil
	}
	return nil, fmt.Errorf("must be pending, inflight, sent, failed, canceled or all, not %q", s)
}

// contactLabel names a contact as a person reads them: their name (or
// address) with their key, "Gaëtan Roy (c7)"; the key alone when they
// cannot be read.
func contactLabel(tx *store.Tx, id store.ContactID) string {
	c, err := tx.Contact(id)
	if err != nil {
		return id.String()
	}
	if name := c.DisplayName(); name != id.String() {
		return name + " (" + id.String() + ")"
	}
	return id.String()
}

// WriteOutbox prints the outbox's jobs in the states wanted (nil: all),
// at most limit of them, then the count of every state, in the owner's
// words and time zone.
func WriteOutbox(w io.Writer, st *store.Store, want map[store.JobState]bool, limit int, p i18n.Printer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, p.T("outbox.header"))
	var counts map[store.JobState]int
	shown, matching := 0, 0
	err := st.View(func(tx *store.Tx) error {
		// The counts are the store's own: the jobs are read only until
		// the list is full.
		var err error
		if counts, err = tx.CountJobs(); err != nil {
			return err
		}
		for state, n := range counts {
			if want == nil || want[state] {
				matching += n
			}
		}
		err = tx.ForEachJob(func(j store.Job) error {
			if want != nil && !want[j.State] {
				return nil
			}
			if shown >= limit {
				return errListFull
			}
			shown++
			who := j.To
			if j.ContactID != 0 {
				who = contactLabel(tx, j.ContactID)
			}
			survey := "-"
			if j.SurveyID != 0 {
				survey = j.SurveyID.String()
			}
			// An address and a provider's error can quote what a customer
			// typed: nothing in them may act on the terminal.
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", j.ID, p.Stored("kind", string(j.Kind)), p.Stored("state", string(j.State)), p.Stored("channel", string(j.Channel)),
				safeout.TerminalText(who, false), survey, j.Due.In(p.Location()).Format("2006-01-02 15:04"), len(j.Attempts), safeout.TerminalText(j.Reason, false))
			return nil
		})
		if errors.Is(err, errListFull) {
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	tw.Flush()
	if matching > shown {
		fmt.Fprintln(w, p.T(p.PluralKey("outbox.more", matching-shown), matching-shown))
	}
	var parts []string
	for _, s := range []store.JobState{store.JobPending, store.JobInflight, store.JobSent, store.JobFailed, store.JobCanceled} {
		parts = append(parts, p.T(p.PluralKey("outbox."+string(s), counts[s]), counts[s]))
	}
	fmt.Fprintln(w, p.T("outbox.counts", strings.Join(parts, ", "), p.Location()))
	return nil
}

// errListFull stops the reading of jobs once the outbox's list is full.
var errListFull = errors.New("the list is full")

// WritePlan prints what planning a campaign queued, skipped and moved, in
// the owner's words and time zone.
func WritePlan(w io.Writer, plan scheduler.Plan, p i18n.Printer) error {
	suffix := ""
	if plan.DryRun {
		suffix = p.T("plan.dry_run")
	}
	if plan.AlreadyPlanned {
		fmt.Fprintln(w, p.T("plan.already", plan.Campaign, plan.Period, suffix))
		return nil
	}
	fmt.Fprintln(w, p.T(p.PluralKey("plan.queued", plan.Queued), plan.Campaign, plan.Period, plan.Queued, suffix))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if plan.Queued > 0 {
		fmt.Fprintln(tw, p.T("plan.first_due", plan.FirstDue.In(p.Location()).Format("2006-01-02 15:04 MST")))
		fmt.Fprintln(tw, p.T("plan.last_due", plan.LastDue.In(p.Location()).Format("2006-01-02 15:04 MST")))
	}
	for _, group := range []struct {
		title  string
		counts map[string]int
	}{{"plan.skipped", plan.Skipped}, {"plan.moved", plan.Moved}} {
		if len(group.counts) == 0 {
			continue
		}
		fmt.Fprintln(tw, p.T("plan.group", p.T(group.title)))
		for _, reason := range slices.Sorted(maps.Keys(group.counts)) {
			fmt.Fprintf(tw, "    %s\t%d\n", p.Stored("reason", reason), group.counts[reason])
		}
	}
	return tw.Flush()
}

// PlanLister writes each contact of a dry run's list as one line, as the
// scheduler looks at it: a wave of a million contacts is listed without
// being held. Who (the contact's id, name and address), then either the
// channel and the time the survey would be due, in the business's zone,
// or "skipped" and why, in the owner's words.
func PlanLister(w io.Writer, p i18n.Printer) func(scheduler.Entry) {
	first := true
	return func(e scheduler.Entry) {
		if first {
			fmt.Fprintf(w, "  %-8s %-48s %s\n", p.T("plan.list.contact"), p.T("plan.list.who"), p.T("plan.list.what"))
			first = false
		}
		who := cmp.Or(e.Contact.Email, e.Contact.Phone, e.Contact.ExternalID, p.T("plan.list.nobody"))
		if e.Contact.Name != "" {
			who = e.Contact.Name + " <" + who + ">"
		}
		// A name was typed by someone else: nothing in it may act on the
		// terminal, and a very long one keeps the columns readable.
		who = safeout.TerminalText(clipText(who, 47), false)
		if e.Skipped != "" {
			fmt.Fprintf(w, "  %-8s %-48s %s\n", e.Contact.ID, who, p.T("plan.list.skipped", p.Stored("reason", e.Skipped)))
			return
		}
		fmt.Fprintf(w, "  %-8s %-48s %-5s %s\n", e.Contact.ID, who, p.Stored("channel", string(e.Channel)), e.Due.In(p.Location()).Format("2006-01-02 15:04 MST"))
	}
}
