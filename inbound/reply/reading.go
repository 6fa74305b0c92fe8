package reply

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A reply's numbers are read the way a careful person reads them: a score
// only when it is sure which 0-10 number is the answer. Each number is
// first given a role from what stands around it (a quantity, money, a
// time, a date, an age, an address, a label, the question quoted back,
// another scale, a denominator); what is left are the candidates. One
// candidate where a score stands (alone, opening the reply, after a cue,
// set apart as its own clause, written "N/10") is the score; two that
// differ, another scale, a number out of range or not whole, or a number
// met in the middle of a sentence make the reply unclear. A re-ask costs
// little; a wrong number is silent.

// Rules explains each rule a reading can name, for `npsd parse-reply`
// and the owner's list of replies to read.
var Rules = map[string]string{
	"optout/keyword":       "an opt-out keyword, alone or dressed up (STOP, Arrêtez svp, stop pls)",
	"optout/clause":        "an opt-out keyword standing as its own clause; it wins over a score",
	"optout/sentence":      "a sentence asking to stop the messages (retirez-moi, don't text me again)",
	"start/keyword":        "a keyword that opts back in (START, UNSTOP, YES)",
	"help/keyword":         "a keyword asking for help (HELP, AIDE, INFO)",
	"score/alone":          "a number from 0 to 10 and nothing else (9, 9/10, neuf, 🔟)",
	"score/survey-page":    "a score chosen on the survey page",
	"score/opens-reply":    "a number from 0 to 10 opening the reply, a comment after it (7, service rapide)",
	"score/after-cue":      "a number after words that give a score (je dirais 8, I'd give you a 9)",
	"score/change":         "a number after words that change the score (finalement 8, make it a 9)",
	"score/correction":     "a number corrected by the next one (7 oups je voulais dire 9)",
	"score/set-apart":      "a number standing as its own clause (Service impeccable, 10)",
	"score/out-of-ten":     "a number written out of ten in a sentence (toujours 10/10)",
	"score/repeated":       "the same score written more than once (10/10 10/10)",
	"score/only-number":    "the one number from 0 to 10 in the reply, nothing saying it is something else (lol 9, Vous méritez 10)",
	"unclear/approximate":  "a number given as a bound or an estimate (8ish, au moins 8, 9+)",
	"unclear/conditional":  "a score the customer would give on a condition (10 si vous ouvrez le dimanche)",
	"unclear/two-numbers":  "two different numbers could be the score (10 pour le service, 6 pour le prix)",
	"unclear/other-scale":  "a rating on another scale (5/5, 4 étoiles, 100%)",
	"unclear/range":        "a range rather than a score (7-8, 7 ou 8)",
	"unclear/out-of-range": "a number outside 0-10 where the score stands (11, 12/10, 100)",
	"unclear/not-whole":    "a number that is not whole (7.5, 7 et demi)",
	"unclear/negative":     "a negative number (-1)",
	"unclear/negated":      "a number the customer says it is not (pas un 10)",
	"unclear/in-sentence":  "a number in the middle of a sentence, which may not be the score",
	"unclear/not-meant":    "a number the customer does not mean: sarcasm, or someone else's score (10 ? Tu rêves)",
	"comment/no-number":    "no number offered as a score",
	"comment/not-a-score":  "numbers that are quantities, money, times, dates, ages, addresses or labels",
	"auto-reply":           "an automatic answer (out of office)",
	"bounce":               "a delivery failure report",
}

// role is what a number in a reply stands for.
type role int

const (
	roleCandidate   role = iota // may be the score
	roleQuantity                // a count, money, a time, a date, an age, an address, a label
	roleEcho                    // the "0 à 10" of the question quoted back
	roleDenominator             // the "10" of "9/10"
	roleScale                   // a rating on another scale: "5/5", "4 étoiles", "100 %"
	roleWord                    // a number word in everyday use: "un service", "le magasin est neuf"
	roleApprox                  // a bound or an estimate: "8ish", "au moins 8", "9+"
	roleConditional             // a score on a condition: "10 si vous ouvrez le dimanche"
)

// Words around a number that say what it counts or names.
var (
	// units and counted things after a number: "20 min", "8 ans",
	// "3 fois", "2 baguettes".
	unitWords = setOf("MIN", "MINS", "MINUTE", "MINUTES", "MN", "H", "HR", "HRS", "HEURE", "HEURES", "HOUR", "HOURS", "SEC", "SECONDES", "SECONDS", "JOUR", "JOURS", "DAY", "DAYS",
		"SEMAINE", "SEMAINES", "WEEK", "WEEKS", "WK", "WKS", "MOIS", "MONTH", "MONTHS", "AN", "ANS", "ANNEE", "ANNEES", "YEAR", "YEARS", "YR", "YRS", "YO", "FOIS", "TIMES", "TIME",
		"AM", "PM", "O'CLOCK", "KM", "KG", "G", "LB", "LBS", "L", "ML", "CM", "M", "PIEDS", "FEET", "FT", "DOLLARS", "DOLLAR", "BUCKS", "EUROS", "EURO", "CENTS", "CENNES", "PIASTRES", "PIASSES", "PIASSE", "BALLES",
		"MOT", "MOTS", "WORD", "WORDS", "SEUL", "SEULE", "SINGLE", "PERSONNES", "PERSONNE", "PERS", "PPL", "GENS", "BUS", "METRO", "TRAIN", "EMPLOYES", "EMPLOYEES", "WORKERS", "PEOPLE", "PERSONS", "ENFANTS", "ENFANT", "KIDS", "KID", "CHILDREN", "ADULTES", "ADULTS", "GARS", "FILLES", "GUYS",
		"ITEMS", "ITEM", "ARTICLES", "PIECES", "PIECE", "BOITES", "BOITE", "BOXES", "BOX", "DOZEN", "DOUZAINE", "DOUZAINES", "PACK", "SAC", "SACS", "BAGS", "BAG",
		"CAFE", "CAFES", "COFFEE", "COFFEES", "CROISSANT", "BAGUETTE", "PAIN", "PAINS", "MUFFIN", "BAGEL", "DONUT", "BEIGNE", "BEIGNES", "GATEAU", "GATEAUX", "TARTE", "TARTES",
		"PIZZA", "PIZZAS", "LATTE", "LATTES", "CAPPUCCINO", "SANDWICH", "SANDWICHS", "SANDWICHES", "CHOCOLATINE", "CHOCOLATINES", "LOAF", "LOAVES", "COOKIE", "COOKIES", "BIERE", "BIERES", "BEER", "BEERS",
		"PNEU", "PNEUS", "TIRES", "TIRE", "TYRES", "ROUES", "WHEELS", "PLOMBAGE", "PLOMBAGES", "FILLINGS", "DENTS", "TEETH", "CAVITIES", "RDV", "RENDEZ-VOUS", "APPOINTMENTS", "VISITES", "VISITS",
		"ETOILE", "ETOILES", "STAR", "STARS", "POINTS", "PTS", "PT", "ER", "E", "EME", "ST", "ND", "RD", "TH", "IEME")
	// scaleWords after a number make it a rating on another scale.
	scaleWords = setOf("ETOILE", "ETOILES", "STAR", "STARS", "POURCENT", "PERCENT")
	// labelWords before a number make it a name: "table 4", "commande 8".
	labelWords = setOf("COMPTOIR", "COUNTER", "GUICHET", "DESK", "WINDOW", "BOOTH", "CHAISE", "CHAIR", "STATION", "CABINE", "SIEGE", "SEAT", "TABLE", "COMMANDE", "ORDER", "INVOICE", "FACTURE", "NUMERO", "NUM", "NUMBER", "ROOM", "CHAMBRE", "PORTE", "DOOR", "BAY", "BAIE", "CAISSE",
		"LANE", "SUITE", "APT", "APPT", "APPARTEMENT", "UNIT", "LOCAL", "BUREAU", "SALLE", "POMPE", "PUMP", "STALL", "ETAGE", "FLOOR", "ROUTE", "AUTOROUTE", "HIGHWAY", "HWY",
		"EXIT", "SORTIE", "TERMINAL", "GATE", "QUAI", "BUS", "LIGNE", "LINE", "AGE", "AGED", "AGEE", "TICKET", "BILLET", "DOSSIER", "FILE", "CASE", "CAS", "POSTE", "EXT", "RANG",
		"CHAPITRE", "PAGE", "VERSION", "MODELE", "MODEL", "SIZE", "TAILLE", "POINTURE", "NIVEAU", "LEVEL", "GRADE", "CLASSE", "SECONDAIRE", "PRIMAIRE", "IPHONE", "GALAXY", "TOP", "NBR")
	// streetWords after a number make it an address: "12 rue de la Paix".
	streetWords = setOf("RUE", "AVENUE", "AV", "AVE", "BOULEVARD", "BOUL", "BD", "BLVD", "CHEMIN", "CH", "STREET", "ST", "ROAD", "RD", "PLACE", "ALLEE", "IMPASSE", "ROUTE", "RANG", "DRIVE", "DR", "LANE", "WAY", "COURT", "CRT", "COURS", "QUAI")
	// months before or after a number make it a date.
	monthWords = setOf("JANVIER", "JANV", "FEVRIER", "FEV", "FEVR", "MARS", "AVRIL", "AVR", "MAI", "JUIN", "JUILLET", "JUIL", "AOUT", "SEPTEMBRE", "SEPT", "OCTOBRE", "OCT",
		"NOVEMBRE", "NOV", "DECEMBRE", "DEC", "JANUARY", "JAN", "FEBRUARY", "FEB", "MARCH", "MAR", "APRIL", "APR", "MAY", "JUNE", "JUN", "JULY", "JUL", "AUGUST", "AUG",
		"SEPTEMBER", "SEP", "OCTOBER", "NOVEMBER", "DECEMBER")
	weekdayWords = setOf("LUNDI", "MARDI", "MERCREDI", "JEUDI", "VENDREDI", "SAMEDI", "DIMANCHE", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY",
		"MON", "TUE", "TUES", "WED", "THU", "THURS", "FRI", "SAT", "SUN")
	// timeWords before a number make it a time or a deadline: "à 10",
	// "vers 8", "before 9".
	timeWords = setOf("AT", "VERS", "AROUND", "AVANT", "BEFORE", "APRES", "AFTER", "UNTIL", "TIL", "TILL", "JUSQU'A", "DES", "BY", "DEPUIS", "SINCE", "PENDANT", "DURING",
		"AUX", "LES", "MES", "NOS", "SES", "LEURS", "MY", "OUR", "HIS", "HER", "THEIR")
	// countStarts before a number make it a count of people: "on était 4".
	countStarts = []string{"ON ETAIT", "NOUS ETIONS", "ON EST", "WE WERE", "WE ARE", "THERE WERE", "ILS ETAIENT", "ON SERA", "NOUS SERONS", "PARTY OF", "GROUPE DE", "TABLE POUR", "TABLE FOR", "TABLE OF", "TABLE DE", "FAMILLE DE", "FAMILY OF", "GROUP OF"}
	// correctionWords between two numbers say the second replaces the
	// first: "7 oups je voulais dire 9", "8... non 9".
	correctionWords = []string{"OUPS", "OOPS", "OUPSI", "OPS", "NON", "NO", "NOPE", "PARDON", "SORRY", "DESOLE", "DSL", "I MEAN", "I MEANT", "MEANT", "JE VOULAIS DIRE", "J'VOULAIS DIRE",
		"JE VOULAIS", "J'VOULAIS", "VOULAIS METTRE", "VOULAIS DIRE", "WANTED", "JE VEUX DIRE", "CORRECTION", "RECTIFICATION", "EUH", "ERR", "WAIT NO", "NO WAIT", "WAIT I MEAN", "ATTENDS NON", "MY BAD", "ENFIN", "TYPO", "PLUTOT", "RATHER", "ACTUALLY", "EN FAIT",
		"FINALEMENT", "ERREUR", "FRAPPE", "MISTYPED", "MISTYPE", "AUTOCORRECT", "MORE LIKE", "PLUS COMME", "PLUSGENRE", "MAKE IT", "MAKE THAT", "SCRATCH THAT", "OUBLIEZ", "OUBLIE", "NEVERMIND", "NVM", "JK", "LOL JK"}
	// negations before a number deny it: "pas un 10", "not a 10".
	negations = setOf("PAS", "NOT", "JAMAIS", "NEVER", "AUCUN")
	// greetings stand around a score without adding to it.
	greetings = setOf("MDR", "LOL", "PTDR", "HAHA", "HAHAHA", "OUIN", "OUAIN", "WOW", "BONJOUR", "BONSOIR", "HELLO", "HI", "HEY", "SALUT", "ALLO", "COUCOU", "CC", "SLT", "BJR", "YO", "MERCI", "MERCI'", "THANKS", "THANK", "YOU", "THX", "TY", "TX",
		"OK", "OKAY", "OUI", "OUAIS", "OUAI", "YES", "YEP", "YEAH", "BEN", "BIN", "BAH", "EUH", "UM", "HMM", "WELL", "SO", "ALORS", "DONC", "VOILA", "BEAUCOUP", "MUCH", "LOTS", "BONNE", "JOURNEE", "SOIREE",
		"DAY", "GOOD", "NICE", "MADAME", "MONSIEUR", "DEAR", "ENCORE", "AGAIN")
)

// keycapRE finds keycap digits ("9️⃣") and the keycap ten ("🔟").
var keycapRE = regexp.MustCompile(`(?:[0-9]\x{FE0F}?\x{20E3})+|\x{1F51F}`)

// blankRE finds what holds digits but is never a score: phone numbers,
// full dates, web and email addresses, prices with cents.
var blankRE = regexp.MustCompile(`(?i)(?:\+?\d{1,3}[ .-])?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b` +
	`|\b\d{1,4}/\d{1,2}/\d{2,4}\b|\b\d{1,4}-\d{1,2}-\d{2,4}\b|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b` +
	`|\b0\d(?:[ .-]?\d{2}){4}\b` + // a French phone number: 06 45 22 18 90
	`|\b[12]\d{2}/[3-8]\d(?: ?Z?R ?\d{2})?\b` + // tire sizes: 205/55 R16
	"|\\b\\d{1,3}(?:[ \u00a0\u202f.]\\d{3})+(?:[.,]\\d{1,2})?" + // thousands: 1 250,00 €
	`|\b\d+[ -]?(?i:pour|for|pr)[ -]?\d+\b|\b[1-3]/[2-4] ?(?i:d'|de |of |h\b|heure|hour|tasse|cup|lb|kg|livre|pound|mile|km|inch|pouce)` + // "2 pour 1", "1/4 d'heure"
	`|\b5 ?(?:à|a) ?7\b|\b20/20 (?i:vision)|\b24 ?/ ?7\b|\b24h/24\b|\b7j?/7j?\b` + // sayings, not ratings
	`|\bhttps?://\S+|\bwww\.\S+|\S+@\S+\.\S+`)

// normalize rewrites what would hide or fake a number without moving any
// byte: keycap digits become plain digits (right-aligned in the bytes
// they took, so an offset in the result is one in the text), and phone
// numbers, full dates and addresses become spaces.
func normalize(text string) string {
	b := []byte(text)
	for _, loc := range keycapRE.FindAllStringIndex(text, -1) {
		run := text[loc[0]:loc[1]]
		digits := ""
		if run == "\U0001F51F" {
			digits = "10"
		} else {
			for _, r := range run {
				if r >= '0' && r <= '9' {
					digits += string(r)
				}
			}
		}
		for k := loc[0]; k < loc[1]; k++ {
			b[k] = ' '
		}
		copy(b[loc[1]-len(digits):], digits)
	}
	// Dictated punctuation is punctuation: "dix point le mécanicien…",
	// "nine comma very good service", "huit point cinq" (8.5: unclear).
	for _, loc := range dictatedRE.FindAllStringSubmatchIndex(string(b), -1) {
		b[loc[2]] = dictated[strings.ToLower(string(b[loc[2]:loc[3]]))]
		for k := loc[2] + 1; k < loc[3]; k++ {
			b[k] = ' '
		}
	}
	s := string(b)
	for _, loc := range blankRE.FindAllStringIndex(s, -1) {
		for k := loc[0]; k < loc[1]; k++ {
			b[k] = ' '
		}
	}
	return string(b)
}

// dictatedRE finds punctuation a voice dictation wrote as a word.
var dictatedRE = regexp.MustCompile(`(?i)(?:^|\s)(point|virgule|comma|period)(?:\s|$)`)

var dictated = map[string]byte{"point": '.', "virgule": ',', "comma": ',', "period": '.'}

// reading is one reply being read.
type reading struct {
	text  string // as written
	norm  string // normalized: same bytes, same offsets
	toks  []token
	roles []role
	fold  string // norm folded for the phrase rules, once (see folded)
}

// folded is the normalized reply folded for the phrase rules, computed
// once: several rules read it.
func (rd *reading) folded() string {
	if rd.fold == "" {
		rd.fold = foldForRules(rd.norm)
	}
	return rd.fold
}

// ParseText reads an SMS, or the new part of an email reply, as a
// keyword, a score with its comment, an unclear answer or a comment.
func ParseText(text string) Reply {
	text = strings.TrimSpace(strings.ToValidUTF8(text, ""))
	// An opt-out wins over anything else the message says, a score
	// included: "8 mais stop les textos" stops the texts. It is looked
	// for in as much as npsd keeps of a message (16 KB covers the 10,000
	// characters kept), so a message of megabytes costs no more.
	if rule := optOutRule(prefix(text, maxOptOutBytes)); rule != "" {
		return Reply{Intent: IntentStop, Rule: rule}
	}
	if k := keyword(prefix(text, maxOptOutBytes)); k != "" {
		rule := string(k) + "/keyword"
		if k == IntentStop {
			rule = "optout/keyword"
		}
		return Reply{Intent: k, Rule: rule}
	}
	// The numbers are read in the first maxReadBytes only: a score
	// stands at the top of a reply, and a bound keeps a message of
	// megabytes from costing more than a text message (the reading looks
	// around each number). The comment is the whole text.
	rd := &reading{text: text, norm: normalize(prefix(text, maxReadBytes))}
	rd.toks = tokenize(rd.norm)
	return rd.read()
}

// prefix returns at most the first n bytes of s, cut between characters.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// maxOptOutBytes is how much of a message is read for an opt-out.
const maxOptOutBytes = 16 << 10

// maxReadBytes is how much of a reply is read for its score: the 1,600
// characters of the longest text message Twilio delivers, at one byte
// each.
const maxReadBytes = 1600

func (rd *reading) read() Reply {
	counts, cands := rd.assignRoles()
	if len(cands) == 0 {
		return rd.readWithoutCandidate(counts)
	}
	if counts.approx > 0 {
		return rd.unclear("unclear/approximate")
	}
	if r, done := rd.notOneAnswer(); done {
		return r
	}
	c, r, done := rd.choose(cands)
	if done {
		return r
	}
	if counts.scales > 0 && c.rule == "" {
		// "9 mais 5 étoiles sur Google": two ways of rating, one answer
		// too many.
		return rd.unclear("unclear/other-scale")
	}
	if r, done := rd.doubted(c.pick); done {
		return r
	}
	if c.rule == "" {
		if r, done := rd.ruleByPlace(&c); done {
			return r
		}
	}
	return rd.scored(c, cands)
}

// roleCounts counts the numbers of each role that decides a reply with
// no candidate, or one candidate too many.
type roleCounts struct {
	scales, echoes, approx, conditional int
}

// assignRoles gives each number its role and returns how many took the
// roles that count, and the candidates in the order they stand.
func (rd *reading) assignRoles() (roleCounts, []int) {
	toks := rd.toks
	rd.roles = make([]role, len(toks))
	var n roleCounts
	for i := range toks {
		if !toks[i].isNumber {
			continue
		}
		rd.roles[i] = rd.roleOf(i)
		switch rd.roles[i] {
		case roleScale:
			n.scales++
		case roleEcho:
			n.echoes++
		case roleApprox:
			n.approx++
		case roleConditional:
			n.conditional++
		}
	}
	var cands []int
	for i, t := range toks {
		if t.isNumber && rd.roles[i] == roleCandidate {
			cands = append(cands, i)
		}
	}
	return n, cands
}

// unclear is the reading of a reply whose score cannot be told, by rule.
func (rd *reading) unclear(rule string) Reply {
	return Reply{Intent: IntentNone, Comment: rd.text, Unreadable: true, Rule: rule}
}

// readWithoutCandidate reads a reply where no number may be the score:
// what the other numbers are says whether to ask again.
func (rd *reading) readWithoutCandidate(n roleCounts) Reply {
	switch {
	case n.approx > 0:
		return rd.unclear("unclear/approximate")
	case n.conditional > 0:
		return rd.unclear("unclear/conditional")
	case n.scales > 0:
		return rd.unclear("unclear/other-scale")
	case n.echoes > 0:
		return rd.unclear("unclear/range") // "0 à 10" and nothing else
	case rd.hasNumbers():
		return Reply{Intent: IntentNone, Comment: rd.text, Rule: "comment/not-a-score"}
	}
	if otherRating(rd.norm) {
		return rd.unclear("unclear/other-scale")
	}
	return Reply{Intent: IntentNone, Comment: rd.text, Rule: "comment/no-number"}
}

// notOneAnswer reads the phrases that make a reply's numbers something
// other than the customer's one answer, whatever the numbers are.
func (rd *reading) notOneAnswer() (Reply, bool) {
	f := rd.folded()
	if parallelRatings.MatchString(f) && !correctionish.MatchString(f) || thenNow(f) && rd.smallNumbers() >= 2 {
		// "Cook 10, caisse 5", "Avant 10, maintenant 6": two ratings.
		return rd.unclear("unclear/two-numbers"), true
	}
	if sarcasm.MatchString(rd.norm) || ironicTen.MatchString(f) || ironicPraise.MatchString(f) || rd.comparedOnly() {
		// "10 ? Tu rêves", "oh sure, 10, after waiting an hour 🙄", "mon
		// mari a mis 8, moi j'aurais mis moins": the number is not the
		// customer's answer.
		return rd.unclear("unclear/not-meant"), true
	}
	return Reply{}, false
}

// choice is the candidate read as the score, the rule that read it (empty
// until a rule does) and whether it revises an earlier score.
type choice struct {
	pick     int
	rule     string
	revision bool
}

// choose picks the score among the candidates, or says why none can be.
func (rd *reading) choose(cands []int) (choice, Reply, bool) {
	c := choice{pick: -1}
	switch {
	case len(cands) == 1:
		c.pick = cands[0]
	case rd.aspects(cands) >= 2:
		// "Pour la mécanique, 9. Pour l'accueil, plutôt 5": two ratings
		// of two things.
		return c, rd.unclear("unclear/two-numbers"), true
	case uncertain.MatchString(rd.folded()):
		// "10, enfin 9, enfin je sais pas": the customer hesitates.
		return c, rd.unclear("unclear/two-numbers"), true
	case rd.correction(cands):
		c.pick, c.rule, c.revision = rd.corrected(cands), "score/correction", true
	case rd.allSame(cands):
		c.pick, c.rule = cands[0], "score/repeated"
	case rd.isRange(cands):
		joiner := strings.TrimSpace(fold(rd.between(cands[0], cands[1])))
		if rd.toks[cands[1]].number < rd.toks[cands[0]].number && !rd.toks[cands[0]].isWord && joiner != "OU" && joiner != "OR" && hoursLead[rd.prevWord(cands[0])] {
			// "I work 9 to 5": hours, not a rating.
			return c, Reply{Intent: IntentNone, Comment: rd.text, Rule: "comment/not-a-score"}, true
		}
		return c, rd.unclear("unclear/range"), true
	default:
		return c, rd.unclear("unclear/two-numbers"), true
	}
	return c, Reply{}, false
}

// doubted reads what around the picked number makes it no whole score
// the customer gives: a denial, a minus sign, a half, a condition.
func (rd *reading) doubted(pick int) (Reply, bool) {
	t := rd.toks[pick]
	switch {
	case rd.negated(pick) && rd.hasQuantity():
		// "2 dozen, not 1", "9am not 10": the customer corrects a
		// quantity or a time, not a score.
		return Reply{Intent: IntentNone, Comment: rd.text, Rule: "comment/not-a-score"}, true
	case rd.negated(pick):
		return rd.unclear("unclear/negated"), true
	case rd.negative(pick):
		return rd.unclear("unclear/negative"), true
	case t.fraction || rd.halfAfter(pick):
		return rd.unclear("unclear/not-whole"), true
	case rd.conditionedBefore(t.start):
		return rd.unclear("unclear/conditional"), true // "Si vous baissez vos prix, 10"
	}
	return Reply{}, false
}

// ruleByPlace names the rule that makes the one candidate the score from
// where it stands, or says why where it stands leaves it unclear.
func (rd *reading) ruleByPlace(c *choice) (Reply, bool) {
	toks, pick := rd.toks, c.pick
	switch {
	case rd.alone(pick):
		c.rule = "score/alone"
	case changeCueBefore(toks, pick):
		c.rule, c.revision = "score/change", true
	case cueBefore(toks, pick):
		c.rule = "score/after-cue"
	case pick == firstContent(toks):
		c.rule = "score/opens-reply"
	case rd.outOfTen(pick):
		c.rule = "score/out-of-ten"
	case rd.setApart(pick):
		c.rule = "score/set-apart"
	case toks[pick].number > 10:
		// A big number in a sentence is an amount, not a try.
		return Reply{Intent: IntentNone, Comment: rd.text, Rule: "comment/not-a-score"}, true
	case thingBefore[rd.prevWord(pick)] && !interjection[rd.word(pick-2)+" "+rd.prevWord(pick)]:
		// "Le 8 était bon", "J'ai attendu 3", "waited like 3": the
		// number names or counts something.
		return rd.unclear("unclear/in-sentence"), true
	case !rd.endsClause(pick):
		// "j'ai reçu 1 appel", "on a vu 2 vétos": a number in the
		// middle of a sentence, with a word after it that does not
		// follow a score, may count that word.
		return rd.unclear("unclear/in-sentence"), true
	default:
		c.rule = "score/only-number"
	}
	return Reply{}, false
}

// scored is the reading of the chosen score with its comment, unless the
// number is out of the scale.
func (rd *reading) scored(c choice, cands []int) Reply {
	toks, pick := rd.toks, c.pick
	t := toks[pick]
	if t.number > 10 {
		return rd.unclear("unclear/out-of-range")
	}
	score := t.number
	comment := commentAround(rd.text, toks, pick, rd.scoreEnd(pick))
	if c.rule == "score/correction" || c.rule == "score/change" {
		// The comment is what follows the numbers of the correction: "8
		// pas 9, vous êtes gentils" comments "vous êtes gentils".
		end := rd.scoreEnd(pick)
		for _, k := range cands {
			end = max(end, rd.scoreEnd(k))
		}
		comment = trimComment(rd.text[end:])
	}
	return Reply{Intent: IntentScore, Score: &score, Comment: comment, Rule: c.rule,
		Standalone: rd.standalone(comment), Revision: c.revision || rd.mentionsChange()}
}

// roleOf says what number token i stands for.
func (rd *reading) roleOf(i int) role {
	t := rd.toks[i]
	if r, ok := rd.roleOnScale(i); ok {
		return r
	}
	if r, ok := rd.roleAsRating(i); ok {
		return r
	}
	next := rd.nextWord(i)
	if rd.dayInContext(i) {
		return roleQuantity // "Friday around 2", "demain vers 9"
	}
	if rd.approximate(i) && !unitWords[next] && !unitWords[bare(next)] {
		return roleApprox // "around 8", "8ish"; "more than 5 minutes" is a duration
	}
	if t.isWord && !rd.usableWord(i) {
		return roleWord
	}
	if rd.quantity(i) {
		return roleQuantity
	}
	return rd.roleLeft(i)
}

// roleOnScale reads the numbers of a fraction and of the question's scale
// quoted back: "9/10", "5/5", "0 à 10", "sur 10 ? 6", "7 jours sur 7".
func (rd *reading) roleOnScale(i int) (role, bool) {
	toks := rd.toks
	t := toks[i]
	// The 10 of "9/10", "8 sur 10", "9 out of 10", "dix sur dix".
	if n := rd.denominatorOf(i); n >= 0 {
		switch {
		case rd.dateLike(n):
			return roleQuantity, true
		case t.number == 10:
			return roleDenominator, true
		}
		return roleScale, true
	}
	if d := rd.denominatorAfter(i); d >= 0 {
		switch {
		case rd.echoAt(i):
			return roleEcho, true
		case rd.dateLike(i):
			return roleQuantity, true // "mon rdv du 8/10", "on 9/10"
		case toks[d].number != 10:
			return roleScale, true // "5/5", "4 sur 5", "8/20"
		}
	}
	if rd.echoAt(i) {
		return roleEcho, true
	}
	// "sur 10 ? 6", "out of 10? 8": the question's scale, quoted back.
	// "7 jours sur 7", "1 croissant sur 2": a proportion.
	if by := rd.prevWord(i); !(t.isWord && articles[t.folded]) && (by == "SUR" || by == "SU" || by == "/" || by == "OUTTA" || by == "OF" && rd.word(i-2) == "OUT" || by == "ON" && i-1 == firstContent(toks)) && rd.denominatorOf(i) < 0 {
		switch {
		case t.number == 10:
			return roleEcho, true
		case i < 2 || !toks[i-2].isNumber && clauseBreak(" "+rd.norm[max(0, toks[i-1].start-2):toks[i-1].start]) || i-1 == firstContent(toks):
			return roleScale, true // "Sur 5 je dirais 4"
		}
		return roleQuantity, true
	}
	return 0, false
}

// roleAsRating reads the numbers a percent sign or stars follow: a rating
// on another scale, or a discount.
func (rd *reading) roleAsRating(i int) (role, bool) {
	t := rd.toks[i]
	next := rd.nextWord(i)
	before, after := rd.charBefore(i), rd.charAfter(i)
	if after == '%' || next == "POUR" && rd.word(i+2) == "CENT" || next == "PERCENT" || next == "POURCENT" {
		// "100 %" where a score stands rates on another scale; "le 10 %
		// étudiant", "15 % de rabais" are discounts.
		last := i
		switch {
		case next == "POUR":
			last = i + 2
		case next != "" && after != '%':
			last = i + 1
		}
		if !rd.mentions(discountWords) && (rd.alone(i) || rd.setApart(i) || rd.restIsEmpty(last) || i == firstContent(rd.toks)) {
			return roleScale, true
		}
		return roleQuantity, true
	}
	if scaleWords[next] || after == '*' || (after == '⭐' || after == '★') && before != '⭐' && before != '★' && t.number <= 5 {
		return roleScale, true // "5 étoiles", "five stars", "5*"
	}
	return 0, false
}

// quantity reports whether the words and signs around number i make it a
// count, money, a time, a date, an age, an address or a label.
func (rd *reading) quantity(i int) bool {
	toks := rd.toks
	t := toks[i]
	prev, next := rd.prevWord(i), rd.nextWord(i)
	before, after := rd.charBefore(i), rd.charAfter(i)
	switch {
	case before == '$' || before == '€' || before == '£' || after == '$' || after == '€' || after == '£' || before == '#' || before == '@' || before == '°' || before == 'º':
		return true
	case t.attached || rd.glued(i):
		return true // 10h, 2e, 10:30, 5km, gr8, 7-Eleven
	case unitWords[next] || unitWords[bare(next)]:
		return true
	case labelWords[prev] && !rd.cueEnds(i), (prev == "NO" || prev == "NUMBER") && labelWords[rd.word(i-2)]:
		return true // "Table 4", "Facture no 10"
	case streetWords[next], monthWords[next], monthWords[prev] && !toks[i-1].isNumber, weekdayWords[prev]:
		return true
	case rd.streetSoon(i):
		return true // "123 Main St", "7 Pine St"
	case rd.replaced(i), rd.countBefore(i), rd.ageBefore(i), rd.slang(i), rd.dayWithTime(i), rd.dayInContext(i), rd.countedWithEn(i):
		return true
	case rd.pluralNounAfter(i), rd.countedAfterPreposition(i):
		return true
	case timeWords[prev] && !rd.numberJustBefore(i) && !rd.cueEnds(i):
		// "vers 8", "avant 9", "depuis 10" are times; "le 8", "de 8",
		// "à 8" are left to the position rules below.
		return true
	}
	return false
}

// roleLeft reads a number no word around it explains: a condition, an
// amount, money, or a candidate.
func (rd *reading) roleLeft(i int) role {
	t := rd.toks[i]
	switch {
	case rd.conditional(i):
		return roleConditional
	case t.number > 10 && !rd.pickable(i) && !rd.afterSmallNumber(i):
		return roleQuantity // a big number in a sentence is an amount
	case t.fraction && cents(t.text):
		return roleQuantity // "3,25", "12.50": money
	case t.fraction:
		if rd.pickable(i) || t.number <= 10 {
			return roleCandidate // "7.5", "une moyenne de 7,8": unclear below
		}
		return roleQuantity // "12,50", "35.5"
	}
	return roleCandidate
}

// prevWord returns the folded word right before token i, or "" when
// punctuation stands between: "lundi 9" is a date, "lundi ! 9" a score.
func (rd *reading) prevWord(i int) string {
	if i < 1 || clauseBreak(rd.between(i-1, i)) {
		return ""
	}
	return rd.toks[i-1].folded
}

// nextWord returns the folded word right after token i, or "" when
// punctuation stands between.
func (rd *reading) nextWord(i int) string {
	if i+1 >= len(rd.toks) || clauseBreak(rd.between(i, i+1)) {
		return ""
	}
	return rd.toks[i+1].folded
}

func clauseBreak(s string) bool {
	return strings.ContainsAny(s, ",.!?;:\n()–—") || strings.Contains(s, " - ") || strings.ContainsFunc(s, isEmoji)
}

// glued reports whether number i is part of a word: "gr8", "n8",
// "7-Eleven", "B2B".
func (rd *reading) glued(i int) bool {
	t := rd.toks[i]
	if t.isWord {
		return false // "sept-huit" is two numbers
	}
	if r, _ := utf8.DecodeLastRuneInString(rd.norm[:t.start]); unicode.IsLetter(r) {
		return true // "gr8", "B2B"
	}
	// "2026-0418": an identifier, when one side is long.
	digits := digitsAt(t.text)
	if rest := rd.norm[t.end:]; len(rest) > 1 && rest[0] == '-' && rest[1] >= '0' && rest[1] <= '9' && (digits >= 3 || digitsAt(rest[1:]) >= 3) {
		return true
	}
	if r, _ := utf8.DecodeLastRuneInString(rd.norm[:t.start]); r == '-' {
		if p, _ := utf8.DecodeLastRuneInString(rd.norm[:t.start-1]); unicode.IsLetter(p) {
			return true // "NP-2291", "A-12"
		}
		if head := strings.TrimRight(rd.norm[:t.start-1], "0123456789"); digits >= 3 || len(rd.norm[:t.start-1])-len(head) >= 3 {
			return len(rd.norm[:t.start-1]) > len(head)
		}
	}
	rest := rd.norm[t.end:]
	if strings.HasPrefix(rest, "-") {
		r, _ := utf8.DecodeRuneInString(rest[1:])
		return unicode.IsLetter(r)
	}
	return false
}

// headText is the folded text just before token i, the few words the
// rules look at (a window, so that reading stays linear in the text).
func (rd *reading) headText(i int) string {
	start := max(0, rd.toks[i].start-window)
	for start > 0 && !utf8.RuneStart(rd.norm[start]) {
		start--
	}
	return foldForRules(rd.norm[start:rd.toks[i].start])
}

// tailText is the folded text just after token i.
func (rd *reading) tailText(i int) string {
	end := min(len(rd.norm), rd.toks[i].end+window)
	for end < len(rd.norm) && !utf8.RuneStart(rd.norm[end]) {
		end++
	}
	return foldForRules(rd.norm[rd.toks[i].end:end])
}

// window is how many bytes around a number the phrase rules read: the
// longest phrase ("would have been", "au-dessus de") and some.
const window = 48

// cents reports whether a decimal number has two decimals, as a price
// has: "3,25".
func cents(s string) bool {
	i := strings.IndexAny(s, ".,")
	return i >= 0 && len(s)-i-1 == 2
}

// digitsAt counts the digits at the start of s.
func digitsAt(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// approximate reports whether number i is a bound or an estimate: "8ish",
// "au moins 8", "around 8", "9+", "8 à peu près", "9 or so".
func (rd *reading) approximate(i int) bool {
	t := rd.toks[i]
	if t.attached && strings.HasSuffix(t.folded, "ISH") {
		return true
	}
	rest := rd.norm[t.end:]
	if strings.HasPrefix(rest, "+") || strings.HasPrefix(strings.TrimRight(rd.norm[:t.start], " "), "+") || strings.HasPrefix(rest, "-ish") {
		return true
	}
	tail := " " + foldForRules(rest) + " "
	tail = " " + strings.Join(strings.Fields(strings.NewReplacer(".", " ", "…", " ", ",", " ", "!", " ").Replace(tail)), " ") + " "
	for _, w := range []string{" OR SUMN ", " OR SOMETHING ", " OR SMTH ", " OU QQCH ", " OU QUELQUE CHOSE ", " OU DE QUOI ", " VOIRE PLUS ", " VOIRE MIEUX ", " PEUT-ETRE PLUS ", " MAYBE MORE ", " MAYBE LESS ", " MAYBE LOWER ", " MAYBE HIGHER ", " PEUT-ETRE MOINS ",
		" PTETE MOINS ", " PTETE PLUS ", " OU MOINS ", " OR LESS ", " OR LOWER ", " OR HIGHER ", " OU MIEUX ", " MOINS LE ", " MOINS LA ", " MOINS L'", " MINUS ", " MOINS ", " OU PRESQUE ", " OR CLOSE ", " OR SO ", " ALMOST ", " PRESQUE ", " ET QUELQUE ", " ET QUELQUES ", " AND SOMETHING ", " SOMETHING ", " ET DES POUSSIERES ", " ISH ", " ENVIRON ", " MINIMUM ", " MAX ", " MAXIMUM ", " A PEU PRES ", " OR SO ", " OU PLUS ", " OR MORE ", " AND UP ", " ET PLUS ", " APPROX ", " GROSSO MODO "} {
		if strings.HasPrefix(tail, w) {
			return true
		}
	}
	head := " " + rd.headText(i) + " "
	for _, a := range []string{" AN ", " A ", " UN ", " UNE "} {
		if strings.HasSuffix(head, a) {
			head = strings.TrimSuffix(head, a) + " "
		}
	}
	for _, w := range []string{" ENVIRON ", " AROUND ", " ABOUT ", " APPROX ", " APPROXIMATELY ", " ROUGHLY ", " AU MOINS ", " AT LEAST ", " PRESQUE ", " ALMOST ", " NEARLY ", " A PEU PRES ", " ~ ", " PLUS DE ", " MORE THAN ", " OVER ", " MOINS DE ", " LESS THAN ", " UNDER ", " AU-DESSUS DE ", " ABOVE ",
		" MINIMUM ", " MIN ", " MAXIMUM ", " MAX ", " HIGHER THAN ", " LOWER THAN ", " PLUS HAUT QUE ", " AT MOST ", " AU MAXIMUM ", " AU PLUS ", " PAS LOIN DE ", " PRES DE ", " PROCHE DE ", " CLOSE TO ", " NEAR ", " QUASI ", " QUASIMENT ", " PLUS QUE ", " MOINS QUE ", " MAYBE ", " PERHAPS ", " POSSIBLY ",
		" PTETE ", " PTET ", " P-E ", " PEUT-ETRE ", " PEUTETRE ", " PEUT ETRE ", " GENRE ENTRE ", " AROUND A ", " DANS LES ", " IN THE ", " PAS PLUS DE ", " PAS PLUS QUE ", " NO MORE THAN "} {
		if strings.HasSuffix(head, w) {
			return !rd.numberJustBefore(i)
		}
	}
	return false
}

// conditional reports whether number i is a score given on a condition:
// "10 si vous ouvrez le dimanche", "would be ten if parking was easier".
func (rd *reading) conditional(i int) bool {
	switch rd.nextWord(i) {
	case "SI", "IF", "S'IL", "S'ILS", "QUAND", "WHEN", "ONCE", "UNLESS", "AVEC", "WITH", "SANS", "WITHOUT":
		return rd.nextWord(i) == "SI" || rd.nextWord(i) == "IF" || rd.nextWord(i) == "S'IL" || rd.nextWord(i) == "S'ILS" || rd.nextWord(i) == "UNLESS"
	}
	head := " " + rd.headText(i)
	for _, w := range []string{" WOULD BE", " WOULD HAVE BEEN", " WOULD'VE BEEN", " WOULDVE BEEN", " COULD BE", " SERAIT", " SERAIT UN", " AURAIT ETE", " AURAIT ETE UN", " POURRAIT ETRE", " WOULD BE A", " COULD BE A", " AURAIS MIS", " AURAIS DONNE", " WOULD HAVE GIVEN", " WOULD'VE GIVEN"} {
		if strings.HasSuffix(strings.TrimRight(head, " "), w) {
			return true
		}
	}
	return false
}

// dateLike reports whether number i starts a day and month: "mon rdv du
// 8/10", "on 9/10", "le 10/12".
func (rd *reading) dateLike(i int) bool {
	switch rd.prevWord(i) {
	case "DU", "LE", "ON", "AU", "DEPUIS", "SINCE", "JUSQU'AU", "UNTIL", "AVANT", "APRES", "BEFORE", "AFTER", "DES", "FROM", "DATED", "DATE", "RDV", "APPT", "APPOINTMENT":
		return true
	}
	return false
}

// dayWithTime reports whether number i is a day followed by a time: "dispo
// le 10 à 14h".
func (rd *reading) dayWithTime(i int) bool {
	if p := rd.prevWord(i); p != "LE" && p != "DU" && p != "THE" {
		return false
	}
	for k := i + 1; k < len(rd.toks) && k <= i+3; k++ {
		if rd.toks[k].attached || rd.toks[k].folded == "AM" || rd.toks[k].folded == "PM" || rd.toks[k].folded == "H" {
			return true
		}
	}
	return false
}

// dayInContext reports whether number i is a day or an hour in a message
// about a visit or an appointment: "je reviens le 10", "Mon rdv du 9",
// "On se voit jeudi à 10".
func (rd *reading) dayInContext(i int) bool {
	if rd.numberJustBefore(i) {
		return false // "de 9 à 5"
	}
	prev := rd.prevWord(i)
	switch prev {
	case "LE", "DU", "THE", "ON", "A", "AT", "AU", "LES", "CE", "THIS", "NEXT", "PROCHAIN", "AROUND", "VERS", "ABOUT", "ENVIRON", "BY", "AFTER", "BEFORE", "AVANT", "APRES":
	default:
		return false
	}
	for k, t := range rd.toks {
		// "à 10" and "at 10" are hours only beside a day: "a" is also
		// the article of "always a 10". "Good morning" is a greeting.
		if k > 0 && (rd.toks[k-1].folded == "GOOD" || rd.toks[k-1].folded == "BON" || rd.toks[k-1].folded == "BONNE") {
			continue
		}
		day := weekdayWords[t.folded] || dayWords[t.folded] || monthWords[t.folded] && len(t.folded) > 3
		if day || visitWords[t.folded] && prev != "A" && prev != "AT" {
			return true
		}
	}
	return false
}

// discountWords make a percentage a discount or a tax, not a rating.
var discountWords = setOf("RABAIS", "OFF", "DISCOUNT", "ESCOMPTE", "REDUCTION", "REMISE", "SOLDE", "SOLDES", "ETUDIANT", "ETUDIANTS", "STUDENT", "STUDENTS", "TAXE", "TAXES", "TAX",
	"TIP", "POURBOIRE", "PROMO", "COUPON", "CASHBACK", "INTERET", "INTEREST", "BATTERIE", "BATTERY", "CHARGE")

// mentions reports whether the reply has one of the words.
func (rd *reading) mentions(words map[string]bool) bool {
	for _, t := range rd.toks {
		if words[t.folded] {
			return true
		}
	}
	return false
}

// dayWords name a day: "demain à 10", "tomorrow at 9".
var dayWords = setOf("DEMAIN", "TOMORROW", "TONIGHT", "TODAY", "AUJOURD'HUI", "SOIR", "MATIN", "MIDI", "APRES-MIDI", "MORNING", "EVENING", "AFTERNOON", "NOON", "HIER", "YESTERDAY")

// visitWords make a message about a visit or an appointment.
var visitWords = setOf("RDV", "RENDEZ", "RENDEZ-VOUS", "APPT", "APPOINTMENT", "BOOKING", "RESERVATION", "DATE", "PASSE", "PASSER", "PASSERAI", "VIENS", "VIENDRAI", "REVIENS",
	"REVIENDRAI", "REVIENT", "COME", "COMING", "BACK", "VOIT", "VOIR", "SEE", "DEMAIN", "TOMORROW", "TONIGHT", "AUJOURD'HUI", "TODAY", "SOIR", "MATIN", "MIDI", "LIVRAISON", "DELIVERY",
	"OUVERT", "OUVREZ", "FERME", "FERMEZ", "OPEN", "CLOSED", "CLOSE", "DISPO", "DISPONIBLE", "AVAILABLE", "PRENDRE", "BOOK", "RESERVER", "PICKUP", "CHERCHER", "RAMASSER",
	"PICK", "DROP", "GRAB", "COLLECT", "ARRIVE", "ARRIVER", "ARRIVERAI", "ARRIVING")

// countedWithEn reports whether number i counts what "en" stands for:
// "j'en ai mangé 3", "il en reste 2".
func (rd *reading) countedWithEn(i int) bool {
	for k := i - 1; k >= 0 && k >= i-4; k-- {
		switch rd.toks[k].folded {
		case "J'EN", "N'EN", "M'EN", "T'EN", "S'EN", "Y'EN", "J'EN'":
			return true
		case "EN":
			// "il en reste 2", "on en a pris 3"; not "en fait 9".
			if k+1 < len(rd.toks) && enVerbs[rd.toks[k+1].folded] {
				return true
			}
		}
	}
	return false
}

var enVerbs = setOf("AI", "A", "AVAIT", "AVONS", "AVEZ", "ONT", "AURAI", "RESTE", "RESTAIT", "VEUX", "VOUDRAIS", "PRENDS", "PRENDRAI", "PRENDRAIS", "MANGE", "ACHETE", "COMMANDE", "FAUT", "MANQUE", "MANQUAIT", "VOULAIS")

// replaced reports whether number i is what the customer replaces: "2
// baguettes au lieu de 3", "instead of 4".
func (rd *reading) replaced(i int) bool {
	head := strings.TrimRight(" "+rd.headText(i), " ")
	for _, w := range []string{" AU LIEU DE", " AU LIEU D'", " INSTEAD OF", " RATHER THAN", " PLUTOT QUE", " AU LIEU DU", " A LA PLACE DE", " A LA PLACE DU"} {
		if strings.HasSuffix(head, w) || strings.HasSuffix(head, w+" UN") || strings.HasSuffix(head, w+" A") {
			return true
		}
	}
	return false
}

// streetSoon reports whether number i starts an address: "12 rue de la
// Paix", "7 Pine St", "1234 boul. Saint-Laurent". The street word comes
// right after the number, or after one capitalised name; a big number
// may stand a little further ("123 Main Street West").
func (rd *reading) streetSoon(i int) bool {
	toks := rd.toks
	if i+1 < len(toks) && streetWords[toks[i+1].folded] && !titleWords[toks[i+1].folded] && (strings.Trim(rd.between(i, i+1), " ") == "" || toks[i].number > 10 && strings.Trim(rd.between(i, i+1), " ,") == "") {
		return true // "2200, boul. des Laurentides"
	}
	if next := rd.nextWord(i); (next == "BIS" || next == "TER") && i+2 < len(toks) && streetWords[toks[i+2].folded] {
		return true // "7 bis rue Oberkampf"
	}
	if next := rd.nextWord(i); next != "" && i+2 < len(toks) && !clauseBreak(rd.between(i+1, i+2)) && streetWords[toks[i+2].folded] {
		r, _ := utf8.DecodeRuneInString(toks[i+1].text)
		return unicode.IsUpper(r)
	}
	if toks[i].number <= 10 {
		return false
	}
	for k := i + 1; k < len(toks) && k <= i+3; k++ {
		if clauseBreak(rd.between(k-1, k)) {
			return false
		}
		if streetWords[toks[k].folded] {
			return true
		}
	}
	return false
}

// titleWords are street abbreviations that are also titles: "9 Dr Gagnon
// est super" names a dentist, "7 Pine St" a street.
var titleWords = setOf("DR", "ST", "STE", "CH")

// ageBefore reports whether number i is a person's age: "my son is 8",
// "ma fille a 7".
func (rd *reading) ageBefore(i int) bool {
	if i < 2 {
		return false
	}
	switch rd.prevWord(i) {
	case "IS", "WAS", "TURNED", "TURNS", "A", "AVAIT", "EST", "AGED", "AGE", "AGEE":
	case "SHE'S", "HE'S", "SHES", "HES", "THEY'RE", "THEYRE", "S'EST":
		return true // "She's 8 and has school during the week"
	default:
		return false
	}
	return family[rd.toks[i-2].folded] || (i >= 3 && family[rd.toks[i-3].folded])
}

var family = setOf("SON", "DAUGHTER", "KID", "KIDS", "BOY", "GIRL", "CHILD", "BABY", "HE", "SHE", "FILS", "FILLE", "GARS", "GARCON", "BEBE", "ENFANT", "IL", "ELLE", "PETIT", "PETITE", "NEVEU", "NIECE", "NEPHEW", "GRANDSON", "GRANDDAUGHTER", "PETIT-FILS", "PETITE-FILLE", "CHIEN", "DOG", "CHAT", "CAT")

// slang reports whether number i stands for a word: "thx 4 asking", "2
// u", "see u 2morrow".
func (rd *reading) slang(i int) bool {
	t := rd.toks[i]
	if t.isWord || (t.number != 4 && t.number != 2) || t.text != strconv.Itoa(t.number) {
		return false
	}
	switch rd.nextWord(i) {
	case "U", "YOU", "YA", "ASKING", "ME", "SURE", "REAL", "EVER", "NOW", "ALL", "US", "LIFE", "GO", "DAY", "NITE", "NIGHT", "MORROW", "MUCH", "LATE", "GOOD", "BAD", "THAT", "THIS":
		return true
	}
	return false
}

// endsClause reports whether nothing follows number i in its clause but
// words that follow a score ("lol 9 merci", "10 sans hésiter", "6 i
// guess").
func (rd *reading) endsClause(i int) bool {
	next := rd.nextWord(rd.scoreEndToken(i))
	return next == "" || functionWords[next] || explainers[next] || greetings[next] || greetings[squeeze(next)] || politeness[next] || intensifiers[next] || afterScore[next]
}

// afterScore are more words that follow a score in a sentence.
var afterScore = setOf("INSTEAD", "PLUTOT", "FINALEMENT", "ASTHEURE", "MAINTENANT", "BEST", "WORST", "AMAZING", "AWESOME", "GREAT", "PERFECT", "PARFAIT", "EXCELLENT", "TOP", "NICKEL", "SUPER", "GENIAL", "MALADE", "VERY", "TRES", "TROP",
	"FROM", "VOYONS", "LA", "OK", "CERTAIN", "SUR", "WSH", "ANYWAY", "ANYWAYS", "CHACUN", "CHACUNE", "EACH", "SERIEUX", "GRAVE", "CLAIREMENT", "NET", "EVIDEMMENT", "OBVIOUSLY", "FOR", "SURE", "EASY", "EASILY", "FACILE", "FACILEMENT", "SANS", "NO", "HANDS", "DOWN", "TOUT", "ALL", "JUSTE", "JUST", "MALGRE", "DESPITE",
	"EVEN", "MEME", "QUAND", "WHEN", "PCQ", "BECAUSE", "BC", "CAUSE", "CUZ", "MDR", "LOL", "HAHA", "XD", "PTDR", "TKT", "JSP", "IDK", "TBH", "IMO", "PERSO", "MINIMUM'", "COMME", "LIKE",
	"MAN", "DUDE", "BRO", "GUYS", "FOLKS", "GANG", "Y'ALL", "YALL", "BUDDY", "VRAIMENT", "REALLY", "BIEN", "WELL", "DESERVED", "MERITE", "MERITEE", "AVEC", "WITH", "SI", "IF", "CA", "THAT", "C", "DONC", "ALORS", "SO", "AUSSI", "TOO", "ALSO", "ENCORE", "AGAIN", "DE", "MOI", "ME", "NOW", "MAINTENANT")

// scoreEndToken is the last token of the score at token i: its
// denominator when it has one.
func (rd *reading) scoreEndToken(i int) int {
	if d := rd.denominatorAfter(i); d >= 0 {
		return d
	}
	return i
}

// interjection are two words that say nothing about the number after
// them: "Ben là 10 voyons".
var interjection = setOf("BEN LA", "BIN LA", "OUIN LA", "OK LA", "OUAIN LA", "VOYONS LA", "MAIS LA", "PIS LA")

// thingBefore are words after which a number names or counts something
// rather than rating: "le 8 était bon", "my 9", "waited like 3".
var thingBefore = setOf("LE", "LA", "L'", "THE", "MON", "MA", "SON", "SA", "HIS", "HER", "YOUR", "VOTRE", "NOTRE", "CE", "CET", "CETTE", "THIS", "THAT",
	"IS", "WAS", "ARE", "WERE", "EST", "ETAIT", "ETAIENT", "SONT", "ATTENDU", "WAITED", "DURE", "LASTED", "DURATION", "WAIT", "LIKE", "ONLY", "SEULEMENT", "JUSTE", "JUST", "AI", "AVAIT", "HAD", "HAVE", "HAS",
	"PAYE", "PAID", "BOUGHT", "ACHETE", "ORDERED", "PRIS", "TOOK", "VU", "SAW", "DU", "AU", "DES", "EU", "GOT", "ETE", "BEEN", "FAIT", "DID", "DONE", "MADE",
	"MANGE", "ATE", "EATEN", "BU", "DRANK", "COMMANDE", "RECU", "RECEIVED", "VENDU", "SOLD", "PERDU", "LOST", "GAGNE", "WON", "TROUVE", "FOUND", "RESTE", "LEFT")

// word returns the folded word token at i, or "".
func (rd *reading) word(i int) string {
	if i < 0 || i >= len(rd.toks) {
		return ""
	}
	return rd.toks[i].folded
}

// charBefore returns the character right before token i, spaces skipped
// when no more than one stands there.
func (rd *reading) charBefore(i int) rune {
	s := rd.norm[:rd.toks[i].start]
	s = strings.TrimSuffix(s, " ")
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// charAfter returns the character right after token i, one space
// skipped.
func (rd *reading) charAfter(i int) rune {
	s := rd.norm[rd.toks[i].end:]
	s = strings.TrimPrefix(s, " ")
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// between returns the text between tokens i and j.
func (rd *reading) between(i, j int) string {
	return rd.norm[rd.toks[i].end:rd.toks[j].start]
}

func (rd *reading) hasQuantity() bool {
	for i, t := range rd.toks {
		if t.isNumber && rd.roles[i] == roleQuantity {
			return true
		}
	}
	return false
}

func (rd *reading) hasNumbers() bool {
	for _, t := range rd.toks {
		if t.isNumber && !t.isWord {
			return true
		}
	}
	return false
}

// denominatorAfter returns the index of the denominator written after
// number i ("/ 10", "sur 10", "out of 10", "on 10"), or -1.
func (rd *reading) denominatorAfter(i int) int {
	toks := rd.toks
	switch {
	case i+2 < len(toks) && (toks[i+1].folded == "/" || toks[i+1].folded == "SUR" || toks[i+1].folded == "SU" || toks[i+1].folded == "ON" || toks[i+1].folded == "OF" || toks[i+1].folded == "OUTTA") && toks[i+2].isNumber:
		if toks[i+1].folded == "ON" || toks[i+1].folded == "OF" {
			if toks[i+2].number != 10 {
				return -1 // "5 on a Tuesday"; "1 of 2" is no rating
			}
		}
		return i + 2
	case i+3 < len(toks) && toks[i+1].folded == "OUT" && toks[i+2].folded == "OF" && toks[i+3].isNumber:
		return i + 3
	}
	return -1
}

// denominatorOf returns the index of the number that token i is the
// denominator of, or -1.
func (rd *reading) denominatorOf(i int) int {
	for _, back := range []int{2, 3} {
		if n := i - back; n >= 0 && rd.toks[n].isNumber && rd.denominatorAfter(n) == i {
			return n
		}
	}
	return -1
}

// echoAt reports whether number i is part of "0 à 10", "1-10", "0 to
// 10", "de 0 à 10", the question quoted back.
func (rd *reading) echoAt(i int) bool {
	toks := rd.toks
	isPair := func(a, b int) bool {
		if a < 0 || b >= len(toks) || !toks[a].isNumber || !toks[b].isNumber {
			return false
		}
		if toks[a].number > 1 || toks[b].number != 10 {
			return false
		}
		between := strings.TrimSpace(fold(rd.norm[toks[a].end:toks[b].start]))
		prevA := rd.word(a - 1)
		switch {
		case between == "A", between == "TO", between == "-", between == "–", between == "AU", between == "JUSQU'A":
		case (between == "ET" || between == "AND") && (prevA == "ENTRE" || prevA == "BETWEEN"):
		default:
			return false
		}
		// "0 à 10" after "de", "scale of", "entre", or followed by a
		// question mark or a colon, or with another number to be the
		// answer.
		prev := rd.word(a - 1)
		lead := prev == "DE" || prev == "OF" || prev == "FROM" || prev == "ENTRE" || prev == "BETWEEN" || prev == "ECHELLE" || prev == "SCALE"
		tail := strings.TrimLeft(rd.norm[toks[b].end:], " ")
		return lead || strings.HasPrefix(tail, "?") || strings.HasPrefix(tail, ":") || strings.HasPrefix(tail, ",") || strings.HasPrefix(tail, ")") || rd.numberAfter(b)
	}
	return isPair(i, i+2) || isPair(i, i+1) || isPair(i-2, i) || isPair(i-1, i)
}

func (rd *reading) numberAfter(i int) bool {
	for _, t := range rd.toks[i+1:] {
		if t.isNumber && !t.isWord {
			return true
		}
	}
	return false
}

// usableWord says whether number word i stands where a score stands:
// "neuf", "Dix !", "je dirais huit", "eight out of ten"; "un service",
// "le magasin est neuf" are everyday words.
func (rd *reading) usableWord(i int) bool {
	if usable, decided := rd.wordAmongNumbers(i); decided {
		return usable
	}
	if usable, decided := rd.wordInRatingPhrase(i); decided {
		return usable
	}
	if i != firstContent(rd.toks) && !rd.clauseStart(i) {
		return false
	}
	return rd.wordOpensAnswer(i)
}

// wordAmongNumbers reads number word i by the numbers, the scale and the
// cue next to it: "un 9", "neuf sur dix", "je dirais huit", "dix mille",
// "sept-huit", "un million".
func (rd *reading) wordAmongNumbers(i int) (usable, decided bool) {
	toks := rd.toks
	t := toks[i]
	if (articles[t.folded] || t.folded == "ONE") && i+1 < len(toks) && toks[i+1].isNumber && !toks[i+1].isWord {
		return false, true // "un 9"
	}
	if rd.denominatorAfter(i) >= 0 {
		return true, true
	}
	if cueBefore(toks, i) && !articles[t.folded] {
		return true, true
	}
	if i+1 < len(toks) && multipliers[toks[i+1].folded] {
		return false, true // "dix mille": the number is the thousand
	}
	// "sept-huit", "neuf dix": the second of two number words.
	if i >= 1 && toks[i-1].isWord && toks[i-1].isNumber && i-1 == firstContent(toks) && strings.Trim(rd.between(i-1, i), " -") == "" {
		return true, true
	}
	// "huit ou neuf", "seven or eight": the second of a range of words.
	if i >= 2 && rangeJoiners[toks[i-1].folded] && toks[i-2].isWord && toks[i-2].isNumber && i-2 == firstContent(toks) {
		return true, true
	}
	// "un million", "dix mille": the first word leads.
	if multipliers[t.folded] && i >= 1 && (articles[toks[i-1].folded] || toks[i-1].isNumber) && i-1 == firstContent(toks) {
		return rd.restIsEmpty(i), true
	}
	return false, false
}

// wordInRatingPhrase reads number word i by the phrase it stands in: after
// an article, a correction or in a range, or standing as its own clause.
func (rd *reading) wordInRatingPhrase(i int) (usable, decided bool) {
	toks := rd.toks
	t := toks[i]
	// "un beau neuf", "a solid nine", "always a ten": an article (and an
	// adjective) makes a number word a rating.
	if k := i - 1; k >= 0 && (articles[toks[k].folded] || k >= 1 && ratingAdjectives[toks[k].folded] && articles[toks[k-1].folded]) && strings.TrimSpace(rd.between(k, i)) == "" {
		// Not "comme un neuf" (like new), nor the "à" of "cinq à sept".
		a := k
		if !articles[toks[a].folded] {
			a--
		}
		if a == 0 || !likeWords[toks[a-1].folded] && !toks[a-1].isNumber {
			return true, true
		}
	}
	// "huit euh non neuf": the word a correction gives.
	if p := rd.prevWord(i); (p == "NON" || p == "NO" || p == "EUH" || p == "OUPS" || p == "OOPS" || p == "PLUTOT" || p == "MEANT" || p == "MEAN") && !articles[t.folded] && t.folded != "ONE" {
		return true, true
	}
	// "entre huit pis neuf": the first word of a range.
	if p := rd.prevWord(i); (p == "ENTRE" || p == "BETWEEN") && i+2 < len(toks) && rangeJoiners[toks[i+1].folded] && toks[i+2].isNumber {
		return true, true
	}
	// "huit pis neuf", "entre huit et neuf": the second word of a range
	// whose first counts.
	if i >= 2 && rangeJoiners[toks[i-1].folded] && toks[i-2].isWord && toks[i-2].isNumber && rd.roles[i-2] != roleWord {
		return true, true
	}
	// "Order #4 came out perfect, ten": a number word standing last, as
	// its own clause.
	if rd.restIsEmpty(i) && i > 0 && clauseBreak(rd.between(i-1, i)) {
		return true, true
	}
	if rd.setApart(i) && i > 0 {
		return true, true // "Mon comptable préféré, dix. Merci…"
	}
	return false, false
}

// wordOpensAnswer reads number word i, which opens its clause, by what
// follows it: another number, an explanation, punctuation or nothing.
func (rd *reading) wordOpensAnswer(i int) bool {
	toks := rd.toks
	t := toks[i]
	if i+2 < len(toks) && rangeJoiners[toks[i+1].folded] && toks[i+2].isNumber {
		return true // "huit ou neuf"
	}
	if i+1 < len(toks) && (toks[i+1].folded == "POINTE" || toks[i+1].folded == "POINTEE") {
		return true // "zéro pointé"
	}
	if i+1 < len(toks) && toks[i+1].isWord && toks[i+1].isNumber && !articles[t.folded] && t.folded != "ONE" && strings.Trim(rd.between(i, i+1), " -") == "" {
		return true // "sept-huit", "neuf dix": unclear below
	}
	if i+1 < len(toks) && (explainers[toks[i+1].folded] || determiners[toks[i+1].folded]) || rd.halfAfter(i) {
		return true // "neuf pcq le café était tiède", "neuf la boulangerie est bonne", "huit et demi"
	}
	if articles[t.folded] || t.folded == "ONE" {
		// "Un service rapide", "One of the best": only alone or set
		// apart ("Un. Le notaire a perdu nos documents.") does "un"
		// mean 1.
		return rd.restIsEmpty(i) || i+1 < len(toks) && strings.ContainsAny(rd.between(i, i+1), ".!")
	}
	if i+1 == len(toks) {
		return true
	}
	gap := rd.between(i, i+1)
	return strings.ContainsAny(gap, ",.!-–:;\n") || rd.restIsEmpty(i)
}

// hoursLead before "9 à 5" makes it working hours.
var hoursLead = setOf("DE", "FROM", "WORK", "WORKS", "TRAVAILLE", "TRAVAILLES", "BOSSE", "OUVERT", "OPEN", "OPENED", "SHIFT", "HORAIRE", "HOURS")

// determiners after a number word make it an answer dictated without
// punctuation: "neuf la boulangerie est toujours aussi bonne", "eight
// the hygienist was gentle".
var determiners = setOf("LE", "LA", "LES", "L'", "THE", "MON", "MA", "MES", "MY", "OUR", "NOTRE", "NOS", "CE", "CETTE", "CES", "THIS", "YOUR", "VOTRE", "VOS", "UR", "I", "JE", "J'", "EUH", "UM", "UH", "SINON", "OTHERWISE")

// explainers after a number word make it an answer with its reason:
// "neuf pcq…", "huit mais…".
var explainers = setOf("PCQ", "PARCE", "CAR", "BECAUSE", "CUZ", "COS", "BC", "MAIS", "BUT", "SINCE", "VU", "COMME", "AS", "POUR", "FOR", "SUR", "OUT", "OUTTA", "SU",
	"FINALEMENT", "ACTUALLY", "EASY", "FACILE", "EVIDEMMENT", "OBVIOUSLY", "SANS", "TOUJOURS", "ALWAYS", "DEFINITELY", "SURE", "HANDS", "EASILY", "FACILEMENT", "CLAIREMENT",
	"ABSOLUMENT", "VOYONS", "BIEN", "SUREMENT", "DEFINITIVEMENT", "POUR SUR")

// likeWords before "un neuf" make it "like new", not a nine.
var likeWords = setOf("COMME", "LIKE", "AS", "QU'UN", "QU'UNE", "TEL", "TELLE", "SORT", "GENRE'")

// ratingAdjectives stand between an article and a rating: "un beau
// neuf", "a solid nine".
var ratingAdjectives = setOf("BEAU", "BON", "GROS", "SOLIDE", "PETIT", "BIG", "SOLID", "STRONG", "GOOD", "PERFECT", "EASY", "HARD", "FAT", "PARFAIT", "SUPER", "HUGE", "CLEAR")

// multipliers make the number word before them larger: "dix mille".
var multipliers = setOf("MILLE", "MILLION", "MILLIONS", "THOUSAND", "CENT", "CENTS", "HUNDRED", "GAZILLION", "ZILLION")

// clauseStart reports whether token i opens its clause, greetings aside:
// "De zéro à dix ? Ben neuf certain", "vous êtes nuls, zéro pointé".
func (rd *reading) clauseStart(i int) bool {
	for k := i; k > 0; k-- {
		if clauseBreak(rd.between(k-1, k)) {
			return true
		}
		if !greetings[rd.toks[k-1].folded] && !greetings[squeeze(rd.toks[k-1].folded)] {
			return false
		}
	}
	return true
}

// restIsEmpty reports whether nothing but greetings follows token i.
func (rd *reading) restIsEmpty(i int) bool {
	if i+1 >= len(rd.toks) {
		return true
	}
	for _, t := range rd.toks[i+1:] {
		if !greetings[t.folded] {
			return false
		}
	}
	return true
}

// cueEnds reports whether a cue ends right before token i.
func (rd *reading) cueEnds(i int) bool { return cueBefore(rd.toks, i) }

// numberJustBefore reports whether a number stands right before token i,
// one word between at most: "7 à 8", "7 or 8".
func (rd *reading) numberJustBefore(i int) bool {
	return (i >= 1 && rd.toks[i-1].isNumber) || (i >= 2 && rd.toks[i-2].isNumber)
}

// afterSmallNumber reports whether a number from 0 to 10 stands right
// before token i, one word between at most: "ten or eleven".
func (rd *reading) afterSmallNumber(i int) bool {
	for _, k := range []int{i - 1, i - 2} {
		if k >= 0 && rd.toks[k].isNumber && rd.toks[k].number <= 10 {
			return true
		}
	}
	return false
}

// countBefore reports whether number i counts people: "on était 4".
func (rd *reading) countBefore(i int) bool {
	for _, c := range countStarts {
		words := strings.Fields(c)
		if i < len(words) {
			continue
		}
		match := true
		for k, w := range words {
			if bare(rd.toks[i-len(words)+k].folded) != bare(w) {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// pluralNounAfter reports whether number i counts the plural noun right
// after it: "2 baguettes", "3 croissants", "2 loaves". Words that follow
// a score ("9 merci", "7 pcq", "8 thanks guys", "10 toujours") are not
// nouns counted.
func (rd *reading) pluralNounAfter(i int) bool {
	toks := rd.toks
	if i+1 >= len(toks) || toks[i].number == 1 || toks[i].isWord {
		return false // "0 larmes" is counted; "1 croissant" is read by unitWords
	}
	if strings.TrimSpace(rd.between(i, i+1)) != "" {
		return false // "7, services rapides" is set apart
	}
	w := toks[i+1].folded
	if countAdjectives[w] && i+2 < len(toks) && strings.TrimSpace(rd.between(i+1, i+2)) == "" {
		w = toks[i+2].folded // "4 new tires", "2 gros croissants"
	}
	if len(w) < 4 || notCountable[w] || strings.Contains(w, "'") {
		return false // "7 ou 8 mettons", "8 ou 9 j'sais pas"
	}
	return strings.HasSuffix(w, "S") || strings.HasSuffix(w, "X")
}

// countedAfterPreposition reports whether number i counts the noun
// after it in a list or a purpose: "pr 1 coupe", "et 1 chausson", "with
// 2 kids".
func (rd *reading) countedAfterPreposition(i int) bool {
	if !quantityPreps[rd.prevWord(i)] || i == firstContent(rd.toks) || rd.afterSmallNumber(i) || rd.numberJustBefore(i) || rd.mentionsChange() {
		return false // "entre 6 et 8 jsp", "changez ma note pour 7 svp"
	}
	next := rd.nextWord(i)
	return next != "" && !rd.toks[i+1].isNumber && !functionWords[next] && !greetings[next] && !explainers[next] && !politeness[next]
}

// politeness follows a score without being counted by it: "pour 7 svp".
var politeness = setOf("SVP", "STP", "PLS", "PLZ", "PLEASE", "MERCI", "THANKS", "THX", "SIL", "S'IL", "JSP", "LOL", "MDR", "DONC", "ALORS", "SO", "TBH", "HONNETEMENT", "HONESTLY")

var quantityPreps = setOf("POUR", "PR", "FOR", "ET", "AND", "AVEC", "WITH", "PIS", "PLUS", "&")

// functionWords after a number do not make it a count: "et 8 le
// service", "and 9 because".
var functionWords = setOf("AU", "AUX", "À", "EN", "DANS", "CHEZ", "PAR", "LE", "LA", "LES", "L'", "THE", "A", "AN", "UN", "UNE", "DE", "DU", "DES", "OF", "ET", "AND", "OU", "OR", "EST", "IS", "C'EST", "IT'S", "ITS", "POUR", "FOR",
	"SUR", "ON", "OUT", "SANS", "WITHOUT", "AVEC", "WITH", "QUE", "THAN", "THAT", "JE", "I", "YOU", "VOUS", "TU", "IL", "ELLE", "ON", "WE", "NOUS", "MAIS", "BUT", "CAR", "PCQ")

// countAdjectives stand between a count and its noun.
var countAdjectives = setOf("FREE", "GRATUITS", "GRATUITES", "NEW", "BIG", "SMALL", "LITTLE", "GOOD", "GREAT", "NICE", "HUGE", "FRESH", "EXTRA", "MORE", "OTHER", "NOUVEAUX", "NOUVELLES", "NOUVEAU", "NOUVELLE",
	"GROS", "GROSSES", "PETITS", "PETITES", "BONS", "BONNES", "AUTRES", "BEAUX", "BELLES", "VIEUX", "VIEILLES", "DERNIERS", "DERNIERES", "PREMIERS", "PREMIERES", "FULL", "LONGUES", "LONGS", "LONG")

// notCountable are words ending in s or x that follow a score rather
// than being counted by it.
var notCountable = setOf("OUPS", "OOPS", "OUPSI", "OOPSIE", "DSL", "ERRATUMS", "GENS'", "TRES", "PLUS", "MAIS", "VOUS", "NOUS", "APRES", "DEPUIS", "SANS", "DANS", "SOUS", "VERS", "ALORS", "PUIS", "TOUJOURS", "JAMAIS", "MOINS", "ASSEZ",
	"THANKS", "THX", "ALWAYS", "THIS", "WAS", "HAS", "YES", "GUYS", "FOLKS", "THANX", "MERCIS", "BRAVO", "BRAVOS", "DEUX", "TROIS", "SIX", "DIX", "VOUS", "TOUS", "TOUTES",
	"AVEC", "CHEZ", "PARFOIS", "SOUVENT", "DESSUS", "DESSOUS", "AILLEURS", "AUTRES", "MIEUX", "PRIX", "HEUREUX", "HEUREUSE", "SERIEUX", "DELICIEUX", "FABULEUX", "GENEREUX", "NOMBREUX",
	"PRECIEUX", "JOYEUX", "CURIEUX", "MERVEILLEUX", "PEUX", "VEUX", "CROIS", "SUIS", "DOIS", "SAIS", "VAIS", "FAIS", "DIS", "MAIS", "PUISQUE", "CAUSE", "BECAUSE", "CUZ", "COS",
	"AS", "IS", "ITS", "IT'S", "HERS", "OURS", "YOURS", "PLEASE", "PLS", "PLZ", "THANKYOU", "YESS", "BEST", "LESS", "UNLESS", "REGARDLESS", "NEVERTHELESS", "DOES", "GOES", "GIVES",
	"TAKES", "MAKES", "GETS", "LOOKS", "SEEMS", "ALSO", "CROISSANTS?", "ABSOLUTELY", "SERVICES", "EXPERIENCES", "VIBES", "PROPS", "KUDOS", "CHEERS", "OBVIOUS", "OBVIOUSLY",
	"AMAZINGS", "DEFINITELYS", "CHAIS", "CHUIS", "JSAIS", "DIRAIS", "METTRAIS", "DONNERAIS", "VOYONS", "METTONS", "DISONS", "ALLONS", "PENSONS", "SAVONS", "AVONS", "SOMMES", "SAIS", "DIS", "GENS'", "SEULEMENT", "SURTOUT", "EUX", "CEUX", "NEANMOINS", "TOUTEFOIS", "PARCE", "PAS", "PLUS'", "FRAIS", "EXPRES", "PROCES", "SUCCES", "PROGRES",
	"EXCES", "ACCES", "COURS", "CORPS", "TEMPS", "FOIS'")

// pickable reports whether number i stands where a score stands.
func (rd *reading) pickable(i int) bool {
	return rd.alone(i) || cueBefore(rd.toks, i) || i == firstContent(rd.toks) || rd.setApart(i)
}

// alone reports whether number i is all the reply says, with greetings,
// punctuation, emoji and its denominator around it.
func (rd *reading) alone(i int) bool {
	d := rd.denominatorAfter(i)
	for k, t := range rd.toks {
		if k == i || k == d || (d >= 0 && k > i && k < d) || greetings[t.folded] {
			continue
		}
		return false
	}
	return true
}

// outOfTen reports whether number i is written out of ten: "10/10".
func (rd *reading) outOfTen(i int) bool {
	d := rd.denominatorAfter(i)
	return d >= 0 && rd.toks[d].number == 10
}

// setApart reports whether number i is a clause of its own: "Service
// impeccable, 10", "Great staff, 9!". Only punctuation (or a greeting)
// separates it from what comes before and after.
func (rd *reading) setApart(i int) bool {
	toks := rd.toks
	end := i
	if d := rd.denominatorAfter(i); d >= 0 {
		end = d
	}
	before := ""
	if i > 0 {
		before = rd.norm[toks[i-1].end:toks[i].start]
		if greetings[toks[i-1].folded] {
			before = ","
		}
	}
	after := ""
	if end+1 < len(toks) {
		after = rd.norm[toks[end].end:toks[end+1].start]
	}
	boundary := func(s string) bool {
		return strings.ContainsAny(s, ",.!?:;\n()-–—") || strings.ContainsFunc(s, isEmoji)
	}
	return (i == 0 || boundary(before)) && (end+1 == len(toks) || boundary(after))
}

func isEmoji(r rune) bool { return unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) }

// negated reports whether the customer denies number i: "pas un 10",
// "not a 10 but close".
func (rd *reading) negated(i int) bool {
	if negatedAfter.MatchString(rd.tailText(i)) {
		return true // "Un 10 ? Pas tout à fait."
	}
	if negatedBefore.MatchString(rd.headText(i)) && !clauseBreak(rd.norm[max(0, rd.toks[i].start-12):rd.toks[i].start]) {
		return true // "pas tout à fait un 10"
	}
	// Only words in the same clause count: "ne fonctionnait pas. 2/10"
	// denies nothing.
	k := i - 1
	if k >= 0 && articles[rd.prevWord(k+1)] {
		k--
	}
	if k >= 0 && intensifiers[rd.prevWord(k+1)] {
		k--
	}
	return k >= 0 && negations[rd.prevWord(k+1)]
}

// negatedBefore ends a text that denies the number after it.
var negatedBefore = regexp.MustCompile(`\b(?:LOIN D'?(?: ?UNE?)?|LOIN DU|FAR FROM(?: AN?)?) ?$|\b(?:PAS|NOT|JAMAIS|NEVER)(?: (?:TOUT A FAIT|TOUT-A-FAIT|VRAIMENT|QUITE|REALLY|EXACTLY|EXACTEMENT|ENCORE|YET|FORCEMENT|NECESSAIREMENT|TOTALLY|COMPLETELY|TOUT))?(?: (?:UN|UNE|A|AN))? ?$`)

// negatedAfter starts a text that takes back the number before it.
var negatedAfter = regexp.MustCompile(`^[\s?!.,…]*NOT[\s!.]*$|^[\s?!.,…]*(?:PAS TOUT A FAIT|PAS VRAIMENT|PAS TOUT-A-FAIT|NOT QUITE|NOT REALLY|NOPE|NAH|MEME PAS|NOT EVEN|OU PAS|OR NOT)\b` +
	`|^\s*\?[\s?!.…]*(?:NON|NO|LOL NON|MDR NON|HAHA NON|LOL NO|HAHA NO|JAMAIS|NEVER)\b`)

// lessLead before "moins" makes it a bound, not a minus: "au moins 5",
// "plus ou moins 7".
var lessLead = setOf("AU", "DU", "OU", "DE", "NO", "MORE", "OR", "PLUS", "MORE'", "EN", "A")

// intensifiers may stand between a negation and its number: "not quite
// a 10", "pas vraiment un 10".
var intensifiers = setOf("QUITE", "REALLY", "EXACTLY", "VRAIMENT", "EXACTEMENT", "NECESSAIREMENT", "TOUT", "ENCORE", "YET", "TOTALLY", "TOTALEMENT")

// negative reports whether number i is written with a minus: "-1".
func (rd *reading) negative(i int) bool {
	if p := rd.prevWord(i); (p == "MOINS" || p == "MINUS") && (i-1 == firstContent(rd.toks) || !lessLead[rd.word(i-2)]) {
		return true // "moins 5", "Zéro, non, moins 5"; not "au moins 5"
	}
	s := strings.TrimRight(rd.norm[:rd.toks[i].start], " ")
	if !strings.HasSuffix(s, "-") && !strings.HasSuffix(s, "−") {
		return false
	}
	s = strings.TrimRight(strings.TrimSuffix(strings.TrimSuffix(s, "-"), "−"), " ")
	// "7 - 2 erreurs" has a number before the dash; "-1" and "moins 1"
	// do not.
	r, _ := utf8.DecodeLastRuneInString(s)
	return s == "" || !unicode.IsDigit(r) && !unicode.IsLetter(r)
}

// halfAfter reports whether "et demi", "and a half" or "½" follows
// number i.
func (rd *reading) halfAfter(i int) bool {
	tail := rd.tailText(i)
	return strings.HasPrefix(tail, "½") || strings.HasPrefix(tail, "ET DEMI") || strings.HasPrefix(tail, "PIS DEMI") || strings.HasPrefix(tail, "PI DEMI") || strings.HasPrefix(tail, "ET 1/2") || strings.HasPrefix(tail, "& DEMI") || strings.HasPrefix(tail, "ET 1/2") || strings.HasPrefix(tail, "AND A HALF") || strings.HasPrefix(tail, "AND HALF") || strings.HasPrefix(tail, "1/2")
}

// correction reports whether the last candidate corrects the ones
// before it: "7 oups je voulais dire 9", "8... non 9", "9 I mean 10",
// "pas 10 mais 9", "was gonna say 10 but… 8"; or whether all but one
// are given on a condition ("8, 9 si le café avait été chaud").
func (rd *reading) correction(cands []int) bool {
	return rd.corrected(cands) >= 0
}

// corrected returns the candidate a correction leaves, or -1.
func (rd *reading) corrected(cands []int) int {
	var firm []int
	for _, c := range cands {
		if !rd.conditional(c) {
			firm = append(firm, c)
		}
	}
	if len(firm) == 1 {
		return firm[0]
	}
	if len(cands) != 2 {
		return -1
	}
	a, b := cands[0], cands[1]
	switch {
	case rd.negated(b) && !rd.negated(a):
		return a // "je voulais mettre 9 pas 6"
	case rd.negated(a) || rd.retracted(a) || referred[rd.prevWord(a)] && !referred[rd.prevWord(b)]:
		// "pas 10 mais 9", "j'avais mis 4 … mettez 8", "changez mon 5
		// pour un 7".
		return b
	case referred[rd.prevWord(b)] && !referred[rd.prevWord(a)], rd.retracted(b) || rd.byMistake(b):
		// "10 sorry I put 1 by mistake".
		// "je voulais mettre 9 pas 6", "c'est un 10, désolé pour le 8".
		return a
	}
	gap := " " + foldForRules(rd.norm[rd.toks[a].end:rd.toks[b].start]) + " "
	gap = strings.NewReplacer(",", " ", ".", " ", "!", " ", "…", " ", "-", " ", ":", " ", "(", " ", ")", " ").Replace(gap)
	if len(strings.Fields(gap)) > 6 {
		// A correction follows the number closely ("7 oups je voulais
		// dire 9"); "plutôt" twenty words later rates something else.
		return -1
	}
	gap = " " + strings.Join(strings.Fields(gap), " ") + " "
	for _, w := range correctionWords {
		if strings.Contains(gap, " "+w+" ") {
			return b
		}
	}
	return -1
}

// referred are the words before a number the customer names rather than
// gives: "mon 5", "le 8", "my 6".
var referred = setOf("LE", "MON", "MA", "MY", "THE", "VOTRE", "YOUR", "CE", "CET", "THAT", "THIS", "DU", "AU")

// byMistake reports whether the customer says number i was a mistake:
// "I put 1 by mistake", "mis 3 par erreur".
func (rd *reading) byMistake(i int) bool {
	tail := rd.tailText(i)
	for _, w := range []string{"BY MISTAKE", "PAR ERREUR", "PAR MEGARDE", "BY ACCIDENT", "PAR ACCIDENT", "IS A TYPO", "WAS A TYPO", "EST UNE ERREUR", "ETAIT UNE ERREUR", "C'ETAIT UNE ERREUR"} {
		if strings.HasPrefix(strings.TrimLeft(tail, " .,!"), w) {
			return true
		}
	}
	return false
}

// retracted reports whether the customer took number i back: "was gonna
// say 10", "j'allais dire 10".
func (rd *reading) retracted(i int) bool {
	head := " " + rd.headText(i)
	head = strings.TrimRight(head, " ")
	for _, w := range []string{"AVAIS MIS", "AVAIS DONNE", "AVAIS DIT", "AVAIT MIS", "HAD GIVEN", "HAD PUT", "HAD SAID", "I GAVE", "I GAVE YOU", "I PUT", "I SAID", "J'AI MIS", "J'AI DONNE", "J'AI DIT", "GONNA SAY", "GOING TO SAY", "WANTED TO SAY", "WANTED TO PUT", "GONNA PUT", "GONNA GIVE", "ALLAIS DIRE", "ALLAIS METTRE", "ALLAIS DONNER", "AURAIS DIT", "AURAIS MIS", "WOULD HAVE SAID", "WOULD'VE SAID", "PENSAIS METTRE"} {
		if strings.HasSuffix(head, w) || strings.HasSuffix(head, w+" UN") || strings.HasSuffix(head, w+" A") {
			return true
		}
	}
	return false
}

// allSame reports whether the candidates all say the same score:
// "10/10 10/10", "10 10 10".
func (rd *reading) allSame(cands []int) bool {
	for _, c := range cands[1:] {
		if rd.toks[c].number != rd.toks[cands[0]].number || rd.toks[c].fraction || rd.halfAfter(c) {
			return false
		}
	}
	return true
}

// isRange reports whether two candidates are joined as a range: "7-8",
// "7 ou 8", "entre 7 et 8".
func (rd *reading) isRange(cands []int) bool {
	if len(cands) != 2 {
		return false
	}
	gap := strings.TrimSpace(fold(rd.between(cands[0], cands[1])))
	return rangeJoiners[gap]
}

// changeWords anywhere in a reply with a score say the score changes:
// "tout compte fait, 8", "9/10 finalement", "Erratum : 9".
var changeWords = regexp.MustCompile(`\b(?:FINALEMENT|FINALLY|EN FAIT|TOUT COMPTE FAIT|APRES REFLEXION|REFLEXION FAITE|A LA REFLEXION|ERRATUM|CORRECTION|RECTIFICATION|` +
	`ACTUALLY|ON SECOND THOUGHTS?|AFTER ALL|THINKING ABOUT IT|JE CHANGE|CHANGEZ|CHANGE MY|CHANGE IT|CHANGING|MODIFIE|MODIFIER|MODIFIEZ|METTEZ|JE REVISE|REVISE|` +
	`UPDATE|UPDATING|I MEANT|JE VOULAIS DIRE|J'?VOULAIS DIRE|VOULAIS METTRE|MAKE IT|MAKE THAT|PLUTOT|RATHER|INSTEAD|A LA PLACE|A PLACE|OUPS|OOPS|MY BAD|NOUVELLE NOTE|NEW SCORE|` +
	`JE REMONTE|JE BAISSE|MONTEZ|BAISSEZ|BUMP|SCRATCH THAT|FORGET THAT|OUBLIEZ CA|OUBLIE CA|REVIENS SUR|EN FIN DE COMPTE|AU FINAL|ALL THINGS CONSIDERED|` +
	`TOUT BIEN CONSIDERE|CHANGE[- ]L[EA]|CHANGEZ[- ]L[EA]|MODIFIEZ[- ]L[EA]|LET'S SAY|LETS SAY)\b`)

// mentionsChange reports whether the reply says it changes a score.
func (rd *reading) mentionsChange() bool { return changeWords.MatchString(rd.folded()) }

// scoreEnd is where the score at token i ends, its denominator included.
func (rd *reading) scoreEnd(i int) int {
	if d := rd.denominatorAfter(i); d >= 0 {
		return rd.toks[d].end
	}
	return rd.toks[i].end
}

// standalone reports whether a score's comment is empty or only says
// hello or thanks.
func (rd *reading) standalone(comment string) bool {
	for _, w := range strings.FieldsFunc(fold(comment), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if !greetings[w] {
			return false
		}
	}
	return true
}

// aspects counts the candidates that rate a part of the visit: "pour la
// mécanique … 9", "for the coffee, 6".
func (rd *reading) aspects(cands []int) int {
	n := 0
	for _, c := range cands {
		if aspectBefore.MatchString(rd.headText(c)) {
			n++
		}
	}
	return n
}

var aspectBefore = regexp.MustCompile(`\b(?:POUR (?:LE|LA|L'|LES)|FOR (?:THE|YOUR|MY)|COTE|SIDE|QUANT (?:AU|A LA|AUX))\b`)

// parallelRatings is a reply made of two or more "thing N" parts: "Cook
// 10, caisse 5", "Mechanic 9, front desk 3".
var parallelRatings = regexp.MustCompile(`^[^0-9A-Z]{0,3}[A-Z'][A-Z'-]*(?: [A-Z'][A-Z'-]*){0,2} \d{1,2}(?:/10)? ?[,;/\n.] ?[A-Z'][A-Z'-]*(?: [A-Z'][A-Z'-]*){0,2} \d{1,2}(?:/10)?[^0-9A-Z]*$`)

// correctionish words make two numbers a correction, not two ratings:
// "Pas un 10, plutôt un 8".
var correctionish = regexp.MustCompile(`\b(?:PAS|NOT|PLUTOT|RATHER|MORE LIKE|NON|NO|OUPS|OOPS|DESOLE|SORRY|ENFIN|I MEAN|JE VEUX DIRE|PARDON)\b`)

// thenRE and nowRE are a rating before and a rating now, each with its
// number: "Avant 10, maintenant 6", "usually a 9, today 5".
var thenRE = regexp.MustCompile(`\b(?:AVANT|BEFORE|USED TO BE|LAST TIME|LA DERNIERE FOIS|D'HABITUDE|USUALLY|NORMALEMENT|NORMALLY|AVANT C'ETAIT)[ ,:]*(?:C'ETAIT |IT WAS |WAS |J'AURAIS DIT |I'D HAVE SAID )?(?:UN |A |AN )?\d`)
var nowRE = regexp.MustCompile(`\b(?:MAINTENANT|NOW|ASTHEURE|AUJOURD'HUI|TODAY|CETTE FOIS|THIS TIME)[ ,:]*(?:C'EST |IT'S |ITS |PLUTOT |MORE LIKE |UN |A |AN |JUST )*\d`)

// thenNow reports whether a reply contrasts a rating before and now.
func thenNow(f string) bool { return thenRE.MatchString(f) && nowRE.MatchString(f) }

// smallNumbers counts the numbers from 0 to 10 written with digits.
func (rd *reading) smallNumbers() int {
	n := 0
	for _, t := range rd.toks {
		if t.isNumber && !t.isWord && t.number <= 10 && !t.attached {
			n++
		}
	}
	return n
}

// uncertain says the customer hesitates between the numbers they wrote.
var uncertain = regexp.MustCompile(`\b(?:JE SAIS PAS|J'SAIS PAS|JSAIS PAS|CHAIS PAS|SAIS PAS|JSP|JE NE SAIS PAS|I DON'T KNOW|I DONT KNOW|IDK|DUNNO|NOT SURE|PAS SUR|PAS SURE|J'HESITE|JE SUIS PARTAGE|CAN'T DECIDE|HARD TO SAY)\b`)

// sarcasm marks a number the customer does not mean: an eye-roll, "yeah
// right", "tu rêves".
var sarcasm = regexp.MustCompile(`🙄|😒|(?i)\b(?:yeah right|oh sure|as if|tu r[eê]ves|vous r[eê]vez|dans tes r[eê]ves|in your dreams|mon (?:oe|œ)il|ouais c'est [cç]a|c'est [cç]a oui|my ass|lol no|t'as cru)\b`)

// conditionBefore ends a text whose last clause is a condition the
// score after it depends on: "If the wait was shorter, 9".
var conditionBefore = regexp.MustCompile(`(?:^|[.!?] )(?:SI|IF|S'IL|S'ILS|ONLY IF|UNLESS|A CONDITION QUE|AVEC UN|WITH A|WITH SHORTER|AVEC MOINS)\b[^.!?]*$`)

// conditionedBefore reports whether the clause before offset at sets a
// condition on the score, not only on saying it ("if I have to put a
// number on it, eight out of ten" is a score).
func (rd *reading) conditionedBefore(at int) bool {
	m := conditionBefore.FindString(foldForRules(rd.norm[:at]))
	return m != "" && !metaCondition.MatchString(m)
}

var metaCondition = regexp.MustCompile(`\b(?:IF I (?:HAVE|HAD|NEED|MUST|WERE TO)|IF I'M HONEST|IF YOU ASK|IF YOU MUST|IF ANYONE ASKS|IF ANYTHING|SI JE (?:DOIS|DEVAIS|SUIS HONNETE)|SI J'AVAIS A|S'IL FAUT|SI VOUS VOULEZ|SI TU VEUX|SI ON ME DEMANDE|SI JE RESUME)\b`)

// ironicTen is a top score given for a failure: "Great, a 10 for losing
// my reservation", "10/10 pour 2h de retard".
var ironicTen = regexp.MustCompile(`\b(?:10|DIX|TEN)(?: ?/ ?10)? (?:POUR|FOR) (?:[A-Z'-]+ |\d+H? ){0,3}(?:LOSING|LOST|FORGETTING|FORGOT|LATE|RETARD|WAIT|WAITING|ATTENTE|D'ATTENTE|PERDU|PERDRE|OUBLIE|OUBLIER|CASSE|BROKE|BREAKING|RUINING|RATE|RATER|RUINE|MESSING|SCREWING)\b`)

// ironicPraise thanks the business for a failure: "bravo pour le
// retard", "great job losing my order".
var ironicPraise = regexp.MustCompile(`\b(?:BRAVO|FELICITATIONS|CONGRATS|CONGRATULATIONS|GREAT JOB|WELL DONE|NICE JOB|CHAPEAU) (?:POUR|FOR|ON)? ?(?:LE |LA |L'|THE |VOTRE |YOUR |LES )?(?:RETARD|ATTENTE|DELAY|WAIT|OUBLI|ERREUR|MISTAKE|LOSING|LOSS|PERTE|MESS|BORDEL|GACHIS)`)

// comparedOnly reports whether the customer's own answer is a comparison
// with a number someone else gave: "j'aurais mis moins", "I'd have given
// less".
func (rd *reading) comparedOnly() bool {
	return comparison.MatchString(rd.folded())
}

var comparison = regexp.MustCompile(`\b(?:J'AURAIS|MOI J'AURAIS|I'D HAVE|I WOULD HAVE|I'D'VE|MOI JE)(?: (?:MIS|DONNE|DIT|GIVEN|PUT|SAID|GIVE|METS))? (?:MOINS|PLUS|LESS|MORE|LOWER|HIGHER|MIEUX|PIRE)\b`)

// otherRating reports whether a reply rates on another scale with no
// number: "⭐⭐⭐⭐⭐", "💯", "A+", "B".
func otherRating(text string) bool {
	onlyGreetings := true
	for _, w := range strings.FieldsFunc(fold(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if !greetings[w] && !greetings[squeeze(w)] {
			onlyGreetings = false
		}
	}
	if strings.Count(text, "⭐")+strings.Count(text, "🌟")+strings.Count(text, "★") >= 2 && onlyGreetings {
		return true
	}
	if (strings.Contains(text, "💯") || strings.Contains(text, "∞")) && onlyGreetings {
		return true
	}
	return letterGrade.MatchString(strings.TrimSpace(text))
}

// letterGrade is a school grade given as the answer: "A+", "a B", "B-".
var letterGrade = regexp.MustCompile(`^(?i:(?:(?:an?|un|une) )?(?:solid |easy |gros |bon |strong |good )?)[A-F](?:\+{1,3}|-| (?i:plus|minus|moins))?[!. ]*$|^[A-F]\+{1,3}(?:\s|$)|(?i:\b(?:give|rate|donne|mets|mettrais|donnerais)\b.*\b(?:an?|un|une)) [A-F](?:\+{1,3}|-)?[!. ]*$`)
