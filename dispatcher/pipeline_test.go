package dispatcher

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/npsd/npsd/store"
)

// TestClaimsAndOutcomesAreBatched: the due jobs are claimed in one commit,
// and outcomes that arrive together are recorded in one commit; each job
// stays in the in-flight set until its outcome is on disk.
func TestClaimsAndOutcomesAreBatched(t *testing.T) {
	r := newRig(t)
	r.opts.Workers = 4
	const n = 4 * claimsPerWorker
	for i := range n {
		r.survey(store.Contact{Email: fmt.Sprintf("client%d@example.fr", i)}, store.ChannelEmail)
	}
	d := r.dispatcher()
	ctx := context.Background()
	before := r.st.Commits()
	batch, err := d.claimDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != n || r.st.Commits()-before != 1 {
		t.Fatalf("claimed %d jobs in %d commits; want %d in one", len(batch), r.st.Commits()-before, n)
	}
	results := make(chan sendResult, n)
	for _, c := range batch {
		res, ok := d.deliver(ctx, c)
		if !ok {
			t.Fatalf("job %s not delivered", c.job.ID)
		}
		results <- res
	}
	if d.active.Len() != n {
		t.Fatalf("%d jobs in flight before their outcomes are written; want %d", d.active.Len(), n)
	}
	close(results)
	before = r.st.Commits()
	d.recordResults(ctx, results)
	if got := r.st.Commits() - before; got != 1 {
		t.Errorf("%d outcomes written in %d commits; want one", n, got)
	}
	if d.active.Len() != 0 {
		t.Errorf("%d jobs still in flight after their outcomes are written", d.active.Len())
	}
	var counts map[store.JobState]int
	r.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err })
	if counts[store.JobSent] != n || len(r.smtp.Received()) != n {
		t.Errorf("jobs %v, %d emails received; want %d sent", counts, len(r.smtp.Received()), n)
	}
}

// TestSMTPPool: sends side by side share a pool of connections no larger
// than asked, and do overlap on it.
func TestSMTPPool(t *testing.T) {
	for _, conns := range []int{1, 3} {
		t.Run(fmt.Sprint(conns), func(t *testing.T) {
			r := newRig(t)
			r.smtp.SlowData.Store(int64(20 * time.Millisecond))
			s, err := NewSMTPSender(SMTPOptions{Host: "127.0.0.1", Port: r.smtp.Port(), TLS: "none", Username: r.smtp.User, Password: r.smtp.Password, Timeout: 5 * time.Second, Connections: conns})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := range 3 {
						if err := s.SendEmail(context.Background(), testEmail(fmt.Sprintf("w%d.%d@example.fr", w, i))); err != nil {
							t.Errorf("send: %v", err)
						}
					}
				})
			}
			wg.Wait()
			if n, sessions := len(r.smtp.Received()), r.smtp.Sessions(); n != 24 || sessions != conns {
				t.Errorf("%d messages over %d connections; want 24 over %d", n, sessions, conns)
			}
		})
	}
}

// TestTwilioKeepsConnections: texts sent side by side reuse their
// connections to the API; Go's default transport would keep two and open
// a new connection for most of the others (27 of 80 here). A request may
// dial while another's connection is on its way back to the pool, so a
// few spare connections are allowed: one per sender, twice over.
func TestTwilioKeepsConnections(t *testing.T) {
	r := newRig(t)
	sms := r.opts.SMS
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := sms.SendSMS(context.Background(), SMS{To: fmt.Sprintf("+1514555%02d%02d", w, i+10), Body: "De 0 à 10 ?"}); err != nil {
					t.Errorf("send: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if got := r.tw.Connections(); got > 2*workers {
		t.Errorf("%d texts opened %d connections; want about one per sender (%d)", workers*each, got, workers)
	}
}

// TestClaimBudget: a claim takes many jobs of a channel on an unlimited
// relay, and about a second's worth under the channel's rate limit, never
// fewer than one per worker; one channel's limit leaves the other's
// budget alone.
func TestClaimBudget(t *testing.T) {
	r := newRig(t)
	for _, tt := range []struct {
		workers            int
		emailRate, smsRate float64
		email, sms         int
	}{
		{4, 0, 0, 4 * claimsPerWorker, 4 * claimsPerWorker},
		{4, 5, 0, 5, 4 * claimsPerWorker},
		{4, 0, 30, 4 * claimsPerWorker, 30},
		{4, 100, 30, 4 * claimsPerWorker, 30},
		{4, 0.5, 1, 4, 4},
		{16, 1000, 0, 16 * claimsPerWorker, 16 * claimsPerWorker},
	} {
		r.opts.Workers, r.opts.EmailRate, r.opts.SMSRate = tt.workers, tt.emailRate, tt.smsRate
		d := r.dispatcher()
		if email, sms := d.claimBudget(store.ChannelEmail), d.claimBudget(store.ChannelSMS); email != tt.email || sms != tt.sms {
			t.Errorf("%d workers, %v emails/s, %v texts/s: claims %d emails and %d texts, want %d and %d", tt.workers, tt.emailRate, tt.smsRate, email, sms, tt.email, tt.sms)
		}
	}
}

// TestClaimDueKeepsEachChannelToItsBudget: texts under a rate limit are
// claimed a second's worth at a time, while the emails due with them are
// claimed all the same, whether the due index names each job's channel or
// was written before it did.
func TestClaimDueKeepsEachChannelToItsBudget(t *testing.T) {
	for _, olderIndex := range []bool{false, true} {
		r := newRig(t)
		r.opts.Workers, r.opts.SMSRate, r.opts.EmailRate = 1, 2, 0
		for i := range 6 {
			r.survey(store.Contact{Phone: fmt.Sprintf("+1514555%04d", i)}, store.ChannelSMS)
			r.survey(store.Contact{Email: fmt.Sprintf("c%d@example.fr", i)}, store.ChannelEmail)
		}
		if olderIndex {
			forgetDueChannels(t, r)
		}
		var indexed []store.DueJob
		r.st.View(func(tx *store.Tx) error {
			indexed = tx.DueJobs(r.clk.now(), 100)
			return nil
		})
		for _, job := range indexed {
			if olderIndex != (job.Channel == "") {
				t.Fatalf("older index %v: due index entry %+v", olderIndex, job)
			}
		}
		d := r.dispatcher()
		batch, err := d.claimDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[store.Channel]int{}
		for _, c := range batch {
			got[c.job.Channel]++
		}
		if got[store.ChannelSMS] != 2 || got[store.ChannelEmail] != 6 {
			t.Errorf("older index %v: claimed %v; want the 6 emails and 2 texts (2 a second, 1 worker)", olderIndex, got)
		}
	}
}

// forgetDueChannels empties the values of the rig's due index, as npsd
// wrote it before the index held each job's channel.
func forgetDueChannels(t *testing.T, r *rig) {
	r.editFile(func(tx *bolt.Tx) error {
		due := tx.Bucket([]byte("jobs_due"))
		var keys [][]byte
		due.ForEach(func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		})
		for _, k := range keys {
			if err := due.Put(k, nil); err != nil {
				return err
			}
		}
		return nil
	})
}
