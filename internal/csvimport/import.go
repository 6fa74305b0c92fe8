package csvimport

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
)

// pendingRow is a checked CSV row waiting to be written. apply runs inside
// a store transaction and may run more than once (see store.Update).
type pendingRow struct {
	line  int
	apply func(tx *store.Tx) (store.UpsertResult, error)
	// dropped are the fields left out of a row that is kept (see
	// contact.Rule.CheckKeeping).
	dropped []*contact.FieldError
	// keys are the row's values that no other row of the file may hold.
	keys []uniqueKey
}

// rowBuilder checks one CSV row by itself and turns it into a pending
// write, or says why the row is refused. Duplicates within the file are
// the first pass's to find (see claims), from the keys.
type rowBuilder func(r csvRow) (pendingRow, error)

// Chunk is how many rows are built and queued at once: large enough
// that the group commit pays one fsync for many rows, small enough that
// memory stays flat on a million-row file and the progress bar moves.
const Chunk = 1000

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// contactKeys resolves the contact column of event and history rows. Phone
// parsing is the costly part of a lookup and a history names the same
// contacts again and again, so a key is parsed once while it stays in a
// bounded cache: a history of millions of contacts must not keep one
// entry each.
type contactKeys struct {
	region string
	phones map[string]string
}

// maxCachedKeys bounds the contactKeys cache; it is emptied when full.
const maxCachedKeys = 1 << 16

func newContactKeys(region string) *contactKeys {
	return &contactKeys{region: region, phones: map[string]string{}}
}

func (k *contactKeys) phone(key string) string {
	if strings.Contains(key, "@") {
		return "" // an email, which PhoneKey answers at once
	}
	p, ok := k.phones[key]
	if !ok {
		p = contact.PhoneKey(key, k.region)
		if len(k.phones) == maxCachedKeys {
			clear(k.phones)
		}
		k.phones[strings.Clone(key)] = p
	}
	return p
}

var contactColumns = map[string]string{
	"name": "name", "nom": "name", "full_name": "name", "client": "name", "customer": "name",
	"email": "email", "e_mail": "email", "mail": "email", "courriel": "email",
	"phone": "phone", "telephone": "phone", "tel": "phone", "mobile": "phone", "portable": "phone", "cellulaire": "phone",
	"language": "language", "langue": "language", "lang": "language",
	"timezone": "timezone", "time_zone": "timezone", "tz": "timezone", "fuseau_horaire": "timezone",
	"external_id": "external_id", "id": "external_id", "customer_id": "external_id", "client_id": "external_id",
}

func buildContactRows(o Options, t *csvTable) (rowBuilder, error) {
	_, hasEmail := t.columns["email"]
	_, hasPhone := t.columns["phone"]
	if !hasEmail && !hasPhone {
		return nil, fmt.Errorf("%s line 1: no email or phone column (the header has %s)", t.name, strings.Join(t.header, ", "))
	}
	return func(r csvRow) (pendingRow, error) {
		ct, dropped, err := contactFromRow(o, t, r)
		if err != nil {
			return pendingRow{}, err
		}
		keys := []uniqueKey{{"email", strings.ToLower(ct.Email)}, {"phone", ct.Phone}, {"external_id", ct.ExternalID}}
		return pendingRow{line: r.line, keys: keys, dropped: dropped, apply: func(tx *store.Tx) (store.UpsertResult, error) {
			_, res, err := tx.UpsertContact(ct)
			return res, err
		}}, nil
	}, nil
}

// contactFromRow checks a row's contact, keeping its good fields unless
// the import is strict (see contact.Rule.CheckKeeping).
func contactFromRow(o Options, t *csvTable, r csvRow) (store.Contact, []*contact.FieldError, error) {
	f := contact.Fields{
		Name:       t.get(r, "name"),
		ExternalID: t.get(r, "external_id"),
		Email:      t.get(r, "email"),
		Phone:      t.get(r, "phone"),
		Language:   t.get(r, "language"),
		Timezone:   t.get(r, "timezone"),
	}
	for _, key := range t.extra {
		if f.Attributes == nil {
			f.Attributes = map[string]string{}
		}
		f.Attributes[key] = r.fields[t.columns["attr:"+key]]
	}
	rule := contact.Rule{Region: o.Region}
	if o.Strict {
		ct, err := rule.Check(f)
		return ct, nil, err
	}
	return rule.CheckKeeping(f)
}

var eventColumns = map[string]string{
	"contact": "contact", "contact_id": "contact", "customer": "contact", "client": "contact",
	"type": "type", "event": "type", "event_type": "type",
	"at": "at", "date": "at", "time": "at", "datetime": "at", "occurred_at": "at",
	"amount": "amount", "montant": "amount", "total": "amount",
	"external_id": "external_id", "id": "external_id", "event_id": "external_id", "order_id": "external_id", "transaction_id": "external_id",
}

func buildEventRows(o Options, t *csvTable) (rowBuilder, error) {
	if err := requireColumns(t, "contact", "at"); err != nil {
		return nil, err
	}
	if _, ok := t.columns["type"]; !ok && t.defaults["type"] == "" {
		return nil, fmt.Errorf("%s line 1: no type column: add one, or give --type purchase", t.name)
	}
	return contactRows(o, t,
		func(r csvRow) (store.Event, error) { return eventFromRow(t, r, o) },
		func(tx *store.Tx, id store.ContactID, ev store.Event) (bool, error) {
			ev.ContactID = id
			_, created, err := tx.AddEvent(ev)
			return created, err
		}), nil
}

func eventFromRow(t *csvTable, r csvRow, o Options) (store.Event, error) {
	ev := store.Event{Type: t.get(r, "type"), ExternalID: t.get(r, "external_id")}
	if ev.Type == "" {
		ev.Type = t.defaults["type"]
	}
	if ev.Type == "" {
		return store.Event{}, errEmptyType
	}
	at, err := ParseDate(t.get(r, "at"), o.Location, o.DayFirst)
	if err != nil {
		return store.Event{}, err
	}
	ev.At = at
	if v := t.get(r, "amount"); v != "" {
		a, err := ParseAmount(v)
		if err != nil {
			return store.Event{}, err
		}
		ev.Amount = &a
	}
	return ev, nil
}

// contactRows builds the rows of a file whose "contact" column names an
// existing contact by any key: parse reads the rest of the row, add writes
// it for the contact found inside the transaction. The import reports a
// row add found already stored (created false) as unchanged.
func contactRows[T any](o Options, t *csvTable, parse func(csvRow) (T, error), add func(tx *store.Tx, id store.ContactID, v T) (bool, error)) rowBuilder {
	keys := newContactKeys(o.Region)
	return func(r csvRow) (pendingRow, error) {
		key := t.get(r, "contact")
		if key == "" {
			return pendingRow{}, errEmptyContact
		}
		v, err := parse(r)
		if err != nil {
			return pendingRow{}, err
		}
		phone := keys.phone(key)
		return pendingRow{line: r.line, apply: func(tx *store.Tx) (store.UpsertResult, error) {
			id, err := tx.ContactIDByKey(key, phone)
			if errors.Is(err, store.ErrNotFound) {
				return store.Unchanged, &unknownContactError{key: key, err: err}
			} else if err != nil {
				return store.Unchanged, err
			}
			created, err := add(tx, id, v)
			if created {
				return store.Created, err
			}
			return store.Unchanged, err
		}}, nil
	}
}

var responseColumns = map[string]string{
	"contact": "contact", "contact_id": "contact", "customer": "contact", "client": "contact",
	"score": "score", "note": "score", "nps": "score",
	"comment": "comment", "commentaire": "comment", "verbatim": "comment",
	"date": "date", "at": "date", "received": "date",
}

func buildResponseRows(o Options, t *csvTable) (rowBuilder, error) {
	if err := requireColumns(t, "contact", "score", "date"); err != nil {
		return nil, err
	}
	return contactRows(o, t,
		func(r csvRow) (store.Response, error) { return responseFromRow(t, r, o) },
		func(tx *store.Tx, id store.ContactID, resp store.Response) (bool, error) {
			resp.ContactID = id
			resp.Key = historyKey(resp)
			_, created, err := tx.AddResponse(resp)
			return created, err
		}), nil
}

func responseFromRow(t *csvTable, r csvRow, o Options) (store.Response, error) {
	raw := t.get(r, "score")
	score, err := strconv.Atoi(raw)
	if err != nil {
		return store.Response{}, &scoreError{raw: raw}
	}
	if !nps.ValidScore(score) {
		return store.Response{}, &scoreError{raw: raw, score: score, whole: true}
	}
	at, err := ParseDate(t.get(r, "date"), o.Location, o.DayFirst)
	if err != nil {
		return store.Response{}, err
	}
	return store.Response{Score: score, Comment: t.get(r, "comment"), Received: at, Source: store.SourceImport}, nil
}

// historyKey identifies an imported answer by what it says, so importing
// the same history file twice counts each answer once. It starts with the
// time so that a history sorted by date, as exports are, appends to the key
// index instead of scattering writes across it.
func historyKey(r store.Response) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s", r.ContactID, r.Received.UTC().Format(time.RFC3339Nano), r.Score, r.Comment)
	return "import:" + r.Received.UTC().Format("20060102T150405.000000000") + ":" + hex.EncodeToString(h.Sum(nil))[:24]
}

func requireColumns(t *csvTable, cols ...string) error {
	var missing []string
	for _, c := range cols {
		if _, ok := t.columns[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s line 1: missing column(s) %s (the header has %s)", t.name, strings.Join(missing, ", "), strings.Join(t.header, ", "))
	}
	return nil
}
