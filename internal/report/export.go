package report

import (
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
)

// ExportRow is one response with its contact, for spreadsheets. The JSON
// field names are a contract with whoever reads the file.
type ExportRow struct {
	Response   string            `json:"response"`
	Received   time.Time         `json:"received"`
	Score      int               `json:"score"`
	Category   string            `json:"category"`
	Comment    string            `json:"comment"`
	Channel    string            `json:"channel"`
	Source     string            `json:"source"`
	Campaign   string            `json:"campaign"`
	Contact    string            `json:"contact"`
	ExternalID string            `json:"external_id"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	Attributes map[string]string `json:"attributes"`
}

// ExportQuery selects the responses to export: bounds as in Query, a
// default start when From is empty (zero: from the first), and a page
// size (zero: every response).
type ExportQuery struct {
	From, To     string
	DefaultStart time.Time
	Limit        int
	// Campaign, Channel and Segment keep only the responses of that
	// campaign, given by that channel, from customers of that segment.
	Campaign, Channel string
	Segment           map[string]string
}

// Export is one page of responses with their contacts.
type Export struct {
	Rows []ExportRow
	// Attributes are every contact attribute the rows carry, sorted: one
	// column each in a spreadsheet.
	Attributes []string
	// Next is the From of the following page, "" on the last one.
	Next string
}

// Responses reads the responses q selects, oldest first, each with its
// contact as it is now. The command line and the shop's API export
// through it, so a file and an API page have the same rows.
func Responses(st Viewer, q ExportQuery, loc *time.Location) (Export, error) {
	from, err := ParseBound(q.From, loc, false)
	if err != nil {
		return Export{}, &BoundError{"from", err}
	}
	to, err := ParseBound(q.To, loc, true)
	if err != nil {
		return Export{}, &BoundError{"to", err}
	}
	if q.From == "" {
		from = q.DefaultStart
	}
	out := Export{Rows: []ExportRow{}}
	attrs := map[string]bool{}
	errFull := errors.New("page full")
	err = st.View(func(tx *store.Tx) error {
		return tx.ScanResponses(from, to, func(rs store.ResponseSummary) error {
			if q.Limit > 0 && len(out.Rows) == q.Limit {
				out.Next = rs.Received.Format(time.RFC3339Nano)
				return errFull
			}
			if q.Campaign != "" && rs.Campaign != q.Campaign {
				return nil
			}
			r, err := tx.Response(rs.ID)
			if err != nil {
				return err
			}
			if q.Channel != "" && string(r.Channel) != q.Channel {
				return nil
			}
			ct, cerr := tx.Contact(r.ContactID)
			if len(q.Segment) > 0 && (cerr != nil || !inSegment(ct, q.Segment)) {
				return nil
			}
			cat, _ := nps.CategoryOf(r.Score)
			row := ExportRow{Response: r.ID.String(), Received: r.Received.In(loc), Score: r.Score, Category: cat.String(),
				Comment: r.Comment, Channel: string(r.Channel), Source: r.Source, Campaign: r.Campaign, Contact: r.ContactID.String()}
			if cerr == nil {
				row.ExternalID, row.Name, row.Email, row.Phone, row.Attributes = ct.ExternalID, ct.Name, ct.Email, ct.Phone, ct.Attributes
				for k := range ct.Attributes {
					attrs[k] = true
				}
			}
			out.Rows = append(out.Rows, row)
			return nil
		})
	})
	if err != nil && !errors.Is(err, errFull) {
		return Export{}, err
	}
	out.Attributes = slices.Sorted(maps.Keys(attrs))
	return out, nil
}

// WriteExportJSON writes the rows as a JSON array, safe on a terminal.
func WriteExportJSON(w io.Writer, e Export) error { return safeout.WriteJSON(w, e.Rows, false) }

// WriteExportCSV writes one row per response, then one column per contact
// attribute; every cell is made safe for a spreadsheet and a terminal.
func WriteExportCSV(w io.Writer, e Export) error {
	rows, keys := e.Rows, e.Attributes
	cw := safeout.NewCSVWriter(w)
	_ = cw.Write(append([]string{"response", "received", "score", "category", "comment", "channel", "source", "campaign", "contact", "external_id", "name", "email", "phone"}, keys...))
	for _, r := range rows {
		rec := []string{r.Response, r.Received.Format(time.RFC3339), strconv.Itoa(r.Score), r.Category, r.Comment, r.Channel, r.Source, r.Campaign, r.Contact, r.ExternalID, r.Name, r.Email, r.Phone}
		for _, k := range keys {
			rec = append(rec, r.Attributes[k])
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}
