package inbound

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// addCases stores n more cases of the rig's customer, each in the state
// stateOf gives its place (0 for the first added), an hour apart.
func (r *pageRig) addCases(n int, stateOf func(i int) store.CaseState) {
	r.t.Helper()
	err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			k := store.Case{ContactID: r.c.ID, Score: i % 7, State: stateOf(i), Opened: r.now.Add(time.Duration(i) * time.Hour), Due: r.now.Add(48 * time.Hour)}
			if k.State == store.CaseResolved {
				k.Notes = []store.CaseNote{{At: k.Opened.Add(30 * time.Minute), By: "owner", State: store.CaseResolved, Text: "Rappelée"}}
			}
			if _, err := tx.PutCase(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// getAdmin reads a dashboard page with the rig's admin token.
func (r *pageRig) getAdmin(path string) (int, string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer admin-token-123")
	w := r.doWith(req)
	return w.Code, w.Body.String()
}

var (
	caseRowRE  = regexp.MustCompile(`<tr id="case-(k\d+)">`)
	nextCaseRE = regexp.MustCompile(`href="/admin/cases\?state=([a-z]*)&amp;after=(k\d+)"`)
)

// caseRows are the ids of the cases a list page shows, in its order, and
// the link to its next page ("" on the last).
func caseRows(body string) (ids []string, next string) {
	for _, m := range caseRowRE.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	if m := nextCaseRE.FindStringSubmatch(body); m != nil {
		next = "/admin/cases?state=" + m[1] + "&after=" + m[2]
	}
	return ids, next
}

// TestAdminCasesList lists every case newest first with its state in the
// business's language, keeps one state on request, and links each case to
// its page and its customer's file, behind the dashboard's login.
func TestAdminCasesList(t *testing.T) {
	r := adminRig(t) // k1, open, from the detractor's answer
	r.addCases(3, func(i int) store.CaseState {
		return []store.CaseState{store.CaseContacted, store.CaseResolved, store.CaseOpen}[i]
	})
	if w := r.do(http.MethodGet, "/admin/cases", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/login" {
		t.Fatalf("cases without login: %d", w.Code)
	}
	if w := r.do(http.MethodGet, "/admin/cases/k1", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("a case without login: %d", w.Code)
	}
	code, body := r.getAdmin("/admin/cases")
	if ids, next := caseRows(body); code != http.StatusOK || !slices.Equal(ids, []string{"k4", "k3", "k2", "k1"}) || next != "" {
		t.Fatalf("cases page (%d) lists %v, next %q, want k4 k3 k2 k1 and no next page:\n%s", code, ids, next, body)
	}
	for _, want := range []string{"Dossiers des détracteurs", `<span class="state">ouvert</span>`, `<span class="state">contacté</span>`, `<span class="state">résolu</span>`, "Résolu le", "pour marie@example.fr",
		`href="/admin/contacts/c1"><strong>Zoé</strong>`, `href="/admin/cases/k3">Dossier k3</a>`, "mar. 24 nov. 2026, 15 h 30", `href="/admin/cases">Dossiers</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("cases page lacks %q", want)
		}
	}
	for state, want := range map[string][]string{"resolved": {"k3"}, "open": {"k4", "k1"}, "contacted": {"k2"}, "nonsense": {"k4", "k3", "k2", "k1"}} {
		if _, body := r.getAdmin("/admin/cases?state=" + state); !slices.Equal(must(caseRows(body)), want) {
			t.Errorf("?state=%s lists %v, want %v", state, must(caseRows(body)), want)
		}
	}
	if _, body := r.getAdmin("/admin/cases?state=resolved"); strings.Contains(body, `<span class="state">ouvert</span>`) || !strings.Contains(body, `<option value="resolved" selected>résolu</option>`) {
		t.Errorf("resolved cases page shows an open case or forgets its filter:\n%s", body)
	}
	// The dashboard's cases lead to the list.
	if _, body := r.getAdmin("/admin"); !strings.Contains(body, `<a href="/admin/cases">Tous les dossiers, résolus compris</a>`) {
		t.Error("the dashboard does not link to the list of cases")
	}
	// A case's page, from the list: resolved long ago, it stays readable.
	r.now = r.now.Add(30 * 24 * time.Hour)
	if code, body := r.getAdmin("/admin/cases/k3"); code != http.StatusOK || !strings.Contains(body, "résolu") || !strings.Contains(body, "Rappelée") {
		t.Errorf("case page k3: %d\n%s", code, body)
	}
	for _, path := range []string{"/admin/cases/k99", "/admin/cases/x"} {
		if code, _ := r.getAdmin(path); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}

	// An English business reads it in English.
	r.opts.Pages.DefaultLang = "en"
	r.build()
	_, body = r.getAdmin("/admin/cases")
	for _, want := range []string{"Detractor cases", `<span class="state">open</span>`, `<span class="state">contacted</span>`, `<span class="state">resolved</span>`, "Resolved on", "for marie@example.fr", `href="/admin/cases/k3">Case k3</a>`, "Tue Nov 24, 2026, 3:30 PM"} {
		if !strings.Contains(body, want) {
			t.Errorf("English cases page lacks %q", want)
		}
	}
	if strings.Contains(body, "résolu") || strings.Contains(body, "Dossier") {
		t.Errorf("English cases page has French words:\n%s", body)
	}
}

// must is the ids of caseRows.
func must(ids []string, _ string) []string { return ids }

// TestAdminCasesPaging walks 120 cases 50 at a time: 50, 50 and 20, newest
// first, each case once.
func TestAdminCasesPaging(t *testing.T) {
	r := adminRig(t)
	r.addCases(119, func(i int) store.CaseState {
		return []store.CaseState{store.CaseOpen, store.CaseContacted, store.CaseResolved}[i%3]
	})
	var all []string
	var sizes []int
	for path := "/admin/cases"; path != ""; {
		code, body := r.getAdmin(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		ids, next := caseRows(body)
		all, sizes, path = append(all, ids...), append(sizes, len(ids)), next
	}
	if fmt.Sprint(sizes) != "[50 50 20]" {
		t.Errorf("pages of %v cases, want 50, 50, 20", sizes)
	}
	for i, id := range all {
		if want := fmt.Sprintf("k%d", 120-i); id != want {
			t.Fatalf("case %d of the pages is %s, want %s: a case is missing or twice", i, id, want)
		}
	}
}

// TestAdminCasesPageReadsABoundedNumber: among 20,000 cases, a page of
// every case reads its 50 and one more, and a page of open cases, the one
// open case being the oldest, stops after 5,000 cases read with a link
// that goes on from there; the open case comes on the fourth page.
func TestAdminCasesPageReadsABoundedNumber(t *testing.T) {
	r := adminRig(t) // k1 is open
	r.addCases(19_999, func(int) store.CaseState { return store.CaseResolved })
	_, body := r.getAdmin("/admin/cases")
	if ids, next := caseRows(body); len(ids) != 50 || ids[0] != "k20000" || next != "/admin/cases?state=&after=k19951" {
		t.Fatalf("first page of every case: %d cases from %v, next %q", len(ids), ids[:1], next)
	}
	var pages []string
	var found []string
	for path := "/admin/cases?state=open"; path != ""; {
		_, body := r.getAdmin(path)
		ids, next := caseRows(body)
		pages, found, path = append(pages, next), append(found, ids...), next
		if next != "" && !strings.Contains(body, "Cette page s’arrête après 5\u202f000 dossiers lus") {
			t.Errorf("a page cut short does not say so:\n%s", body)
		}
	}
	want := []string{"/admin/cases?state=open&after=k15001", "/admin/cases?state=open&after=k10001", "/admin/cases?state=open&after=k5001", ""}
	if !slices.Equal(pages, want) || !slices.Equal(found, []string{"k1"}) {
		t.Errorf("open cases: next pages %q, cases %v; want %q and k1", pages, found, want)
	}
}
