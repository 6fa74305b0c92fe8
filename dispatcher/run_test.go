package dispatcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// emailFunc adapts a function to EmailSender.
type emailFunc func(context.Context, Email) error

func (f emailFunc) SendEmail(ctx context.Context, e Email) error { return f(ctx, e) }

// TestRunFinishesSendsInProgressOnStop: a stop during a send lets the send
// finish and records it; no job is left inflight, and the jobs not yet
// started stay pending for the next start.
func TestRunFinishesSendsInProgressOnStop(t *testing.T) {
	r := newRig(t)
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	var sends atomic.Int32
	r.opts.Email = emailFunc(func(ctx context.Context, e Email) error {
		sends.Add(1)
		started <- struct{}{}
		<-release
		return ctx.Err() // a send cut short by the stop would fail here
	})
	r.opts.Workers = 1
	r.opts.Poll = 10 * time.Millisecond
	var jobs []store.JobID
	for _, addr := range []string{"a@example.fr", "b@example.fr", "c@example.fr"} {
		_, j := r.survey(store.Contact{Email: addr}, store.ChannelEmail)
		jobs = append(jobs, j.ID)
	}
	d := r.dispatcher()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	states := map[store.JobState]int{}
	for _, id := range jobs {
		j, _, _ := r.job(id)
		states[j.State]++
	}
	if sends.Load() != 1 || states[store.JobSent] != 1 || states[store.JobPending] != 2 || states[store.JobInflight] != 0 {
		t.Errorf("after stop: %d sends, states %v; want 1 sent, 2 pending, none inflight", sends.Load(), states)
	}
	// Run may be started again on the same outbox, and sends the rest.
	r.opts.Email = emailFunc(func(context.Context, Email) error { return nil })
	r.runOnce()
	for _, id := range jobs {
		if j, _, _ := r.job(id); j.State != store.JobSent {
			t.Errorf("job %s is %s after the restart", id, j.State)
		}
	}
}

func TestRunSendsConcurrently(t *testing.T) {
	r := newRig(t)
	r.opts.Workers = 4
	r.opts.Poll = 10 * time.Millisecond
	var inFlight, peak atomic.Int32
	r.opts.Email = emailFunc(func(ctx context.Context, e Email) error {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Hold the send until a second one is in flight (or give up after a
		// while, which the assertion below then catches), so the test does
		// not depend on how fast this machine schedules the workers.
		for wait := time.Now().Add(5 * time.Second); peak.Load() < 2 && time.Now().Before(wait); {
			time.Sleep(time.Millisecond)
		}
		inFlight.Add(-1)
		return nil
	})
	const n = 12
	for i := range n {
		r.survey(store.Contact{Email: string(rune('a'+i)) + "@example.fr"}, store.ChannelEmail)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.dispatcher().Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var counts map[store.JobState]int
		r.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err })
		if counts[store.JobSent] == n {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	var counts map[store.JobState]int
	r.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err })
	if counts[store.JobSent] != n {
		t.Fatalf("sent %v, want %d", counts, n)
	}
	if peak.Load() < 2 {
		t.Errorf("at most %d send at a time with 4 workers", peak.Load())
	}
}

func TestTwilioMessagingService(t *testing.T) {
	r := newRig(t)
	sms, err := NewTwilioSender(TwilioOptions{AccountSID: r.tw.AccountSID, AuthToken: r.tw.AuthToken, MessagingServiceSID: "MG" + "0123456789abcdef0123456789abcdef", APIURL: r.tw.Server.URL})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := sms.SendSMS(context.Background(), SMS{To: "+15145550100", Body: "Bonjour"})
	if err != nil || sid == "" {
		t.Fatalf("send = %q, %v", sid, err)
	}
	got := r.tw.Messages()
	if len(got) != 1 || got[0].MessagingServiceSid != "MG0123456789abcdef0123456789abcdef" || got[0].From != "" {
		t.Errorf("twilio got %+v", got)
	}
	// A wrong token is refused by the API: the job waits for the fix.
	bad, _ := NewTwilioSender(TwilioOptions{AccountSID: r.tw.AccountSID, AuthToken: "wrong", From: r.tw.From, APIURL: r.tw.Server.URL})
	_, err = bad.SendSMS(context.Background(), SMS{To: "+15145550100", Body: "x"})
	if err == nil || !IsTemporary(err) {
		t.Errorf("wrong token = %v, want a temporary error", err)
	}
	r.tw.ClearProblems() // the peer rightly complained about the wrong token
}

// A wave larger than one read of the outbox goes out without waiting for
// the poll: here the poll never comes, and only the workers finishing their
// jobs can bring the rest.
func TestRunSendsAWaveLargerThanOneRead(t *testing.T) {
	r := newRig(t)
	r.opts.Workers = 2
	r.opts.Poll = time.Hour
	const n = 100 // more than workers × 8, one read's worth
	for i := range n {
		r.survey(store.Contact{Email: fmt.Sprintf("client-%c%c@example.fr", 'a'+i/26, 'a'+i%26)}, store.ChannelEmail)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.dispatcher().Run(ctx) }()
	var counts map[store.JobState]int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err })
		if counts[store.JobSent] == n {
			break
		}
	}
	cancel()
	<-done
	if counts[store.JobSent] != n || len(r.smtp.Received()) != n {
		t.Fatalf("jobs %v and %d emails received; want all %d sent", counts, len(r.smtp.Received()), n)
	}
}

// BenchmarkDispatchWave sends a wave of survey emails through the real
// dispatcher, a bbolt file and an SMTP server on loopback: rendering,
// the claim and the outcome committed, the SMTP dialogue.
func BenchmarkDispatchWave(b *testing.B) {
	r := newRig(b)
	r.opts.Workers = 16
	r.opts.Poll = time.Hour
	// The wave is planned in one write, as the scheduler's batches do, so
	// that a profile of the benchmark shows the sending, not the setup.
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		for i := range b.N {
			// Letters only: the SMTP peer refuses addresses with 451 or 550 in them.
			c, _, err := tx.UpsertContact(store.Contact{Email: fmt.Sprintf("client-%c%c%c%c@example.fr", 'a'+i/17576%26, 'a'+i/676%26, 'a'+i/26%26, 'a'+i%26)})
			if err != nil {
				return err
			}
			sv, err := tx.PutSurvey(store.Survey{ContactID: c.ID, Campaign: "quarterly", Channel: store.ChannelEmail, Due: r.clk.now()})
			if err != nil {
				return err
			}
			if _, err := tx.EnqueueJob(store.Job{Kind: store.JobSurvey, SurveyID: sv.ID, ContactID: c.ID, Channel: store.ChannelEmail, Due: r.clk.now()}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.dispatcher().Run(ctx) }()
	// Counting received emails, not jobs: a scan of the outbox here would
	// take the CPU the dispatcher is measured on.
	for len(r.smtp.Received()) < b.N {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
	var counts map[store.JobState]int
	r.st.View(func(tx *store.Tx) (err error) { counts, err = tx.CountJobs(); return err })
	if counts[store.JobSent] != b.N {
		b.Fatalf("jobs %v, want %d sent", counts, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "emails/s")
}

// failingWrites is a store whose writes all fail, as on a full disk.
type failingWrites struct{ Store }

func (f failingWrites) Update(context.Context, func(*store.Tx) error) error {
	return &store.TemporaryError{Err: errors.New("no space left on device")}
}

func (f failingWrites) UpdateAll(ctx context.Context, fns []func(*store.Tx) error) []error {
	errs := make([]error, len(fns))
	for i, fn := range fns {
		errs[i] = f.Update(ctx, fn)
	}
	return errs
}

// A job that cannot even be claimed (the store refuses writes) is tried
// again at the next poll, not at once in a loop.
func TestRunDoesNotSpinWhenTheStoreRefusesWrites(t *testing.T) {
	r := newRig(t)
	r.opts.Workers = 2
	r.opts.Poll = time.Hour
	r.survey(store.Contact{Email: "client@example.fr"}, store.ChannelEmail)
	var claims atomic.Int32
	r.opts.Logger = slog.New(slog.NewTextHandler(countingWriter{&claims}, nil))
	d, err := New(failingWrites{r.st}, r.opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	cancel()
	<-done
	if n := claims.Load(); n != 1 {
		t.Errorf("%d failed claims logged in 300 ms with a poll of an hour; want 1", n)
	}
}

// countingWriter counts the "claiming due jobs" errors logged.
type countingWriter struct{ n *atomic.Int32 }

func (w countingWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("claiming due jobs")) {
		w.n.Add(1)
	}
	return len(p), nil
}

// TestNextDispatcherLeavesInFlightSendsAlone: a reload replaces a
// dispatcher while one of its sends is still going. The next dispatcher,
// given the same in-flight set, must not take that job for the orphan of a
// crash and send it again; with a set of its own it would.
func TestNextDispatcherLeavesInFlightSendsAlone(t *testing.T) {
	for _, shared := range []bool{true, false} {
		r := newRig(t)
		started, release := make(chan struct{}, 1), make(chan struct{})
		var sends atomic.Int32
		r.opts.Email = emailFunc(func(ctx context.Context, e Email) error {
			if sends.Add(1) == 1 {
				started <- struct{}{}
				<-release
			}
			return nil
		})
		r.opts.Workers, r.opts.Poll = 1, 10*time.Millisecond
		r.opts.InFlight = NewInFlight()
		_, j := r.survey(store.Contact{Email: "a@example.fr"}, store.ChannelEmail)
		old := r.dispatcher()
		ctx, stopOld := context.WithCancel(context.Background())
		oldDone := make(chan error, 1)
		go func() { oldDone <- old.Run(ctx) }()
		<-started
		stopOld() // the reload: the old send goes on

		if !shared {
			r.opts.InFlight = nil
		}
		if _, err := r.dispatcher().RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		close(release)
		<-oldDone
		got, _, _ := r.job(j.ID)
		switch {
		case shared && (sends.Load() != 1 || got.State != store.JobSent || len(got.Attempts) != 1):
			t.Errorf("with the shared set: %d sends, job %s after %d attempts; want 1 send", sends.Load(), got.State, len(got.Attempts))
		case !shared && sends.Load() != 2:
			t.Errorf("with a set of its own the next dispatcher sent %d times: the test no longer shows the resend it guards against", sends.Load())
		}
	}
}
