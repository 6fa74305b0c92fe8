package dispatcher

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

func TestWebhooks(t *testing.T) {
	secret := []byte("0123456789abcdef-shop-secret")
	var mu sync.Mutex
	var got []string
	status := http.StatusOK
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Npsd-Signature") != Sign(secret, r.Header.Get("X-Npsd-Timestamp"), body) {
			t.Errorf("bad signature on %s", body)
		}
		mu.Lock()
		got = append(got, r.Header.Get("X-Npsd-Event")+" "+string(body))
		code := status
		mu.Unlock()
		w.WriteHeader(code)
	}))
	defer recv.Close()

	r := newRig(t)
	r.opts.Webhooks = &WebhookSender{Secret: secret}
	// Owners are told at any hour; so are machines: no window applies.
	r.opts.Window = windowFunc(func(t time.Time, c store.Contact, ch store.Channel) (time.Time, error) { return t.Add(time.Hour), nil })
	c, _, _ := r.st.UpsertContact(context.Background(), store.Contact{Email: "a@example.fr", ExternalID: "POS-1"})
	enqueue := func(url string) store.JobID {
		var j store.Job
		r.st.Update(context.Background(), func(tx *store.Tx) (err error) {
			j, err = tx.EnqueueJob(store.Job{Kind: "response", To: url, ContactID: c.ID, Channel: store.ChannelWebhook, Due: r.clk.now(),
				Payload: store.Payload{Webhook: json.RawMessage(`{"event":"response","score":9,"external_id":"POS-1"}`)}})
			return err
		})
		return j.ID
	}
	ok := enqueue(recv.URL)
	r.runOnce()
	if j, _, _ := r.job(ok); j.State != store.JobSent || len(got) != 1 || got[0] != `response {"event":"response","score":9,"external_id":"POS-1"}` {
		t.Fatalf("webhook: job %s, received %v", j.State, got)
	}
	// The receiver is down: retried later; it refuses: failed for good.
	mu.Lock()
	status = http.StatusServiceUnavailable
	mu.Unlock()
	retry := enqueue(recv.URL)
	r.runOnce()
	if j, _, _ := r.job(retry); j.State != store.JobPending || !j.Attempts[0].Temporary {
		t.Errorf("503: job %+v", j)
	}
	mu.Lock()
	status = http.StatusBadRequest
	mu.Unlock()
	refused := enqueue(recv.URL)
	r.runOnce()
	if j, _, _ := r.job(refused); j.State != store.JobFailed {
		t.Errorf("400: job %s", j.State)
	}
}
