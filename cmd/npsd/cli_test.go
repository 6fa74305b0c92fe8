package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/creack/pty"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/csvimport"
	"github.com/npsd/npsd/store"
)

type result struct {
	code           int
	stdout, stderr string
}

// env is a folder with a config file, in which commands run in-process.
type env struct {
	t   *testing.T
	dir string
}

// newEnv is a bakery in France whose owner reads English: the command
// line's English, which scripts read, is what most tests check.
func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvIn(t, "en")
}

// newEnvIn is the same bakery, its owner reading language.
func newEnvIn(t *testing.T, language string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.speak(language)
	return e
}

// speak rewrites the bakery's config for an owner who reads language
// (which also decides how dates with slashes are read).
func (e *env) speak(language string) {
	e.t.Helper()
	e.file("config.yaml", "business:\n  name: Boulangerie Martin\n  timezone: Europe/Paris\n  language: "+language+"\n  default_region: FR\nhttp:\n  listen: 127.0.0.1:0\n")
}

func (e *env) file(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) npsd(args ...string) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	c := &cli{
		stdin:  strings.NewReader(""),
		stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" },
		now:    func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
	}
	args = append(args, "--config", filepath.Join(e.dir, "config.yaml"))
	code := c.run(context.Background(), args)
	return result{code, out.String(), errb.String()}
}

func (e *env) want(r result, code int, stdout, stderr []string) {
	e.t.Helper()
	if r.code != code {
		e.t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			e.t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
		}
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			e.t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

// contacts returns every stored contact by email (or phone when no email).
func (e *env) contacts() map[string]store.Contact {
	e.t.Helper()
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	defer st.Close()
	out := map[string]store.Contact{}
	st.View(func(tx *store.Tx) error {
		return tx.ForEachContact(func(c store.Contact) error {
			k := c.Email
			if k == "" {
				k = c.Phone
			}
			out[k] = c
			return nil
		})
	})
	return out
}

func TestContactsImportFormats(t *testing.T) {
	tests := []struct {
		name    string
		content string
		args    []string
		check   func(t *testing.T, got map[string]store.Contact)
	}{
		{
			name: "comma, BOM, quoted newline, accents, attributes",
			content: "\xEF\xBB\xBFname,email,phone,language,City,external_id\n" +
				"\"Zoé Lefèvre\",zoe@example.fr,06 12 34 56 78,fr-FR,Montréal,K-1\n" +
				"\"Dupont, Jean\",jean@example.fr,,en,\"Saint-\nÉtienne\",K-2\n",
			check: func(t *testing.T, got map[string]store.Contact) {
				z := got["zoe@example.fr"]
				if z.Name != "Zoé Lefèvre" || z.Phone != "+33612345678" || z.Language != "fr" || z.Attributes["city"] != "Montréal" || z.ExternalID != "K-1" {
					t.Errorf("zoe = %+v", z)
				}
				if j := got["jean@example.fr"]; j.Name != "Dupont, Jean" || j.Attributes["city"] != "Saint-\nÉtienne" {
					t.Errorf("jean = %+v", j)
				}
			},
		},
		{
			name:    "semicolon export from French Excel",
			content: "Nom;Courriel;Téléphone;Ville;Panier\nÉlise Brûlé;elise@example.fr;+33 6 98 76 54 32;Lyon;42,50\n",
			check: func(t *testing.T, got map[string]store.Contact) {
				e := got["elise@example.fr"]
				if e.Name != "Élise Brûlé" || e.Phone != "+33698765432" || e.Attributes["ville"] != "Lyon" || e.Attributes["panier"] != "42,50" {
					t.Errorf("elise = %+v", e)
				}
			},
		},
		{
			name:    "windows-1252 with --encoding",
			content: "name;email\n\xC9lodie;elodie@example.fr\n",
			args:    []string{"--encoding", "windows-1252"},
			check: func(t *testing.T, got map[string]store.Contact) {
				if got["elodie@example.fr"].Name != "Élodie" {
					t.Errorf("elodie = %+v", got["elodie@example.fr"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.file("contacts.csv", tt.content)
			r := e.npsd(append([]string{"contacts", "import", f}, tt.args...)...)
			e.want(r, exitOK, []string{"0 rejected"}, nil)
			tt.check(t, e.contacts())
		})
	}
}

func TestContactsImportBadRows(t *testing.T) {
	e := newEnv(t)
	f := e.file("contacts.csv", "name,email,phone\n"+
		"Ann,ann@example.com,\n"+ // line 2: fine
		"Bad Phone,bp@example.com,12\n"+ // line 3
		"Bad Mail,not-an-email,\n"+ // line 4
		"Ann again,ANN@example.com,\n"+ // line 5: same email as line 2
		"Nobody,,\n"+ // line 6
		"Short,short@example.com\n"+ // line 7: a field missing
		"Bob,bob@example.com,+1 416 555 0199\n") // line 8: fine
	// --strict refuses a row with any bad field, as every import once did.
	r := e.npsd("contacts", "import", f, "--strict")
	e.want(r, exitPartial, []string{"7 rows: 2 contacts created", "5 rejected"}, []string{
		"contacts.csv line 3: invalid phone \"12\"",
		"contacts.csv line 4: invalid email \"not-an-email\"",
		"contacts.csv line 5: email ann@example.com is also on line 2",
		"contacts.csv line 6: no email and no phone",
		"contacts.csv line 7: has 2 fields, the header has 3",
	})
	got := e.contacts()
	if len(got) != 2 || got["ann@example.com"].Name != "Ann" || got["bob@example.com"].Phone != "+14165550199" {
		t.Errorf("stored = %+v; want exactly Ann and Bob, untouched by the bad rows", got)
	}
	// Without it, the row with a bad phone is kept without its phone; the
	// lines are reported in the file's order.
	r = e.npsd("contacts", "import", f)
	e.want(r, exitPartial, []string{"7 rows: 1 contacts created, 0 updated, 2 unchanged, 4 rejected (1 kept without a wrong field)"}, []string{
		"contacts.csv line 3: kept without its phone (invalid phone \"12\"",
		"contacts.csv line 4: invalid email \"not-an-email\", so nothing is left to find or reach this contact by",
	})
	if i, j := strings.Index(r.stderr, "line 3:"), strings.Index(r.stderr, "line 4:"); i < 0 || j < i {
		t.Errorf("lines out of order:\n%s", r.stderr)
	}
	if got := e.contacts(); len(got) != 3 || got["bp@example.com"].Name != "Bad Phone" || got["bp@example.com"].Phone != "" {
		t.Errorf("stored = %+v; want Bad Phone kept without a phone", got)
	}
}

func TestContactsImportUnusableInput(t *testing.T) {
	tests := []struct {
		name, content string
		want          string
	}{
		{"broken quote", "name,email\nAnn,ann@example.com\n\"Bob,bob@example.com\nCid,cid@example.com\n", "line 3: a quote opened in this row is never closed"},
		{"not UTF-8", "name,email\nAnn,ann@example.com\n\xC9lodie,elodie@example.fr\n", "line 3: the file is not UTF-8"},
		{"UTF-16", "\xFF\xFEn\x00a\x00", "UTF-16"},
		{"empty", "", "the file is empty"},
		{"no address column", "name,city\nAnn,Paris\n", "no email or phone column"},
		{"duplicate column", "email,courriel\na@example.com,b@example.com\n", "both mean email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			f := e.file("contacts.csv", tt.content)
			r := e.npsd("contacts", "import", f)
			e.want(r, exitUnusable, nil, []string{tt.want})
			if n := len(e.contacts()); n != 0 {
				t.Errorf("%d contacts written from unusable input, want none", n)
			}
		})
	}
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", filepath.Join(e.dir, "missing.csv")), exitUnusable, nil, []string{"missing.csv"})
	e.want(e.npsd("contacts", "import"), exitUnusable, nil, []string{"takes FILE.csv"})
}

func TestContactsImportDryRunAndUpsert(t *testing.T) {
	e := newEnv(t)
	f := e.file("contacts.csv", "external_id,name,email\nK1,Ann,ann@example.com\nK2,Bob,bob@example.com\n")
	e.want(e.npsd("contacts", "import", f, "--dry-run"), exitOK, []string{"2 contacts created", "dry run: nothing written"}, nil)
	if n := len(e.contacts()); n != 0 {
		t.Fatalf("dry run wrote %d contacts", n)
	}
	e.want(e.npsd("contacts", "import", f), exitOK, []string{"2 contacts created"}, nil)
	e.want(e.npsd("contacts", "import", f), exitOK, []string{"0 contacts created, 0 updated, 2 unchanged"}, nil)
	// The shop's id K1 now has a new email: the same contact is updated.
	g := e.file("update.csv", "external_id,email,plan\nK1,ann.new@example.com,gold\n")
	e.want(e.npsd("contacts", "import", g), exitOK, []string{"1 updated"}, nil)
	got := e.contacts()
	if len(got) != 2 || got["ann.new@example.com"].Name != "Ann" || got["ann.new@example.com"].Attributes["plan"] != "gold" {
		t.Errorf("after update: %+v", got)
	}
}

func TestMissingStoreFolder(t *testing.T) {
	e := newEnv(t)
	e.file("config.yaml", "store:\n  path: nowhere/npsd.db\n")
	r := e.npsd("report")
	e.want(r, exitUnusable, nil, []string{"store.path: folder", "nowhere", "does not exist"})
	e.want(e.npsd("check"), exitUnusable, nil, []string{"line 2: store.path"})
}

func TestEventsImportAndAdd(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,email,phone\nK1,ann@example.com,06 11 22 33 44\n")), exitOK, nil, nil)
	f := e.file("events.csv", "contact;type;date;amount;order_id\n"+
		"K1;purchase;2026-11-02 15:30;12,50;T-1\n"+
		"ann@example.com;purchase;2026-11-03;8;T-2\n"+
		"06 11 22 33 44;support_ticket_closed;2026-11-04T09:00:00Z;;T-3\n"+
		"nobody@example.com;purchase;2026-11-04;;T-4\n"+
		"K1;purchase;yesterday;;T-5\n")
	e.want(e.npsd("events", "import", f), exitPartial, []string{"5 rows: 3 events created", "2 rejected"}, []string{
		"events.csv line 5: contact \"nobody@example.com\": not found",
		"events.csv line 6: date \"yesterday\"",
	})
	// The same file again changes nothing.
	e.want(e.npsd("events", "import", f), exitPartial, []string{"0 events created, 0 updated, 3 unchanged"}, nil)
	e.want(e.npsd("events", "add", "--contact", "+33611223344", "--type", "purchase", "--at", "2026-11-20 10:00", "--id", "T-9"), exitOK, []string{"recorded: purchase for contact c1 at 2026-11-20T10:00:00+01:00"}, nil)
	e.want(e.npsd("events", "add", "--contact", "c1", "--type", "purchase", "--id", "T-9"), exitOK, []string{"already recorded"}, nil)
	e.want(e.npsd("events", "add", "--contact", "zed@example.com", "--type", "purchase"), exitPartial, nil, []string{"not found"})
	e.want(e.npsd("events", "add", "--type", "purchase"), exitUnusable, nil, []string{"--contact and --type are required"})

	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(func(tx *store.Tx) error {
		evs, err := tx.EventsOf(1)
		if err != nil || len(evs) != 4 {
			t.Fatalf("events = %d %v, want 4", len(evs), err)
		}
		if evs[0].Amount == nil || *evs[0].Amount != 12.5 || evs[0].At.Format(time.RFC3339) != "2026-11-02T14:30:00Z" {
			t.Errorf("first event = %+v", evs[0])
		}
		return nil
	})
}

func TestResponsesImportAndReport(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,email,city\n"+
		"K1,a@example.com,Lyon\nK2,b@example.com,Lyon\nK3,c@example.com,Paris\nK4,d@example.com,\n")), exitOK, nil, nil)
	f := e.file("history.csv", "contact,score,comment,date\n"+
		"K1,10,\"Pain excellent, merci\",2026-01-10\n"+
		"K2,9,,2026-01-11\n"+
		"K3,6,Trop d'attente,2026-01-12\n"+
		"K4,8,,2026-02-01T09:00:00+01:00\n"+
		"K1,11,,2026-02-02\n"+
		"K2,neuf,,2026-02-02\n"+
		"K9,5,,2026-02-02\n")
	e.want(e.npsd("responses", "import", f), exitPartial, []string{"7 rows: 4 responses created", "3 rejected"}, []string{
		"history.csv line 6: score 11 is outside 0-10",
		"history.csv line 7: score \"neuf\" is not a whole number",
		"history.csv line 8: contact \"K9\": not found",
	})
	e.want(e.npsd("responses", "import", f), exitPartial, []string{"0 responses created, 0 updated, 4 unchanged"}, nil)
	e.speak("fr")

	r := e.npsd("report", "--format", "json", "--by", "City")
	e.want(r, exitOK, nil, nil)
	var rep struct {
		Responses, Promoters, Passives, Detractors int
		NPS                                        *float64 `json:"nps"`
		MarginOfError                              *float64 `json:"margin_of_error"`
		Groups                                     []struct {
			Group     string
			Responses int
			NPS       *float64 `json:"nps"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, r.stdout)
	}
	if rep.Responses != 4 || rep.Promoters != 2 || rep.Passives != 1 || rep.Detractors != 1 || rep.NPS == nil || *rep.NPS != 25 || rep.MarginOfError == nil {
		t.Errorf("report = %+v", rep)
	}
	if len(rep.Groups) != 3 || rep.Groups[0].Group != "Lyon" || *rep.Groups[0].NPS != 100 || rep.Groups[2].Group != store.NoGroup {
		t.Errorf("groups = %+v", rep.Groups)
	}

	// --to is inclusive of its day, in the business time zone.
	r = e.npsd("report", "--from", "2026-01-11", "--to", "2026-01-12", "--format", "csv")
	e.want(r, exitOK, []string{"group,responses,promoters", "all,2,1,50.0,0,0.0,1,50.0,0.0,"}, nil)
	r = e.npsd("report", "--from", "2027-01-01")
	// The owner's table speaks the business's language (French here).
	e.want(r, exitOK, []string{"toutes         0", "réponses", "détracteurs"}, nil)
	e.want(e.npsd("report", "--from", "janvier"), exitUnusable, nil, []string{"--from"})
}

func TestUnknownCommand(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "merge"), exitUnusable, nil, []string{"unknown command", "contacts import"})
}

func TestCommandWhileDaemonHoldsTheStore(t *testing.T) {
	e := newEnv(t)
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), CreateDir: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e.want(e.npsd("report"), exitPartial, nil, []string{"database is in use by another npsd"})
}

func TestImportLineNumbersAfterQuotedNewlines(t *testing.T) {
	e := newEnv(t)
	f := e.file("contacts.csv", "name,email,note\n"+
		"Ann,ann@example.com,\"first line\nsecond line\"\n"+ // lines 2-3
		"Bad,bad-address,\n") // line 4
	e.want(e.npsd("contacts", "import", f), exitPartial, nil, []string{"contacts.csv line 4: invalid email"})
	if got := e.contacts()["ann@example.com"].Attributes["note"]; got != "first line\nsecond line" {
		t.Errorf("note = %q", got)
	}
}

func TestImportProgressOnATerminal(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 2*csvimport.Chunk + 1 {
		fmt.Fprintf(&b, "c%d@example.com\n", i)
	}
	f := e.file("contacts.csv", b.String())
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, terminal: true, now: time.Now}
	code := c.run(context.Background(), []string{"contacts", "import", f, "--config", filepath.Join(e.dir, "config.yaml")})
	if code != exitOK || !strings.Contains(errb.String(), "importing contacts") {
		t.Errorf("exit %d; stderr shows no progress bar: %q", code, errb.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d contacts created", 2*csvimport.Chunk+1)) {
		t.Errorf("stdout = %s", out.String())
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	e := newEnv(t)
	d := e.runDaemon(time.Now)
	errb := d.Logs
	// The store is held while the daemon runs: the database is in use.
	_, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), LockTimeout: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, store.ErrInUse) {
		t.Errorf("opening the store while the daemon runs: %v", err)
	}
	if code := d.Stop(); code != exitOK {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), `"msg":"npsd running"`) || !strings.Contains(errb.String(), `"msg":"npsd stopping: finishing the sends in progress"`) {
		t.Errorf("log lacks start and stop lines (JSON when not on a terminal):\n%s", errb.String())
	}
}

// syncBuffer collects a daemon's log while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCheckRendersTemplates(t *testing.T) {
	e := newEnv(t)
	r := e.npsd("check")
	e.want(r, exitOK, []string{"config OK", "survey             fr", "GSM-7", "templates OK: built-in"}, nil)

	os.MkdirAll(filepath.Join(e.dir, "tpl", "fr"), 0o700)
	e.file("tpl/fr/survey.sms.tmpl", "{{.Business.Name}} : votre avis compte ! Notez-nous de 0 à 10, même s'il pleut, ça ne coûte rien.")
	e.file("config.yaml", "business:\n  name: Garage Dupont\ntemplates:\n  dir: tpl\n")
	r = e.npsd("check")
	// The override's "ç" and "û" take it out of GSM-7: check must show it.
	e.want(r, exitOK, []string{"with overrides from " + filepath.Join(e.dir, "tpl"), "UCS-2"}, nil)

	e.file("tpl/fr/help.sms.tmpl", "{{.Business.Name")
	r = e.npsd("check")
	e.want(r, exitUnusable, nil, []string{filepath.Join(e.dir, "tpl", "fr", "help.sms.tmpl")})
}

func TestCampaignPlanAndOutbox(t *testing.T) {
	e := newEnv(t)
	// The clock is Sunday 2026-11-22 10:00 UTC; the default quarterly wave's
	// current period began on 2026-10-01 10:00.
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,email,phone\n"+
		"Ann,ann@example.fr,06 12 34 56 78\n"+
		"Bob,bob@example.fr,\n"+
		"Cid,,+1 212 555 0100\n")), exitOK, nil, nil)

	r := e.npsd("campaign", "plan", "quarterly", "--dry-run")
	e.want(r, exitOK, []string{"campaign quarterly, period 2026-10-01T10:00: 3 surveys queued (dry run: nothing written)", "outside_send_window"}, nil)
	e.want(e.npsd("outbox"), exitOK, []string{"outbox: 0 pending"}, nil)

	r = e.npsd("campaign", "plan", "quarterly")
	e.want(r, exitOK, []string{"3 surveys queued", "first due  2026-11-23 09:00 CET"}, nil)
	r = e.npsd("outbox")
	e.want(r, exitOK, []string{"outbox: 3 pending, 0 inflight", "survey  pending  email", "survey  pending  sms"}, nil)
	// The wave is spread over 72h: Cid's turn comes on Tuesday at 05:00 in
	// New York, where his number is, so 09:00 there, 15:00 in Paris.
	if !strings.Contains(r.stdout, "Cid (c3)  s3      2026-11-24 15:00") {
		t.Errorf("Cid's survey is not due at 09:00 New York time:\n%s", r.stdout)
	}
	e.want(e.npsd("campaign", "plan", "quarterly"), exitOK, []string{"period 2026-10-01T10:00 was already planned: nothing queued"}, nil)
	e.want(e.npsd("outbox", "--state", "sent"), exitOK, []string{"outbox: 3 pending"}, nil)
	e.want(e.npsd("outbox", "--state", "lost"), exitUnusable, nil, []string{"--state must be"})
	e.want(e.npsd("campaign", "plan", "monthly"), exitUnusable, nil, []string{`no campaign named "monthly"`, "quarterly, first-purchase"})

	// Event campaign: a first purchase queues a survey three days later.
	e.want(e.npsd("events", "add", "--contact", "bob@example.fr", "--type", "purchase", "--at", "2026-11-22 09:30"), exitOK, nil, nil)
	r = e.npsd("campaign", "plan", "first-purchase")
	e.want(r, exitOK, []string{"0 surveys queued", "survey_open"}, nil)
}

// TestRunSendsThePlannedWave plans a wave, then runs the daemon on the file
// transports until the surveys are written out.
func TestRunSendsThePlannedWave(t *testing.T) {
	e := newEnv(t)
	// Any hour of any day, so the test does not depend on when it runs.
	e.file("config.yaml", "business:\n  name: Garage Dupont\n  default_region: FR\n  timezone: Europe/Paris\nhttp:\n  listen: 127.0.0.1:0\n"+
		"email:\n  from: Garage Dupont <avis@garage-dupont.fr>\n"+
		"surveys:\n  channels: [email]\n  send_window:\n    days: [mon, tue, wed, thu, fri, sat, sun]\n    start: \"00:00\"\n    end: \"24:00\"\n"+
		"campaigns:\n  - name: now\n    schedule: \"* * * * *\"\n    spread: 0s\n")
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,email,language\nAnn,ann@example.fr,fr\nBob,bob@example.com,en\n")), exitOK, nil, nil)

	errb := &syncBuffer{}
	c := &cli{stdout: io.Discard, stderr: errb, getenv: func(string) string { return "" }, now: time.Now}
	cfgArgs := []string{"--config", filepath.Join(e.dir, "config.yaml")}
	if code := c.run(context.Background(), append([]string{"campaign", "plan", "now"}, cfgArgs...)); code != exitOK {
		t.Fatalf("plan: %d %s", code, errb.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- c.run(ctx, append([]string{"run"}, cfgArgs...)) }()
	outbox := filepath.Join(e.dir, "npsd-data", "outbox", "email")
	var files []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(outbox, "*.eml"))
		if len(files) == 2 {
			break
		}
	}
	stop := func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Fatalf("run exited %d:\n%s", code, errb.String())
		}
	}
	if len(files) != 2 {
		stop()
		t.Fatalf("%d emails written, want 2:\n%s", len(files), errb.String())
	}
	var all string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all += string(b)
	}
	for _, want := range []string{"To: <ann@example.fr>", "To: <bob@example.com>", "List-Unsubscribe: <http://127.0.0.1:8425/u/", "@garage-dupont.fr>"} {
		if !strings.Contains(all, want) {
			t.Errorf("written emails lack %q", want)
		}
	}
	if t.Failed() {
		return
	}
	// Ann clicks 10 in her email: the page opens, then records the score.
	addr := waitFor(t, 5*time.Second, func() string {
		for _, line := range strings.Split(errb.String(), "\n") {
			var rec struct{ Msg, HTTP string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "npsd running" {
				return rec.HTTP
			}
		}
		return ""
	})
	var text string
	for _, f := range files {
		fh, _ := os.Open(f)
		m, err := inbound.ReadMessage(fh)
		fh.Close()
		if err == nil && slices.Contains(m.To, "ann@example.fr") {
			text = m.Text
		}
	}
	link := regexp.MustCompile(`http://127\.0\.0\.1:8425(/s/[A-Za-z0-9_.-]+)\?score=10`).FindStringSubmatch(text)
	if link == nil {
		t.Fatalf("no score link in Ann's email:\n%s", text)
	}
	page, err := http.Get("http://" + addr + link[1] + "?score=10")
	if err != nil || page.StatusCode != http.StatusOK {
		t.Fatalf("opening the link: %v %v", err, page)
	}
	page.Body.Close()
	posted, err := http.PostForm("http://"+addr+link[1], url.Values{"score": {"10"}, "auto": {"1"}})
	if err != nil || posted.StatusCode != http.StatusNoContent {
		t.Fatalf("the page's post: %v %v", err, posted)
	}
	posted.Body.Close()
	stop()
	r := e.npsd("outbox", "--state", "sent")
	e.want(r, exitOK, []string{"inflight, 2 sent"}, nil)
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 1`, `"promoters": 1`, `"nps": 100`}, nil)
}

func TestParseReply(t *testing.T) {
	run := func(stdin string, args ...string) result {
		var out, errb bytes.Buffer
		c := &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
		return result{c.run(context.Background(), append([]string{"parse-reply"}, args...)), out.String(), errb.String()}
	}
	tests := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"7, service rapide", nil, `{"kind":"score","rule":"score/opens-reply","why":"a number from 0 to 10 opening the reply, a comment after it (7, service rapide)","intent":"score","score":7,"comment":"service rapide"}`},
		{"ARRÊT", []string{"--channel", "sms"}, `{"kind":"opt-out","rule":"optout/keyword","why":"an opt-out keyword, alone or dressed up (STOP, Arrêtez svp, stop pls)","intent":"stop","score":null,"comment":""}`},
		{"7 ou 8", nil, `{"kind":"unclear","rule":"unclear/range","why":"a range rather than a score (7-8, 7 ou 8)","intent":"none","score":null,"comment":"7 ou 8","unreadable":true}`},
		{"9", nil, `{"kind":"score","rule":"score/alone","why":"a number from 0 to 10 and nothing else (9, 9/10, neuf, 🔟)","intent":"score","score":9,"comment":"","standalone":true}`},
		{"2 baguettes pour demain svp", nil, `{"kind":"comment","rule":"comment/not-a-score","why":"numbers that are quantities, money, times, dates, ages, addresses or labels","intent":"none","score":null,"comment":"2 baguettes pour demain svp"}`},
		{"From: a@example.com\r\nSubject: Re: x\r\n\r\n9 <merci>\r\n\r\nOn Tue, Nov 24, 2026 at 10:02 AM B <b@example.fr> wrote:\r\n> 0 1 2 10\r\n", []string{"--channel", "email"}, `{"kind":"score","rule":"score/alone","why":"a number from 0 to 10 and nothing else (9, 9/10, neuf, 🔟)","intent":"score","score":9,"comment":"<merci>","standalone":true}`},
	}
	for _, tt := range tests {
		r := run(tt.stdin, tt.args...)
		if r.code != exitOK || strings.TrimSpace(r.stdout) != tt.want {
			t.Errorf("parse-reply %v < %q = %d %s %s; want %s", tt.args, tt.stdin, r.code, r.stdout, r.stderr, tt.want)
		}
	}
	if r := run("x", "--channel", "fax"); r.code != exitUnusable {
		t.Errorf("--channel fax accepted")
	}
}

// TestSummaryMatchesReport: every figure of the weekly email is the one
// `npsd report` gives for the same period.
func TestSummaryMatchesReport(t *testing.T) {
	e := newEnvIn(t, "fr")
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,name,email,city\nK1,Ann,a@example.fr,Lyon\nK2,Paul,p@example.fr,Paris\nK3,Zoé,z@example.fr,Lyon\n")), exitOK, nil, nil)
	e.want(e.npsd("responses", "import", e.file("h.csv", "contact,score,comment,date\n"+
		"K1,10,Parfait,2026-11-16\nK2,3,Trop d'attente,2026-11-17\nK3,8,,2026-11-18\nK1,9,,2026-11-20\nK2,6,,2026-11-09\nK3,10,,2026-11-10\n")), exitOK, nil, nil)
	rep := e.npsd("report", "--from", "2026-11-16", "--to", "2026-11-22", "--format", "json")
	var r struct {
		Responses     int      `json:"responses"`
		NPS           *float64 `json:"nps"`
		MarginOfError *float64 `json:"margin_of_error"`
	}
	if err := json.Unmarshal([]byte(rep.stdout), &r); err != nil || r.NPS == nil {
		t.Fatalf("report: %v %s", err, rep.stdout)
	}
	sum := e.npsd("summary", "--week", "2026-W47")
	// The same NPS as the report, as a whole number with its sign; four
	// answers are too few for a margin of error to mean anything.
	want := fmt.Sprintf("NPS de la semaine : %+.0f (%d réponses, marge d'erreur : trop peu de réponses pour le dire)", *r.NPS, r.Responses)
	e.want(sum, exitOK, []string{want, "Paul (3/10) : Trop d'attente", "Ann (10/10) : Parfait", "S47  +25  (4 réponses)"}, nil)
	// The clock says Sunday 2026-11-22: the last full week is W46.
	e.want(e.npsd("summary"), exitOK, []string{"2026-W46", "NPS de la semaine : 0 (2 réponses"}, nil)
	// A week without answers: a short, honest email, no table.
	quiet := e.npsd("summary", "--week", "2026-W40")
	e.want(quiet, exitOK, []string{"Aucune réponse cette semaine."}, nil)
	if strings.Contains(quiet.stdout, "NaN") || strings.Contains(quiet.stdout, "Inf") {
		t.Errorf("empty week shows a division by zero:\n%s", quiet.stdout)
	}
	out := filepath.Join(e.dir, "summary.html")
	e.want(e.npsd("summary", "--week", "2026-W47", "--out", out), exitOK, []string{"written to"}, nil)
	if b, err := os.ReadFile(out); err != nil || !strings.Contains(string(b), "<table") {
		t.Errorf("HTML preview: %v", err)
	}
	e.want(e.npsd("summary", "--send"), exitPartial, nil, []string{"no recipient"})
	e.want(e.npsd("summary", "--week", "semaine 3"), exitUnusable, nil, []string{"--week"})
}

func TestCasesCommand(t *testing.T) {
	e := newEnvIn(t, "fr")
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,phone\nPaul,06 12 34 56 78\n")), exitOK, nil, nil)
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.PutCase(store.Case{ContactID: 1, Score: 2, Due: now.Add(-time.Hour), Assignee: "marie@example.fr"}); err != nil {
			return err
		}
		_, err := tx.PutCase(store.Case{ContactID: 1, Score: 5, Due: now.Add(time.Hour), State: store.CaseResolved})
		return err
	})
	st.Close()
	e.want(e.npsd("cases"), exitOK, []string{"k1       Paul    2     ouvert (en retard)", "k2", "résolu"}, nil)
	r := e.npsd("cases", "--open", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 1 || rows[0]["id"] != "k1" || rows[0]["overdue"] != true || rows[0]["phone"] != "+33612345678" {
		t.Errorf("cases --open --format json = %s (%v)", r.stdout, err)
	}
}

func TestReportByPeriodAndExport(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,name,email,city,plan\nK1,Ann,a@example.fr,Lyon,gold\nK2,Paul,p@example.fr,Paris,\n")), exitOK, nil, nil)
	e.want(e.npsd("responses", "import", e.file("h.csv", "contact,score,comment,date\n"+
		"K1,10,\"Parfait, merci\",2026-09-02\nK2,3,Trop cher,2026-10-14\nK1,9,,2026-11-03\nK2,8,,2026-11-17\n")), exitOK, nil, nil)
	r := e.npsd("report", "--by", "month", "--from", "2026-09-01", "--to", "2026-11-30", "--format", "json")
	var rep struct {
		Responses int
		Groups    []struct {
			Group     string
			Responses int
			NPS       *float64 `json:"nps"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err, r.stdout)
	}
	if rep.Responses != 4 || len(rep.Groups) != 3 || rep.Groups[0].Group != "2026-09" || rep.Groups[1].Group != "2026-10" || *rep.Groups[1].NPS != -100 || rep.Groups[2].Responses != 2 {
		t.Errorf("report by month = %+v", rep)
	}
	// Without --from: the last 12 periods up to now (2026-11-22, Q4).
	e.want(e.npsd("report", "--by", "quarter"), exitOK, []string{"2024-Q1", "2026-Q4", "2026-Q3"}, nil)
	e.want(e.npsd("report", "--by", "week", "--format", "csv"), exitOK, []string{"2026-W47,1,0,0.0,1,100.0", "2026-W42,1,0,0.0,0,0.0,1,100.0,-100.0"}, nil)

	r = e.npsd("responses", "export", "--from", "2026-10-01")
	e.want(r, exitOK, []string{
		"response,received,score,category,comment,channel,source,campaign,contact,external_id,name,email,phone,city,plan",
		"Trop cher", "import,,c2,K2,Paul,p@example.fr,,Paris,", "2026-11-17T00:00:00+01:00,8,passive",
	}, nil)
	if strings.Contains(r.stdout, "Parfait") {
		t.Error("--from did not exclude September")
	}
	r = e.npsd("responses", "export", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 4 || rows[0]["comment"] != "Parfait, merci" || rows[0]["attributes"].(map[string]any)["plan"] != "gold" {
		t.Errorf("json export = %s (%v)", r.stdout, err)
	}
}

func TestHashPassword(t *testing.T) {
	var out, errb bytes.Buffer
	c := &cli{stdin: strings.NewReader("un long mot de passe\n"), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	if code := c.run(context.Background(), []string{"hash-password"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	hash := strings.TrimSpace(out.String())
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte("un long mot de passe")) != nil {
		t.Errorf("hash %q does not verify", hash)
	}
	c.stdin = strings.NewReader("court\n")
	if code := c.run(context.Background(), []string{"hash-password"}); code != exitUnusable {
		t.Errorf("a short password was hashed")
	}
	// The hash is accepted by the config; a short token is not.
	e := newEnv(t)
	e.file("tokens", "# shop\n"+strings.Repeat("a", 32)+"\nshort\n")
	e.file("config.yaml", "http:\n  listen: 127.0.0.1:0\n  admin_password_hash: \""+hash+"\"\n  api_tokens_file: tokens\n")
	e.want(e.npsd("check"), exitUnusable, nil, []string{"http.api_tokens_file", "line 3: token shorter than 16 characters"})
}

// TestDataCommandsWhileTheDaemonRuns: the same commands give the same
// output with the daemon stopped (the file opened directly) and running
// (through its admin socket).
func TestDataCommandsWhileTheDaemonRuns(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "external_id,name,email,city\nK1,Ann,a@example.fr,Lyon\nK2,Paul,p@example.fr,Paris\n")), exitOK, nil, nil)
	e.want(e.npsd("responses", "import", e.file("h.csv", "contact,score,comment,date\nK1,10,Parfait,2026-11-16\nK2,3,Trop cher,2026-11-17\n")), exitOK, nil, nil)
	commands := [][]string{
		{"report", "--format", "json", "--by", "city"},
		{"report", "--by", "month"},
		{"responses", "export", "--format", "csv"},
		{"outbox", "--state", "all"},
		{"cases"},
		{"summary", "--week", "2026-W47"},
		{"campaign", "plan", "quarterly", "--dry-run"},
	}
	stopped := map[string]result{}
	for _, cmd := range commands {
		stopped[strings.Join(cmd, " ")] = e.npsd(cmd...)
	}

	d := e.runDaemon(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	stop := func() { d.Stop() }
	for _, cmd := range commands {
		key := strings.Join(cmd, " ")
		running := e.npsd(cmd...)
		if running != stopped[key] {
			t.Errorf("%s differs with the daemon running:\n--- stopped (%d)\n%s%s\n--- running (%d)\n%s%s", key,
				stopped[key].code, stopped[key].stdout, stopped[key].stderr, running.code, running.stdout, running.stderr)
		}
	}
	// Writes go through the daemon too.
	e.want(e.npsd("contacts", "import", e.file("more.csv", "email\nzoe@example.fr\n")), exitOK, []string{"more.csv: 1 rows: 1 contacts created"}, nil)
	e.want(e.npsd("events", "add", "--contact", "zoe@example.fr", "--type", "purchase", "--at", "2026-11-20 10:00"), exitOK, []string{"recorded"}, nil)
	backup := filepath.Join(e.dir, "backup.db")
	e.want(e.npsd("backup", backup), exitOK, []string{"written to " + backup}, nil)
	e.want(e.npsd("forget", "p@example.fr", "--yes"), exitOK, []string{"contact c2 forgotten"}, nil)
	e.want(e.npsd("report", "--format", "json"), exitOK, []string{`"responses": 2`}, nil)
	// A wave planned and canceled, one job and then the rest, through the
	// daemon (the job named, then no argument at all).
	e.want(e.npsd("campaign", "plan", "quarterly"), exitOK, []string{"2 surveys queued"}, nil)
	e.want(e.npsd("outbox", "cancel", "j1"), exitOK, []string{"j1 (survey by email) canceled"}, nil)
	e.want(e.npsd("outbox", "cancel", "--campaign", "quarterly"), exitOK, []string{`1 waiting message(s) of campaign "quarterly" canceled`}, nil)
	stop()
	// The backup is a whole, consistent database: it opens, and has Zoé.
	st, err := store.Open(store.Options{Path: backup, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ContactByKey("zoe@example.fr", ""); err != nil {
		t.Errorf("backup lacks the contact imported through the daemon: %v", err)
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %o, want 600", fi.Mode().Perm())
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: time.Now}
	if code := c.run(context.Background(), []string{"demo", "--dir", dir}); code != exitOK {
		t.Fatalf("demo exited %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"2. wave planned (4 surveys) and sent",
		"npsd answers in the webhook: Merci ! Qu'est-ce qui vous a incité",
		"4. follow-ups sent: apology_detractor, owner_alert, thanks_passive, thanks_promoter",
		"5. case k1: call Paul Durand (3/10)",
		"6. this week's summary: NPS +25.0 from 4 answers",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	for _, glob := range []string{"outbox/email/*.eml", "outbox/sms/*.txt", "summary.html"} {
		if files, _ := filepath.Glob(filepath.Join(dir, glob)); len(files) == 0 {
			t.Errorf("demo wrote no %s", glob)
		}
	}
}

// inProcess is `npsd run` in the test's own process, on a clock the test
// chooses.
type inProcess struct {
	// Addr is the HTTP address the daemon listens on.
	Addr string
	// Logs is what it logged, as JSON lines.
	Logs *syncBuffer
	stop func() int
}

// runDaemon starts `npsd run` on e's config and waits until it listens.
// The test's cleanup stops it if the test did not.
func (e *env) runDaemon(now func() time.Time) *inProcess {
	e.t.Helper()
	d := &inProcess{Logs: &syncBuffer{}}
	c := &cli{stdout: io.Discard, stderr: d.Logs, getenv: func(string) string { return "" }, now: now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- c.run(ctx, []string{"run", "--config", filepath.Join(e.dir, "config.yaml")}) }()
	d.stop = sync.OnceValue(func() int {
		cancel()
		return <-done
	})
	e.t.Cleanup(func() { d.Stop() })
	d.Addr = waitFor(e.t, 20*time.Second, func() string {
		for _, line := range strings.Split(d.Logs.String(), "\n") {
			var rec struct{ Msg, HTTP string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "npsd running" {
				return rec.HTTP
			}
		}
		return ""
	})
	return d
}

// Stop cancels the daemon, waits for it to finish, and returns its exit
// code.
func (d *inProcess) Stop() int { return d.stop() }

// postIncomingSMS posts an incoming SMS to the daemon's Twilio webhook at
// addr, signed with the auth token for the default public URL, as Twilio
// would, and returns the status answered (0 when the request failed).
func postIncomingSMS(addr, authToken string, form url.Values) int {
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/twilio/sms", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", inbound.TwilioSignature(authToken, "http://127.0.0.1:8425/hooks/twilio/sms", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHashPasswordAtATerminal runs the real binary on a terminal: the
// password typed is not shown, its hash is printed; and Ctrl-C while it
// waits for the password stops it.
func TestHashPasswordAtATerminal(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	run := func(typed string) (string, error) {
		cmd := exec.Command(bin, "hash-password")
		ptm, err := pty.Start(cmd)
		if err != nil {
			t.Skipf("no pseudo-terminal here: %v", err)
		}
		defer ptm.Close()
		var mu sync.Mutex
		var screen bytes.Buffer
		go func() {
			buf := make([]byte, 256)
			for {
				n, err := ptm.Read(buf)
				mu.Lock()
				screen.Write(buf[:n])
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
		shown := func() string { mu.Lock(); defer mu.Unlock(); return screen.String() }
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(shown(), "password: "); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no prompt: %q", shown())
			}
		}
		io.WriteString(ptm, typed)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("still running after %q; the terminal shows %q", typed, shown())
		}
		time.Sleep(50 * time.Millisecond)
		return shown(), err
	}
	screen, err := run("un long mot de passe\r")
	if err != nil || strings.Contains(screen, "mot de passe") || !strings.Contains(screen, "$2a$") {
		t.Errorf("typed a password: exit %v, the terminal shows %q", err, screen)
	}
	// Ctrl-C, as the terminal sends it, half-way through the password.
	screen, err = run("half\x03")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitPartial || !strings.Contains(screen, "stopped") || strings.Contains(screen, "half") {
		t.Errorf("Ctrl-C: exit %v, the terminal shows %q", err, screen)
	}
}

// TestHelpShowsArguments: npsd help lists each command with its
// arguments, and each command's --help shows its line with them, then its
// flags, and exits 0.
func TestHelpShowsArguments(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("help"), exitOK, nil, []string{"campaign plan NAME", "contacts import FILE.csv", "messages decide KEY", "forget KEY", "backup FILE"})
	for _, cmd := range commands() {
		line := strings.Join(append(strings.Fields(cmd.name), append(strings.Fields(cmd.args), "[flags]")...), " ")
		e.want(e.npsd(append(strings.Fields(cmd.name), "--help")...), exitOK, nil, []string{"usage: npsd " + line, "-config"})
	}
	// The wrong number of arguments says what is expected.
	e.want(e.npsd("forget"), exitUnusable, nil, []string{"takes KEY, got 0", "usage: npsd forget KEY [flags]"})
}

// TestOutboxCancel: the owner cancels one waiting survey, then the rest of
// the wave; what is no longer waiting, or a wrong line, is refused and
// changes nothing.
func TestOutboxCancel(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,email\nAnn,ann@example.fr\nBob,bob@example.fr\nCid,cid@example.fr\n")), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "quarterly"), exitOK, []string{"3 surveys queued"}, nil)
	e.want(e.npsd("outbox", "cancel", "j1", "--reason", "client fâché"), exitOK, []string{"j1 (survey by email) canceled"}, nil)
	e.want(e.npsd("outbox", "--state", "canceled"), exitOK, []string{"j1", "client fâché", "2 pending"}, nil)
	e.want(e.npsd("outbox", "cancel", "j1"), exitPartial, nil, []string{"job j1 is canceled: not waiting in the outbox"})
	e.want(e.npsd("outbox", "cancel", "j99"), exitPartial, nil, []string{"j99"})
	e.want(e.npsd("outbox", "cancel", "s1"), exitPartial, nil, []string{`"s1" is not a job of the outbox`})
	e.want(e.npsd("outbox", "cancel"), exitUnusable, nil, []string{"name one job (j42, as npsd outbox lists it) or --campaign NAME"})
	e.want(e.npsd("outbox", "cancel", "j2", "--campaign", "quarterly"), exitUnusable, nil, []string{"name one job"})
	e.want(e.npsd("outbox", "cancel", "--campaign", "quarterly"), exitOK, []string{`2 waiting message(s) of campaign "quarterly" canceled`}, nil)
	e.want(e.npsd("outbox", "--state", "all"), exitOK, []string{"0 pending", "3 canceled"}, nil)
}

// TestCampaignPlanList: --list names each contact a wave would reach, with
// the channel and the time in the business's zone, and each it would skip
// with the reason; it writes nothing, through the daemon too.
func TestCampaignPlanList(t *testing.T) {
	e := newEnv(t)
	e.want(e.npsd("contacts", "import", e.file("c.csv", "name,email,phone\n"+
		"Ann,ann@example.fr,06 12 34 56 78\n"+
		"Bob,bob@example.fr,\n"+
		"\x1b[31mDan,dan@example.fr,\n")), exitOK, nil, nil)
	e.want(e.npsd("forget", "bob@example.fr", "--yes"), exitOK, nil, nil)
	r := e.npsd("campaign", "plan", "quarterly", "--list")
	e.want(r, exitOK, []string{
		"c1       Ann <ann@example.fr>                             email 2026-11-23 09:00 CET",
		"c2       (no name or address)                             skipped: no_address",
		"c3       Dan <dan@example.fr>                             email 2026-11-24 09:00 CET",
		"2 surveys queued (dry run: nothing written)",
	}, nil)
	if strings.Contains(r.stdout, "\x1b") {
		t.Errorf("a name's escape sequence reached the terminal:\n%q", r.stdout)
	}
	e.want(e.npsd("outbox"), exitOK, []string{"outbox: 0 pending"}, nil)
	// The same list through the running daemon.
	d := e.runDaemon(func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) })
	defer d.Stop()
	if running := e.npsd("campaign", "plan", "quarterly", "--list"); running != r {
		t.Errorf("through the daemon:\n%s%s\nstopped:\n%s", running.stdout, running.stderr, r.stdout)
	}
}
