package report

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/internal/textdist"
	"github.com/npsd/npsd/store"
)

// ContactRow is a customer as a list shows them: who they are, how to
// reach them, and where they stand. The JSON names are a contract with
// whoever reads the list (the API, a script).
type ContactRow struct {
	// ID is the customer's id (c42), as POST /api/v1/contacts answers it;
	// Key is the same, as the command line names it.
	ID         string            `json:"id"`
	Key        string            `json:"key"`
	ExternalID string            `json:"external_id,omitempty"`
	Name       string            `json:"name,omitempty"`
	Email      string            `json:"email,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	Language   string            `json:"language,omitempty"`
	TimeZone   string            `json:"time_zone,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Blocked are the channels npsd may not write on, with why: opted
	// out (replied STOP), undeliverable (bounced).
	Blocked map[string]string `json:"blocked,omitempty"`
	// LastScore is the latest answer's score, nil before any.
	LastScore  *int      `json:"last_score"`
	LastAnswer time.Time `json:"last_answer,omitzero"`
	Answers    int       `json:"answers"`
	OpenCases  int       `json:"open_cases"`
	Forgotten  bool      `json:"forgotten,omitempty"`
	Created    time.Time `json:"created"`
}

// Label is how a person reads the customer's name: the name with the key,
// "Gaëtan Roy (c7)", or what reaches them when they have no name.
func (r ContactRow) Label() string {
	name := r.Name
	if name == "" {
		name = cmp.Or(r.Email, r.Phone, r.ExternalID)
	}
	if name == "" {
		return r.Key
	}
	return name + " (" + r.Key + ")"
}

// ContactQuery selects the customers a list shows.
type ContactQuery struct {
	// Search keeps the customers in whom every word of it is found: in
	// the name, the email, the external id or an attribute's value (case
	// and accents aside), or, for a word of digits, in the phone number
	// however it was typed (514 555, 0612).
	Search string
	// Segment keeps the customers whose attributes have these values
	// (city=Montréal), as a campaign's segment does.
	Segment map[string]string
	// After starts the list after this customer, for the next page.
	After store.ContactID
	// Limit ends a page after this many customers; 0 lists them all.
	Limit int
}

// maxSegmentPairs bounds a segment: a campaign's segments name one or
// two attributes.
const maxSegmentPairs = 20

// ParseSegment reads --segment city=Montréal,plan=pro.
func ParseSegment(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	pairs := strings.Split(s, ",")
	if len(pairs) > maxSegmentPairs {
		return nil, fmt.Errorf("%d KEY=VALUE pairs, more than the %d a segment takes", len(pairs), maxSegmentPairs)
	}
	seg := map[string]string{}
	for _, pair := range pairs {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE (such as city=Montréal)", strings.TrimSpace(pair))
		}
		seg[contact.AttributeKey(k)] = strings.TrimSpace(v)
	}
	return seg, nil
}

// Viewer reads the store: the store itself, or what a page server holds
// of it.
type Viewer interface {
	View(fn func(*store.Tx) error) error
}

// errPageFull ends a page's walk.
var errPageFull = errors.New("page full")

// ListContacts calls fn for each customer q selects, in id order, and
// returns the key to start the next page after ("" after the last).
// Customers are read one at a time, so a list of every customer runs in
// bounded memory; a search reads every customer until its page is full.
func ListContacts(st Viewer, q ContactQuery, fn func(ContactRow) error) (next string, err error) {
	words := searchWords(q.Search)
	n := 0
	err = st.View(func(tx *store.Tx) error {
		return tx.ContactsAfter(q.After, func(c store.Contact) error {
			if !inSegment(c, q.Segment) || !matches(c, words) {
				return nil
			}
			if q.Limit > 0 && n == q.Limit {
				return errPageFull
			}
			row, err := contactRow(tx, c)
			if err != nil {
				return err
			}
			n++
			next = row.Key
			return fn(row)
		})
	})
	if errors.Is(err, errPageFull) {
		return next, nil
	}
	return "", err
}

func inSegment(c store.Contact, segment map[string]string) bool {
	for k, want := range segment {
		if !strings.EqualFold(strings.TrimSpace(c.Attributes[k]), want) {
			return false
		}
	}
	return true
}

// fold is how a search compares words: lower case, no accents.
func fold(s string) string { return strings.ToLower(textdist.WithoutAccents(s)) }

func searchWords(search string) []string {
	return strings.Fields(fold(search))
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// matches reports whether every word is found in the customer.
func matches(c store.Contact, words []string) bool {
	if len(words) == 0 {
		return true
	}
	if !c.Forgotten.IsZero() {
		return false // nothing of them is left to find
	}
	text := fold(strings.Join(append([]string{c.Name, c.Email, c.ExternalID, c.ID.String()}, slices.Collect(maps.Values(c.Attributes))...), " "))
	phone := digitsOf(c.Phone)
	for _, w := range words {
		if strings.Contains(text, w) {
			continue
		}
		// A phone is searched by its digits, the national 0 aside:
		// "0612" finds +33612345678, "514 555" finds +15145550101.
		if d := digitsOf(w); len(d) >= 2 && !strings.ContainsFunc(w, unicode.IsLetter) {
			if national := strings.TrimLeft(d, "0"); strings.Contains(phone, d) || national != "" && strings.Contains(phone, national) {
				continue
			}
		}
		return false
	}
	return true
}

// contactRow reads what a list shows of a customer: their answers and
// cases through the indexes by contact, never the whole store's.
func contactRow(tx *store.Tx, c store.Contact) (ContactRow, error) {
	row := ContactRow{ID: c.ID.String(), Key: c.ID.String(), ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Language: c.Language, TimeZone: c.TimeZone, Attributes: c.Attributes, Forgotten: !c.Forgotten.IsZero(), Created: c.Created}
	for ch, status := range c.Channels {
		if status.State != store.ChannelOK {
			if row.Blocked == nil {
				row.Blocked = map[string]string{}
			}
			row.Blocked[string(ch)] = strings.TrimSpace(string(status.State) + ": " + status.Reason)
		}
	}
	err := tx.ResponsesOf(c.ID, func(r store.Response) error {
		row.Answers++
		if !r.Received.Before(row.LastAnswer) {
			score := r.Score
			row.LastScore, row.LastAnswer = &score, r.Received
		}
		return nil
	})
	if err != nil {
		return row, err
	}
	err = tx.CasesOf(c.ID, func(k store.Case) error {
		if k.Open() {
			row.OpenCases++
		}
		return nil
	})
	return row, err
}

// contactsReadPage is how many customers a long list reads in one read
// transaction: an export of a million customers through the running
// daemon never holds one transaction open for its whole length (bbolt
// cannot grow its file under an open one).
const contactsReadPage = 1000

// forEachContact is ListContacts read a page at a time, each page in its
// own read transaction, when q asks for every customer.
func forEachContact(st Viewer, q ContactQuery, fn func(ContactRow) error) (string, error) {
	if q.Limit > 0 {
		return ListContacts(st, q, fn)
	}
	q.Limit = contactsReadPage
	for {
		next, err := ListContacts(st, q, fn)
		if err != nil || next == "" {
			return "", err
		}
		q.After, _ = store.ParseContactID(next)
	}
}

// contactColumns are the list's columns in a spreadsheet, before one
// column per attribute.
var contactColumns = []string{"key", "external_id", "name", "email", "phone", "language", "time_zone", "blocked", "last_score", "last_answer", "answers", "open_cases", "created"}

// tableFlushRows is how many customers a table holds before it prints
// them: a list of every customer is printed as it is read, in blocks
// whose columns line up.
const tableFlushRows = 500

// WriteContacts writes the customers q selects as format (table, csv or
// json), as they are read, times in loc, and returns the key after which
// the next page starts. A CSV has one column per attribute, found by a
// first reading of the customers it lists.
func WriteContacts(w io.Writer, st *store.Store, q ContactQuery, format string, p i18n.Printer) (string, error) {
	loc := p.Location()
	switch format {
	case "json":
		first := true
		io.WriteString(w, "[")
		next, err := forEachContact(st, q, func(r ContactRow) error {
			if !first {
				io.WriteString(w, ",")
			}
			first = false
			return safeout.WriteJSON(w, r, true)
		})
		if err != nil {
			return "", err
		}
		_, err = io.WriteString(w, "]\n")
		return next, err
	case "csv":
		attrs := map[string]bool{}
		if _, err := forEachContact(st, q, func(r ContactRow) error {
			for k := range r.Attributes {
				attrs[k] = true
			}
			return nil
		}); err != nil {
			return "", err
		}
		keys := slices.Sorted(maps.Keys(attrs))
		cw := safeout.NewCSVWriter(w)
		if err := cw.Write(append(slices.Clone(contactColumns), keys...)); err != nil {
			return "", err
		}
		next, err := forEachContact(st, q, func(r ContactRow) error {
			rec := []string{r.Key, r.ExternalID, r.Name, r.Email, r.Phone, r.Language, r.TimeZone, blockedText(r.Blocked),
				scoreText(r.LastScore), timeText(r.LastAnswer, loc), strconv.Itoa(r.Answers), strconv.Itoa(r.OpenCases), timeText(r.Created, loc)}
			for _, k := range keys {
				rec = append(rec, r.Attributes[k])
			}
			return cw.Write(rec)
		})
		cw.Flush()
		return next, cmp.Or(err, cw.Error())
	case "table", "":
		clean := func(s string) string { return safeout.TerminalText(s, false) }
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join([]string{p.T("col.key"), p.T("col.customer"), p.T("col.phone"), p.T("col.email"), p.T("col.last"), p.T("col.answered"), p.T("col.cases"), p.T("col.blocked")}, "\t"))
		n := 0
		next, err := forEachContact(st, q, func(r ContactRow) error {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.Key, clean(r.Name), clean(r.Phone), clean(r.Email),
				scoreText(r.LastScore), dateText(r.LastAnswer, loc), r.OpenCases, strings.Join(slices.Sorted(maps.Keys(r.Blocked)), ","))

			if n++; n%tableFlushRows == 0 {
				return tw.Flush()
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		return next, tw.Flush()
	}
	return "", fmt.Errorf("format %q: use table, csv or json", format)
}

func blockedText(blocked map[string]string) string {
	var parts []string
	for _, ch := range slices.Sorted(maps.Keys(blocked)) {
		parts = append(parts, ch+" "+blocked[ch])
	}
	return strings.Join(parts, "; ")
}

func scoreText(score *int) string {
	if score == nil {
		return ""
	}
	return strconv.Itoa(*score)
}

func timeText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}

func dateText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02")
}
