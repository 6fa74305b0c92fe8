package reply

import (
	"fmt"
	"strings"
	"testing"
)

// A case: the reply, what it must be read as. score -1 is "no score";
// comment "=" means the whole text.
type parseCase struct {
	text       string
	intent     Intent
	score      int
	comment    string
	unreadable bool
}

func sc(text string, score int, comment string) parseCase {
	return parseCase{text: text, intent: IntentScore, score: score, comment: comment}
}
func bad(text string) parseCase {
	return parseCase{text: text, intent: IntentNone, score: -1, comment: "=", unreadable: true}
}
func note(text string) parseCase {
	return parseCase{text: text, intent: IntentNone, score: -1, comment: "="}
}
func kw(text string, intent Intent) parseCase {
	return parseCase{text: text, intent: intent, score: -1}
}

var smsCases = []parseCase{
	// Plain scores.
	sc("0", 0, ""), sc("1", 1, ""), sc("2", 2, ""), sc("3", 3, ""), sc("4", 4, ""), sc("5", 5, ""),
	sc("6", 6, ""), sc("7", 7, ""), sc("8", 8, ""), sc("9", 9, ""), sc("10", 10, ""),
	sc(" 9 ", 9, ""), sc("9.", 9, ""), sc("10 !", 10, ""), sc("10!!!", 10, ""), sc("8 :)", 8, ""),
	sc("10 👍", 10, ""), sc("👍 9", 9, ""), sc("⭐ 10 ⭐", 10, ""), sc("9 ❤️", 9, ""), sc("(8)", 8, ""),
	sc("«9»", 9, ""), sc("10/10", 10, ""), sc("9/10", 9, ""), sc("9 / 10", 9, ""), sc("7/10.", 7, ""),
	sc("8 sur 10", 8, ""), sc("8 SUR 10", 8, ""), sc("9 out of 10", 9, ""), sc("6 on 10", 6, ""),
	sc("0/10", 0, ""), sc("10/10 !!", 10, ""), sc("Note : 9", 9, ""), sc("note 8", 8, ""),
	// Words.
	sc("neuf", 9, ""), sc("Neuf", 9, ""), sc("dix", 10, ""), sc("Dix !", 10, ""), sc("zéro", 0, ""),
	sc("zero", 0, ""), sc("huit", 8, ""), sc("sept", 7, ""), sc("six", 6, ""), sc("cinq", 5, ""),
	sc("quatre", 4, ""), sc("trois", 3, ""), sc("deux", 2, ""), sc("nine", 9, ""), sc("Ten", 10, ""),
	sc("TEN!", 10, ""), sc("eight", 8, ""), sc("seven", 7, ""), sc("five", 5, ""), sc("two", 2, ""),
	sc("Je dirais neuf", 9, ""), sc("I'd say eight", 8, ""), sc("Dix sur dix", 10, ""),
	// Cues.
	sc("Je dirais 7", 7, ""), sc("je dirais 8 !", 8, ""), sc("Je mets 9", 9, ""), sc("Je vous donne 10", 10, ""),
	sc("I'd give you a 9", 9, ""), sc("I would give you a 7", 7, ""), sc("I'd say 8", 8, ""), sc("I give it a 6", 6, ""),
	sc("Definitely a 10", 10, ""), sc("Bonjour, je dirais 9", 9, ""), sc("Hello! I'd give you a 10 :)", 10, ""),
	// Score then comment.
	sc("7, service rapide", 7, "service rapide"),
	sc("9 - super accueil", 9, "super accueil"),
	sc("10 ! Toujours au top", 10, "Toujours au top"),
	sc("8 car un peu d'attente", 8, "car un peu d'attente"),
	sc("6. Prix trop élevés", 6, "Prix trop élevés"),
	sc("9/10 très bon pain", 9, "très bon pain"),
	sc("8 sur 10, bon accueil mais cher", 8, "bon accueil mais cher"),
	sc("10 great service, thanks!", 10, "great service, thanks!"),
	sc("7 - waited 20 minutes", 7, "waited 20 minutes"),
	sc("5 the bread was stale", 5, "the bread was stale"),
	sc("3: rude staff", 3, "rude staff"),
	sc("9 👍 parfait", 9, "parfait"),
	sc("10\nMerci pour tout", 10, "Merci pour tout"),
	sc("8\n\nBon garage, un peu lent", 8, "Bon garage, un peu lent"),
	sc("Neuf, le pain est excellent", 9, "le pain est excellent"),
	sc("Ten - love the croissants", 10, "love the croissants"),
	sc("0 jamais plus", 0, "jamais plus"),
	sc("2 nul", 2, "nul"),
	sc("9 (la boulangère est adorable)", 9, "(la boulangère est adorable)"),
	sc("10, one of the best bakeries", 10, "one of the best bakeries"),
	sc("8, un service de qualité", 8, "un service de qualité"),
	sc("7 - 2 erreurs sur la facture", 7, "2 erreurs sur la facture"),
	sc("Bonjour 9", 9, ""), sc("Merci ! 10", 10, ""), sc("ok 8", 8, ""), sc("Salut, 7", 7, ""),
	// Score inside a sentence.
	sc("Je vous mets un 9 parce que le service est rapide", 9, "parce que le service est rapide"),
	sc("Pour moi c'est 8", 8, ""),
	sc("Probablement 9, vous êtes les meilleurs", 9, "vous êtes les meilleurs"),
	sc("Service impeccable, 10", 10, "="),
	sc("Great staff, 9", 9, "="),
	sc("Honestly a solid 8", 8, "="),
	sc("c'est un 10 sans hésiter", 10, "sans hésiter"),
	sc("I would say 9 because you fixed my car fast", 9, "because you fixed my car fast"),
	sc("En fait 3, trop d'attente", 3, "trop d'attente"), sc("Finalement 8", 8, ""), sc("Actually a 6, the coffee was cold", 6, "the coffee was cold"),
	// Unreadable: out of range, ranges, fractions, several numbers.
	bad("11"), bad("100"), bad("12/10"), bad("1000"), bad("Onze"),
	bad("7 ou 8"), bad("7 or 8"), bad("5-6"), bad("5 - 6"), bad("8–9"), bad("7 à 8"), bad("7 to 8"),
	bad("between 7 and 8"), bad("entre 7 et 8"), bad("Entre 8 et 9"), bad("8 or 9"), bad("6/7"),
	bad("7.5"), bad("8,5"), bad("9.5/10"), bad("je dirais 7 ou 8"), bad("I'd say 8 or 9"),
	bad("Le pain 8, le service 4"), bad("The bread 9, the coffee 4"),
	// No number: a comment.
	note("Très bon service"), note("Merci beaucoup !"), note("Great bakery"), note("Pourquoi ?"),
	note("Qui êtes-vous ?"), note("👍"), note("C'était un peu long"), note("un service de qualité"),
	note("One of the best"), note("Le magasin est neuf et propre"), note("Je suis passé à 10h30"),
	note("RDV le 2e jour"), note("Super !"), note("ok"), note("Parfait"), note("Thanks"),
	note("Aidez-moi à comprendre"),
	// Opt-outs in a sentence (these two were once read as comments: a
	// missed opt-out is the costliest mistake, issue 13).
	kw("Stop spamming me please", IntentStop), kw("Please stop", IntentStop),
	// Keywords.
	kw("STOP", IntentStop), kw("stop", IntentStop), kw("Stop.", IntentStop), kw(" STOP ", IntentStop),
	kw("STOPALL", IntentStop), kw("Unsubscribe", IntentStop), kw("CANCEL", IntentStop), kw("end", IntentStop),
	kw("QUIT", IntentStop), kw("Revoke", IntentStop), kw("OPTOUT", IntentStop), kw("opt out", IntentStop),
	kw("ARRET", IntentStop), kw("Arrêt", IntentStop), kw("ARRÊT", IntentStop), kw("arret", IntentStop),
	kw("DESABONNER", IntentStop), kw("Désabonner", IntentStop), kw("désabonner !", IntentStop), kw("Stop merci", IntentStop),
	kw("START", IntentStart), kw("start", IntentStart), kw("UNSTOP", IntentStart),
	kw("HELP", IntentHelp), kw("help", IntentHelp), kw("INFO", IntentHelp), kw("Aide", IntentHelp), kw("AIDE ?", IntentHelp),
}

func TestParseText(t *testing.T) {
	if len(smsCases) < 150 {
		t.Fatalf("only %d cases: the parser promises at least 150", len(smsCases))
	}
	for _, tt := range smsCases {
		t.Run(tt.text, func(t *testing.T) {
			got := ParseText(tt.text)
			if got.Intent != tt.intent {
				t.Fatalf("intent = %s (%s), want %s", got.Intent, describe(got), tt.intent)
			}
			switch {
			case tt.score < 0 && got.Score != nil:
				t.Errorf("score = %d, want none", *got.Score)
			case tt.score >= 0 && (got.Score == nil || *got.Score != tt.score):
				t.Errorf("score = %s, want %d", describe(got), tt.score)
			}
			want := tt.comment
			if want == "=" {
				want = tt.text
			}
			if tt.intent != IntentStop && tt.intent != IntentStart && tt.intent != IntentHelp && got.Comment != trimSpace(want) {
				t.Errorf("comment = %q, want %q", got.Comment, trimSpace(want))
			}
			if got.Unreadable != tt.unreadable {
				t.Errorf("unreadable = %v, want %v", got.Unreadable, tt.unreadable)
			}
		})
	}
}

func describe(r Reply) string {
	if r.Score == nil {
		return fmt.Sprintf("no score, comment %q, unreadable %v", r.Comment, r.Unreadable)
	}
	return fmt.Sprintf("%d, comment %q", *r.Score, r.Comment)
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\n') {
		s = s[:len(s)-1]
	}
	return s
}

// FuzzParseText: no reply makes the parser panic, and a score it returns is
// always 0-10.
func FuzzParseText(f *testing.F) {
	for _, c := range smsCases {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := ParseText(text)
		if r.Score != nil && (*r.Score < 0 || *r.Score > 10) {
			t.Fatalf("score %d from %q", *r.Score, text)
		}
		if r.Intent == IntentScore && r.Score == nil {
			t.Fatalf("score intent without a score from %q", text)
		}
		_ = ParseEmailText(text)
	})
}

// BenchmarkParseText measures a typical reply and the worst a sender can
// make: a long message full of numbers, which the reading bounds
// (maxReadBytes for the numbers, maxOptOutBytes for an opt-out).
func BenchmarkParseText(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"typical", "Je dirais 8, le pain était bon mais 20 min d'attente samedi"},
		{"numbers-10KB", strings.Repeat("7 ", 5000)},
		{"numbers-1MB", strings.Repeat("a 7 b, ", 150000)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				ParseText(bc.text)
			}
		})
	}
}
