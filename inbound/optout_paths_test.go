package inbound

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/npsd/npsd/store"
)

// TestOptOutIsOnePath: the unsubscribe link leaves the channel through the
// same path as a STOP reply, so a second click, like a second STOP, does
// nothing again: one opt-out webhook for the shop, and no confirmation
// message, since the page itself confirms.
func TestOptOutIsOnePath(t *testing.T) {
	r := newPageRig(t)
	r.opts.Conversation.o.Webhooks = []string{"https://shop.example/npsd"}
	path := "/u/" + r.signer.UnsubscribeToken(r.c.ID, store.ChannelEmail)
	for range 2 {
		if w := r.do(http.MethodPost, path, url.Values{"List-Unsubscribe": {"One-Click"}}); w.Code != http.StatusOK {
			t.Fatalf("one-click: %d", w.Code)
		}
	}
	kinds := map[store.JobKind]int{}
	r.st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error { kinds[j.Kind]++; return nil })
	})
	if kinds[store.JobWebhookOptOut] != 1 || kinds[store.JobOptOutConfirm] != 0 {
		t.Errorf("after two clicks: %v; want one opt-out webhook and no confirmation", kinds)
	}
	var c store.Contact
	r.st.View(func(tx *store.Tx) (err error) { c, err = tx.Contact(r.c.ID); return err })
	if st := c.ChannelStatus(store.ChannelEmail); st.State != store.ChannelOptedOut || st.Reason != "unsubscribe link" {
		t.Errorf("channel status %+v", st)
	}
}
