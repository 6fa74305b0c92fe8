package inbound

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/scheduler"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

func adminRig(t *testing.T) *pageRig { return adminRigOn(t, false) }

// adminRigOn is adminRig, moved onto the real clock before the detractor
// answers when real is set: the answer, its case and the dashboard's
// 90-day figures then agree with the browser's clock on any date.
func adminRigOn(t *testing.T, real bool) *pageRig {
	r := newPageRig(t)
	if real {
		r.useRealClock()
	}
	return adminRigFrom(t, r)
}

// adminRigFrom turns on the dashboard of r, keeping its other options.
func adminRigFrom(t *testing.T, r *pageRig) *pageRig {
	hash, err := bcrypt.GenerateFromPassword([]byte("croissant"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	r.opts.Admin = AdminOptions{
		PasswordHash: string(hash),
		Tokens:       []string{"admin-token-123"},
		Summary: func(tx *store.Tx, now time.Time) (templates.Summary, error) {
			return report.BuildSummary(tx, scheduler.WeekStart(now, time.UTC), report.SummaryOptions{Segments: []string{"city"}, Now: func() time.Time { return now }})
		},
	}
	r.build()
	// A detractor's answer, with its case.
	r.opts.Conversation.o.CaseDue = time.Hour
	r.opts.Conversation.o.Assignee = "marie@example.fr"
	r.do(http.MethodPost, "/s/"+r.signer.SurveyToken(r.sv.ID, r.now.Add(time.Hour)), url.Values{"score": {"4"}, "comment": {"Trop d'attente"}})
	return r
}

func (r *pageRig) doWith(req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.srv.Handler().ServeHTTP(w, req)
	return w
}

func TestAdminLoginAndDashboard(t *testing.T) {
	r := adminRig(t)
	if w := r.do(http.MethodGet, "/admin", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/login" {
		t.Fatalf("dashboard without login: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := r.do(http.MethodPost, "/admin/login", url.Values{"password": {"baguette"}}); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
		t.Fatalf("wrong password: %d, cookies %v", w.Code, w.Result().Cookies())
	} else if got := w.Header().Get("Referrer-Policy"); got != "same-origin" {
		// With no-referrer, browsers post the forms with Origin: null and
		// the same-origin check would refuse the owner.
		t.Errorf("login form Referrer-Policy %q", got)
	}
	w := r.do(http.MethodPost, "/admin/login", url.Values{"password": {"croissant"}})
	cookies := w.Result().Cookies()
	if w.Code != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("login: %d %v", w.Code, cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/admin" {
		t.Errorf("session cookie %+v: want HttpOnly, Secure (https public URL), SameSite=Strict", ck)
	}
	// The lifetime is relative (Max-Age): a browser judges an absolute
	// Expires by its own clock, which need not agree with ours.
	if set := w.Header().Get("Set-Cookie"); ck.MaxAge != int((12*time.Hour)/time.Second) || strings.Contains(set, "Expires=") {
		t.Errorf("session cookie %q: want Max-Age=43200 and no Expires", set)
	}
	req := httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(ck)
	w = r.doWith(req)
	body := w.Body.String()
	for _, want := range []string{"NPS des 90 derniers jours", "−100", "Zoé", "Trop d&#39;attente", "Contacté", "Les 12 dernières semaines",
		"trop peu de réponses pour une marge d’erreur", "1 réponse", `href="/admin/contacts/c1">Zoé</a>`, "à rappeler avant le mar. 24 nov. 2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// A bearer token opens it too; a wrong one does not.
	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.Header.Set("Authorization", "Bearer admin-token-123")
	if w := r.doWith(req); w.Code != http.StatusOK {
		t.Errorf("bearer token: %d", w.Code)
	}
	req.Header.Set("Authorization", "Bearer nope")
	if w := r.doWith(req); w.Code != http.StatusSeeOther {
		t.Errorf("wrong bearer token: %d", w.Code)
	}
	// The server checks the expiry it signed, whatever the browser keeps.
	r.now = r.now.Add(12*time.Hour + time.Second)
	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(ck)
	if w := r.doWith(req); w.Code != http.StatusSeeOther {
		t.Errorf("session after its 12 hours: %d, want a redirect to the login", w.Code)
	}
	r.now = r.now.Add(-12*time.Hour - time.Second)
	// A forged cookie is refused.
	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: r.srv.sessions.issue(r.now.Add(time.Hour))[:10] + "AAAA.BBBB"})
	if w := r.doWith(req); w.Code != http.StatusSeeOther {
		t.Errorf("forged session: %d", w.Code)
	}

	// Mark the case contacted from the dashboard; a cross-site post is refused.
	form := url.Values{"state": {"contacted"}, "note": {"Rappelée"}}
	req = httptest.NewRequest(http.MethodPost, "/admin/cases/k1", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(ck)
	if w := r.doWith(req); w.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d", w.Code)
	}
	req = httptest.NewRequest(http.MethodPost, "/admin/cases/k1", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://nps.example.fr")
	req.AddCookie(ck)
	if w := r.doWith(req); w.Code != http.StatusSeeOther {
		t.Fatalf("case action: %d %s", w.Code, w.Body.String())
	}
	var k store.Case
	r.st.View(func(tx *store.Tx) (err error) { k, err = tx.Case(1); return err })
	if k.State != store.CaseContacted || k.Notes[len(k.Notes)-1].Text != "Rappelée" {
		t.Errorf("case = %+v", k)
	}
}

func TestAdminOffWithoutCredentials(t *testing.T) {
	r := newPageRig(t)
	if w := r.do(http.MethodGet, "/admin", nil); w.Code != http.StatusNotFound {
		t.Errorf("dashboard without a password configured: %d, want 404", w.Code)
	}
	_ = context.Background()
}

// login posts a password to the login form from addr (host:port), with an
// X-Forwarded-For header when xff is set.
func (r *pageRig) login(addr, password, xff string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return r.doWith(req)
}

func TestAdminLoginThrottledPerAddress(t *testing.T) {
	r := adminRig(t)
	const a, b = "198.51.100.7:40000", "203.0.113.9:40000"
	// A success resets the address's count: four typos, a login, four
	// more typos, and the owner is not locked out.
	for range 4 {
		r.login(a, "baguette", "")
	}
	if w := r.login(a, "croissant", ""); w.Code != http.StatusSeeOther {
		t.Fatalf("login after 4 typos: %d", w.Code)
	}
	for i := range 5 {
		if w := r.login(a, "baguette", ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d after a success: %d, want 401", i+1, w.Code)
		}
	}
	// The sixth attempt is refused before bcrypt, even with the right
	// password; the wait is what is left of the 15 minutes.
	r.now = r.now.Add(5 * time.Minute)
	w := r.login(a, "croissant", "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "600" || len(w.Result().Cookies()) != 0 {
		t.Fatalf("sixth attempt: %d Retry-After %q cookies %v, want 429 after 600 s", w.Code, w.Header().Get("Retry-After"), w.Result().Cookies())
	}
	// Another port of the same host is the same client; another host is not.
	if w := r.login("198.51.100.7:40001", "croissant", ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("same host, another port: %d, want 429", w.Code)
	}
	if w := r.login(b, "croissant", ""); w.Code != http.StatusSeeOther {
		t.Errorf("another address: %d, want a login", w.Code)
	}
	// Without trusted proxy headers, X-Forwarded-For changes nothing.
	if w := r.login(a, "croissant", "192.0.2.44"); w.Code != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For escaped the throttle: %d", w.Code)
	}
	// Every slot of a blocked address is refused without taking a bcrypt
	// slot: with both slots held, its answer is still the window's wait.
	r.srv.logins.Acquire()
	r.srv.logins.Acquire()
	if w := r.login(a, "croissant", ""); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "600" {
		t.Errorf("blocked address with the slots full: %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	r.srv.logins.Release()
	r.srv.logins.Release()
	r.now = r.now.Add(10 * time.Minute)
	if w := r.login(a, "croissant", ""); w.Code != http.StatusSeeOther {
		t.Errorf("after the window: %d, want a login", w.Code)
	}
}

func TestAdminLoginThrottledBehindProxy(t *testing.T) {
	r := newPageRig(t)
	r.opts.TrustProxyHeaders = true
	r = adminRigFrom(t, r)
	for range 5 {
		r.login("10.0.0.1:5000", "baguette", "192.0.2.44, 198.51.100.7")
	}
	// The proxy's own address is not the client: another client behind it
	// still logs in, and the one that failed is refused.
	if w := r.login("10.0.0.1:5000", "croissant", "198.51.100.8"); w.Code != http.StatusSeeOther {
		t.Errorf("another client behind the proxy: %d, want a login", w.Code)
	}
	if w := r.login("10.0.0.1:5000", "croissant", "192.0.2.99, 198.51.100.7"); w.Code != http.StatusTooManyRequests {
		t.Errorf("the failing client behind the proxy: %d, want 429", w.Code)
	}
}

func TestAdminLoginThrottledOverall(t *testing.T) {
	r := adminRig(t)
	for i := range 50 {
		if w := r.login(fmt.Sprintf("198.51.100.%d:1", i), "baguette", ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	if w := r.login("203.0.113.1:1", "croissant", ""); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "900" {
		t.Errorf("after 50 failures from 50 addresses: %d Retry-After %q, want 429 after 900 s", w.Code, w.Header().Get("Retry-After"))
	}
}

func TestAdminLoginBcryptBounded(t *testing.T) {
	r := adminRig(t)
	// Two comparisons under way: a third is refused, not queued, and does
	// not count as a failure.
	r.srv.logins.Acquire()
	r.srv.logins.Acquire()
	for range 6 {
		if w := r.login("198.51.100.7:1", "croissant", ""); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
			t.Fatalf("with both bcrypt slots taken: %d Retry-After %q, want 429 after 1 s", w.Code, w.Header().Get("Retry-After"))
		}
	}
	r.srv.logins.Release()
	if w := r.login("198.51.100.7:1", "croissant", ""); w.Code != http.StatusSeeOther {
		t.Errorf("with a slot free: %d, want a login", w.Code)
	}
}

func TestAdminLogoutEndsSession(t *testing.T) {
	r := adminRig(t)
	first := r.login("198.51.100.7:1", "croissant", "").Result().Cookies()[0]
	second := r.login("198.51.100.7:1", "croissant", "").Result().Cookies()[0]
	get := func(ck *http.Cookie) int {
		req := httptest.NewRequest(http.MethodGet, "/admin", nil)
		req.AddCookie(ck)
		return r.doWith(req).Code
	}
	if get(first) != http.StatusOK {
		t.Fatal("fresh session refused")
	}
	req := httptest.NewRequest(http.MethodPost, "/admin/logout", nil)
	req.Header.Set("Origin", "https://nps.example.fr")
	req.AddCookie(first)
	if w := r.doWith(req); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if code := get(first); code != http.StatusSeeOther {
		t.Errorf("the logged-out cookie still opens the dashboard: %d", code)
	}
	if code := get(second); code != http.StatusOK {
		t.Errorf("logging out one session ended another: %d", code)
	}
	// A cross-site post does not log anyone out.
	req = httptest.NewRequest(http.MethodPost, "/admin/logout", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(second)
	if w := r.doWith(req); w.Code != http.StatusForbidden || get(second) != http.StatusOK {
		t.Errorf("cross-site logout: %d", w.Code)
	}
}

func TestSessionRevocationsBounded(t *testing.T) {
	ss := newSessions()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	kept := ss.issue(now.Add(time.Hour))
	for range maxRevoked + 1 {
		ss.revoke(ss.issue(now.Add(time.Hour)), now)
	}
	if len(ss.revoked) > maxRevoked {
		t.Errorf("%d revocations remembered, want at most %d", len(ss.revoked), maxRevoked)
	}
	// Past the bound every session ends: none revoked comes back.
	if ss.valid(kept, now) {
		t.Error("a session outlived the revocations' overflow")
	}
}

func TestTokenScopesOnDashboard(t *testing.T) {
	r := newPageRig(t)
	r.opts.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("npsd_up 1\n")) })
	r.opts.MetricsTokens = []string{"metrics-token-123"}
	r = adminRigFrom(t, r)
	call := func(method, path, token string) int {
		req := httptest.NewRequest(method, path, strings.NewReader("state=contacted"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		return r.doWith(req).Code
	}
	if code := call(http.MethodGet, "/admin", "metrics-token-123"); code != http.StatusSeeOther {
		t.Errorf("a metrics token opened the dashboard: %d", code)
	}
	if code := call(http.MethodPost, "/admin/cases/k1", "metrics-token-123"); code != http.StatusForbidden {
		t.Errorf("a metrics token worked a case button: %d", code)
	}
	if code := call(http.MethodGet, "/metrics", "admin-token-123"); code != http.StatusUnauthorized {
		t.Errorf("an admin token read /metrics: %d", code)
	}
	if code := call(http.MethodGet, "/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token, one configured: %d", code)
	}
	if code := call(http.MethodGet, "/metrics", "metrics-token-123"); code != http.StatusOK {
		t.Errorf("/metrics with its token: %d", code)
	}
	if code := call(http.MethodPost, "/admin/cases/k1", "admin-token-123"); code != http.StatusSeeOther {
		t.Errorf("an admin token on a case button: %d", code)
	}
}

func TestMetricsOpenWithoutTokens(t *testing.T) {
	r := newPageRig(t)
	r.opts.Metrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("npsd_up 1\n")) })
	r.build()
	if w := r.do(http.MethodGet, "/metrics", nil); w.Code != http.StatusOK {
		t.Errorf("/metrics with no metrics token configured: %d, want open", w.Code)
	}
}

// TestAdminStateOutlivesAReload: a reload builds a new server from the new
// config. Given the daemon's AdminState, the owner's session goes on, a
// logged-out session stays out, and a guesser's failures still count.
func TestAdminStateOutlivesAReload(t *testing.T) {
	for _, shared := range []bool{true, false} {
		r := adminRig(t)
		if shared {
			r.opts.Admin.State = NewAdminState()
			r.build()
		}
		const addr = "198.51.100.7:40000"
		w := r.login(addr, "croissant", "")
		cookies := w.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("login: %d %v", w.Code, cookies)
		}
		for range 5 {
			r.login("203.0.113.9:40000", "baguette", "")
		}
		r.build() // the reload
		req := httptest.NewRequest(http.MethodGet, "/admin", nil)
		req.AddCookie(cookies[0])
		session := r.doWith(req).Code
		guesser := r.login("203.0.113.9:40000", "croissant", "").Code
		switch {
		case shared && (session != http.StatusOK || guesser != http.StatusTooManyRequests):
			t.Errorf("with the daemon's state, after a reload: session %d (want 200), guesser %d (want 429)", session, guesser)
		case !shared && session == http.StatusOK:
			t.Errorf("a server of its own honoured the old server's session: the test no longer shows what sharing is for")
		}
	}
}

// TestAdminCustomers lists and searches the customers, and shows one's
// file, behind the dashboard's login.
func TestAdminCustomers(t *testing.T) {
	r := adminRig(t)
	if w := r.do(http.MethodGet, "/admin/contacts", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("customers without login: %d", w.Code)
	}
	if w := r.do(http.MethodGet, "/admin/contacts/c1", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("a customer without login: %d", w.Code)
	}
	ck := r.login("198.51.100.9:1", "croissant", "").Result().Cookies()[0]
	get := func(path string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(ck)
		w := r.doWith(req)
		return w.Code, w.Body.String()
	}
	code, body := get("/admin/contacts")
	if code != http.StatusOK || !strings.Contains(body, `href="/admin/contacts/c1"`) || !strings.Contains(body, "Zoé") || !strings.Contains(body, "4/10") {
		t.Errorf("customers: %d\n%s", code, body)
	}
	if _, body := get("/admin/contacts?q=zoe"); !strings.Contains(body, "Zoé") {
		t.Errorf("a search without the accent does not find Zoé:\n%s", body)
	}
	if _, body := get("/admin/contacts?q=nobody"); !strings.Contains(body, "Aucun client trouvé.") {
		t.Errorf("a search for nobody:\n%s", body)
	}
	code, body = get("/admin/contacts/c1")
	for _, want := range []string{"Zoé (c1)", "Historique", "a répondu 4/10 par page web", "Trop d&#39;attente", "dossier ouvert pour un 4/10", "sondage de la campagne"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("customer page (%d) lacks %q", code, want)
		}
	}
	if code, body := get("/admin/contacts/c999"); code != http.StatusNotFound || !strings.Contains(body, "Aucun client trouvé.") {
		t.Errorf("an unknown customer: %d", code)
	}
}

// TestAdminFiltersAndExport: the dashboard's filters select the answers
// counted and the funnel shown, a filter it cannot read is said on the
// page, and the CSV holds exactly the answers the filters select.
func TestAdminFiltersAndExport(t *testing.T) {
	r := adminRig(t)
	if w := r.do(http.MethodGet, "/admin/export.csv", nil); w.Code != http.StatusForbidden {
		t.Fatalf("export without login: %d", w.Code)
	}
	ck := r.login("198.51.100.10:1", "croissant", "").Result().Cookies()[0]
	get := func(path string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(ck)
		w := r.doWith(req)
		return w.Code, w.Body.String()
	}
	_, body := get("/admin?channel=web")
	for _, want := range []string{"Vos réponses", `<option value="web" selected>page web</option>`, `id="funnel"`, "1 réponse", `href="/admin/export.csv?channel=web"`} {
		if !strings.Contains(body, want) {
			t.Errorf("filtered dashboard lacks %q", want)
		}
	}
	if _, body := get("/admin?channel=sms"); !strings.Contains(body, "0 réponse") {
		t.Error("the SMS answers are not 0 when the only answer came from the page")
	}
	for q, want := range map[string]string{"segment=city": "segment", "from=hier": "from"} {
		if code, body := get("/admin?" + q); code != http.StatusOK || !strings.Contains(body, `<p class="error">`+want) {
			t.Errorf("filter %s: %d, no error naming %s", q, code, want)
		}
	}
	code, csv := get("/admin/export.csv?channel=web")
	if lines := strings.Split(strings.TrimSpace(csv), "\n"); code != http.StatusOK || len(lines) != 2 || !strings.Contains(lines[1], "Trop d'attente") {
		t.Errorf("export of the web answers: %d\n%s", code, csv)
	}
	if _, csv := get("/admin/export.csv?channel=sms"); len(strings.Split(strings.TrimSpace(csv), "\n")) != 1 {
		t.Errorf("export of the SMS answers should be its header only:\n%s", csv)
	}
	if code, _ := get("/admin/export.csv?to=demain"); code != http.StatusBadRequest {
		t.Errorf("export with a bad bound: %d", code)
	}
}
