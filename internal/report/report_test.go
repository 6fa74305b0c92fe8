package report

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// reportStore holds five answers in two cities over two months, counted
// by hand: Lyon 10, 9, 3 (NPS +33.3), Paris 8, 2 (NPS -50); all +0.
func reportStore(t *testing.T) (*store.Store, *time.Location) {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	for i, a := range []struct {
		city  string
		score int
		day   time.Time
	}{
		{"Lyon", 10, time.Date(2026, 10, 5, 12, 0, 0, 0, paris)},
		{"Lyon", 9, time.Date(2026, 10, 20, 12, 0, 0, 0, paris)},
		{"Lyon", 3, time.Date(2026, 11, 2, 12, 0, 0, 0, paris)},
		{"Paris", 8, time.Date(2026, 11, 3, 12, 0, 0, 0, paris)},
		{"Paris", 2, time.Date(2026, 11, 30, 23, 30, 0, 0, paris)},
	} {
		c, _, err := st.UpsertContact(ctx, store.Contact{Email: string(rune('a'+i)) + "@example.fr", Attributes: map[string]string{"city": a.city}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.AddResponse(ctx, store.Response{ContactID: c.ID, Score: a.score, Received: a.day, Source: store.SourceImport}); err != nil {
			t.Fatal(err)
		}
	}
	return st, paris
}

func TestBuildByGroupAndPeriod(t *testing.T) {
	st, paris := reportStore(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, paris)
	rep, err := Build(st, Query{By: "City"}, paris, now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Responses != 5 || rep.NPS == nil || *rep.NPS != 0 || len(rep.Groups) != 2 {
		t.Fatalf("all: %+v", rep)
	}
	if g := rep.Groups[0]; g.Group != "Lyon" || g.Responses != 3 || g.Promoters != 2 || g.Detractors != 1 {
		t.Errorf("largest group first: %+v", g)
	}
	// The last of November in Paris is still November, though it is
	// December in UTC an hour later.
	rep, err = Build(st, Query{By: "month", From: "2026-10-01", To: "2026-11-30"}, paris, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Groups) != 2 || rep.Groups[0].Group != "2026-10" || rep.Groups[0].Responses != 2 || rep.Groups[1].Responses != 3 {
		t.Errorf("by month: %+v", rep.Groups)
	}
	var bound *BoundError
	if _, err := Build(st, Query{To: "30/11/2026"}, paris, now); !errors.As(err, &bound) || bound.Field != "to" {
		t.Errorf("a bound that cannot be read: %v", err)
	}
}

func TestResponsesPages(t *testing.T) {
	st, paris := reportStore(t)
	e, err := Responses(st, ExportQuery{Limit: 3}, paris)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Rows) != 3 || e.Next == "" || len(e.Attributes) != 1 || e.Attributes[0] != "city" {
		t.Fatalf("first page: %d rows, next %q, attributes %v", len(e.Rows), e.Next, e.Attributes)
	}
	e2, err := Responses(st, ExportQuery{From: e.Next, Limit: 3}, paris)
	if err != nil {
		t.Fatal(err)
	}
	if len(e2.Rows) != 2 || e2.Next != "" || e2.Rows[1].Score != 2 || e2.Rows[1].Category != "detractor" {
		t.Errorf("second page: %+v, next %q", e2.Rows, e2.Next)
	}
}
