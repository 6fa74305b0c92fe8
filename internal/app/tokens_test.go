package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/store"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestTokenScopesCrossing: each kind of token opens its own door and no
// other, through the routes the daemon serves.
func TestTokenScopesCrossing(t *testing.T) {
	dir := t.TempDir()
	hash, _ := bcrypt.GenerateFromPassword([]byte("croissant"), bcrypt.MinCost)
	writeFile(t, dir, "tokens", "plain-token-0123456789\nadmin:admin-token-0123456789\nmetrics:metrics-token-0123456789\n")
	writeFile(t, dir, "config.yaml", "business:\n  name: Boulangerie Martin\n  timezone: Europe/Paris\n  language: fr\n  default_region: FR\nhttp:\n  listen: 127.0.0.1:0\n  admin_password_hash: \""+string(hash)+"\"\n  api_tokens_file: "+filepath.Join(dir, "tokens")+"\n")
	cfg, err := config.Load(filepath.Join(dir, "config.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(store.Options{Path: filepath.Join(dir, "npsd.db"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wire := wiring{now: func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
	sched, err := wire.newScheduler(cfg, st, log)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := signer(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := LoadTemplates(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := wire.newInbound(cfg, st, sign, log, quietOutbox{}, nil, newMetrics(st), tpl, sched.Timing(), nil)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token string) int {
		req := httptest.NewRequest(method, path, strings.NewReader("state=contacted"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, req)
		return w.Code
	}
	for _, tc := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/admin", "admin-token-0123456789", http.StatusOK},
		{"GET", "/admin", "plain-token-0123456789", http.StatusSeeOther},
		{"GET", "/admin", "metrics-token-0123456789", http.StatusSeeOther},
		{"POST", "/admin/cases/k1", "plain-token-0123456789", http.StatusForbidden},
		{"GET", "/api/v1/report", "plain-token-0123456789", http.StatusOK},
		{"GET", "/api/v1/report", "admin-token-0123456789", http.StatusUnauthorized},
		{"GET", "/api/v1/report", "metrics-token-0123456789", http.StatusUnauthorized},
		{"GET", "/metrics", "metrics-token-0123456789", http.StatusOK},
		{"GET", "/metrics", "plain-token-0123456789", http.StatusUnauthorized},
		{"GET", "/metrics", "admin-token-0123456789", http.StatusUnauthorized},
		{"GET", "/metrics", "", http.StatusUnauthorized},
	} {
		if got := call(tc.method, tc.path, tc.token); got != tc.want {
			t.Errorf("%s %s with %q: %d, want %d", tc.method, tc.path, tc.token, got, tc.want)
		}
	}
}

// quietOutbox is a dispatcher that sends nothing.
type quietOutbox struct{}

func (quietOutbox) Wake()                          {}
func (quietOutbox) HandedOver(store.SurveyID) bool { return false }
