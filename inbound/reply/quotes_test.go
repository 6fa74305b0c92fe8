package reply

import "testing"

const quotedSurvey = `Bonjour Zoé,

Sur une échelle de 0 à 10, quelle est la probabilité que vous recommandiez Boulangerie Martin à un ami ou un collègue ?
  0: https://nps.example.fr/s/s1?score=0
  5: https://nps.example.fr/s/s1?score=5
  10: https://nps.example.fr/s/s1?score=10
Merci !`

func quote(s string) string {
	out := ""
	for _, l := range splitLines(s) {
		out += "> " + l + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

var emailCases = []struct {
	name    string
	body    string
	score   int
	comment string
}{
	{"Gmail English", "9\n\nOn Tue, Nov 24, 2026 at 10:02 AM Boulangerie Martin <avis@example.fr> wrote:\n" + quote(quotedSurvey), 9, ""},
	{"Gmail wrapped attribution", "8, good bread\n\nOn Tue, Nov 24, 2026 at 10:02 AM Boulangerie Martin <\navis@example.fr> wrote:\n" + quote(quotedSurvey), 8, "good bread"},
	{"Gmail French", "10 ! Toujours parfait\n\nLe mar. 24 nov. 2026 à 10:02, Boulangerie Martin <avis@example.fr> a écrit :\n" + quote(quotedSurvey), 10, "Toujours parfait"},
	{"Apple Mail French", "Je dirais 7\n\nEnvoyé de mon iPhone\n\n> Le 24 nov. 2026 à 10:02, Boulangerie Martin <avis@example.fr> a écrit :\n" + quote(quotedSurvey), 7, ""},
	{"iPhone English", "6 - too expensive\n\nSent from my iPhone\n\n> On Nov 24, 2026, at 10:02, Boulangerie Martin <avis@example.fr> wrote:\n" + quote(quotedSurvey), 6, "too expensive"},
	{"Outlook desktop French", "9\r\n\r\nCordialement\r\n\r\nDe : Boulangerie Martin <avis@example.fr>\r\nEnvoyé : mardi 24 novembre 2026 10:02\r\nÀ : zoe@example.fr\r\nObjet : Boulangerie Martin : une question rapide\r\n\r\n" + quotedSurvey, 9, "Cordialement"},
	{"Outlook web English", "5\n\nThe wait was long.\n________________________________\nFrom: Boulangerie Martin <avis@example.fr>\nSent: Tuesday, November 24, 2026 10:02 AM\nTo: zoe@example.fr\nSubject: A quick question\n\n" + quotedSurvey, 5, "The wait was long."},
	{"Outlook original message", "8\n\n-----Original Message-----\nFrom: Boulangerie Martin\n" + quotedSurvey, 8, ""},
	{"Android", "10\n\nGet Outlook for Android\n" + quotedSurvey, 10, ""},
	{"signature", "7, service correct\n\n-- \nZoé Lefèvre\nTél. 06 12 34 56 78\n", 7, "service correct"},
	{"no quote at all", "Neuf.", 9, ""},
	{"bottom posting", "> Sur une échelle de 0 à 10 ...\n> 0 1 2 3 4 5 6 7 8 9 10\n\n9 merci\n", 9, "merci"},
}

func TestEmailReplies(t *testing.T) {
	for _, tt := range emailCases {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseEmailText(tt.body)
			if r.Intent != IntentScore || r.Score == nil || *r.Score != tt.score || r.Comment != tt.comment {
				t.Errorf("read %s; want %d with comment %q\nnew part: %q", describe(r), tt.score, tt.comment, StripQuoted(tt.body))
			}
		})
	}
}

func TestQuotedSurveyAloneIsNoScore(t *testing.T) {
	// A reply with nothing typed, only the quote: no score, no comment.
	r := ParseEmailText("\n\nOn Tue, Nov 24, 2026 at 10:02 AM Boulangerie Martin <avis@example.fr> wrote:\n" + quote(quotedSurvey))
	if r.Intent != IntentNone || r.Comment != "" || r.Unreadable {
		t.Errorf("empty reply read as %s", describe(r))
	}
}
