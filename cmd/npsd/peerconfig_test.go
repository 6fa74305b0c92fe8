package main

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/npsd/npsd/internal/testpeers"
)

// peerConfig describes a config.yaml that wires npsd to the test peers:
// SMTP without TLS, the Twilio API and IMAP (each only when set), surveys
// allowed at any hour of any day, and one campaign, "wave", planned by
// hand. The daemon tests differ only in the fields below.
type peerConfig struct {
	Business string // default Garage Dupont
	Region   string // default CA
	Language string
	SMTP     *testpeers.SMTP
	Twilio   *testpeers.Twilio
	IMAP     *testpeers.IMAP
	// Rate is each channel's rate_per_second; "" leaves the default.
	Rate string
	// StorePath is store.path; "" leaves the default.
	StorePath string
	// Outbox lines go under outbox:, indented by the caller's two spaces.
	Outbox []string
	// Channels is surveys.channels, such as "[sms, email]".
	Channels        string
	ShutdownTimeout string
}

func (c peerConfig) yaml() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("business:\n  name: %s\n  default_region: %s", cmp.Or(c.Business, "Garage Dupont"), cmp.Or(c.Region, "CA"))
	if c.Language != "" {
		line("  language: %s", c.Language)
	}
	line("http:\n  listen: 127.0.0.1:0")
	if c.StorePath != "" {
		line("store:\n  path: %s", c.StorePath)
	}
	if c.SMTP != nil {
		line("email:\n  transport: smtp\n  from: Garage Dupont <avis@garage-dupont.ca>")
		if c.Rate != "" {
			line("  rate_per_second: %s", c.Rate)
		}
		line("  smtp:\n    host: 127.0.0.1\n    port: %d\n    tls: none\n    username: %s\n    password: %s", c.SMTP.Port(), c.SMTP.User, c.SMTP.Password)
	}
	if c.Twilio != nil {
		line("sms:\n  transport: twilio")
		if c.Rate != "" {
			line("  rate_per_second: %s", c.Rate)
		}
		line("  twilio:\n    account_sid: %s\n    auth_token: %s\n    from: \"+15005550006\"\n    api_url: %s", c.Twilio.AccountSID, c.Twilio.AuthToken, c.Twilio.Server.URL)
	}
	if c.IMAP != nil {
		host, port, _ := strings.Cut(c.IMAP.Addr, ":")
		line("imap:\n  host: %s\n  port: %s\n  tls: none\n  username: avis@example.fr\n  password: imap-pass\n  poll_interval: 5s\n  authserv_id: mx.garage-dupont.ca", host, port)
	}
	if len(c.Outbox) > 0 {
		line("outbox:\n  %s", strings.Join(c.Outbox, "\n  "))
	}
	line("surveys:\n  channels: %s\n  send_window:\n    days: [mon, tue, wed, thu, fri, sat, sun]\n    start: \"00:00\"\n    end: \"24:00\"", c.Channels)
	line("campaigns:\n  - name: wave\n    schedule: \"0 0 1 1 *\"\n    spread: 0s")
	if c.ShutdownTimeout != "" {
		line("shutdown_timeout: %s", c.ShutdownTimeout)
	}
	return b.String()
}
