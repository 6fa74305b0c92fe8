package inbound

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"npsd/scheduler"
	"npsd/store"
	"npsd/templates"
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
	hash, err := bcrypt.GenerateFromPassword([]byte("croissant"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	r.opts.Admin = AdminOptions{
		PasswordHash: string(hash),
		Tokens:       []string{"api-token-123"},
		Summary: func(tx *store.Tx, now time.Time) (templates.Summary, error) {
			return scheduler.BuildSummary(tx, scheduler.WeekStart(now, time.UTC), scheduler.SummaryOptions{Segments: []string{"city"}, Now: func() time.Time { return now }})
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
	for _, want := range []string{"NPS, last 90 days", "-100.0", "Zoé", "Trop d&#39;attente", "Contacted", "Last 12 weeks"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// A bearer token opens it too; a wrong one does not.
	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.Header.Set("Authorization", "Bearer api-token-123")
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
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: r.srv.sessionValue(r.now.Add(time.Hour))[:10] + "AAAA.BBBB"})
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
