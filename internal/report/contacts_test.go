package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/store"
)

// TestWriteContactsReadsEveryPage lists every customer once across the
// pages a long list is read in, at and around the page's size.
func TestWriteContactsReadsEveryPage(t *testing.T) {
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	added := 0
	for _, n := range []int{contactsReadPage - 1, 1, 1, contactsReadPage + 498} {
		if err := st.Update(context.Background(), func(tx *store.Tx) error {
			for i := range n {
				if _, _, err := tx.UpsertContact(store.Contact{Email: fmt.Sprintf("c%d@example.fr", added+i)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		added += n
		var out bytes.Buffer
		if _, err := WriteContacts(&out, st, ContactQuery{}, "csv", i18n.For("fr", nil)); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			seen[r[0]] = true
		}
		if len(rows)-1 != added || len(seen) != added {
			t.Errorf("%d customers: %d rows, %d distinct", added, len(rows)-1, len(seen))
		}
	}
}
