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

	"github.com/npsd/npsd/internal/i18n"
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
func ReadContactFile(st Viewer, key, phoneKey string, p i18n.Printer) (ContactFile, error) {
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
		f.Story, err = story(tx, c, p)
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
			row.State = "none"
		}
		rows = append(rows, row)
	}
	return rows
}

// storyBook gathers a customer's story, in the owner's words.
type storyBook struct {
	p   i18n.Printer
	out []StoryEntry
}

func (b *storyBook) add(at time.Time, what, ref string, survey store.SurveyID, key string, args ...any) {
	e := StoryEntry{At: at, What: what, Ref: ref, Text: b.p.T(key, args...)}
	if survey != 0 {
		e.Survey = survey.String()
	}
	b.out = append(b.out, e)
}

// with adds a detail after a text: a reason, a comment.
func with(text, detail string) string {
	if detail == "" {
		return text
	}
	return text + " (" + detail + ")"
}

// story gathers the customer's records into one list in time order.
func story(tx *store.Tx, c store.Contact, p i18n.Printer) ([]StoryEntry, error) {
	b := &storyBook{p: p}
	events, err := tx.EventsOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		text := e.Type
		if e.Amount != nil {
			text = p.T("story.amount", text, p.Decimal(*e.Amount, 2))
		}
		if e.ExternalID != "" {
			text += " #" + e.ExternalID
		}
		b.add(e.At, "event", e.ID.String(), 0, "story.event", text)
	}
	surveys, err := tx.SurveysOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, sv := range surveys {
		if sv.Campaign == "" {
			b.add(sv.Created, "survey", sv.ID.String(), sv.ID, "story.in_person", cmp.Or(sv.Reason, "?"), p.Word("channel", string(sv.Channel)))
			continue
		}
		b.add(sv.Created, "survey", sv.ID.String(), sv.ID, "story.survey", sv.Campaign, p.Word("channel", string(sv.Channel)), p.DateTime(sv.Due), with(p.Word("state", string(sv.State)), sv.Reason))
	}
	jobs, err := tx.JobsOf(c.ID)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		to := p.Word("channel", string(j.Channel))
		if j.To != "" {
			to = j.To
		}
		state := p.Word("state", string(j.State))
		if n := len(j.Attempts); n > 1 {
			state += " " + p.T("story.attempts", n)
		}
		b.add(cmp.Or(j.Updated, j.Created), "message", j.ID.String(), j.SurveyID, "story.message", p.Word("kind", string(j.Kind)), to, with(state, j.Reason))
	}
	err = tx.ResponsesOf(c.ID, func(r store.Response) error {
		text := p.T("story.answer", r.Score, p.Word("channel", cmp.Or(string(r.Channel), r.Source)))
		if r.Source == store.SourceOwner || r.Source == store.SourceImport {
			text = with(text, p.Word("source", r.Source))
		}
		if r.Comment != "" {
			text += " : « " + r.Comment + " »"
			if p.Lang() != "fr" {
				text = strings.Replace(text, " : « ", ": “", 1)
				text = strings.TrimSuffix(text, " »") + "”"
			}
		}
		b.add(r.Received, "answer", r.ID.String(), r.SurveyID, "story.event", text)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := b.cases(tx, c.ID); err != nil {
		return nil, err
	}
	for ch, st := range c.Channels {
		if st.State != store.ChannelOK || st.Reason != "" {
			b.add(st.Since, "channel", "", 0, "story.channel", p.Word("channel", string(ch)), with(p.Word("state", string(st.State)), st.Reason))
		}
	}
	out := b.out
	slices.SortStableFunc(out, func(a, b StoryEntry) int { return a.At.Compare(b.At) })
	if len(out) > maxStoryEntries {
		cut := len(out) - maxStoryEntries
		out = append([]StoryEntry{{At: out[cut].At, What: "note", Text: p.T("story.older", p.Int(cut))}}, out[cut:]...)
	}
	return out, nil
}

// cases adds the customer's cases and their notes to the story.
func (b *storyBook) cases(tx *store.Tx, id store.ContactID) error {
	p := b.p
	return tx.CasesOf(id, func(k store.Case) error {
		state := p.Word("state", string(k.State))
		if k.Assignee != "" {
			state += ", " + p.T("cases.assignee", k.Assignee)
		}
		b.add(k.Opened, "case", k.ID.String(), k.SurveyID, "story.case", k.Score, p.DateTime(k.Due), state)
		for _, n := range k.Notes {
			by := p.Word("by", cmp.Or(n.By, "npsd"))
			if n.State != "" {
				by = with(by, p.Word("state", string(n.State)))
			}
			b.add(n.At, "note", k.ID.String(), k.SurveyID, "story.note", by, n.Text)
		}
		return nil
	})
}

// WriteContactFile prints a customer's file as format: text for a
// terminal, in the owner's words, or json.
func WriteContactFile(w io.Writer, f ContactFile, format string, p i18n.Printer) error {
	if format == "json" {
		return safeout.WriteJSON(w, f, true)
	}
	clean := func(s string) string { return safeout.TerminalText(s, false) }
	fmt.Fprintf(w, "%s\n", clean(f.Label()))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, kv := range [][2]string{
		{"field.external_id", f.ExternalID}, {"field.email", f.Email}, {"field.phone", f.Phone}, {"field.language", f.Language}, {"field.time_zone", f.TimeZone},
	} {
		if kv[1] != "" {
			fmt.Fprintf(tw, "  %s\t%s\n", p.T(kv[0]), clean(kv[1]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(f.Attributes)) {
		fmt.Fprintf(tw, "  %s\t%s\n", clean(k), clean(f.Attributes[k]))
	}
	for _, ch := range f.Channels {
		fmt.Fprintf(tw, "  %s\t%s\n", p.Word("channel", ch.Channel), clean(with(p.Word("state", ch.State), ch.Reason)))
	}
	if f.Forgotten {
		fmt.Fprintf(tw, "  %s\n", p.T("customer.forgotten"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range f.Story {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.At.In(p.Location()).Format("2006-01-02 15:04"), p.Word("what", e.What), e.Ref, clean(strings.ReplaceAll(e.Text, "\n", " ")))
	}
	return tw.Flush()
}
