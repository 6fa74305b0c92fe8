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

	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// ContactFile is everything npsd knows of one customer: who they are, the
// channels it may write on and why not, and their story in time order
// (events, surveys, each message sent or canceled, answers, comments,
// cases and notes). The JSON names are a contract with the API.
type ContactFile struct {
	ContactRow
	Channels []ChannelRow `json:"channels"`
	Story    []StoryEntry `json:"story"`
}

// ChannelRow is one channel and whether npsd may write on it.
type ChannelRow struct {
	Channel string    `json:"channel"`
	Address string    `json:"address,omitempty"`
	State   string    `json:"state"`
	Since   time.Time `json:"since,omitzero"`
	Reason  string    `json:"reason,omitempty"`
}

// StoryEntry is one thing that happened with the customer. What is a
// stable word (event, survey, message, answer, case, note, channel);
// Ref names the record (s12, j42, r7, k3) a command takes.
type StoryEntry struct {
	At     time.Time `json:"at"`
	What   string    `json:"what"`
	Ref    string    `json:"ref,omitempty"`
	Survey string    `json:"survey,omitempty"`
	Text   string    `json:"text"`
}

// maxStoryEntries bounds a customer's story: a customer of many years
// has a few hundred entries; past this many, the oldest are left out and
// the story says so, so that a page or a response stays readable and
// bounded whatever the history.
const maxStoryEntries = 2000

// ReadContactFile reads one customer's file, named as on the command line
// (c42, an external id, an email or a phone; phoneKey is the key read as
// a phone, see contact.PhoneKey), times written in loc. It reads only that customer's records,
// through the indexes by contact.
func ReadContactFile(st *store.Store, key, phoneKey string, loc *time.Location) (ContactFile, error) {
	var f ContactFile
	err := st.View(func(tx *store.Tx) error {
		c, err := tx.ContactByKey(key, phoneKey)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: npsd contacts list --search finds a customer by name", err)
		} else if err != nil {
			return err
		}
		if f.ContactRow, err = contactRow(tx, c); err != nil {
			return err
		}
		f.Channels = channelRows(c)
		f.Story, err = story(tx, c, loc)
		return err
	})
	return f, err
}

func channelRows(c store.Contact) []ChannelRow {
	var rows []ChannelRow
	for _, ch := range []store.Channel{store.ChannelEmail, store.ChannelSMS} {
		addr := c.Email
		if ch == store.ChannelSMS {
			addr = c.Phone
		}
		st := c.ChannelStatus(ch)
		row := ChannelRow{Channel: string(ch), Address: addr, State: string(st.State), Since: st.Since, Reason: st.Reason}
		if addr == "" && st.State == store.ChannelOK {
			row.State, row.Reason = "none", "no address"
		}
		rows = append(rows, row)
	}
	return rows
}

// story gathers the customer's records into one list in time order.
func story(tx *store.Tx, c store.Contact, loc *time.Location) ([]StoryEntry, error) {
	clock := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04") }
	var out []StoryEntry
	add := func(at time.Time, what, ref, survey, format string, args ...any) {
		out = append(out, StoryEntry{At: at, What: what, Ref: ref, Survey: survey, Text: fmt.Sprintf(format, args...)})
	}
	events, err := tx.EventsOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		text := e.Type
		if e.Amount != nil {
			text += fmt.Sprintf(" (%.2f)", *e.Amount)
		}
		if e.ExternalID != "" {
			text += " #" + e.ExternalID
		}
		add(e.At, "event", e.ID.String(), "", "%s", text)
	}
	surveys, err := tx.SurveysOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, sv := range surveys {
		if sv.Campaign == "" {
			add(sv.Created, "survey", sv.ID.String(), sv.ID.String(), "%s (%s)", cmp.Or(sv.Reason, "asked in person"), sv.Channel)
			continue
		}
		add(sv.Created, "survey", sv.ID.String(), sv.ID.String(), "survey of campaign %s planned by %s for %s; now %s%s", sv.Campaign, sv.Channel, clock(sv.Due), sv.State, reasonNote(sv.Reason))
	}
	jobs, err := tx.JobsOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		add(cmp.Or(j.Updated, j.Created), "message", j.ID.String(), surveyRef(j.SurveyID), "%s", messageText(j))
	}
	err = tx.ResponsesOf(c.ID, func(r store.Response) error {
		text := fmt.Sprintf("answered %d/10 by %s", r.Score, cmp.Or(string(r.Channel), r.Source))
		if r.Source == store.SourceOwner || r.Source == store.SourceImport {
			text += " (" + r.Source + ")"
		}
		if r.Comment != "" {
			text += ": «" + r.Comment + "»"
		}
		add(r.Received, "answer", r.ID.String(), surveyRef(r.SurveyID), "%s", text)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := storyOfCases(tx, c.ID, add, clock); err != nil {
		return nil, err
	}
	for ch, st := range c.Channels {
		if st.State != store.ChannelOK || st.Reason != "" {
			add(st.Since, "channel", "", "", "%s: %s%s", ch, st.State, reasonNote(st.Reason))
		}
	}
	slices.SortStableFunc(out, func(a, b StoryEntry) int { return a.At.Compare(b.At) })
	if len(out) > maxStoryEntries {
		cut := len(out) - maxStoryEntries
		out = append([]StoryEntry{{At: out[cut].At, What: "note", Text: fmt.Sprintf("%d older entries left out", cut)}}, out[cut:]...)
	}
	return out, nil
}

// storyOfCases adds the customer's cases and their notes to the story.
func storyOfCases(tx *store.Tx, id store.ContactID, add func(at time.Time, what, ref, survey, format string, args ...any), clock func(time.Time) string) error {
	return tx.CasesOf(id, func(k store.Case) error {
		assignee := ""
		if k.Assignee != "" {
			assignee = ", for " + k.Assignee
		}
		add(k.Opened, "case", k.ID.String(), surveyRef(k.SurveyID), "case opened for a %d/10, to call back by %s%s; now %s", k.Score, clock(k.Due), assignee, k.State)
		for _, n := range k.Notes {
			state := ""
			if n.State != "" {
				state = " [" + string(n.State) + "]"
			}
			add(n.At, "note", k.ID.String(), surveyRef(k.SurveyID), "note by %s%s: %s", cmp.Or(n.By, "npsd"), state, n.Text)
		}
		return nil
	})
}

func surveyRef(id store.SurveyID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}

func reasonNote(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// messageText says what a message was and what became of it.
func messageText(j store.Job) string {
	to := string(j.Channel)
	if j.To != "" {
		to = j.To
	}
	text := fmt.Sprintf("%s to %s: %s", j.Kind, to, j.State)
	if n := len(j.Attempts); n > 1 {
		text += fmt.Sprintf(" after %d attempts", n)
	}
	return text + reasonNote(j.Reason)
}

// WriteContactFile prints a customer's file for a terminal, times in loc.
func WriteContactFile(w io.Writer, f ContactFile, loc *time.Location) error {
	clean := func(s string) string { return safeout.TerminalText(s, false) }
	fmt.Fprintf(w, "%s\n", clean(f.Label()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"external id", f.ExternalID}, {"email", f.Email}, {"phone", f.Phone}, {"language", f.Language}, {"time zone", f.TimeZone},
	} {
		if kv[1] != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", kv[0], clean(kv[1]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(f.Attributes)) {
		fmt.Fprintf(tw, "  %s\t%s\n", clean(k), clean(f.Attributes[k]))
	}
	for _, ch := range f.Channels {
		fmt.Fprintf(tw, "  %s\t%s%s\n", ch.Channel, ch.State, clean(reasonNote(ch.Reason)))
	}
	if f.Forgotten {
		fmt.Fprintf(tw, "  forgotten\tyes: their personal data was erased on request\n")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range f.Story {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.In(loc).Format("2006-01-02 15:04"), e.What, e.Ref, clean(strings.ReplaceAll(e.Text, "\n", " ")))
	}
	return tw.Flush()
}
