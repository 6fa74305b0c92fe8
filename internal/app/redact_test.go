package app

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestLogsMaskPhoneNumbers(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redactHandler{slog.NewJSONHandler(&buf, nil)})
	log.With("contact", "+33612345678").Error("send failed for +1 514 555 0199",
		"err", errors.New("21211: The 'To' number +15145550001 is not a valid phone number"),
		"to", "06 12 34 56 78", "job", "j42", "at", "2026-11-24T10:00:00Z", "count", "1234")
	out := buf.String()
	for _, phone := range []string{"+33612345678", "514 555 0199", "+15145550001", "06 12 34 56 78"} {
		if strings.Contains(out, phone) {
			t.Errorf("log line shows %s:\n%s", phone, out)
		}
	}
	for _, keep := range []string{"…78", "…99", "…01", "j42", "2026-11-24T10:00:00Z", `"count":"1234"`} {
		if !strings.Contains(out, keep) {
			t.Errorf("log line lost %q:\n%s", keep, out)
		}
	}
}
