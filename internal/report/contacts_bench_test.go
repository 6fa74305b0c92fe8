package report

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/npsd/npsd/store"
)

// BenchmarkSearchNobody searches for a name no customer has among n: the
// search reads every customer, the one cost of the customer list that
// grows with the file (an owner's query, not an event's).
func BenchmarkSearchNobody(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			for done := 0; done < n; done += 10_000 {
				if err := st.Update(context.Background(), func(tx *store.Tx) error {
					for i := done; i < min(done+10_000, n); i++ {
						if _, _, err := tx.UpsertContact(store.Contact{Name: fmt.Sprintf("Client %d", i), Email: fmt.Sprintf("c%d@example.fr", i), Attributes: map[string]string{"city": "Lyon"}}); err != nil {
							return err
						}
					}
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := ListContacts(st, ContactQuery{Search: "Gaëtan", Limit: 50}, func(ContactRow) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
