package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// TestDaemonRidesOutFaults runs one daemon through every fault its peers
// can show, one after the other, while a wave goes out and replies come
// in: the SMTP server greets with 421, then answers 451, then drops the
// connection after each message; Twilio answers 500, then 429, then hangs
// up without an answer; some addresses and numbers are refused for good
// (550, 5.7.1, 21211, 21610, 21614); the IMAP server drops its connections
// and changes UIDVALIDITY; the store's disk fills up. npsd keeps running,
// retries what is temporary, records what is permanent, shows both in
// /metrics and the log, and once the faults clear every customer has had
// one survey and every reply that was acknowledged is stored once.
//
// The daemon runs in-process on a clock the test moves forward, so that
// retries an hour of backoff apart happen in seconds.
func TestDaemonRidesOutFaults(t *testing.T) {
	smtp := testpeers.NewSMTP(t, "none")
	tw := testpeers.NewTwilio(t)
	tw.AccountSID = "AC0123456789abcdef0123456789abcdef"
	mailbox := testpeers.NewIMAP(t)
	zone := zoneAtMidday(t)

	e := newEnv(t)
	// The store on a small disk of its own, when this machine lets the
	// test mount one.
	storeDir := filepath.Join(e.dir, "disk")
	if err := os.Mkdir(storeDir, 0o700); err != nil {
		t.Fatal(err)
	}
	diskFull := true
	if err := testpeers.SmallDisk(t, storeDir, "16m"); err != nil {
		diskFull = false
		t.Logf("%v: the disk-full part is skipped", err)
	}
	e.file("config.yaml", peerConfig{Language: "en", SMTP: smtp, Twilio: tw, IMAP: mailbox, Rate: "0", StorePath: filepath.Join(storeDir, "npsd.db"), Outbox: []string{"max_attempts: 30", "backoff_max: 1m"}, Channels: "[sms, email]"}.yaml())

	goodEmails := []string{"client-a@example.ca", "client-b@example.ca", "client-c@example.ca", "client-d@example.ca"}
	goodPhones := []string{"+15145552101", "+15145552102", "+15145552103", "+15145552104"}
	refused := map[string]store.ChannelState{
		"client-550@example.ca":    store.ChannelUndeliverable,
		"client-policy@example.ca": "",
		"+15145550001":             store.ChannelUndeliverable, // 21211
		"+15145550002":             store.ChannelOptedOut,      // 21610
		"+15145550003":             store.ChannelUndeliverable, // 21614
	}
	var csv strings.Builder
	csv.WriteString("email,phone,timezone\n")
	for _, a := range goodEmails {
		fmt.Fprintf(&csv, "%s,,%s\n", a, zone)
	}
	for _, p := range goodPhones {
		fmt.Fprintf(&csv, ",%s,%s\n", p, zone)
	}
	for k := range refused {
		if strings.HasPrefix(k, "+") {
			fmt.Fprintf(&csv, ",%s,%s\n", k, zone)
		} else {
			fmt.Fprintf(&csv, "%s,,%s\n", k, zone)
		}
	}
	total := len(goodEmails) + len(goodPhones) + len(refused)
	e.want(e.npsd("contacts", "import", e.file("c.csv", csv.String())), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "wave"), exitOK, []string{fmt.Sprintf("%d surveys queued", total)}, nil)

	// The first faults are there before the daemon starts.
	smtp.Refuse.Store(true)
	tw.Outage.Store(500)

	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	d := e.runDaemon(clock)
	logs, addr := d.Logs, d.Addr
	stop := func() {
		if code := d.Stop(); code != exitOK {
			t.Errorf("run exited %d", code)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	metrics := func() string {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	// phase moves the clock a minute at a time (past each backoff) until
	// the fault has been met by both channels, as /metrics shows.
	phase := func(name string, seen func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !seen(); time.Sleep(300 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen in 30 s\n%s", name, metrics())
			}
			offset.Add(int64(time.Minute))
		}
	}
	// count sums npsd_messages_total for a channel and outcome, and for one
	// reason (the provider's code) when reason is not "*".
	count := func(channel, outcome, reason string) int {
		n := 0
		prefix := `npsd_messages_total{channel="` + channel + `",outcome="` + outcome + `",reason="`
		for _, line := range strings.Split(metrics(), "\n") {
			if !strings.HasPrefix(line, prefix) || (reason != "*" && !strings.HasPrefix(line, prefix+reason+`"}`)) {
				continue
			}
			var v float64
			fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &v)
			n += int(v)
		}
		return n
	}
	// Each phase lasts until both channels have met its own fault, told by
	// the code in /metrics (a retry of the phase before, still in flight
	// at the switch, does not count).
	phase("SMTP 421 at the greeting, Twilio 500", func() bool {
		return count("email", "retry", "") > 0 && count("sms", "retry", "20500") > 0
	})
	smtp.Refuse.Store(false)
	smtp.TempFail.Store(true)
	tw.Outage.Store(429)
	phase("SMTP 451, Twilio 429", func() bool {
		return count("email", "retry", "451 4.3.0") > 0 && count("sms", "retry", "20429") > 0
	})
	smtp.TempFail.Store(false)
	smtp.OneShot.Store(true)
	tw.Outage.Store(408)
	// A hang-up leaves no code: the SMS may or may not have been created.
	phase("SMTP drops after each message, Twilio hangs up", func() bool { return count("sms", "retry", "") > 0 })
	smtp.OneShot.Store(false)
	tw.Outage.Store(0)

	// The faults cleared: everyone is served, the refused are recorded.
	phase("the wave done", func() bool {
		return count("email", "sent", "*") == len(goodEmails) && count("sms", "sent", "*") == len(goodPhones) &&
			count("email", "failed", "*")+count("sms", "failed", "*") == len(refused)
	})
	byRcpt := map[string]int{}
	for _, m := range smtp.Received() {
		if header(m, "Subject") == "A quick question from Garage Dupont" {
			byRcpt[strings.Trim(header(m, "To"), "<>")]++
		}
	}
	byNumber := map[string]int{}
	for _, m := range tw.Messages() {
		byNumber[m.To]++
	}
	for _, a := range goodEmails {
		if byRcpt[a] != 1 {
			t.Errorf("%s got %d surveys, want 1", a, byRcpt[a])
		}
	}
	for _, p := range goodPhones {
		if byNumber[p] != 1 {
			t.Errorf("%s got %d texts, want 1", p, byNumber[p])
		}
	}
	if len(byRcpt) != len(goodEmails) || len(byNumber) != len(goodPhones) {
		t.Errorf("emails to %v and texts to %v: someone refused was sent to", byRcpt, byNumber)
	}
	m := metrics()
	for _, want := range []string{`channel="email",outcome="failed"`, `channel="sms",outcome="failed"`, `channel="email",outcome="sent"`, `channel="sms",outcome="sent"`} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, want := range []string{"send failed, will retry", "send failed for good"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log lacks %q", want)
		}
	}

	// The way in. Replies by SMS, acknowledged with a 200.
	post := func(sid, from, body string) int {
		return postIncomingSMS(addr, tw.AuthToken, url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15005550006"}, "Body": {body}})
	}
	acked := map[string]bool{}
	for i, p := range goodPhones[:2] {
		sid := fmt.Sprintf("SMfault%026d", i)
		if code := post(sid, p, "9"); code != http.StatusOK {
			t.Errorf("SMS reply from %s: %d", p, code)
		}
		acked["twilio:"+sid] = true
	}
	// Replies by email, while the IMAP server cuts its connections in the
	// middle of a message's FETCH, drops them all, and then rebuilds the
	// mailbox under a new UIDVALIDITY.
	mailbox.CutFetches.Store(2)
	emailReply := func(i int, from string) string {
		// The receiving server vouches for the sender's domain, as a
		// hosted mailbox does: a From alone would prove nothing.
		return fmt.Sprintf("Authentication-Results: mx.garage-dupont.ca; dmarc=pass header.from=example.ca\nFrom: %s\nTo: avis@garage-dupont.ca\nSubject: Re: survey\nMessage-ID: <fault-%d@example.ca>\n\n%d\n", from, i, 6+i)
	}
	for i, a := range goodEmails[:2] {
		mailbox.Deliver(t, emailReply(i, a))
		acked[fmt.Sprintf("email:fault-%d@example.ca", i)] = true
	}
	mailbox.DropAll()
	waitFor(t, 30*time.Second, func() string {
		if s, n := mailbox.Seen(t); s == 2 && n == 2 {
			return "read"
		}
		return ""
	})
	if n := mailbox.CutFetches.Load(); n != 0 {
		t.Errorf("%d of 2 cuts in the middle of a FETCH never happened", n)
	}
	if err := mailbox.User.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := mailbox.User.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mailbox.DropAll()
	for i, a := range goodEmails[:2] {
		mailbox.Deliver(t, emailReply(i, a))
	}
	waitFor(t, 30*time.Second, func() string {
		if s, n := mailbox.Seen(t); s == 2 && n == 2 {
			return "read again"
		}
		return ""
	})

	// The disk fills up: replies are refused (Twilio will retry them),
	// not lost; once space is back, the same reply is taken.
	if diskFull {
		ballast := testpeers.FillDisk(t, storeDir)
		refusedSID := ""
		for i := range 500 {
			sid := fmt.Sprintf("SMfull%027d", i)
			code := post(sid, goodPhones[2], fmt.Sprintf("8, réponse %d : %s", i, strings.Repeat("détail ", 200)))
			if code == http.StatusOK {
				acked["twilio:"+sid] = true
				continue
			}
			refusedSID = sid
			break
		}
		if refusedSID == "" {
			t.Fatal("500 replies on a full disk were all taken")
		}
		t.Logf("disk full: reply %s refused after %d taken", refusedSID, len(acked)-4)
		if m := metrics(); !strings.Contains(m, "\nnpsd_store_write_failures_total ") || strings.Contains(m, "\nnpsd_store_write_failures_total 0\n") {
			t.Error("/metrics does not count the failed store writes")
		}
		if !strings.Contains(logs.String(), "store write failed") {
			t.Error("the log does not say the store write failed")
		}
		if code, body, err := healthz(addr); code != http.StatusServiceUnavailable || !strings.Contains(body, `"store":"degraded: writes failing since`) {
			t.Errorf("/healthz on a full disk: %d %s %v; want 503 naming the store degraded", code, body, err)
		}
		os.Remove(ballast)
		// Twilio retries the same message.
		waitFor(t, 10*time.Second, func() string {
			if post(refusedSID, goodPhones[2], "8, réponse après le disque plein") == http.StatusOK {
				return "taken"
			}
			return ""
		})
		acked["twilio:"+refusedSID] = true
		if code, body, err := healthz(addr); code != http.StatusOK || !strings.Contains(body, `"store":"ok"`) {
			t.Errorf("/healthz once the disk has room again and a write went through: %d %s %v", code, body, err)
		}
	}

	stop()
	// One answer per survey answered, not two after the rebuilt mailbox.
	answered := map[string]int{}
	r := e.npsd("responses", "export", "--format", "json")
	var rows []report.ExportRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("export: %v\n%s%s", err, r.stdout, r.stderr)
	}
	for _, row := range rows {
		answered[row.Email+row.Phone]++
	}
	replied := 4
	if diskFull {
		replied = 5
	}
	if len(answered) != replied {
		t.Errorf("answers by contact: %v; want %d contacts", answered, replied)
	}
	for who, n := range answered {
		if n != 1 {
			t.Errorf("%s has %d answers", who, n)
		}
	}
	st, err := store.Open(store.Options{Path: filepath.Join(storeDir, "npsd.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.View(func(tx *store.Tx) error {
		for key := range acked {
			if _, ok, _ := tx.Inbound(key); !ok {
				t.Errorf("reply %s was acknowledged but is not in the store", key)
			}
		}
		return nil
	})
	// Every fault is in some attempt's error: retried, not lost.
	var attempts strings.Builder
	failed := 0
	var jobs []store.Job
	st.View(func(tx *store.Tx) error {
		return tx.ForEachJob(func(j store.Job) error {
			if j.Kind == "survey" {
				jobs = append(jobs, j)
			}
			return nil
		})
	})
	for _, j := range jobs {
		for _, a := range j.Attempts {
			attempts.WriteString(a.Error + "\n")
		}
		if j.State == store.JobFailed {
			failed++
		}
	}
	for _, want := range []string{"421", "451", "20500", "20429", "550", "5.7.1", "21211", "21610", "21614"} {
		if !strings.Contains(attempts.String(), want) {
			t.Errorf("no attempt failed with %s:\n%s", want, attempts.String())
		}
	}
	if failed != len(refused) {
		t.Errorf("%d survey jobs failed for good, want %d", failed, len(refused))
	}
	// Refused channels are marked on the contact.
	for key, state := range refused {
		if state == "" {
			continue
		}
		email, phone := key, ""
		if strings.HasPrefix(key, "+") {
			email, phone = "", key
		}
		ct, err := st.ContactByKey(email, phone)
		if err != nil {
			t.Fatal(err)
		}
		ch := store.ChannelEmail
		if phone != "" {
			ch = store.ChannelSMS
		}
		if got := ct.Channels[ch].State; got != state {
			t.Errorf("%s: channel %s, want %s", key, got, state)
		}
	}
}
