package dispatcher

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/npsd/npsd/store"
)

// sendWithoutRecording claims the rig's due jobs and sends each for real,
// and returns the outcomes, recorded nowhere yet: the state of a daemon
// killed between a send and its outcome.
func (r *rig) sendWithoutRecording(d *Dispatcher) []sendResult {
	r.t.Helper()
	ctx := context.Background()
	batch, err := d.claimDue(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	var results []sendResult
	for _, c := range batch {
		res, ok := d.deliver(ctx, c)
		if !ok || res.err != nil {
			r.t.Fatalf("sending job %s: %v", c.job.ID, res.err)
		}
		results = append(results, res)
	}
	return results
}

// An outcome in the journal but not in the store when the daemon died is
// applied at the next start, before the orphan pass: the email is not
// sent a second time. Without the journal it is.
func TestJournaledOutcomesAreAppliedAfterACrash(t *testing.T) {
	for _, withJournal := range []bool{true, false} {
		t.Run(fmt.Sprintf("journal=%v", withJournal), func(t *testing.T) {
			r := newRig(t)
			path := filepath.Join(t.TempDir(), "npsd.db-journal")
			jr, err := OpenJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			var ids []store.JobID
			for i := range 3 {
				_, j := r.survey(store.Contact{Email: fmt.Sprintf("client-%c@example.fr", 'a'+i)}, store.ChannelEmail)
				ids = append(ids, j.ID)
			}
			r.opts.Journal = jr
			first := r.dispatcher()
			results := r.sendWithoutRecording(first)
			if err := jr.write(results); err != nil {
				t.Fatal(err)
			}
			jr.Close() // the kill: nothing reached the store

			r.opts.InFlight = NewInFlight()
			r.opts.Journal = nil
			if withJournal {
				if r.opts.Journal, err = OpenJournal(path); err != nil {
					t.Fatal(err)
				}
				defer r.opts.Journal.Close()
			}
			r.runOnce()
			for _, id := range ids {
				j, sv, _ := r.job(id)
				if j.State != store.JobSent || sv.State != store.SurveySent {
					t.Errorf("job %s is %s, survey %s; want both sent", id, j.State, sv.State)
				}
			}
			want := 3
			if !withJournal {
				want = 6 // the orphan pass sends each again
			}
			if got := len(r.smtp.Received()); got != want {
				t.Errorf("%d emails received; want %d", got, want)
			}
		})
	}
}

// An outcome the store already took (the journal was not emptied before
// the crash) is passed over, even when its job has gone on to a later
// attempt: it never settles an attempt it does not name.
func TestJournalPassesOverSettledOutcomes(t *testing.T) {
	r := newRig(t)
	path := filepath.Join(t.TempDir(), "npsd.db-journal")
	jr, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	_, sent := r.survey(store.Contact{Email: "client-a@example.fr"}, store.ChannelEmail)
	_, retried := r.survey(store.Contact{Email: "client-b@example.fr"}, store.ChannelEmail)
	r.opts.Journal = jr
	d := r.dispatcher()
	results := r.sendWithoutRecording(d)
	for i := range results {
		if results[i].c.job.ID == retried.ID {
			results[i].err = temporary(errors.New("421 try again later"), "421")
		}
	}
	if err := jr.write(results); err != nil {
		t.Fatal(err)
	}
	d.recordAll(context.Background(), results)
	d.releaseAll(results)
	jr.Close() // killed before the journal was started again

	// The retried job is claimed again: inflight on its second attempt.
	r.clk.add(2 * time.Hour)
	again, err := d.claimDue(context.Background())
	if err != nil || len(again) != 1 || again[0].job.ID != retried.ID {
		t.Fatalf("claimed %v, %v; want the retried job alone", again, err)
	}
	d.release(retried.ID)

	jr, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer jr.Close()
	if n := len(jr.loaded); n != 2 {
		t.Fatalf("%d outcomes read back; want 2", n)
	}
	r.opts.Journal, r.opts.InFlight = jr, NewInFlight()
	r.dispatcher().replayJournal(context.Background())
	j, _, _ := r.job(retried.ID)
	if j.State != store.JobInflight || len(j.Attempts) != 2 {
		t.Errorf("retried job is %s after %d attempts; want still inflight on its second", j.State, len(j.Attempts))
	}
	if j, _, _ := r.job(sent.ID); j.State != store.JobSent || len(j.Attempts) != 1 {
		t.Errorf("sent job is %s after %d attempts; want sent after one", j.State, len(j.Attempts))
	}
}

// Reading the journal back stops at a torn line, at a changed byte, at
// the zeros after the lines and at the first line of another generation,
// and reads no line longer than the journal writes.
func TestJournalReadsOnlyItsLastWholeLines(t *testing.T) {
	line := func(gen uint64, job store.JobID) []byte {
		return appendJournalLine(nil, journalEntry{Gen: gen, Job: job, Attempt: 1, ProviderID: fmt.Sprintf("npsd.%d.x@example.fr", job)})
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	whole := join(line(4, 1), line(4, 2), line(4, 3))
	torn := line(4, 4)
	flipped := line(4, 5)
	flipped[12] ^= 1
	long := append([]byte("00000000 "), bytes.Repeat([]byte("x"), maxJournalLine)...)
	cases := []struct {
		name string
		data []byte
		jobs []store.JobID
	}{
		{"empty", nil, nil},
		{"zeros", make([]byte, 4096), nil},
		{"whole lines then zeros", join(whole, make([]byte, 100)), []store.JobID{1, 2, 3}},
		{"a torn last line", join(whole, torn[:len(torn)-5]), []store.JobID{1, 2, 3}},
		{"a changed byte", join(line(4, 1), flipped, line(4, 6)), []store.JobID{1}},
		{"an earlier generation after", join(line(5, 7), line(4, 2), line(4, 3)), []store.JobID{7}},
		{"a torn first line over an earlier generation", join(torn[:9], make([]byte, 3), []byte("\n"), line(6, 2), line(7, 3)), nil},
		{"a line too long", join(line(4, 1), long, []byte("\n"), line(4, 2)), []store.JobID{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			entries, end, gen, found := readJournal(bufio.NewReaderSize(bytes.NewReader(c.data), maxJournalLine))
			var jobs []store.JobID
			for _, e := range entries {
				jobs = append(jobs, e.Job)
			}
			if fmt.Sprint(jobs) != fmt.Sprint(c.jobs) || found != (len(c.jobs) > 0) {
				t.Errorf("read jobs %v (found %v); want %v", jobs, found, c.jobs)
			}
			if found && (gen != entries[0].Gen || !bytes.HasSuffix(c.data[:end], []byte("\n"))) {
				t.Errorf("generation %d, end %d; want the lines' generation and their end", gen, end)
			}
		})
	}
}

// A wave sent with the journal ends with every outcome in the store and
// the journal's file back to zeros: no provider id or error text outlives
// its outcome there.
func TestJournalIsEmptiedAfterAWave(t *testing.T) {
	r := newRig(t)
	path := filepath.Join(t.TempDir(), "npsd.db-journal")
	jr, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer jr.Close()
	const n = 40
	var ids []store.JobID
	for i := range n {
		_, j := r.survey(store.Contact{Email: fmt.Sprintf("client-%c%c@example.fr", 'a'+i/26, 'a'+i%26)}, store.ChannelEmail)
		ids = append(ids, j.ID)
	}
	r.opts.Journal, r.opts.Workers, r.opts.Poll = jr, 4, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.dispatcher().Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.smtp.Received()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	for _, id := range ids {
		if j, _, _ := r.job(id); j.State != store.JobSent {
			t.Errorf("job %s is %s; want sent", id, j.State)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != journalChunk || len(bytes.Trim(data, "\x00")) != 0 {
		t.Errorf("journal of %d bytes holds %d that are not zero; want %d bytes, all zero", len(data), len(bytes.Trim(data, "\x00")), journalChunk)
	}
	if got := len(r.smtp.Received()); got != n {
		t.Errorf("%d emails received; want %d", got, n)
	}
}

// A survey counts as handed over from the server's reply to the record
// of its outcome, the moment in which the conversation takes a text as
// its answer; such an answer stands, and the send is still dated (the
// funnel counts it as sent).
func TestAnswerBeforeTheOutcomeKeepsTheSend(t *testing.T) {
	r := newRig(t)
	_, j := r.survey(store.Contact{Email: "client-a@example.fr"}, store.ChannelEmail)
	d := r.dispatcher()
	if d.HandedOver(j.SurveyID) {
		t.Error("a survey not yet sent counts as handed over")
	}
	results := r.sendWithoutRecording(d)
	if !d.HandedOver(j.SurveyID) {
		t.Error("a survey the server took, its outcome not yet recorded, does not count as handed over")
	}
	if err := r.st.Update(context.Background(), func(tx *store.Tx) error {
		sv, err := tx.Survey(j.SurveyID)
		if err != nil {
			return err
		}
		sv.Answered = r.clk.now()
		_, err = tx.MoveSurvey(sv, store.SurveyAnswered)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	d.recordAll(context.Background(), results)
	d.releaseAll(results)
	if d.HandedOver(j.SurveyID) {
		t.Error("a survey whose outcome is recorded still counts as handed over")
	}
	got, sv, _ := r.job(j.ID)
	if got.State != store.JobSent || sv.State != store.SurveyAnswered || sv.Sent.IsZero() || len(sv.Attempts) != 1 {
		t.Errorf("job %s, survey %s sent %v with %d attempts; want the job sent, the survey answered, its send dated", got.State, sv.State, sv.Sent, len(sv.Attempts))
	}
}
