package shopapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func TestAPI(t *testing.T) {
	dir := t.TempDir()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(dir, "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	token := strings.Repeat("k", 32)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	routes := Routes(Options{Store: st, Region: "FR", Location: paris, Tokens: []string{token}, Now: func() time.Time { return now }, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, body, tok string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}

	if code, _ := call("POST", "/api/v1/contacts", `{"email":"a@example.fr"}`, ""); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _ := call("GET", "/api/v1/report", "", "wrong-token-wrong-token"); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	tests := []struct {
		body   string
		code   int
		field  string
		result string
	}{
		{`{"external_id":"POS-1","name":"Ann","email":"ann@example.fr","phone":"06 12 34 56 78","attributes":{"City":"Lyon"}}`, 201, "", "created"},
		{`{"external_id":"POS-1","name":"Ann","email":"ann@example.fr","phone":"06 12 34 56 78","attributes":{"City":"Lyon"}}`, 200, "", "unchanged"},
		{`{"external_id":"POS-1","name":"Ann Martin"}`, 200, "", "updated"},
		{`{"email":"bob@example.fr","phone":"12"}`, 400, "phone", ""},
		{`{"email":"not-an-email"}`, 400, "email", ""},
		{`{"emial":"bob@example.fr"}`, 400, "emial", ""},
		{`{"email":"bob@example.fr","language":"de"}`, 400, "language", ""},
		{`{"email":42}`, 400, "email", ""},
		{`{}`, 400, "email", ""},
		{`{"external_id":"POS-2","email":"ann@example.fr"}`, 409, "", ""},
		// An external id longer than a bbolt key (32 KB) failed the write
		// and answered 503 "try again"; any id over 256 bytes is refused.
		{`{"external_id":"` + strings.Repeat("x", 40000) + `"}`, 400, "external_id", ""},
		{`{"external_id":"` + strings.Repeat("x", 257) + `"}`, 400, "external_id", ""},
	}
	for _, tt := range tests {
		code, out := call("POST", "/api/v1/contacts", tt.body, token)
		if code != tt.code || (tt.field != "" && out["field"] != tt.field) || (tt.result != "" && out["result"] != tt.result) {
			t.Errorf("POST contacts %s = %d %v; want %d field %q result %q", tt.body, code, out, tt.code, tt.field, tt.result)
		}
	}
	code, out := call("POST", "/api/v1/events", `{"contact":"POS-1","type":"purchase","at":"2026-11-21T15:00:00+01:00","amount":12.5,"external_id":"T-1"}`, token)
	if code != 201 || out["contact"] != "c1" {
		t.Errorf("event: %d %v", code, out)
	}
	if code, out := call("POST", "/api/v1/events", `{"contact":"POS-1","type":"purchase","external_id":"T-1"}`, token); code != 200 || out["result"] != "unchanged" {
		t.Errorf("same event again: %d %v", code, out)
	}
	if code, out := call("POST", "/api/v1/events", `{"contact_details":{"external_id":"POS-9","email":"new@example.fr"},"type":"purchase","external_id":"T-2"}`, token); code != 201 || out["contact"] != "c2" {
		t.Errorf("event with a new contact: %d %v", code, out)
	}
	for body, field := range map[string]string{
		`{"contact":"POS-1"}`:                                 "type",
		`{"type":"purchase"}`:                                 "contact",
		`{"contact":"POS-1","type":"purchase","at":"hier"}`:   "at",
		`{"contact_details":{"email":"x"},"type":"purchase"}`: "contact_details.email",
		`{"contact":"POS-1","type":"purchase","external_id":"` + strings.Repeat("T", 40000) + `"}`: "external_id",
		`{"contact_details":{"external_id":"` + strings.Repeat("P", 300) + `"},"type":"purchase"}`: "contact_details.external_id",
	} {
		if code, out := call("POST", "/api/v1/events", body, token); code != 400 || out["field"] != field {
			t.Errorf("event %s = %d %v; want 400 on %s", body, code, out, field)
		}
	}
	if code, out := call("POST", "/api/v1/events", `{"contact":"nobody@example.fr","type":"purchase"}`, token); code != 404 {
		t.Errorf("event for nobody: %d %v", code, out)
	}

	st.AddResponse(context.Background(), store.Response{ContactID: 1, Score: 9, Comment: "Parfait", Received: now.Add(-time.Hour), Source: store.SourceSMS})
	code, out = call("GET", "/api/v1/report?by=city", "", token)
	if code != 200 || out["responses"] != float64(1) || out["nps"] != float64(100) {
		t.Errorf("report: %d %v", code, out)
	}
	code, out = call("GET", "/api/v1/responses", "", token)
	rows, _ := out["responses"].([]any)
	if code != 200 || len(rows) != 1 || rows[0].(map[string]any)["comment"] != "Parfait" || rows[0].(map[string]any)["external_id"] != "POS-1" {
		t.Errorf("responses: %d %v", code, out)
	}
	if code, out := call("GET", "/api/v1/report?from=yesterday", "", token); code != 400 || out["field"] != "from" {
		t.Errorf("bad from: %d %v", code, out)
	}

	// The customers, a page at a time, and one customer's file by any key.
	for i := range 5 {
		call("POST", "/api/v1/contacts", fmt.Sprintf(`{"name":"Client %d","email":"client%d@example.fr","attributes":{"city":"Paris"}}`, i, i), token)
	}
	var keys []string
	after := ""
	for pages := 0; pages < 10; pages++ {
		code, out := call("GET", "/api/v1/contacts?segment=city=paris&limit=2&after="+after, "", token)
		if code != 200 {
			t.Fatalf("contacts page: %d %v", code, out)
		}
		for _, c := range out["contacts"].([]any) {
			keys = append(keys, c.(map[string]any)["key"].(string))
		}
		if after = out["next"].(string); after == "" {
			break
		}
	}
	if got := strings.Join(keys, " "); got != "c3 c4 c5 c6 c7" {
		t.Errorf("the Paris customers by pages of 2: %s", got)
	}
	code, out = call("GET", "/api/v1/contacts?search=ann", "", token)
	if list := out["contacts"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["last_score"] != float64(9) {
		t.Errorf("search for Ann: %d %v", code, out)
	}
	for _, key := range []string{"c1", "POS-1", "ann@example.fr", "06%2012%2034%2056%2078"} {
		code, out := call("GET", "/api/v1/contacts/"+key, "", token)
		story, _ := out["story"].([]any)
		if code != 200 || out["key"] != "c1" || len(story) == 0 {
			t.Errorf("contact %s: %d %v", key, code, out)
		}
	}
	for path, field := range map[string]string{
		"/api/v1/contacts?limit=0": "limit", "/api/v1/contacts?limit=5000": "limit", "/api/v1/contacts?after=42": "after",
		"/api/v1/contacts?segment=city": "segment", "/api/v1/contacts/nobody@example.fr": "key",
	} {
		if code, out := call("GET", path, "", token); code/100 != 4 || out["field"] != field {
			t.Errorf("%s = %d %v; want a refusal naming %s", path, code, out, field)
		}
	}
	if code, _ := call("GET", "/api/v1/contacts", "", ""); code != 401 {
		t.Errorf("contacts without a token: %d", code)
	}
}
