package dispatcher

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"

	"github.com/npsd/npsd/store/record"
)

// TestEveryMessageKindHasATemplate: each job kind the store knows is
// either a message with a template in both the mapping and the set, or a
// webhook event without one.
func TestEveryMessageKindHasATemplate(t *testing.T) {
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range record.JobKinds() {
		kind, ok := templates.ForJob(k)
		if ok == k.IsWebhook() {
			t.Errorf("%s: a template %v, a webhook %v: want exactly one", k, ok, k.IsWebhook())
			continue
		}
		if !ok {
			continue
		}
		if string(kind) != string(k) {
			t.Errorf("job kind %s is written with template %s", k, kind)
		}
		ch := templates.Email
		if k == store.JobHelp {
			ch = templates.SMS
		}
		if _, err := tpl.Render(templates.Template{Kind: kind, Channel: ch}, "fr", templates.Data{Summary: &templates.Summary{}}); err != nil {
			t.Errorf("job kind %s: %v", k, err)
		}
	}
	if _, ok := templates.ForJob(store.JobKind("no_such_kind")); ok {
		t.Error("an unknown job kind has a template")
	}
}

// TestUndecodablePayloadFailsOnce: a job whose payload cannot be read is
// failed for good, with a reason that says so, in one write; the survey it
// was for fails with it; and the job after it goes out.
func TestUndecodablePayloadFailsOnce(t *testing.T) {
	r := newRig(t)
	_, bad := r.survey(store.Contact{Name: "Paul", Email: "paul@example.fr"}, store.ChannelEmail)
	_, good := r.survey(store.Contact{Name: "Ann", Email: "ann@example.fr"}, store.ChannelEmail)
	// An older npsd, or a damaged file, left a payload that does not read.
	r.editFile(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("jobs"))
		key := binary.BigEndian.AppendUint64(nil, uint64(bad.ID))
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b.Get(key), &fields); err != nil {
			return err
		}
		fields["data"] = json.RawMessage(`{"score":"nine"}`)
		v, err := json.Marshal(fields)
		if err != nil {
			return err
		}
		return b.Put(key, v)
	})

	r.runOnce()
	j, sv, _ := r.job(bad.ID)
	if j.State != store.JobFailed || len(j.Attempts) != 0 || !strings.Contains(j.Reason, "payload cannot be read") || !strings.Contains(j.Reason, `score "nine"`) {
		t.Errorf("job with an unreadable payload: %s, %d attempts, reason %q", j.State, len(j.Attempts), j.Reason)
	}
	if !errors.Is(j.PayloadError(), store.ErrUndecodablePayload) {
		t.Errorf("payload error %v", j.PayloadError())
	}
	if sv.State != store.SurveyFailed || sv.Reason != j.Reason {
		t.Errorf("its survey: %s, %q", sv.State, sv.Reason)
	}
	next, _, _ := r.job(good.ID)
	msgs := r.smtp.Received()
	if next.State != store.JobSent || len(msgs) != 1 || !strings.Contains(msgs[0], "ann@example.fr") {
		t.Errorf("the next job: %s, %d messages sent", next.State, len(msgs))
	}
	// Recorded once: another pass, later, neither sends it nor writes it
	// again.
	r.clk.add(time.Minute)
	r.runOnce()
	again, _, _ := r.job(bad.ID)
	if !again.Updated.Equal(j.Updated) || again.State != store.JobFailed || len(r.smtp.Received()) != 1 {
		t.Errorf("after another pass: %s updated %s (was %s), %d messages", again.State, again.Updated, j.Updated, len(r.smtp.Received()))
	}
}
