package reply

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Intent is what a reply asks for.
type Intent string

const (
	IntentScore     Intent = "score"
	IntentStop      Intent = "stop"
	IntentStart     Intent = "start"
	IntentHelp      Intent = "help"
	IntentAutoReply Intent = "auto_reply"
	IntentBounce    Intent = "bounce"
	// IntentNone is text without a score: a comment, or an unreadable
	// answer (see Reply.Unreadable).
	IntentNone Intent = "none"
)

// Reply is what npsd read in a message.
type Reply struct {
	Intent Intent
	// Score is set with IntentScore.
	Score *int
	// Comment is the text that is not the score.
	Comment string
	// Unreadable is set when the text seems to answer with a rating npsd
	// cannot be sure of: two numbers ("10 pour le service, 6 pour le
	// prix"), another scale ("5/5", "4 étoiles"), out of range ("11",
	// "-1"), not whole ("7.5"). The customer is asked once more, and the
	// owner sees it.
	Unreadable bool
	// Rule names the rule that decided the reading (see Rules); `npsd
	// parse-reply` prints it, so an owner can see why.
	Rule string
	// Standalone is set when the reply is a score and nothing else ("9",
	// "9/10", "neuf", "Merci ! 10"). After a score, only a standalone or a
	// revised score replaces it: "2 baguettes pour demain svp" is a
	// comment.
	Standalone bool
	// Revision is set when the customer says they change or correct their
	// score ("finalement 8", "7 oups je voulais dire 9").
	Revision bool
}

// Kind is what the reply is, in the words the owner reads: score,
// opt-out, help, start, unclear, comment, auto-reply or bounce.
func (r Reply) Kind() string {
	switch r.Intent {
	case IntentScore:
		return "score"
	case IntentStop:
		return "opt-out"
	case IntentStart:
		return "start"
	case IntentHelp:
		return "help"
	case IntentAutoReply:
		return "auto-reply"
	case IntentBounce:
		return "bounce"
	}
	if r.Unreadable {
		return "unclear"
	}
	return "comment"
}

// Reading is what npsd read, as the inbound record keeps it: the kind and
// the rule, "score: score/alone".
func (r Reply) Reading() string {
	if r.Rule == "" {
		return r.Kind()
	}
	return r.Kind() + ": " + r.Rule
}

// ChangesScore reports whether a reply that comes after a score replaces
// it: only a lone number ("9", "9/10", "neuf") or an explicit change
// ("finalement 8", "7 oups je voulais dire 9") does. "2 baguettes pour
// demain svp" and "7, service rapide" are comments.
func (r Reply) ChangesScore() bool {
	return r.Intent == IntentScore && (r.Standalone || r.Revision)
}

// Keywords are whole messages, compared without case, accents or the
// punctuation and emoji around them. They follow the carriers' and
// Twilio's opt-out vocabulary, with the French words customers use.
var (
	stopWords  = setOf("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT", "ARRET", "DESABONNER", "DESINSCRIRE", "STOP SVP", "STOP MERCI", "FIN")
	startWords = setOf("START", "UNSTOP", "YES", "SUBSCRIBE", "OUI")
	helpWords  = setOf("HELP", "INFO", "INFOS", "AIDE")
)

func setOf(words ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[w] = true
	}
	return m
}

// fold removes accents and case: "Arrêt" and "ARRET" are one keyword.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// keyword returns the keyword intent of a whole message, or "". A message
// with a number in it is not a keyword: "Yes! 10" is a score, not START.
func keyword(text string) Intent {
	if strings.ContainsFunc(text, unicode.IsDigit) {
		return ""
	}
	words := strings.FieldsFunc(fold(text), func(r rune) bool { return !unicode.IsLetter(r) })
	k := strings.Join(words, " ")
	switch {
	case k == "":
		return ""
	case stopWords[k] || stopWords[strings.ReplaceAll(k, " ", "")]:
		return IntentStop
	case startWords[k]:
		return IntentStart
	case helpWords[k]:
		return IntentHelp
	}
	if helpRequest(text) {
		return IntentHelp
	}
	return ""
}

// helpSentence asks for help with the messages in a sentence: "I need help
// with these texts", "besoin d'aide avec vos sms".
var helpSentence = regexp.MustCompile(`\b(?:(?:NEED|NEEDS|BESOIN D'?|BESOIN DE) ?(?:SOME )?(?:HELP|AIDE)|(?:HELP|AIDE)\b.*\b(?:SMS|TEXTS?|TEXTOS?|MESSAGES?|TXTS?))\b`)

// helpRequest reports whether a message asks for help: a help keyword
// with politeness around it ("help pls", "Aide svp"), or a sentence.
func helpRequest(text string) bool {
	f := foldForRules(text)
	words := strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	helps := 0
	for _, w := range words {
		switch {
		case helpWords[w]:
			helps++
		case stopFillers[w] || greetings[w]:
		default:
			return helpSentence.MatchString(f)
		}
	}
	return helps > 0
}

// token is a word or a number of a reply, with where it stands.
type token struct {
	text       string // as written
	folded     string // upper case, no accents
	start, end int    // byte offsets in the text
	number     int    // value when isNumber
	isNumber   bool
	isWord     bool // a number written as a word ("neuf", "nine")
	fraction   bool // 7.5, 8,5
	attached   bool // digits glued to letters or a clock: 10h, 2e, 10:30
}

var numberWords = map[string]int{
	"ZERO": 0, "UN": 1, "UNE": 1, "DEUX": 2, "TROIS": 3, "QUATRE": 4, "CINQ": 5, "SIX": 6, "SEPT": 7, "HUIT": 8, "NEUF": 9, "DIX": 10, "ONZE": 11, "DOUZE": 12, "CENT": 100,
	"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SEVEN": 7, "EIGHT": 8, "NINE": 9, "TEN": 10, "ELEVEN": 11, "TWELVE": 12, "HUNDRED": 100,
	"TREIZE": 13, "QUATORZE": 14, "QUINZE": 15, "SEIZE": 16, "VINGT": 20, "TRENTE": 30, "CINQUANTE": 50,
	"THIRTEEN": 13, "FOURTEEN": 14, "FIFTEEN": 15, "SIXTEEN": 16, "SEVENTEEN": 17, "EIGHTEEN": 18, "NINETEEN": 19, "TWENTY": 20, "FIFTY": 50,
	// Beyond any scale: "un million", "infinity", "dix mille".
	"MILLE": 1000, "MILLION": 1000000, "MILLIONS": 1000000, "THOUSAND": 1000, "INFINI": 1000000, "INFINITY": 1000000, "INFINITE": 1000000, "GAZILLION": 1000000, "ZILLION": 1000000,
}

// tokenRE finds numbers (with a decimal part, and what is glued to them)
// and words.
var tokenRE = regexp.MustCompile(`\d+(?:[.,]\d+)?(?::\d+|\p{L}+\d*)?|[\p{L}']+|/`)

func tokenize(text string) []token {
	var out []token
	for _, loc := range tokenRE.FindAllStringIndex(text, -1) {
		t := token{text: text[loc[0]:loc[1]], start: loc[0], end: loc[1]}
		t.folded = fold(t.text)
		switch {
		case t.text[0] >= '0' && t.text[0] <= '9':
			digits := t.text
			if i := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
				rest := digits[i:]
				digits = digits[:i]
				switch {
				case len(rest) > 1 && (rest[0] == '.' || rest[0] == ',') && rest[1] >= '0' && rest[1] <= '9':
					t.fraction = true
				default:
					t.attached = true
				}
			}
			if len(digits) > 6 {
				digits = digits[:6] // a phone number is "a big number", no more
			}
			t.number, _ = strconv.Atoi(digits)
			t.isNumber = true
		default:
			if n, ok := numberWords[strings.Trim(t.folded, "'")]; ok {
				t.number, t.isNumber, t.isWord = n, true, true
			}
		}
		// "dix-huit" is 18, not 10 and 8.
		if n := len(out); n > 0 && out[n-1].isWord && out[n-1].folded == "DIX" && t.isWord && t.number >= 7 && t.number <= 9 && strings.Trim(text[out[n-1].end:t.start], " -") == "" {
			out[n-1].number, out[n-1].end, out[n-1].text = 10+t.number, t.end, text[out[n-1].start:t.end]
			continue
		}
		out = append(out, t)
	}
	return out
}

// cues introduce a score in a sentence: "je dirais 7", "I'd give you a 9".
// Apostrophes are compared without them, so "j'dirais" and "jdirais" are
// one.
var cues = []string{
	"LET'S SAY", "LETS SAY", "DISONS", "METTONS", "SAY",
	"RATING OF", "A RATING OF", "SCORE OF", "A SCORE OF", "UNE NOTE DE", "MY RATING IS", "MY SCORE IS", "MA NOTE EST", "RATE IT", "I WOULD RATE IT", "I'D RATE IT",
	"JE VAIS DIRE", "VAIS DIRE", "JE VAIS METTRE", "VAIS METTRE", "JE VAIS DONNER", "I'LL GO WITH", "GO WITH", "I'D HAVE TO SAY", "HAVE TO SAY", "I HAVE TO SAY",
	"GOTTA SAY", "GOTTA GO WITH", "SAY A", "DIRAIS", "DIRAIS UN",
	"DONNERAIS", "DONNERAI", "METTRAIS", "METTRAI", "ACCORDE", "ACCORDERAIS", "ACCORDERAI", "NOTERAIS", "JE VOUS DONNERAIS", "JE DONNERAIS", "JE METTRAIS", "JE VOUS METTRAIS",
	"JE VOUS ACCORDE", "JE VOUS ACCORDERAIS", "MERITE", "MERITEZ", "VOUS MERITEZ", "DESERVE", "DESERVES", "YOU DESERVE", "RATE", "RATE YOU", "RATE YOU GUYS", "RATE US", "RATE IT",
	"I'D RATE YOU", "I'D RATE YOU GUYS", "GIVE YOU", "GIVE YOU GUYS", "GIVE U", "ALWAYS A", "TOUJOURS UN",
	"JE DIRAIS", "JE DIRAI", "J'DIRAIS", "JDIRAIS", "MOI JE DIRAIS", "JE METS", "JE MET", "J'METS", "J'MET", "JE DONNE", "JE VOUS DONNE", "JE TE DONNE", "J'TE DONNE",
	"JE VOUS METS", "JE VOUS MET", "JE TE METS", "JE TE MET", "J'VOUS DONNE", "JE NOTE", "MA NOTE", "MA NOTE EST", "MA NOTE SERAIT", "NOTE", "NOTE DE", "NOTE FINALE",
	"C'EST", "C EST", "CEST", "C'EST UN", "C'EST DU", "POUR MOI", "POUR MOI C'EST", "CE SERA", "CA SERA", "CA FAIT", "SOLIDE", "UN SOLIDE", "UN BON", "UN GROS",
	"PROBABLEMENT", "SUREMENT", "FACILEMENT", "FACILE", "SANS HESITER", "SANS HESITATION", "HONNETEMENT", "DEFINITIVEMENT", "CLAIREMENT", "ABSOLUMENT", "TOUJOURS", "GENRE", "DISONS",
	"I'D SAY", "ID SAY", "I WOULD SAY", "I SAY", "I'D GIVE YOU A", "I'D GIVE YOU", "I'D GIVE IT A", "I'D GIVE", "ID GIVE", "I WOULD GIVE YOU A", "I WOULD GIVE",
	"I GIVE YOU A", "I GIVE YOU", "I GIVE IT A", "I GIVE", "I'LL GIVE", "ILL GIVE", "I'LL SAY", "I RATE", "I'D RATE", "MY SCORE IS", "MY SCORE", "MY RATING", "MY ANSWER", "MA REPONSE",
	"SCORE", "RATING", "DEFINITELY A", "DEFINITELY", "SOLID", "A SOLID", "EASY", "EASILY", "AN EASY", "PROBABLY", "HONESTLY", "ABSOLUTELY", "CLEARLY", "SURELY", "ALWAYS", "IT'S A", "ITS A", "IT'S", "THAT'S A",
	"A STRONG", "A GOOD", "A HARD", "DEFO", "DEF",
}

// changeCues say the customer changes or corrects their score: "finalement
// 8", "je change pour 8", "actually make it a 9". They are cues too.
var changeCues = []string{
	"EN FAIT", "FINALEMENT", "FINALLY", "PLUTOT", "METTEZ", "METTEZ PLUTOT", "METS", "CORRECTION", "RECTIFICATION", "ACTUALLY", "RATHER", "ON SECOND THOUGHT",
	"JE CHANGE POUR", "JE CHANGE POUR UN", "JE CHANGE", "CHANGE POUR", "CHANGEZ POUR", "CHANGEZ POUR UN", "CHANGEZ MA NOTE POUR", "JE CHANGE MA NOTE POUR", "JE MODIFIE POUR",
	"JE VOULAIS DIRE", "J'VOULAIS DIRE", "JE VEUX DIRE", "JE VOULAIS METTRE", "I MEANT", "MEANT", "I MEAN", "MEANT TO SAY", "I MEANT TO SAY", "MEANT TO PUT",
	"MAKE IT", "MAKE IT A", "MAKE THAT", "MAKE THAT A", "CHANGE IT TO", "CHANGE IT TO A", "CHANGE MY SCORE TO", "CHANGE MY ANSWER TO", "CHANGING MY SCORE TO", "CHANGING TO",
	"UPDATE", "UPDATE MY SCORE TO", "UPDATING TO", "NOW A", "REVISED", "NOUVELLE NOTE", "NEW SCORE",
}

// rangeJoiners between two numbers make a reply ambiguous: "7 ou 8",
// "5-6", "7 to 8", "entre 7 et 8".
var rangeJoiners = setOf("OU", "OR", "-", "–", "A", "TO", "ET", "AND", "/", "PIS", "VOIRE", "ENTRE")

// articles stand between a cue and its number: "je mets un 9", "a 10".
var articles = setOf("UN", "UNE", "A", "AN")

// firstContent is the index of the first token, skipping a greeting and
// an article or number word that leads a number ("un 8", "dix mille").
func firstContent(toks []token) int {
	for i, t := range toks {
		if greetings[t.folded] || greetings[squeeze(t.folded)] {
			continue
		}
		if i+1 < len(toks) && toks[i+1].isNumber && (articles[t.folded] && (!toks[i+1].isWord || i+2 == len(toks)) || multipliers[toks[i+1].folded] && (t.isWord || articles[t.folded])) {
			return i + 1
		}
		return i
	}
	return -1
}

// cueBefore reports whether a cue phrase ends right before token i, or
// before an article that does: "je mets un 9".
func cueBefore(toks []token, i int) bool {
	return cueStart(toks, i) >= 0
}

// cueStart returns the index of the first token of the cue before token i,
// or -1.
func cueStart(toks []token, i int) int {
	// The longer of the cue ending at the number and the cue ending at its
	// article: "I would give you a 7" is one cue.
	start := cueEndingAt(toks, i)
	if i > 0 && articles[toks[i-1].folded] {
		if s := cueEndingAt(toks, i-1); s >= 0 && (start < 0 || s < start) {
			start = s
		}
	}
	return start
}

func cueEndingAt(toks []token, i int) int {
	start, _ := cueMatch(toks, i)
	return start
}

// cueMatch finds the longest cue ending right before token i: where it
// starts (-1 for none) and whether it says the score changes.
func cueMatch(toks []token, i int) (start int, change bool) {
	start = -1
	if i < 1 {
		return start, false
	}
	// Only the cues whose last word stands before i can match.
	for _, c := range cuesByLastWord[bare(toks[i-1].folded)] {
		if i < len(c.words) || (start >= 0 && i-len(c.words) >= start) {
			continue
		}
		match := true
		for k, w := range c.words {
			if bare(toks[i-len(c.words)+k].folded) != w {
				match = false
				break
			}
		}
		if match && (start < 0 || i-len(c.words) < start || c.change && i-len(c.words) == start) {
			start, change = i-len(c.words), c.change
		}
	}
	return start, change
}

// cue is one cue phrase, its words without apostrophes.
type cue struct {
	words  []string
	change bool
}

// cuesByLastWord indexes the cues by their last word, so that finding the
// cue before a number costs a map lookup, not a pass over every cue.
var cuesByLastWord = func() map[string][]cue {
	m := map[string][]cue{}
	add := func(list []string, change bool) {
		for _, phrase := range list {
			var words []string
			for _, w := range strings.Fields(phrase) {
				words = append(words, bare(w))
			}
			last := words[len(words)-1]
			m[last] = append(m[last], cue{words: words, change: change})
		}
	}
	add(cues, false)
	add(changeCues, true)
	return m
}()

// changeCueBefore reports whether the cue before token i (or before its
// article) says the score changes.
func changeCueBefore(toks []token, i int) bool {
	if i > 0 && articles[toks[i-1].folded] {
		if s, change := cueMatch(toks, i-1); s >= 0 {
			return change
		}
	}
	_, change := cueMatch(toks, i)
	return change
}

// bare drops apostrophes: "J'DIRAIS" and "JDIRAIS" are one word.
func bare(w string) string { return strings.ReplaceAll(w, "'", "") }

// commentAround returns what the customer wrote besides the score: the
// text after it when it opened the reply, else the whole sentence — unless
// nothing but the score (and its cue, its denominator, punctuation) was
// written.
func commentAround(text string, toks []token, pick, end int) string {
	rest := trimComment(text[end:])
	// Words before the score other than a greeting and a cue make the
	// reply a sentence: keep it whole ("Service impeccable, 10"). Else the
	// comment is what follows the score ("7, service rapide", "je dirais
	// 7 car…").
	before := pick
	if c := cueStart(toks, pick); c >= 0 {
		before = c
	}
	for k := max(firstContent(toks), 0); k < before; k++ {
		if !toks[k].isNumber && toks[k].folded != "/" {
			return text
		}
	}
	return rest
}

// trimComment drops the punctuation, dashes and emoji that separate a
// score from its comment: "7, service rapide", "9 - super", "10 ! 👍 top".
func trimComment(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",.;:!?-–—/*|~", r) ||
			unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) || r == '\uFE0F' || r == '\u200D'
	})
	s = strings.TrimSpace(s)
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return ""
	}
	return s
}

// Explanation is a reading as npsd shows it to whoever asks why (the
// parse-reply command, a support question): the kind and the rule say
// how sure the reading is and why, so the owner sees "unclear/two-numbers"
// rather than a silent guess. Its JSON names are stable.
type Explanation struct {
	Kind       string `json:"kind"`
	Rule       string `json:"rule,omitempty"`
	Why        string `json:"why,omitempty"`
	Intent     Intent `json:"intent"`
	Score      *int   `json:"score"`
	Comment    string `json:"comment"`
	Unreadable bool   `json:"unreadable,omitempty"`
	Standalone bool   `json:"standalone,omitempty"`
	Revision   bool   `json:"revision,omitempty"`
}

// Explain is the reading with the explanation of its rule.
func (r Reply) Explain() Explanation {
	return Explanation{r.Kind(), r.Rule, Rules[r.Rule], r.Intent, r.Score, r.Comment, r.Unreadable, r.Standalone, r.Revision}
}

// KindOfReading is the kind of a reading as the inbound record keeps it
// ("unclear" of "unclear: unclear/two-numbers", see Reply.Reading), for
// the owner's lists.
func KindOfReading(reading string) string {
	kind, _, _ := strings.Cut(reading, ":")
	return strings.TrimSpace(kind)
}
