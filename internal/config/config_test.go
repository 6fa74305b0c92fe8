package config

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestConfigErrors loads each file in testdata: its first line says
// the problem it must produce ("# want: ..."), and that problem must be the
// only one, so each file tests one rule.
func TestConfigErrors(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := firstLineWant(t, f)
			_, err := Load(f, envOf(nil))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("loadConfig = %v, want a *Error", err)
			}
			if len(ce.Problems) != 1 {
				t.Fatalf("got %d problems, want exactly 1:\n%v", len(ce.Problems), err)
			}
			if got := ce.Problems[0].String(); !strings.HasPrefix(got, want) {
				t.Errorf("problem = %q\nwant prefix %q", got, want)
			}
			if !strings.Contains(err.Error(), f[strings.LastIndex(f, "/")+1:]) {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

func firstLineWant(t *testing.T, path string) string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	want, ok := strings.CutPrefix(sc.Text(), "# want: ")
	if !ok {
		t.Fatalf("%s: first line must be '# want: <problem>'", path)
	}
	return want
}

func TestConfigManyProblemsAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte("business:\n  nmae: x\n  language: de\nemail:\n  transport: smtp\n  smtp:\n    port: 0\n"), 0o600)
	_, err := Load(path, envOf(nil))
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	got := err.Error()
	for _, want := range []string{
		"line 2: business.nmae: unknown key",
		"line 3: business.language: unsupported language",
		"line 6: email.smtp.host: must be set when email.transport is smtp",
		"line 7: email.smtp.port: must be 1-65535",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestConfigExampleIsValid(t *testing.T) {
	// Every key must be valid as shipped, with no secret to provide: the
	// README runs npsd on it.
	cfg, err := Load("../../config.example.yaml", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Email.Transport != "file" || cfg.SMS.Transport != "file" {
		t.Errorf("the example must run without accounts: transports %s and %s", cfg.Email.Transport, cfg.SMS.Transport)
	}
	if len(cfg.Campaigns) != 2 || cfg.Campaigns[1].Delay == nil || time.Duration(*cfg.Campaigns[1].Delay) != 72*time.Hour {
		t.Errorf("campaigns = %+v", cfg.Campaigns)
	}
}

func TestConfigSecrets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "imap-password"), []byte("s3cret\n"), 0o600)
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(`email:
  transport: smtp
  smtp:
    host: smtp.example.net
    username: me
    password: ${NPSD_SMTP_PASSWORD}
imap:
  host: imap.example.net
  username: me
  password_file: ${CREDENTIALS_DIRECTORY}/imap-password
sms:
  transport: twilio
  twilio:
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: ${NPSD_TWILIO_AUTH_TOKEN}
    from: "+15145550100"
`), 0o600)
	cfg, err := Load(path, envOf(map[string]string{
		"NPSD_SMTP_PASSWORD":     "pa$$word",
		"NPSD_TWILIO_AUTH_TOKEN": "tok",
		"CREDENTIALS_DIRECTORY":  dir,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IMAP.Password.Reveal() != "s3cret" {
		t.Errorf("imap password from file = %q, want the file's content without its newline", cfg.IMAP.Password.Reveal())
	}
	if cfg.Email.SMTP.Password.Reveal() != "pa$$word" || cfg.SMS.Twilio.AuthToken.Reveal() != "tok" {
		t.Errorf("secrets not expanded from the environment")
	}
}

func TestConfigDefaultsAndPaths(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o700)
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte("store:\n  path: data/npsd.db\nhttp:\n  listen: \"127.0.0.1:${PORT}\"\nemail:\n  smtp:\n    port: ${SMTP_PORT}\n"), 0o600)
	cfg, err := Load(path, envOf(map[string]string{"PORT": "9000", "SMTP_PORT": "2525"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store.Path != filepath.Join(dir, "data", "npsd.db") || cfg.StoreDirIsDefault {
		t.Errorf("store.path = %q (default %v), want it beside the config file", cfg.Store.Path, cfg.StoreDirIsDefault)
	}
	if cfg.HTTP.Listen != "127.0.0.1:9000" || cfg.Email.SMTP.Port != 2525 {
		t.Errorf("env expansion: listen %q, smtp port %d", cfg.HTTP.Listen, cfg.Email.SMTP.Port)
	}
	if cfg.Business.Name != "My Business" || cfg.Email.Transport != "file" {
		t.Errorf("defaults lost: %+v", cfg.Business)
	}
	if cfg.Email.FileDir != filepath.Join(dir, "npsd-data/outbox/email") {
		t.Errorf("default file_dir = %q, want it beside the config file", cfg.Email.FileDir)
	}
	// An empty file is the defaults.
	os.WriteFile(path, nil, 0o600)
	if _, err := Load(path, envOf(nil)); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	cfg := Defaults()
	cfg.SMS.Twilio.AuthToken = "tok-123456"
	for _, s := range []string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(cfg.SMS.Twilio.AuthToken), fmt.Sprintf("%s %q", cfg.SMS.Twilio.AuthToken, cfg.SMS.Twilio.AuthToken),
	} {
		if strings.Contains(s, "tok-123456") {
			t.Fatalf("secret printed: %s", s)
		}
	}
}

func TestFindConfig(t *testing.T) {
	dir := t.TempDir()
	explicit := filepath.Join(dir, "npsd.yaml")
	os.WriteFile(explicit, nil, 0o600)
	if got, err := Find(explicit, envOf(nil)); err != nil || got != explicit {
		t.Errorf("flag: %q %v", got, err)
	}
	if got, err := Find("", envOf(map[string]string{"NPSD_CONFIG": explicit})); err != nil || got != explicit {
		t.Errorf("env: %q %v", got, err)
	}
	if _, err := Find(filepath.Join(dir, "missing.yaml"), envOf(nil)); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("a missing --config file must be an error naming the flag: %v", err)
	}
}
