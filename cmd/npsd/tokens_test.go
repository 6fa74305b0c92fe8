package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/npsd/npsd/store"
)

func TestTokenScopesFile(t *testing.T) {
	e := newEnv(t)
	path := e.file("tokens", "# the till\nplain-token-0123456789\napi:api-token-0123456789\nadmin: admin-token-0123456789\nmetrics:metrics-token-0123456789\n\n")
	got, err := apiTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.api, []string{"plain-token-0123456789", "api-token-0123456789"}) ||
		!slices.Equal(got.admin, []string{"admin-token-0123456789"}) ||
		!slices.Equal(got.metrics, []string{"metrics-token-0123456789"}) {
		t.Errorf("scopes = %+v", got)
	}
	for content, want := range map[string]string{
		"amdin:admin-token-0123456789\n": `line 1: unknown scope "amdin"`,
		"# x\nadmin:short\n":             "line 2: token shorter than 16 characters",
	} {
		if _, err := apiTokens(e.file("bad", content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", content, err, want)
		}
	}
}

// TestTokenScopesCrossing: each kind of token opens its own door and no
// other, through the routes the daemon serves.
func TestTokenScopesCrossing(t *testing.T) {
	e := newEnv(t)
	hash, _ := bcrypt.GenerateFromPassword([]byte("croissant"), bcrypt.MinCost)
	e.file("tokens", "plain-token-0123456789\nadmin:admin-token-0123456789\nmetrics:metrics-token-0123456789\n")
	e.file("config.yaml", "business:\n  name: Boulangerie Martin\n  timezone: Europe/Paris\n  language: fr\n  default_region: FR\nhttp:\n  listen: 127.0.0.1:0\n  admin_password_hash: \""+string(hash)+"\"\n  api_tokens_file: "+filepath.Join(e.dir, "tokens")+"\n")
	cfg, err := loadConfig(filepath.Join(e.dir, "config.yaml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd.db"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := &cli{now: func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }}
	sched, err := c.newScheduler(cfg, st, log)
	if err != nil {
		t.Fatal(err)
	}
	sign, err := signer(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := loadTemplates(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := c.newInbound(cfg, st, sign, log, func() {}, nil, newMetrics(st), tpl, sched.Timing(), nil)
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
