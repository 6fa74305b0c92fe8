package app

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
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

// mayHoldPhone lets through every string phoneLike matches in, on strings
// made of the characters a phone number is written with and others that
// break a run, at the lengths around its bound.
func TestMayHoldPhoneMissesNoPhone(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 2))
	alphabet := "0123456789 .()-+x@é\t"
	runes := []rune(alphabet)
	for range 50000 {
		var b strings.Builder
		for range rnd.IntN(16) {
			b.WriteRune(runes[rnd.IntN(len(runes))])
		}
		s := b.String()
		if phoneLike.MatchString(s) && !mayHoldPhone(s) {
			t.Fatalf("mayHoldPhone(%q) = false, but phoneLike matches %q in it", s, phoneLike.FindString(s))
		}
	}
	for _, s := range []string{"npsd.1.ac825d7fe8b3af4a@bench.test", "job 12345", "survey", "campaign printemps-2026"} {
		if mayHoldPhone(s) {
			t.Errorf("mayHoldPhone(%q) = true: the log's ids would all go through the regular expression", s)
		}
	}
}

// BenchmarkSentLine logs the line each send of a wave logs.
func BenchmarkSentLine(b *testing.B) {
	log := slog.New(redactHandler{slog.NewJSONHandler(io.Discard, nil)})
	for b.Loop() {
		log.Info("message sent", "job", 1234, "kind", "survey", "channel", "email", "id", "npsd.1234.ac825d7fe8b3af4a@bench.test")
	}
}
