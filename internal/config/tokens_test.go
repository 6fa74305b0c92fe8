package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTokenScopesFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "tokens", "# the till\nplain-token-0123456789\napi:api-token-0123456789\nadmin: admin-token-0123456789\nmetrics:metrics-token-0123456789\n\n")
	got, err := ReadTokens(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.API, []string{"plain-token-0123456789", "api-token-0123456789"}) ||
		!slices.Equal(got.Admin, []string{"admin-token-0123456789"}) ||
		!slices.Equal(got.Metrics, []string{"metrics-token-0123456789"}) {
		t.Errorf("scopes = %+v", got)
	}
	for content, want := range map[string]string{
		"amdin:admin-token-0123456789\n": `line 1: unknown scope "amdin"`,
		"# x\nadmin:short\n":             "line 2: token shorter than 16 characters",
	} {
		if _, err := ReadTokens(writeFile(t, dir, "bad", content)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", content, err, want)
		}
	}
}
