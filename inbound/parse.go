package inbound

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
	// Unreadable is set when the text tried to give a score npsd cannot
	// take: out of range ("11", "100"), two of them ("7 ou 8", "5-6"), a
	// fraction ("7.5"). The customer is asked once more.
	Unreadable bool
	// Leading is set when the score opens the reply or follows a cue ("je
	// dirais 7"): a deliberate answer, unlike a number met in a sentence
	// ("venu le 2 novembre"), which should not replace an earlier score.
	Leading bool
}

// Keywords are whole messages, compared without case, accents or the
// punctuation and emoji around them. They follow the carriers' and
// Twilio's opt-out vocabulary, with the French words customers use.
var (
	stopWords  = setOf("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT", "ARRET", "DESABONNER", "DESINSCRIRE", "STOP SVP", "STOP MERCI", "FIN")
	startWords = setOf("START", "UNSTOP", "YES", "SUBSCRIBE")
	helpWords  = setOf("HELP", "INFO", "AIDE")
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
	return ""
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
		out = append(out, t)
	}
	return out
}

// cues introduce a score in a sentence: "je dirais 7", "I'd give you a 9".
var cues = []string{
	"JE DIRAIS", "JE DIRAI", "JE METS", "JE MET", "JE DONNE", "JE VOUS DONNE", "JE VOUS METS", "JE NOTE", "MA NOTE", "NOTE", "NOTE DE",
	"EN FAIT", "FINALEMENT", "PLUTOT", "CORRECTION", "ACTUALLY", "RATHER", "ON SECOND THOUGHT",
	"I'D SAY", "ID SAY", "I WOULD SAY", "I SAY", "I'D GIVE YOU A", "I'D GIVE YOU", "I'D GIVE IT A", "I'D GIVE", "I WOULD GIVE YOU A", "I WOULD GIVE", "I GIVE YOU A", "I GIVE IT A", "I GIVE", "MY SCORE IS", "SCORE", "RATING", "DEFINITELY A", "SOLID", "A SOLID",
}

// rangeJoiners between two numbers make a reply ambiguous: "7 ou 8",
// "5-6", "7 to 8", "entre 7 et 8".
var rangeJoiners = setOf("OU", "OR", "-", "–", "A", "TO", "ET", "AND", "/")

// articles stand between a cue and its number: "je mets un 9", "a 10".
var articles = setOf("UN", "UNE", "A", "AN")

// ParseText reads an SMS, or the new part of an email reply, as a
// keyword, a score with its comment, or a comment alone.
func ParseText(text string) Reply {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	// An opt-out wins over anything else the message says, a score
	// included: "8 mais stop les textos" stops the texts.
	if isOptOut(text) {
		return Reply{Intent: IntentStop}
	}
	if k := keyword(text); k != "" {
		return Reply{Intent: k}
	}
	toks := tokenize(text)
	var cands []int // indexes of number tokens
	for i, t := range toks {
		if t.isNumber {
			cands = append(cands, i)
		}
	}
	// A denominator is not a second number: "9/10", "8 sur 10", "9 out of 10".
	cands = dropDenominators(text, toks, cands)
	if len(cands) == 0 {
		return Reply{Intent: IntentNone, Comment: text}
	}
	pick, found := choose(text, toks, cands)
	switch found {
	case foundNothing:
		return Reply{Intent: IntentNone, Comment: text}
	case foundAmbiguous:
		return Reply{Intent: IntentNone, Comment: text, Unreadable: true}
	}
	t := toks[pick]
	if t.fraction || t.number > 10 {
		return Reply{Intent: IntentNone, Comment: text, Unreadable: true}
	}
	score := t.number
	return Reply{Intent: IntentScore, Score: &score, Comment: commentAround(text, toks, pick),
		Leading: pick == firstContent(toks) || cueBefore(toks, pick)}
}

// dropDenominators removes the "10" of "9/10", "8 sur 10", "9 out of 10".
func dropDenominators(text string, toks []token, cands []int) []int {
	drop := map[int]bool{}
	for _, i := range cands {
		if toks[i].number != 10 || i == 0 {
			continue
		}
		prev := toks[i-1].folded
		switch {
		case prev == "/" || prev == "SUR" || prev == "ON":
			if i >= 2 && toks[i-2].isNumber {
				drop[i] = true
			}
		case prev == "OF" && i >= 3 && toks[i-2].folded == "OUT" && toks[i-3].isNumber:
			drop[i] = true
		}
	}
	// "/ 10" alone after a number also reads as a denominator when the
	// slash was not tokenized apart (9/10 is split into 9, /, 10 already).
	var out []int
	for _, i := range cands {
		if !drop[i] {
			out = append(out, i)
		}
	}
	return out
}

type found int

const (
	foundScore found = iota
	foundAmbiguous
	foundNothing
)

// choose picks the score among the number tokens, or says the reply is
// ambiguous. A number at the very start is the answer ("7, service
// rapide"); so is the one a cue introduces ("je dirais 7"); a lone number
// anywhere is too. Two numbers joined as a range are never an answer.
func choose(text string, toks []token, cands []int) (int, found) {
	// A range goes up: "5-6", "7 ou 8". "7 - 2 erreurs" is a score and a
	// comment, and "9/10" a score and its denominator.
	isRange := func(i int) bool {
		next := -1
		switch {
		case i+2 < len(toks) && rangeJoiners[toks[i+1].folded] && toks[i+2].isNumber:
			next = i + 2
		case i+1 < len(toks) && toks[i+1].isNumber:
			between := strings.TrimSpace(text[toks[i].end:toks[i+1].start])
			if between == "-" || between == "–" || between == "à" || between == "a" {
				next = i + 1
			}
		}
		if next < 0 || toks[next].number <= toks[i].number {
			return false
		}
		denominator := toks[next].number == 10 && (toks[i+1].folded == "/" || toks[i+1].folded == "SUR")
		return !denominator
	}
	// Number words count only where a score is expected: alone or set off
	// by punctuation at the start, or after a cue. "un", "one" and "neuf"
	// are everyday words, and "un 9" is an article and a number.
	usable := func(i int) bool {
		t := toks[i]
		if !t.isWord {
			return true
		}
		if articles[t.folded] || t.folded == "ONE" {
			if i+1 < len(toks) && toks[i+1].isNumber {
				return false
			}
		}
		if cueBefore(toks, i) {
			return true
		}
		if i != firstContent(toks) {
			return false
		}
		if i+1 == len(toks) {
			return true
		}
		between := text[t.end:toks[i+1].start]
		return strings.ContainsAny(between, ",.!-–:;\n") || toks[i+1].folded == "SUR" || toks[i+1].folded == "/" || toks[i+1].folded == "OUT"
	}

	first := firstContent(toks)
	for _, i := range cands {
		if !usable(i) {
			continue
		}
		if (i == first || cueBefore(toks, i)) && !toks[i].attached {
			if isRange(i) {
				return 0, foundAmbiguous
			}
			return i, foundScore
		}
	}
	var plain []int
	for _, i := range cands {
		if usable(i) && !toks[i].attached {
			plain = append(plain, i)
		}
	}
	switch {
	case len(plain) == 0:
		// Only glued numbers ("à 10h30") or everyday words ("un service"):
		// no score was meant.
		return 0, foundNothing
	case len(plain) == 1 && !isRange(plain[0]):
		return plain[0], foundScore
	}
	return 0, foundAmbiguous
}

// firstContent is the index of the first token, skipping a greeting.
func firstContent(toks []token) int {
	for i, t := range toks {
		switch t.folded {
		case "BONJOUR", "HELLO", "HI", "SALUT", "MERCI", "THANKS", "OK", "OUI":
			continue
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
	if i > 0 && articles[toks[i-1].folded] {
		if s := cueEndingAt(toks, i-1); s >= 0 {
			return s
		}
	}
	return cueEndingAt(toks, i)
}

func cueEndingAt(toks []token, i int) int {
	for _, cue := range cues {
		words := strings.Fields(cue)
		if i < len(words) {
			continue
		}
		match := true
		for k, w := range words {
			if toks[i-len(words)+k].folded != w && strings.ReplaceAll(toks[i-len(words)+k].folded, "'", "") != strings.ReplaceAll(w, "'", "") {
				match = false
				break
			}
		}
		if match {
			return i - len(words)
		}
	}
	return -1
}

// commentAround returns what the customer wrote besides the score: the
// text after it when it opened the reply, else the whole sentence — unless
// nothing but the score (and its cue, its denominator, punctuation) was
// written.
func commentAround(text string, toks []token, pick int) string {
	end := toks[pick].end
	// Swallow a denominator after the score.
	if pick+2 < len(toks) && (toks[pick+1].folded == "/" || toks[pick+1].folded == "SUR" || toks[pick+1].folded == "ON") && toks[pick+2].number == 10 && toks[pick+2].isNumber {
		end = toks[pick+2].end
	} else if pick+3 < len(toks) && toks[pick+1].folded == "OUT" && toks[pick+2].folded == "OF" && toks[pick+3].number == 10 {
		end = toks[pick+3].end
	}
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
