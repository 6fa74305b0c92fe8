package csvimport

import (
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/store"
)

// frenchExport is a contacts file as a Québec shop's spreadsheet saves
// it: a BOM, semicolons, CRLF, French headers and values.
const frenchExport = "\ufeffNom;Courriel;Téléphone;Langue;Ville\r\n" +
	"Gaëtan Roy;gaetan@example.ca;514 555-0101 poste 204;Français;Montréal\r\n" + // line 2: extension kept apart
	"Léa Smith;lea@example.ca;(514) 555-0102 ext. 12;Anglais;Laval\r\n" + // line 3
	"Ann;ann@example.ca;pas de tel;Espagnol;Montréal\r\n" + // line 4: phone and language dropped
	"Bob;bob@@example;514 555-0104;English (Canada);Québec\r\n" + // line 5: email dropped, found by phone
	"Zoé;zoe@@example;pas de tel;fr;Laval\r\n" + // line 6: nothing left to find her by
	"Marc;;;;Montréal\r\n" // line 7: nothing to find him by at all

func contactsByName(t *testing.T, st *store.Store) map[string]store.Contact {
	t.Helper()
	out := map[string]store.Contact{}
	if err := st.View(func(tx *store.Tx) error {
		return tx.ForEachContact(func(c store.Contact) error { out[c.Name] = c; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImportKeepsTheGoodFieldsOfARow(t *testing.T) {
	st := openStore(t)
	o := Options{Region: "CA", Location: time.UTC, Rename: map[string]string{"ville": "city"}}
	res, err := runImport(t, st, Contacts, frenchExport, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || res.Refused() != 2 || res.Partial() != 2 {
		t.Fatalf("result %+v: want 4 created (2 of them without a field), 2 refused", res)
	}
	for _, line := range res.Refusals(i18n.For("en", nil), "f.csv") {
		if strings.Contains(line, "\n") {
			t.Errorf("a row's report runs over two lines: %q", line)
		}
	}
	lines := strings.Join(res.Refusals(i18n.For("en", nil), "f.csv"), "\n")
	for _, want := range []string{
		`f.csv line 4: kept without its phone (invalid phone "pas de tel"`, `nor its language (unsupported language "Espagnol"`,
		`f.csv line 5: kept without its email (invalid email "bob@@example")`,
		`f.csv line 6: invalid email "zoe@@example"`, `invalid phone "pas de tel"`, "nothing is left to find or reach this contact by",
		"f.csv line 7: no email and no phone",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("the report lacks %q:\n%s", want, lines)
		}
	}
	got := contactsByName(t, st)
	checks := []struct {
		name, email, phone, lang, ext, city string
	}{
		{"Gaëtan Roy", "gaetan@example.ca", "+15145550101", "fr", "204", "Montréal"},
		{"Léa Smith", "lea@example.ca", "+15145550102", "en", "12", "Laval"},
		{"Ann", "ann@example.ca", "", "", "", "Montréal"},
		{"Bob", "", "+15145550104", "en", "", "Québec"},
	}
	for _, w := range checks {
		c, ok := got[w.name]
		if !ok {
			t.Errorf("%s was not imported", w.name)
			continue
		}
		if c.Email != w.email || c.Phone != w.phone || c.Language != w.lang || c.Attributes[contact.ExtensionAttribute] != w.ext || c.Attributes["city"] != w.city {
			t.Errorf("%s: %+v, want email %q phone %q language %q extension %q city %q", w.name, c, w.email, w.phone, w.lang, w.ext, w.city)
		}
		if _, ok := c.Attributes["ville"]; ok {
			t.Errorf("%s keeps the column under its French name too: %v", w.name, c.Attributes)
		}
	}

	// A field left out never erases what is stored: Ann's phone, once
	// known, stays when a later file has a bad one.
	if _, err := runImport(t, st, Contacts, "email,phone\nann@example.ca,514 555-0105\n", o.withoutRename()); err != nil {
		t.Fatal(err)
	}
	if _, err := runImport(t, st, Contacts, "email,phone,langue\nann@example.ca,pas de tel,fr\n", o.withoutRename()); err != nil {
		t.Fatal(err)
	}
	if c := contactsByName(t, st)["Ann"]; c.Phone != "+15145550105" || c.Language != "fr" {
		t.Errorf("Ann after a file with a bad phone: %+v, want her phone kept and her language set", c)
	}
}

func (o Options) withoutRename() Options { o.Rename = nil; return o }

func TestImportStrictRefusesTheWholeRow(t *testing.T) {
	st := openStore(t)
	res, err := runImport(t, st, Contacts, frenchExport, Options{Region: "CA", Location: time.UTC, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 2 || res.Refused() != 4 || res.Partial() != 0 {
		t.Fatalf("strict result %+v: want 2 created, 4 refused", res)
	}
	if _, ok := contactsByName(t, st)["Ann"]; ok {
		t.Error("a strict import kept a row with a bad phone")
	}
}

func TestImportRenameNamesWhatItCannotFind(t *testing.T) {
	st := openStore(t)
	_, err := runImport(t, st, Contacts, frenchExport, Options{Region: "CA", Location: time.UTC, Rename: map[string]string{"Villes": "city"}})
	if err == nil || !strings.Contains(err.Error(), `"Villes"`) || !strings.Contains(err.Error(), "Ville") {
		t.Fatalf("a --map of a column the file lacks: %v", err)
	}
	if countContacts(t, st) != 0 {
		t.Error("a file refused for its --map wrote contacts")
	}
	// Renaming onto a column npsd knows: the phone is read from Cellulaire.
	res, err := runImport(t, st, Contacts, "courriel,cellulaire perso\nx@example.ca,438 555 0101\n", Options{Region: "CA", Location: time.UTC, Rename: map[string]string{"cellulaire perso": "phone"}})
	if err != nil || res.Created != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	var c store.Contact
	st.View(func(tx *store.Tx) (err error) { c, err = tx.ContactByKey("x@example.ca", ""); return err })
	if c.Phone != "+14385550101" {
		t.Errorf("renamed phone column: %+v", c)
	}
}

func TestParseRenameAndDateFormat(t *testing.T) {
	r, err := ParseRename(" Ville = city , Province=region")
	if err != nil || r["Ville"] != "city" || r["Province"] != "region" || len(r) != 2 {
		t.Errorf("ParseRename: %v %v", r, err)
	}
	for _, bad := range []string{"Ville", "Ville=", "=city", "Ville=city,ville=town", "Ville=city,,"} {
		if _, err := ParseRename(bad); err == nil {
			t.Errorf("ParseRename(%q) took it", bad)
		}
	}
	for in, want := range map[string]bool{"DD/MM/YYYY": true, "jj/mm/aaaa": true, "dd.mm.yyyy": true, "MM/DD/YYYY": false, "mm-dd-yy": false} {
		if got, err := DayFirstOf(in); err != nil || got != want {
			t.Errorf("DayFirstOf(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"YYYY-MM-DD", "dd/mm", "", "d"} {
		if _, err := DayFirstOf(bad); err == nil {
			t.Errorf("DayFirstOf(%q) took it", bad)
		}
	}
	// The events of a French file with a date format given the other way.
	st := openStore(t)
	if _, err := runImport(t, st, Contacts, "email\na@example.ca\n", Options{Region: "CA", Location: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if _, err := runImport(t, st, Events, "client;date;montant;type\na@example.ca;03/04/2026;12,50 $;achat\n", Options{Region: "CA", Location: time.UTC, DayFirst: true}); err != nil {
		t.Fatal(err)
	}
	var evs []store.Event
	st.View(func(tx *store.Tx) error {
		return tx.EventsAfter(0, func(e store.Event) error { evs = append(evs, e); return nil })
	})
	if len(evs) != 1 || evs[0].At.Month() != time.April || evs[0].At.Day() != 3 || evs[0].Amount == nil || *evs[0].Amount != 12.5 {
		t.Errorf("events %+v: want the 3rd of April, 12.50", evs)
	}
}
