package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSystemdUnits checks deploy/npsd.service and deploy/npsd@.service with
// systemd-analyze: they verify (with the unit pointed at a built binary)
// and their hardening scores 2.0 or lower.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed: unit files not checked")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	score := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)
	for _, unit := range []string{"npsd.service", "npsd@.service"} {
		t.Run(unit, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "..", "deploy", unit))
			if err != nil {
				t.Fatal(err)
			}
			name := strings.Replace(unit, "@.", "@shop.", 1)
			path := filepath.Join(t.TempDir(), name)
			os.WriteFile(path, []byte(strings.ReplaceAll(string(src), "/usr/local/bin/npsd", bin)), 0o644)
			out, err := exec.Command(analyze, "security", "--offline=true", path).CombinedOutput()
			m := score.FindSubmatch(out)
			if m == nil {
				t.Fatalf("systemd-analyze security: %v\n%s", err, out)
			}
			if v, _ := strconv.ParseFloat(string(m[1]), 64); v > 2.0 {
				t.Errorf("%s exposure %s, want 2.0 or lower", unit, m[1])
			}
			if out, err := exec.Command(analyze, "verify", path).CombinedOutput(); err != nil {
				t.Errorf("systemd-analyze verify: %v\n%s", err, out)
			}
			for _, want := range []string{"Type=notify", "WatchdogSec=", "StateDirectory=", "ConfigurationDirectory=", "LoadCredential=smtp-password", "LoadCredential=imap-password", "LoadCredential=twilio-token", "ExecReload=/bin/kill -HUP $MAINPID"} {
				if !strings.Contains(string(src), want) {
					t.Errorf("%s lacks %s", unit, want)
				}
			}
		})
	}
}
