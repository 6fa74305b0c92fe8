// Package shopapi owns the HTTP API for the shop's systems (a point of
// sale, an online shop, Zapier or n8n): contacts and events in, the report
// and the responses out, each call with a bearer token. The HTTP server in
// inbound mounts its routes.
package shopapi

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/csvimport"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

// api is the HTTP API for the shop's systems (a point of sale, an online
// shop, Zapier or n8n): contacts and events in, the report and the
// responses out. Every call needs a bearer token from http.api_tokens_file.
type api struct {
	Options
}

// Options are what the API needs: the store, the business's phone region
// and time zone, the bearer tokens that open it, a clock and a logger.
type Options struct {
	Store    *store.Store
	Region   string
	Location *time.Location
	// Language is the business's, which a customer's story is told in.
	Language string
	Tokens   []string
	Now      func() time.Time
	Logger   *slog.Logger
}

// Routes returns the API's handlers by pattern, for the HTTP server.
func Routes(o Options) map[string]http.Handler { return (&api{o}).routes() }

// routes returns the API's handlers by pattern, for the HTTP server.
func (a *api) routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/v1/contacts": a.auth(a.postContact),
		"POST /api/v1/events":   a.auth(a.postEvent),
		"GET /api/v1/report":    a.auth(a.getReport),
		"GET /api/v1/responses": a.auth(a.getResponses),
		"GET /api/v1/contacts":  a.auth(a.getContacts),
		// A key may be an email or a phone: {key...} takes it whole.
		"GET /api/v1/contacts/{key...}": a.auth(a.getContact),
	}
}

// apiError is the body of every refusal: what is wrong, and which field.
type apiError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (a *api) auth(next func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid := false
		for _, t := range a.Tokens {
			if ok && subtle.ConstantTimeCompare([]byte(tok), []byte(t)) == 1 {
				valid = true
			}
		}
		if !valid {
			writeJSON(w, http.StatusUnauthorized, apiError{Error: "a valid bearer token is required (Authorization: Bearer …)"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		next(w, r)
	})
}

// decode reads a JSON body strictly: an unknown field is named in the
// error, as the config loader does.
func decode(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return &apiError{Error: fmt.Sprintf("must be a %s", typeErr.Type), Field: typeErr.Field}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return &apiError{Error: "unknown field", Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)}
		case errors.Is(err, io.EOF):
			return &apiError{Error: "the body is empty: send a JSON object"}
		}
		return &apiError{Error: "not valid JSON: " + err.Error()}
	}
	return nil
}

type contactInput struct {
	ExternalID string            `json:"external_id"`
	Name       string            `json:"name"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	Language   string            `json:"language"`
	Timezone   string            `json:"timezone"`
	Attributes map[string]string `json:"attributes"`
}

// contact checks an API contact with the one contact rule.
func (a *api) contact(in contactInput) (store.Contact, *apiError) {
	ct, err := contact.Rule{Region: a.Region}.Check(contact.Fields{ExternalID: in.ExternalID, Name: in.Name, Email: in.Email,
		Phone: in.Phone, Language: in.Language, Timezone: in.Timezone, Attributes: in.Attributes})
	if err != nil {
		var fe *contact.FieldError
		if errors.As(err, &fe) {
			return ct, &apiError{Error: fe.Error(), Field: fe.Field}
		}
		return ct, &apiError{Error: err.Error()}
	}
	return ct, nil
}

// externalIDError refuses an external id the store would refuse, naming
// the field: a retry cannot make it shorter, so it is a 400, not a 503.
func externalIDError(id string) *apiError {
	if len(id) > store.MaxExternalID {
		return &apiError{Error: fmt.Sprintf("longer than %d bytes", store.MaxExternalID), Field: "external_id"}
	}
	return nil
}

func storeError(w http.ResponseWriter, log *slog.Logger, err error) {
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalid):
		writeJSON(w, http.StatusConflict, apiError{Error: err.Error()})
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, apiError{Error: err.Error(), Field: "contact"})
	default:
		log.Error("api", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, apiError{Error: "temporarily unavailable: try again"})
	}
}

// postContact creates or updates a contact, matched like the import: by
// external id, then email, then phone. The same call twice changes nothing.
func (a *api) postContact(w http.ResponseWriter, r *http.Request) {
	var in contactInput
	if e := decode(r, &in); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	ct, e := a.contact(in)
	if e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	saved, res, err := a.Store.UpsertContact(r.Context(), ct)
	if err != nil {
		storeError(w, a.Logger, err)
		return
	}
	status := http.StatusOK
	if res == store.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]string{"id": saved.ID.String(), "result": res.String()})
}

type eventInput struct {
	Contact    string        `json:"contact"`
	NewContact *contactInput `json:"contact_details"`
	Type       string        `json:"type"`
	At         string        `json:"at"`
	Amount     *float64      `json:"amount"`
	ExternalID string        `json:"external_id"`
}

// postEvent records an event; a purchase starts the first-purchase
// campaign at the scheduler's next look (within a minute). The contact is
// named by any key, or given in full with contact_details (created or
// updated first).
func (a *api) postEvent(w http.ResponseWriter, r *http.Request) {
	var in eventInput
	if e := decode(r, &in); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	if strings.TrimSpace(in.Type) == "" {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "must not be empty", Field: "type"})
		return
	}
	if e := externalIDError(strings.TrimSpace(in.ExternalID)); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	at := a.Now()
	if in.At != "" {
		t, err := csvimport.ParseWhen(in.At, a.Location)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "at"})
			return
		}
		at = t
	}
	var details *store.Contact
	if in.NewContact != nil {
		ct, e := a.contact(*in.NewContact)
		if e != nil {
			e.Field = "contact_details." + e.Field
			writeJSON(w, http.StatusBadRequest, e)
			return
		}
		details = &ct
	} else if strings.TrimSpace(in.Contact) == "" {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "name the contact (an id, external id, email or phone) or give contact_details", Field: "contact"})
		return
	}
	ev := store.Event{Type: strings.TrimSpace(in.Type), At: at, Amount: in.Amount, ExternalID: strings.TrimSpace(in.ExternalID)}
	saved, created, err := csvimport.AddEvent(r.Context(), a.Store, a.Region, in.Contact, details, ev)
	if err != nil {
		storeError(w, a.Logger, err)
		return
	}
	status, result := http.StatusCreated, "created"
	if !created {
		status, result = http.StatusOK, "unchanged"
	}
	writeJSON(w, status, map[string]string{"id": saved.ID.String(), "contact": saved.ContactID.String(), "result": result})
}

// getReport answers what `npsd report --format json` prints.
func (a *api) getReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rep, err := report.Build(a.Store, report.Query{From: q.Get("from"), To: q.Get("to"), Campaign: q.Get("campaign"), By: q.Get("by")}, a.Location, a.Now())
	if a.refused(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// getResponses lists responses in a period (default the last 90 days),
// newest last, at most 10,000 per call; "next" gives the from of the
// following page.
func (a *api) getResponses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	e, err := report.Responses(a.Store, report.ExportQuery{From: q.Get("from"), To: q.Get("to"), DefaultStart: a.Now().AddDate(0, 0, -90), Limit: 10000}, a.Location)
	if a.refused(w, err) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"responses": e.Rows, "next": e.Next})
}

// maxContactsPage is the largest page of customers a call returns.
const maxContactsPage = 1000

// getContacts lists customers in id order, a page at a time: search and
// segment (city=Lyon,plan=pro) filter as `npsd contacts list` does, limit
// sizes the page (default 100, at most 1,000), and "next" is the after of
// the following page, "" on the last one.
func (a *api) getContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cq := report.ContactQuery{Search: q.Get("search"), Limit: 100}
	var err error
	if cq.Segment, err = report.ParseSegment(q.Get("segment")); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: "segment"})
		return
	}
	if v := q.Get("limit"); v != "" {
		if cq.Limit, err = strconv.Atoi(v); err != nil || cq.Limit < 1 || cq.Limit > maxContactsPage {
			writeJSON(w, http.StatusBadRequest, apiError{Error: fmt.Sprintf("must be a whole number from 1 to %d", maxContactsPage), Field: "limit"})
			return
		}
	}
	if v := q.Get("after"); v != "" {
		id, ok := store.ParseContactID(v)
		if !ok {
			writeJSON(w, http.StatusBadRequest, apiError{Error: `must be a customer's key, such as "c42", as "next" gave it`, Field: "after"})
			return
		}
		cq.After = id
	}
	rows := []report.ContactRow{}
	next, err := report.ListContacts(a.Store, cq, func(c report.ContactRow) error { rows = append(rows, c); return nil })
	if err != nil {
		storeError(w, a.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"contacts": rows, "next": next})
}

// getContact answers one customer's file, as `npsd contacts show --format
// json` prints it; the key is any of theirs (c42, an external id, an email
// or a phone).
func (a *api) getContact(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	f, err := report.ReadContactFile(a.Store, key, contact.PhoneKey(key, a.Region), i18n.For(a.Language, a.Location))
	if errors.Is(err, store.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no customer has this key", Field: "key"})
		return
	}
	if err != nil {
		storeError(w, a.Logger, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// refused answers a report's error: a bound that cannot be read is the
// caller's (400, naming the field), anything else the store's.
func (a *api) refused(w http.ResponseWriter, err error) bool {
	var bound *report.BoundError
	switch {
	case err == nil:
		return false
	case errors.As(err, &bound):
		writeJSON(w, http.StatusBadRequest, apiError{Error: bound.Err.Error(), Field: bound.Field})
	default:
		storeError(w, a.Logger, err)
	}
	return true
}
