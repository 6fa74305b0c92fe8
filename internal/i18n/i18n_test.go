package i18n

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// verbs are the fmt verbs of a text, in order.
var verbs = regexp.MustCompile(`%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]`)

// sameInBoth are the texts that are rightly the same in French and
// English: numbers, a brand, a word both languages share.
var sameInBoth = []string{"score", "story.event", "story.amount", "filter.segment", "channel.sms", "channel.webhook", "what.message", "what.note"}

// TestCatalogueIsComplete: every text is written in every language, with
// the same arguments in the same order, and a French text is not the
// English one left untranslated.
func TestCatalogueIsComplete(t *testing.T) {
	for key := range cliCatalogue {
		if _, ok := catalogue[key]; ok {
			t.Errorf("%s is in both catalogues: the command line's would never be read", key)
		}
	}
	for key, e := range allEntries() {
		if strings.TrimSpace(e.fr) == "" || strings.TrimSpace(e.en) == "" {
			t.Errorf("%s: a language is missing (fr %q, en %q)", key, e.fr, e.en)
		}
		if got, want := verbs.FindAllString(e.fr, -1), verbs.FindAllString(e.en, -1); !slices.Equal(got, want) {
			t.Errorf("%s: French takes %v, English %v", key, got, want)
		}
		if e.fr == e.en && !slices.Contains(sameInBoth, key) {
			t.Errorf("%s: the French text is the English one (%q)", key, e.en)
		}
		if strings.HasSuffix(key, ".one") {
			if _, ok := allEntries()[strings.TrimSuffix(key, ".one")+".other"]; !ok {
				t.Errorf("%s has no .other form", key)
			}
		}
	}
	if got := For("fr", nil).T("no.such.key"); got != "[no.such.key]" {
		t.Errorf("a missing key reads %q", got)
	}
}

// allEntries is every text of both catalogues, the pages' and the command
// line's.
func allEntries() map[string]entry {
	all := maps.Clone(catalogue)
	maps.Copy(all, cliCatalogue)
	return all
}

func TestNumbersAndDates(t *testing.T) {
	mtl, err := time.LoadLocation("America/Montreal")
	if err != nil {
		t.Fatal(err)
	}
	fr, en := For("fr-CA", mtl), For("en", mtl)
	v := func(f float64) *float64 { return &f }
	at := time.Date(2026, 12, 2, 19, 30, 0, 0, time.UTC) // 14:30 in Montréal
	for _, c := range []struct{ got, want string }{
		{fr.NPS(v(25)), "+25"}, {fr.NPS(v(-9.6)), "−10"}, {fr.NPS(v(0.4)), "0"}, {en.NPS(nil), "–"},
		{fr.Decimal(81.25, 1), "81,2"}, {en.Decimal(81.25, 1), "81.2"}, {fr.Decimal(-3.5, 1), "−3,5"},
		{fr.Int(1234567), "1\u202f234\u202f567"}, {en.Int(1234567), "1,234,567"}, {en.Int(-1234), "−1,234"}, {fr.Int(999), "999"},
		{fr.N("answers", 0), "0 réponse"}, {fr.N("answers", 1), "1 réponse"}, {fr.N("answers", 2), "2 réponses"},
		{en.N("answers", 0), "0 answers"}, {en.N("answers", 1), "1 answer"}, {fr.N("passives", 1), "1 passif"},
		{fr.Margin(v(81.3), 4), fr.T("margin.too_few")}, {fr.Margin(v(12.4), 200), "±12"}, {en.Margin(v(60), 40), en.T("margin.too_few")},
		{fr.Percent(37.6), "38\u202f%"}, {en.Percent(37.6), "38%"},
		{fr.Date(at), "mer. 2 déc. 2026"}, {en.Date(at), "Wed Dec 2, 2026"},
		{fr.DateTime(at), "mer. 2 déc. 2026, 14 h 30"}, {en.DateTime(at), "Wed Dec 2, 2026, 2:30 PM"},
		{fr.ShortDay(at.In(mtl)), "mer. 2 déc."}, {en.ShortDay(at), "Wed Dec 2"}, {fr.ShortDay(time.Time{}), "–"},
		{fr.T("margin.label", "±12"), "marge d’erreur (95 %) : ±12"},
		{fr.Week("W47"), "S47"}, {en.Week("W47"), "W47"},
		{fr.Word("state", "opted_out"), "désinscrit"}, {fr.Word("state", "brand_new"), "brand_new"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
