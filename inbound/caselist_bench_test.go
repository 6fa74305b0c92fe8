package inbound

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/npsd/npsd/store"
)

// BenchmarkCasesPage reads the first page of the list of cases, every
// case and the resolved ones (one in ten), with 1,000 and 100,000 cases in
// the store: a page reads its cases, not the store's, so its time stays
// flat.
func BenchmarkCasesPage(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		st, cv, now := benchConversation(b)
		c := benchSurveyed(b, st, now, "+33612345678")
		for done := 0; done < n; done += 10_000 {
			if err := st.Update(context.Background(), func(tx *store.Tx) error {
				for i := done; i < min(n, done+10_000); i++ {
					state := store.CaseOpen
					if i%10 == 0 {
						state = store.CaseResolved
					}
					if _, err := tx.PutCase(store.Case{ContactID: c.ID, Score: i % 7, State: state, Opened: now, Due: now}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		signer, err := NewSigner(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			b.Fatal(err)
		}
		srv, err := NewServer(ServerOptions{
			PublicURL: "https://nps.example.fr", Store: st, Conversation: cv, Logger: cv.log,
			Pages: PagesOptions{Signer: signer, Business: "Boulangerie Martin", DefaultLang: "fr", Now: cv.o.Now},
			Admin: AdminOptions{Tokens: []string{"admin-token-123"}},
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, state := range []string{"", "resolved"} {
			b.Run(fmt.Sprintf("cases=%d/state=%s", n, state), func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest(http.MethodGet, "/admin/cases?state="+state, nil)
					req.Header.Set("Authorization", "Bearer admin-token-123")
					w := httptest.NewRecorder()
					srv.Handler().ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("cases page: %d", w.Code)
					}
				}
			})
		}
	}
}
