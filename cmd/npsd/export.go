package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
)

// exportRow is one response with its contact, for spreadsheets. The JSON
// field names are a contract with whoever reads the file.
type exportRow struct {
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

func (c *cli) cmdResponsesExport(ctx context.Context, args []string) int {
	fs, config := c.flags("responses export")
	format := fs.String("format", "csv", "csv or json")
	from := fs.String("from", "", "first day, YYYY-MM-DD (business time zone) or RFC 3339")
	to := fs.String("to", "", "last day (inclusive), YYYY-MM-DD, or RFC 3339")
	out := fs.String("out", "", "write to this file, readable by its owner only (default: stdout)")
	if _, err := parse(fs, args); err != nil {
		return exitUnusable
	}
	if *format != "csv" && *format != "json" {
		fmt.Fprintf(c.stderr, "npsd responses export: --format must be csv or json, not %q\n", *format)
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		loc := cfg.location()
		start, err := parseBound(*from, loc, false)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd responses export: --from: %v\n", err)
			return exitUnusable
		}
		end, err := parseBound(*to, loc, true)
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd responses export: --to: %v\n", err)
			return exitUnusable
		}
		var rows []exportRow
		attrs := map[string]bool{}
		err = st.View(func(tx *store.Tx) error {
			return tx.ScanResponses(start, end, func(rs store.ResponseSummary) error {
				r, err := tx.Response(rs.ID)
				if err != nil {
					return err
				}
				cat, _ := nps.CategoryOf(r.Score)
				row := exportRow{Response: r.ID.String(), Received: r.Received.In(loc), Score: r.Score, Category: cat.String(),
					Comment: r.Comment, Channel: string(r.Channel), Source: r.Source, Campaign: r.Campaign, Contact: r.ContactID.String()}
				if ct, err := tx.Contact(r.ContactID); err == nil {
					row.ExternalID, row.Name, row.Email, row.Phone, row.Attributes = ct.ExternalID, ct.Name, ct.Email, ct.Phone, ct.Attributes
					for k := range ct.Attributes {
						attrs[k] = true
					}
				}
				rows = append(rows, row)
				return nil
			})
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd responses export: %v\n", err)
			return exitPartial
		}
		err = c.output(*out, func(w io.Writer) error {
			if *format == "json" {
				if rows == nil {
					rows = []exportRow{}
				}
				return writeTerminalJSON(w, rows, false)
			}
			return writeExportCSV(w, rows, slices.Sorted(maps.Keys(attrs)))
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd responses export: %v\n", err)
			return exitPartial
		}
		return exitOK
	})
}

// writeExportCSV writes one row per response, then one column per contact
// attribute; every cell is made safe for a spreadsheet and a terminal.
func writeExportCSV(w io.Writer, rows []exportRow, keys []string) error {
	cw := newSafeCSVWriter(w)
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
