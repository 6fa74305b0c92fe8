package app

import (
	"context"
	"log/slog"
	"regexp"
)

// phoneLike matches what could be a phone number in a log line: a provider's
// error echoes the number ("The 'To' number +15145550001 is not valid").
var phoneLike = regexp.MustCompile(`\+?\d[\d .()-]{6,}\d`)

// maskPhones keeps the last two digits of each phone-like run, enough to
// tell two numbers apart when reading a log, not enough to call anyone.
func maskPhones(s string) string {
	if !mayHoldPhone(s) {
		return s
	}
	return phoneLike.ReplaceAllStringFunc(s, func(m string) string {
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if digits < 8 || isoDate.MatchString(m) {
			return m // a date or a small number: not a phone
		}
		return "…" + m[len(m)-2:]
	})
}

// mayHoldPhone says whether s has a run of eight characters that
// phoneLike's matches are made of, which each of its matches needs. It is
// checked byte by byte before the regular expression runs: every log line
// passes here, and most of its strings (a message id, a job's kind, a
// campaign) hold digits but no such run.
func mayHoldPhone(s string) bool {
	run := 0
	for i := range len(s) {
		switch c := s[i]; {
		case '0' <= c && c <= '9', c == ' ', c == '.', c == '(', c == ')', c == '-':
			if run++; run == 8 {
				return true
			}
		default:
			run = 0
		}
	}
	return false
}

// isoDate spares the dates of timestamps the masking.
var isoDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// redactHandler masks phone numbers in every log line: the message, and
// string and error attributes.
type redactHandler struct{ next slog.Handler }

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, maskPhones(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, maskPhones(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, maskPhones(err.Error()))
		}
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, len(attrs))
		for i, g := range attrs {
			out[i] = redactAttr(g)
		}
		return slog.Group(a.Key, out...)
	}
	return a
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactHandler{h.next.WithAttrs(red)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.next.WithGroup(name)}
}
