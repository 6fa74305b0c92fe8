package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// zoneAtMidday returns a time zone where it is now between 09:00 and 18:00,
// so that texts may go out whenever the test runs.
func zoneAtMidday(t *testing.T) string {
	for _, name := range []string{"Europe/Paris", "America/Toronto", "America/Los_Angeles", "Pacific/Honolulu", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "Asia/Dubai", "America/Sao_Paulo", "Pacific/Auckland", "Asia/Bangkok", "Atlantic/Azores"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		if h := time.Now().In(loc).Hour(); h >= 9 && h < 18 {
			return name
		}
	}
	t.Skip("no zone at midday found")
	return ""
}

// TestCrashWave kills the real daemon with SIGKILL at random moments while
// it sends a wave to an SMTP server and a Twilio API, restarting it each
// time. In the end every contact got their survey; an email in flight at a
// kill may have come twice, with the same Message-ID (at most once per
// kill and worker); no SMS came twice; nothing is left pending.
// NPSD_CRASH_LONG=1 runs the long form: 2,000 contacts, 20 kills.
func TestCrashWave(t *testing.T) {
	contacts, kills := 200, 5
	if os.Getenv("NPSD_CRASH_LONG") != "" {
		contacts, kills = 2000, 20
	}
	const workers = 4
	smtp := testpeers.NewSMTP(t, "none")
	tw := testpeers.NewTwilio(t)
	mailbox := testpeers.NewIMAP(t)
	zone := zoneAtMidday(t)

	e := newEnv(t)
	// The Twilio peer checks its own account id: point it at ours.
	tw.AccountSID = "AC0123456789abcdef0123456789abcdef"
	e.file("config.yaml", peerConfig{SMTP: smtp, Twilio: tw, IMAP: mailbox, Rate: "150", Outbox: []string{fmt.Sprintf("workers: %d", workers)}, Channels: "[sms, email]"}.yaml())

	var csv strings.Builder
	csv.WriteString("email,phone,timezone\n")
	for i := range contacts {
		if i%2 == 0 {
			// Letters, not digits: the SMTP peer refuses "550", "451"… in
			// an address on purpose.
			name := strings.Map(func(r rune) rune { return 'a' + (r - '0') }, fmt.Sprint(i))
			fmt.Fprintf(&csv, "client-%s@example.ca,,%s\n", name, zone)
		} else {
			fmt.Fprintf(&csv, ",+1514555%04d,%s\n", 1000+i, zone)
		}
	}
	e.want(e.npsd("contacts", "import", e.file("c.csv", csv.String())), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "wave"), exitOK, []string{fmt.Sprintf("%d surveys queued", contacts)}, nil)

	// The way in, during the kills: customers reply by SMS; every reply
	// that got a 200 must be in the store, once.
	var acked []string
	reply := 0
	post := func(addr string) {
		reply++
		n := 1 + 2*(reply%(contacts/2)) // an SMS contact
		sid := fmt.Sprintf("SMcrash%025d", reply)
		form := url.Values{"MessageSid": {sid}, "From": {fmt.Sprintf("+1514555%04d", 1000+n)}, "To": {"+15005550006"}, "Body": {"9"}}
		if postIncomingSMS(addr, tw.AuthToken, form) == http.StatusOK {
			acked = append(acked, "twilio:"+sid)
		}
	}
	// And by email: replies land in the mailbox while npsd comes and goes.
	delivered := 0
	mail := func() {
		delivered++
		name := strings.Map(func(r rune) rune { return 'a' + (r - '0') }, fmt.Sprint(2*(delivered%(contacts/2))))
		mailbox.Deliver(t, fmt.Sprintf("Authentication-Results: mx.garage-dupont.ca; dmarc=pass header.from=example.ca\nFrom: client-%s@example.ca\nTo: avis@garage-dupont.ca\nSubject: Re: survey\nMessage-ID: <crash-%d@example.ca>\n\n8\n", name, delivered))
	}
	// The kill points come from a seed, logged so that a failing run can
	// be replayed with NPSD_CRASH_SEED.
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("NPSD_CRASH_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("NPSD_CRASH_SEED=%q: %v", v, err)
		}
	}
	t.Logf("kill points from seed %d (NPSD_CRASH_SEED=%d replays them)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	// surveyed counts the customers who have had their survey so far.
	surveyed := func() int {
		got := map[string]bool{}
		for _, m := range smtp.Received() {
			if header(m, "Subject") == "A quick question from Garage Dupont" {
				got[header(m, "To")] = true
			}
		}
		for _, m := range tw.Messages() {
			got[m.To] = true
		}
		return len(got)
	}
	midWave := 0
	for k := range kills {
		mail()
		p := startDaemon(t, e.dir)
		rec, _ := p.waitLog(t, "npsd running", 0)
		// Each kill waits until a random share of what is left of the
		// wave has gone out since this start (at least one survey, at most
		// an even share of the rest), so it lands while surveys are being
		// sent, never after the wave.
		before := surveyed()
		target := before + 1 + rng.IntN(max(1, (contacts-before)/(kills-k+1)))
		deadline := time.Now().Add(30 * time.Second)
		for surveyed() < target && time.Now().Before(deadline) {
			post(rec["http"].(string))
			time.Sleep(5 * time.Millisecond)
		}
		atKill := surveyed()
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exit
		if atKill > before && atKill < contacts {
			midWave++
		}
		t.Logf("kill %d: %d of %d surveyed at the kill (%d at the start); %d emails, %d SMS so far", k+1, atKill, contacts, before, len(smtp.Received()), len(tw.Messages()))
	}
	if midWave != kills {
		t.Errorf("%d of %d kills landed in the middle of the wave (seed %d)", midWave, kills, seed)
	}
	p := startDaemon(t, e.dir)
	rec, _ := p.waitLog(t, "npsd running", 0)
	addr := rec["http"].(string)
	// Until every contact has had their survey, by one way or the other.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		emails, numbers := map[string]bool{}, map[string]bool{}
		for _, m := range smtp.Received() {
			if header(m, "Subject") == "A quick question from Garage Dupont" {
				emails[header(m, "To")] = true
			}
		}
		for _, m := range tw.Messages() {
			numbers[m.To] = true
		}
		if len(emails)+len(numbers) == contacts {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the kills, %d of %d contacts got their survey", len(emails)+len(numbers), contacts)
		}
		time.Sleep(200 * time.Millisecond)
	}
	mail()
	// Until every email reply is read and marked \Seen.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if seen, total := mailbox.Seen(t); seen == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the email replies were never all read")
		}
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.exit

	// Emails: everyone once, duplicates only from kills, with one Message-ID.
	// (The answers to the email replies are not surveys: left out.)
	byRcpt := map[string][]string{}
	for _, m := range smtp.Received() {
		if header(m, "Subject") != "A quick question from Garage Dupont" {
			continue
		}
		to, id := header(m, "To"), header(m, "Message-ID")
		byRcpt[to] = append(byRcpt[to], id)
	}
	dups := 0
	for to, ids := range byRcpt {
		dups += len(ids) - 1
		for _, id := range ids[1:] {
			if id != ids[0] {
				t.Errorf("%s got two different surveys: %v", to, ids)
			}
		}
	}
	if len(byRcpt) != contacts/2 {
		t.Errorf("%d email recipients, want %d", len(byRcpt), contacts/2)
	}
	if dups > kills*workers {
		t.Errorf("%d duplicate emails after %d kills with %d workers: more than one per kill and worker", dups, kills, workers)
	}
	// SMS: everyone exactly once.
	byNumber := map[string]int{}
	for _, m := range tw.Messages() {
		byNumber[m.To]++
	}
	for number, n := range byNumber {
		if n != 1 {
			t.Errorf("%s got %d texts", number, n)
		}
	}
	if len(byNumber) != contacts/2 {
		t.Errorf("%d numbers texted, want %d", len(byNumber), contacts/2)
	}
	st, err := store.Open(store.Options{Path: filepath.Join(e.dir, "npsd-data", "npsd.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	missing := 0
	st.View(func(tx *store.Tx) error {
		for _, key := range acked {
			if _, ok, _ := tx.Inbound(key); !ok {
				missing++
			}
		}
		return nil
	})
	if missing > 0 {
		t.Errorf("%d of %d replies answered 200 are not in the store", missing, len(acked))
	}
	// Every email marked \Seen is in the store.
	st.View(func(tx *store.Tx) error {
		for i := 1; i <= delivered; i++ {
			if _, ok, _ := tx.Inbound(fmt.Sprintf("email:crash-%d@example.ca", i)); !ok {
				t.Errorf("email reply %d was marked seen but is not in the store", i)
			}
		}
		return nil
	})
	// The survey jobs all ended sent; nothing is in flight. (Thanks to the
	// customers who replied wait for their comment window: pending.)
	counts := map[store.JobState]int{}
	st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error {
			if j.Kind == "survey" || j.State == store.JobInflight {
				counts[j.State]++
			}
			return nil
		})
	})
	if counts[store.JobSent] != contacts || len(counts) != 1 {
		t.Errorf("survey jobs at the end: %v; want all %d sent", counts, contacts)
		st.View(func(tx *store.Tx) error {
			return tx.ForEachJob(func(j store.Job) error {
				if j.State != store.JobSent {
					t.Logf("job %s %s: %s; attempts %+v", j.ID, j.State, j.Reason, j.Attempts)
				}
				return nil
			})
		})
	}
	t.Logf("%d kills: %d emails for %d recipients (%d duplicates), %d SMS, %d SMS replies acknowledged and stored, %d email replies read", kills, len(smtp.Received()), len(byRcpt), dups, len(tw.Messages()), len(acked), delivered)
}

// header returns a header's value from a raw message.
func header(raw, name string) string {
	for _, line := range strings.Split(raw, "\r\n") {
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return v
		}
	}
	return ""
}
