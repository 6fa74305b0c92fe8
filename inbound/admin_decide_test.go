package inbound

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// decideForm posts the dashboard's form for one message, with the session
// cookie when ck is set, from origin.
func (r *pageRig) decideForm(ck *http.Cookie, origin string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/admin/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if ck != nil {
		req.AddCookie(ck)
	}
	return r.doWith(req)
}

func TestAdminRepliesToRead(t *testing.T) {
	r := adminRig(t)
	c, sv := r.surveyed(store.Contact{Name: "Luc Petit", Phone: "+15145550100", Language: "fr"})
	_, sid := r.sms("+33699999999", "c'est qui ?")
	stranger := "twilio:" + sid
	r.now = r.now.Add(time.Minute)
	key := r.keptFor("twilio:SMadmin1", c.Phone, "entre 8 et 9 <b>vraiment</b>")
	ck := r.login("198.51.100.7:1", "croissant", "").Result().Cookies()[0]
	const ours = "https://nps.example.fr"

	req := httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(ck)
	body := r.doWith(req).Body.String()
	for _, want := range []string{"Réponses à lire (2)", `<a class="who" href="/admin/contacts/` + c.ID.String() + `">Luc Petit</a>`, "entre 8 et 9 &lt;b&gt;vraiment&lt;/b&gt;", `value="` + html.EscapeString(key) + `"`,
		"Enregistrer la note", "Désinscrire", "Écarter", "&#43;33699999999", "Expéditeur inconnu : on peut seulement écarter son message."} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Index(body, "&#43;33699999999") < strings.Index(body, "Luc Petit</a></strong>") {
		t.Error("the replies are not listed newest first")
	}

	score := url.Values{"key": {key}, "action": {"score"}, "score": {"9"}}
	// Without a session, or from another site, nothing is decided.
	if w := r.decideForm(nil, ours, score); w.Code != http.StatusForbidden {
		t.Errorf("post without a session: %d", w.Code)
	}
	if w := r.decideForm(ck, "https://evil.example", score); w.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d", w.Code)
	}
	req = httptest.NewRequest(http.MethodPost, "/admin/messages", strings.NewReader(score.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(ck)
	if w := r.doWith(req); w.Code != http.StatusForbidden {
		t.Errorf("cross-site post without Origin: %d", w.Code)
	}
	if got := r.forOwnerKeys(); len(got) != 2 {
		t.Fatalf("refused posts decided something: the owner's list is %v", got)
	}
	if _, resp, _, _ := r.state(sv.ID); resp.ID != 0 {
		t.Fatalf("refused posts recorded a response: %+v", resp)
	}

	// Bad forms are refused with a reason.
	for name, form := range map[string]url.Values{
		"no score":      {"key": {key}, "action": {"score"}},
		"score 11":      {"key": {key}, "action": {"score"}, "score": {"11"}},
		"no action":     {"key": {key}},
		"no key":        {"action": {"dismiss"}},
		"stranger's 10": {"key": {stranger}, "action": {"score"}, "score": {"10"}},
	} {
		if w := r.decideForm(ck, ours, form); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
	if w := r.decideForm(ck, ours, url.Values{"key": {"twilio:SMnone"}, "action": {"dismiss"}}); w.Code != http.StatusNotFound {
		t.Errorf("unknown message: %d", w.Code)
	}

	w := r.decideForm(ck, ours, score)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin#replies" {
		t.Fatalf("recording a score: %d %s", w.Code, w.Body.String())
	}
	if _, resp, _, _ := r.state(sv.ID); resp.Score != 9 || resp.Source != store.SourceOwner {
		t.Errorf("response after the dashboard's score: %+v", resp)
	}
	if m := r.inbound(key); m.Decision == nil || m.Decision.By != DefaultDecidedBy {
		t.Errorf("decision %+v", m.Decision)
	}
	if w := r.decideForm(ck, ours, url.Values{"key": {key}, "action": {"dismiss"}}); w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "already decided") {
		t.Errorf("deciding twice: %d %s", w.Code, w.Body.String())
	}
	if w := r.decideForm(ck, ours, url.Values{"key": {stranger}, "action": {"dismiss"}}); w.Code != http.StatusSeeOther {
		t.Errorf("dismissing the stranger's message: %d %s", w.Code, w.Body.String())
	}

	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(ck)
	if body := r.doWith(req).Body.String(); !strings.Contains(body, "Réponses à lire (0)") || strings.Contains(body, "c&#39;est qui") {
		t.Errorf("decided messages are still shown:\n%s", body)
	}
}
