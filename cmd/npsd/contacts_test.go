package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContactsFile finds customers, reads one customer's file and exports
// them all, as the owner would to answer "did Gaëtan answer, what did he
// say, did we call him back?".
func TestContactsFile(t *testing.T) {
	e := newEnvIn(t, "fr")
	e.want(e.npsd("contacts", "import", e.file("c.csv", "nom,courriel,téléphone,ville,plan\n"+ // ville is read as city (--map)
		"Gaëtan Roy,gaetan@example.fr,06 12 34 56 78,Lyon,pro\n"+
		"Léa Martin,lea@example.fr,,Paris,pro\n"+
		"Bob,bob@example.fr,07 81 23 45 67,Lyon,\n"), "--map", "ville=city"), exitOK, nil, nil)
	e.want(e.npsd("events", "import", e.file("e.csv", "client;date;montant;type\ngaetan@example.fr;20/11/2026;12,50 €;achat\n")), exitOK, nil, nil)
	e.want(e.npsd("responses", "add", "gaetan@example.fr", "--score", "3", "--comment", "pain rassis", "--by", "marie"), exitOK, nil, nil)

	// Found by a name without its accent, by a piece of the phone as it
	// is typed, by a segment.
	e.want(e.npsd("contacts", "list", "--search", "gaetan"), exitOK, []string{"Gaëtan Roy", "+33612345678"}, nil)
	if r := e.npsd("contacts", "list", "--search", "0612"); !strings.Contains(r.stdout, "Gaëtan") || strings.Contains(r.stdout, "Bob") {
		t.Errorf("search by phone:\n%s", r.stdout)
	}
	if r := e.npsd("contacts", "list", "--segment", "city=lyon,plan=pro"); !strings.Contains(r.stdout, "Gaëtan") || strings.Contains(r.stdout, "Bob") || strings.Contains(r.stdout, "Léa") {
		t.Errorf("segment city=lyon,plan=pro:\n%s", r.stdout)
	}
	if r := e.npsd("contacts", "list", "--search", "nobody-like-this"); strings.Contains(r.stdout, "@") {
		t.Errorf("a search for nobody lists:\n%s", r.stdout)
	}
	e.want(e.npsd("contacts", "list", "--segment", "city"), exitUnusable, nil, []string{"--segment", "KEY=VALUE"})
	e.want(e.npsd("contacts", "list", "--format", "xml"), exitUnusable, nil, []string{"format", "must be table, csv or json"})

	// The file, in time order: the purchase, the answer, the case.
	r := e.npsd("contacts", "show", "06 12 34 56 78")
	e.want(r, exitOK, []string{"Gaëtan Roy (c1)", "achat (12,50)", "demandé en personne par marie (téléphone)", "a répondu 3/10 par téléphone", "«\u00a0pain rassis\u00a0»", "dossier ouvert pour un 3/10", "city", "Lyon"}, nil)
	if i, j, k := strings.Index(r.stdout, "achat"), strings.Index(r.stdout, "a répondu 3/10"), strings.Index(r.stdout, "dossier ouvert"); i < 0 || j < i || k < j {
		t.Errorf("the story is not in time order:\n%s", r.stdout)
	}
	var f struct {
		Key       string `json:"key"`
		LastScore *int   `json:"last_score"`
		OpenCases int    `json:"open_cases"`
		Channels  []struct {
			Channel, State string
		} `json:"channels"`
		Story []struct {
			What, Ref, Text string
		} `json:"story"`
	}
	r = e.npsd("contacts", "show", "c1", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &f); err != nil {
		t.Fatalf("show --format json: %v\n%s", err, r.stdout)
	}
	if f.Key != "c1" || f.LastScore == nil || *f.LastScore != 3 || f.OpenCases != 1 || len(f.Channels) != 2 || len(f.Story) < 4 {
		t.Errorf("file as JSON: %+v", f)
	}
	e.want(e.npsd("contacts", "show", "nobody@example.fr"), exitPartial, nil, []string{"not found", "contacts list --search"})
	// An English business reads it in English.
	e.file("config.yaml", "business:\n  name: Corner Bakery\n  timezone: America/Toronto\n  language: en\n  default_region: CA\nhttp:\n  listen: 127.0.0.1:0\n")
	e.want(e.npsd("contacts", "show", "c1"), exitOK, []string{"answered 3/10 by phone (entered by the owner): “pain rassis”", "case opened for a 3/10, to call back by Tue Nov 24, 2026, 5:00 AM: open"}, nil)

	// The export: one column per attribute, every customer.
	out := filepath.Join(e.dir, "clients.csv")
	e.want(e.npsd("contacts", "export", "--out", out), exitOK, nil, nil)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("export: %v, %d rows\n%s", err, len(rows), b)
	}
	header := strings.Join(rows[0], ",")
	if !strings.HasPrefix(header, "key,external_id,name,email,phone") || !strings.HasSuffix(header, ",city,plan") {
		t.Errorf("export header %q", header)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(e.npsd("contacts", "export", "--format", "json").stdout), &list); err != nil || len(list) != 3 {
		t.Errorf("export as JSON: %v, %d customers", err, len(list))
	}
}
