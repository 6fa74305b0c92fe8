package main

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/npsd/npsd/internal/testpeers"
)

// TestDurabilityFsyncBeforeTelling runs the real binary under strace and
// checks, in the order the kernel saw them, that the store was synced to
// disk before npsd told anyone about a change: between reading a Twilio
// webhook and writing its 200, between claiming a survey and the SMTP
// DATA that sends it, and between reading an email reply and marking it
// \Seen. A SIGKILL leaves unsynced writes in the page cache, so the crash
// tests cannot see a store that skips fsync; this one can. To prove it,
// the same scenario runs on a build with the store's fsync turned off
// (-tags npsd_nosync), and the check must fail there.
func TestDurabilityFsyncBeforeTelling(t *testing.T) {
	tracer, err := exec.LookPath("strace")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("strace is not installed: .ci/run must install Debian's strace package")
		}
		t.Skip("strace not installed (apt-get install strace): durability test skipped")
	}
	if out, err := exec.Command(tracer, "-f", "-o", os.DevNull, "true").CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here (no ptrace?): %v %s", err, out)
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	noSync := filepath.Join(filepath.Dir(bin), "npsd-nosync")
	if out, err := exec.Command("go", "build", "-tags", "npsd_nosync", "-o", noSync, ".").CombinedOutput(); err != nil {
		t.Fatalf("building npsd without fsync: %v\n%s", err, out)
	}

	problems, checked := fsyncScenario(t, tracer, bin)
	for _, p := range problems {
		t.Error(p)
	}
	for _, what := range []string{"webhook 200", "SMTP DATA", "IMAP \\Seen"} {
		if checked[what] == 0 {
			t.Errorf("the trace shows no %s: nothing was checked for it", what)
		}
	}
	t.Logf("checked in the trace: %v", checked)

	problems, _ = fsyncScenario(t, tracer, noSync)
	if len(problems) == 0 {
		t.Error("with the store's fsync turned off the check found nothing: it cannot fail")
	}
	t.Logf("without fsync, as expected: %d findings, the first: %s", len(problems), strings.Join(problems[:min(len(problems), 1)], ""))
}

// fsyncScenario runs bin under strace through one survey email, one SMS
// answer and one email answer, and returns what the trace shows was told
// before it was synced, and how many of each moment it checked.
func fsyncScenario(t *testing.T, tracer, bin string) ([]string, map[string]int) {
	smtp := testpeers.NewSMTP(t, "none")
	tw := testpeers.NewTwilio(t)
	mailbox := testpeers.NewIMAP(t)
	zone := zoneAtMidday(t)
	e := newEnv(t)
	tw.AccountSID = "AC0123456789abcdef0123456789abcdef"
	e.file("config.yaml", peerConfig{SMTP: smtp, Twilio: tw, IMAP: mailbox, Channels: "[email, sms]"}.yaml())
	e.want(e.npsd("contacts", "import", e.file("c.csv", fmt.Sprintf("email,phone,timezone\nclient-a@example.ca,,%s\n,+15145551001,%s\n", zone, zone))), exitOK, nil, nil)
	e.want(e.npsd("campaign", "plan", "wave"), exitOK, []string{"2 surveys queued"}, nil)

	trace := filepath.Join(e.dir, "strace.txt")
	p := runDaemon(t, e.dir, tracer, "-f", "-qq", "-yy", "-s", "2048", "-e", "signal=none",
		"-e", "trace=read,write,writev,pwrite64,fdatasync,fsync", "-o", trace, bin)
	rec, _ := p.waitLog(t, "npsd running", 0)
	addr := rec["http"].(string)
	_, httpPort, _ := strings.Cut(addr, ":")

	// The survey email goes out (and its outcome is recorded), then the
	// SMS customer answers, then the email customer.
	for deadline := time.Now().Add(30 * time.Second); len(smtp.Received()) == 0 || len(tw.Messages()) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the surveys did not go out: %d emails, %d SMS", len(smtp.Received()), len(tw.Messages()))
		}
	}
	time.Sleep(300 * time.Millisecond)
	form := url.Values{"MessageSid": {"SMdurability0000000000000000001"}, "From": {"+15145551001"}, "To": {"+15005550006"}, "Body": {"9"}}
	if code := postIncomingSMS(addr, tw.AuthToken, form); code != 200 {
		t.Fatalf("webhook answered %d", code)
	}
	time.Sleep(300 * time.Millisecond)
	mailbox.Deliver(t, "From: client-a@example.ca\nTo: avis@garage-dupont.ca\nSubject: Re: survey\nMessage-ID: <durability-1@example.ca>\n\n8 durability-reply\n")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if seen, total := mailbox.Seen(t); seen == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the email reply was never marked seen")
		}
	}
	// The tracer passes signals to its child only when told to: stop npsd
	// itself and let strace end with it.
	if pid := tracedChild(p.cmd.Process.Pid); pid > 0 {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	select {
	case <-p.exit:
	case <-time.After(20 * time.Second):
		t.Fatal("npsd did not stop under strace")
	}
	_, imapPort, _ := strings.Cut(mailbox.Addr, ":")
	return checkFsyncOrder(t, trace, httpPort, strconv.Itoa(smtp.Port()), imapPort)
}

// tracedChild returns the pid of the first child of pid, 0 if none.
func tracedChild(pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(data)), " ")
	n, _ := strconv.Atoi(first)
	return n
}

// syscallRecord is one system call from the trace, with the lines where it
// started and where it returned (they differ when another thread's call
// came in between).
type syscallRecord struct {
	start, end int
	text       string
}

var resumedCall = regexp.MustCompile(`^<\.\.\. (\w+) resumed>`)

// readTrace reads strace -f output, joining each call cut in two by
// another thread's.
func readTrace(t *testing.T, path string) []syscallRecord {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []syscallRecord
	open := map[string]syscallRecord{} // by pid, a call not yet returned
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for i := 0; sc.Scan(); i++ {
		pid, rest, _ := strings.Cut(sc.Text(), " ")
		rest = strings.TrimSpace(rest)
		if head, ok := strings.CutSuffix(rest, "<unfinished ...>"); ok {
			open[pid] = syscallRecord{start: i, text: head}
			continue
		}
		if m := resumedCall.FindStringIndex(rest); m != nil {
			c := open[pid]
			delete(open, pid)
			c.end, c.text = i, c.text+rest[m[1]:]
			calls = append(calls, c)
			continue
		}
		calls = append(calls, syscallRecord{start: i, end: i, text: rest})
	}
	return calls
}

// checkFsyncOrder reads the trace and checks each moment npsd tells
// someone of a change: a Twilio webhook's 200, an SMTP DATA, an IMAP
// STORE \Seen. Between the moment npsd learnt of the change (the request
// read, the message fetched) and the telling, the store must have been
// written and that write synced: a write to npsd.db, then an fdatasync or
// fsync of npsd.db that returned before the telling began. For the SMTP
// DATA, the change is the survey's claim, which the trace cannot tell from
// other writes: the window starts after the previous DATA.
// dataCommand finds the DATA command in a write to the SMTP server, alone
// or, to a server that offers PIPELINING, at the end of the envelope
// written in one go (strace shows CR LF as \r\n; a write strace shows
// unfinished, then resumed, has no closing parenthesis after its string).
var dataCommand = regexp.MustCompile(`(?:"|\\n)DATA\\r\\n"`)

func checkFsyncOrder(t *testing.T, path, httpPort, smtpPort, imapPort string) ([]string, map[string]int) {
	calls := readTrace(t, path)
	isDB := func(c syscallRecord) bool { return strings.Contains(c.text, "npsd.db>") }
	// Socket annotations by -yy: <TCP:[local->remote]>.
	onHTTP := func(c syscallRecord) bool { return strings.Contains(c.text, ":"+httpPort+"->") }
	toPort := func(c syscallRecord, port string) bool { return strings.Contains(c.text, "->127.0.0.1:"+port+"]") }
	// synced reports whether a write to the store and a sync after it both
	// happened inside (from, to): the sync returned before to began.
	synced := func(from, to int) bool {
		wrote := -1
		for _, c := range calls {
			if c.start <= from || c.start >= to || !isDB(c) {
				continue
			}
			switch {
			case strings.HasPrefix(c.text, "pwrite64(") || strings.HasPrefix(c.text, "write("):
				if wrote < 0 {
					wrote = c.start
				}
			case (strings.HasPrefix(c.text, "fdatasync(") || strings.HasPrefix(c.text, "fsync(")) && strings.HasSuffix(c.text, "= 0"):
				if wrote >= 0 && c.end < to {
					return true
				}
			}
		}
		return false
	}
	var problems []string
	checked := map[string]int{}
	// Where the latest webhook request and email reply were read.
	hookRead, replyRead := -1, -1
	lastData := 0
	for _, c := range calls {
		switch {
		case strings.HasPrefix(c.text, "read(") && onHTTP(c) && strings.Contains(c.text, `"POST /hooks/twilio/sms`):
			hookRead = c.end
		case strings.HasPrefix(c.text, "write(") && onHTTP(c) && strings.Contains(c.text, `"HTTP/1.1 200`) && hookRead >= 0:
			checked["webhook 200"]++
			if !synced(hookRead, c.start) {
				problems = append(problems, fmt.Sprintf("trace line %d: a webhook answered 200 with no store write synced since its request (line %d)", c.start+1, hookRead+1))
			}
			hookRead = -1
		case strings.HasPrefix(c.text, "write(") && toPort(c, smtpPort) && dataCommand.MatchString(c.text):
			checked["SMTP DATA"]++
			if !synced(lastData, c.start) {
				problems = append(problems, fmt.Sprintf("trace line %d: SMTP DATA with no store write synced since the previous message (line %d)", c.start+1, lastData+1))
			}
			lastData = c.start
		case strings.HasPrefix(c.text, "read(") && toPort(c, imapPort) && strings.Contains(c.text, "durability-") && replyRead < 0:
			replyRead = c.end
		case strings.HasPrefix(c.text, "write(") && toPort(c, imapPort) && strings.Contains(c.text, `STORE`) && strings.Contains(c.text, `\\Seen`) && replyRead >= 0:
			checked["IMAP \\Seen"]++
			if !synced(replyRead, c.start) {
				problems = append(problems, fmt.Sprintf("trace line %d: an email marked \\Seen with no store write synced since it was fetched (line %d)", c.start+1, replyRead+1))
			}
			replyRead = -1
		}
	}
	return problems, checked
}
