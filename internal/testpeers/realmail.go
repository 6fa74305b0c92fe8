package testpeers

import (
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// RealMail is Debian's Postfix and Dovecot, each run as a private instance
// on its own loopback port with its own configuration in a temporary
// folder: Postfix delivers every address of its mailboxes to Maildir
// folders, and Dovecot serves the same folders over IMAP. Nothing of the
// machine's own mail set-up is read or changed.
type RealMail struct {
	SMTPPort int
	IMAPPort int
	dir      string
}

// mailUID owns the Maildir folders. Postfix's virtual delivery and
// Dovecot both need a uid that is not root, and neither needs it to exist
// in /etc/passwd.
const mailUID = 5000

// RequireRealMail skips the test, saying why, where Postfix and Dovecot
// cannot run: not root, or the packages are missing. In CI a missing
// package fails the test instead, because .ci/run installs them and only a
// machine without apt can excuse their absence.
func RequireRealMail(t testing.TB) {
	t.Helper()
	missing := []string{}
	for _, bin := range []string{"/usr/sbin/postfix", "/usr/sbin/dovecot"} {
		if _, err := os.Stat(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) > 0 {
		_, aptErr := exec.LookPath("apt-get")
		if os.Getenv("CI") != "" && aptErr == nil {
			t.Fatalf("%s missing although apt is available: .ci/run installs postfix and dovecot-imapd", strings.Join(missing, ", "))
		}
		t.Skipf("%s missing: install Debian's postfix and dovecot-imapd (apt-get install postfix dovecot-imapd) to run this test", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		t.Skip("private Postfix and Dovecot instances need root (they change user to postfix, dovecot and the mail owner)")
	}
}

// NewRealMail starts Postfix and Dovecot for these mailboxes (address →
// IMAP password) and stops them when the test ends.
func NewRealMail(t testing.TB, mailboxes map[string]string) *RealMail {
	t.Helper()
	RequireRealMail(t)
	// Not t.TempDir: its folders are 0700, and the postfix, dovecot and
	// mail-owner users must be able to walk into this one.
	dir, err := os.MkdirTemp("", "npsd-mail-")
	if err != nil {
		t.Fatal(err)
	}
	m := &RealMail{SMTPPort: freePort(t), IMAPPort: freePort(t), dir: dir}
	t.Cleanup(func() { os.RemoveAll(dir) })
	m.makeFolders(t)
	vmailbox, users, domains := mailboxFiles(mailboxes)
	pf := filepath.Join(dir, "postfix")
	m.writePostfix(t, pf, vmailbox, domains)
	dv := filepath.Join(dir, "dovecot")
	m.writeDovecot(t, dv, users)
	m.startServers(t, pf, dv)
	return m
}

// must fails the test on an error of setting up the servers.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// makeFolders makes the servers' folders, each open to the user that
// works in it.
func (m *RealMail) makeFolders(t testing.TB) {
	t.Helper()
	dir := m.dir
	must(t, os.Chmod(dir, 0o755))
	for _, sub := range []string{"postfix", "spool", "data", "mail", "dovecot"} {
		must(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
	}
	must(t, os.Chown(filepath.Join(dir, "mail"), mailUID, mailUID))
	if err := exec.Command("chown", "postfix", filepath.Join(dir, "data")).Run(); err != nil {
		t.Fatalf("chown postfix: %v", err)
	}
}

// mailboxFiles writes the mailboxes as Postfix's virtual mailbox map and
// Dovecot's users file, and lists their domains, sorted.
func mailboxFiles(mailboxes map[string]string) (vmailbox, users string, domainList []string) {
	domains := map[string]bool{}
	var vb, ub strings.Builder
	for addr, password := range mailboxes {
		local, domain, _ := strings.Cut(addr, "@")
		domains[domain] = true
		fmt.Fprintf(&vb, "%s %s/%s/\n", addr, domain, local)
		fmt.Fprintf(&ub, "%s:{PLAIN}%s\n", addr, password)
	}
	domainList = make([]string, 0, len(domains))
	for d := range domains {
		domainList = append(domainList, d)
	}
	sort.Strings(domainList)
	return vb.String(), ub.String(), domainList
}

// writePostfix writes Postfix's configuration in folder pf: the mailboxes,
// main.cf and master.cf.
func (m *RealMail) writePostfix(t testing.TB, pf, vmailbox string, domainList []string) {
	t.Helper()
	dir := m.dir
	must(t, os.WriteFile(filepath.Join(pf, "vmailbox"), []byte(vmailbox), 0o644))
	must(t, os.WriteFile(filepath.Join(pf, "main.cf"), []byte(fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s/spool
data_directory = %[1]s/data
meta_directory = /etc/postfix
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mail.npsd.test
mydomain = npsd.test
myorigin = npsd.test
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = %[2]s
virtual_mailbox_base = %[1]s/mail
virtual_mailbox_maps = texthash:%[1]s/postfix/vmailbox
virtual_uid_maps = static:%[3]d
virtual_gid_maps = static:%[3]d
recipient_delimiter = +
smtpd_relay_restrictions = permit_mynetworks, reject
maillog_file_prefixes = %[1]s
maillog_file = %[1]s/postfix.log
alias_maps =
alias_database =
smtputf8_enable = no
biff = no
# As Postfix 3.9 and later do by default: a client that pipelines where
# RFC 2920 does not allow it is disconnected.
smtpd_forbid_unauth_pipelining = yes
`, dir, strings.Join(domainList, " "), mailUID)), 0o644))
	// Debian's master.cf, with smtpd on our port and nothing chrooted (a
	// chroot would need copies of /etc files in the spool).
	dist, err := os.ReadFile("/usr/share/postfix/master.cf.dist")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(pf, "master.cf"), []byte(postfixMaster(string(dist), m.SMTPPort)), 0o644))
}

// postfixMaster rewrites Debian's master.cf so that smtpd listens on port
// of the loopback and no service is chrooted.
func postfixMaster(dist string, port int) string {
	var master strings.Builder
	listening := false
	for _, line := range strings.Split(dist, "\n") {
		fields := strings.Fields(line)
		switch {
		case !listening && len(fields) >= 8 && fields[0] == "smtp" && fields[1] == "inet":
			fmt.Fprintf(&master, "127.0.0.1:%d inet n - n - - smtpd\n", port)
			listening = true
		case len(fields) >= 8 && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, " "):
			fields[4] = "n"
			master.WriteString(strings.Join(fields, " ") + "\n")
		default:
			master.WriteString(line + "\n")
		}
	}
	return master.String()
}

// writeDovecot writes Dovecot's users and configuration in folder dv.
func (m *RealMail) writeDovecot(t testing.TB, dv, users string) {
	t.Helper()
	dir := m.dir
	must(t, os.WriteFile(filepath.Join(dv, "users"), []byte(users), 0o644))
	must(t, os.WriteFile(filepath.Join(dv, "dovecot.conf"), []byte(fmt.Sprintf(`base_dir = %[1]s/dovecot/run
state_dir = %[1]s/dovecot/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:%[1]s/mail/%%d/%%n
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/dovecot/users
}
userdb {
  driver = static
  args = uid=%[3]d gid=%[3]d home=%[1]s/mail/%%d/%%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
`, dir, m.IMAPPort, mailUID)), 0o644))
}

// startServers starts Postfix and Dovecot, waits until both listen, and
// stops them when the test ends, showing their logs if it failed.
func (m *RealMail) startServers(t testing.TB, pf, dv string) {
	t.Helper()
	m.start(t, "postfix", "-c", pf, "start")
	t.Cleanup(func() { exec.Command("postfix", "-c", pf, "stop").Run() })
	m.start(t, "dovecot", "-c", filepath.Join(dv, "dovecot.conf"))
	t.Cleanup(func() { exec.Command("dovecot", "-c", filepath.Join(dv, "dovecot.conf"), "stop").Run() })
	for _, port := range []int{m.SMTPPort, m.IMAPPort} {
		waitListening(t, port)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Postfix log:\n%s\nDovecot log:\n%s", m.log("postfix.log"), m.log("dovecot.log"))
		}
	})
}

// start runs a command that starts a server in the background. Its output
// goes to a file, not a pipe: the server it leaves behind keeps the
// command's output open, and waiting on a pipe would wait for the server.
func (m *RealMail) start(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := os.Create(filepath.Join(m.dir, name+".start"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, m.log(name+".start"), m.log(name+".log"))
	}
}

func (m *RealMail) log(name string) string {
	b, _ := os.ReadFile(filepath.Join(m.dir, name))
	return string(b)
}

// maildir lists the files of an address's Maildir, new and read, oldest
// first: Maildir names begin with the delivery time.
func (m *RealMail) maildir(addr string) []string {
	local, domain, _ := strings.Cut(addr, "@")
	var files []string
	for _, sub := range []string{"new", "cur"} {
		entries, _ := os.ReadDir(filepath.Join(m.dir, "mail", domain, local, sub))
		for _, e := range entries {
			files = append(files, filepath.Join(m.dir, "mail", domain, local, sub, e.Name()))
		}
	}
	sort.Slice(files, func(i, j int) bool { return filepath.Base(files[i]) < filepath.Base(files[j]) })
	return files
}

// Mailbox returns the raw messages delivered to an address so far, oldest
// first.
func (m *RealMail) Mailbox(t testing.TB, addr string) []string {
	t.Helper()
	var out []string
	for _, f := range m.maildir(addr) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

// Seen counts an address's messages and those of them marked \Seen, which
// Dovecot keeps as an S among the flags at the end of a Maildir file name.
func (m *RealMail) Seen(t testing.TB, addr string) (seen, total int) {
	t.Helper()
	for _, f := range m.maildir(addr) {
		total++
		if _, flags, ok := strings.Cut(filepath.Base(f), ":2,"); ok && strings.Contains(flags, "S") {
			seen++
		}
	}
	return seen, total
}

// WaitMailbox waits until an address has at least n messages.
func (m *RealMail) WaitMailbox(t testing.TB, addr string, n int, timeout time.Duration) []string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		if got := m.Mailbox(t, addr); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has %d messages after %v, want %d", addr, len(m.Mailbox(t, addr)), timeout, n)
		}
	}
}

// Send submits a raw message to Postfix, as a customer's mail program
// would.
func (m *RealMail) Send(t testing.TB, from, to, raw string) {
	t.Helper()
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	if err := smtp.SendMail(fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), nil, from, []string{to}, []byte(raw)); err != nil {
		t.Fatalf("sending through Postfix: %v", err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t testing.TB, port int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on 127.0.0.1:%d", port)
}
