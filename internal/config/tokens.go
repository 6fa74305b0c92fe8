package config

import (
	"fmt"
	"os"
	"strings"
)

// Tokens are the bearer tokens of the tokens file by what each
// opens, so that a token given to the shop's systems cannot work the
// dashboard's buttons, nor a monitoring token read the customers' data.
type Tokens struct {
	Admin   []string // the dashboard and its case buttons
	API     []string // the shop's JSON API
	Metrics []string // /metrics
}

// ReadTokens reads a tokens file: one token a line, as "scope:token" with
// scope admin, api or metrics, or a bare token, which is an api one as
// every token was before scopes. Blank lines and # comments are ignored.
// A token shorter than 16 characters is refused, since it guards the
// customers' data, and so is an unknown scope rather than taken for part
// of a bare token: a misspelt "amdin:" would otherwise quietly become an
// api token.
func ReadTokens(path string) (Tokens, error) {
	var out Tokens
	data, err := os.ReadFile(path)
	if err != nil {
		return out, err
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		scope, tok := "api", line
		if pre, rest, ok := strings.Cut(line, ":"); ok && isScopeName(pre) {
			scope, tok = pre, strings.TrimSpace(rest)
		}
		if len(tok) < 16 {
			return Tokens{}, fmt.Errorf("%s line %d: token shorter than 16 characters", path, i+1)
		}
		switch scope {
		case "admin":
			out.Admin = append(out.Admin, tok)
		case "api":
			out.API = append(out.API, tok)
		case "metrics":
			out.Metrics = append(out.Metrics, tok)
		default:
			return Tokens{}, fmt.Errorf("%s line %d: unknown scope %q (admin, api or metrics)", path, i+1, scope)
		}
	}
	return out, nil
}

// isScopeName reports whether s reads as a scope before a colon: a short
// lowercase word.
func isScopeName(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for _, c := range s {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
