package inbound

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// caseRig is a page rig with one detractor case, k1, and its link.
func caseRig(t *testing.T) (*pageRig, string) {
	r := newPageRig(t)
	r.opts.Conversation.o.CaseDue = 48 * time.Hour
	r.do(http.MethodPost, "/s/"+r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour)), url.Values{"score": {"2"}, "comment": {"Pain brûlé"}})
	return r, "/c/" + r.signer.CaseToken(1)
}

func TestCasePageHeaders(t *testing.T) {
	r, path := caseRig(t)
	w := r.do(http.MethodGet, path, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("case page: %d", w.Code)
	}
	for h, want := range map[string]string{
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := w.Header().Get(h); got != want {
			t.Errorf("case page %s = %q, want %q", h, got, want)
		}
	}
}

func TestCaseLinkExpiresAfterResolution(t *testing.T) {
	r, path := caseRig(t)
	// An open case's link works however old the case.
	r.now = r.now.Add(30 * 24 * time.Hour)
	if w := r.do(http.MethodGet, path, nil); w.Code != http.StatusOK {
		t.Fatalf("open case a month on: %d", w.Code)
	}
	if w := r.do(http.MethodPost, path, url.Values{"state": {"resolved"}, "note": {"Remboursée"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("resolving: %d", w.Code)
	}
	r.now = r.now.Add(7*24*time.Hour - time.Minute)
	if w := r.do(http.MethodGet, path, nil); w.Code != http.StatusOK {
		t.Errorf("a week less a minute after resolution: %d, want the page", w.Code)
	}
	r.now = r.now.Add(2 * time.Minute)
	if w := r.do(http.MethodGet, path, nil); w.Code != http.StatusGone {
		t.Errorf("a week after resolution: %d, want 410", w.Code)
	}
	if w := r.do(http.MethodPost, path, url.Values{"state": {"contacted"}}); w.Code != http.StatusGone {
		t.Errorf("posting a week after resolution: %d, want 410", w.Code)
	}
}
