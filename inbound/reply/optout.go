package reply

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/npsd/npsd/internal/textdist"
)

// Opt-outs come in every form: a keyword (STOP, ARRÊT), the keyword
// repeated or dressed up ("STOP STOP", "stop pls", "STOP SMS", "Arrêtez"),
// or a sentence ("svp retirez-moi de votre liste", "Don't text me
// again"). Twilio itself blocks only a few exact English words; CASL and
// the TCPA make a missed opt-out the costliest mistake npsd can make, so an
// opt-out anywhere in a message wins over a score in it. The rules below
// are written on the folded text (upper case, no accents, apostrophes
// kept), so "Arrêtez", "ARRETEZ" and "arretez" are one.

// stopKeywords are the words that alone ask to stop.
var stopKeywords = setOf("STOP", "STOPP", "STOPPP", "STOPALL", "UNSUBSCRIBE", "UNSUB", "UNSUSCRIBE", "UNSUBCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
	"OPTOUT", "ARRET", "ARRETE", "ARRETEZ", "ARRETER", "ARRETTE", "ARRETTEZ", "DESABONNER", "DESABONNEZ", "DESABONNE", "DESABONNEMENT",
	"DESINSCRIRE", "DESINSCRIVEZ", "DESINSCRIPTION", "DESINSCRIT", "STOPPEZ", "STOPPER", "REMOVE",
	// Squeezed forms of repeated letters ("ARRRRÊTEZ"), and the typos
	// thumbs make.
	"ARET", "ARETE", "ARETEZ", "ARETER", "SOTP", "STPO", "SOP", "STAHP", "STAAHP", "STAP", "ARRTE", "ARRTER", "ARRTEZ", "ARRETT", "UNSUSCRIBE")

// stopFillers may stand around a stop keyword without changing what it
// asks: "Stop please", "STOP SMS", "arrêtez svp merci", "stop now".
var stopFillers = setOf("PLEASE", "PLS", "PLZ", "PLEASE", "SVP", "STP", "SIL", "VOUS", "PLAIT", "MERCI", "THANKS", "THANK", "YOU", "THX", "TY",
	"SMS", "TEXT", "TEXTS", "TEXTING", "TEXTO", "TEXTOS", "MESSAGE", "MESSAGES", "MSG", "MSGS", "MESSAGING", "NOW", "MAINTENANT", "TOUT", "ALL",
	"IT", "THIS", "THAT", "CA", "CELA", "OUT", "MOI", "ME", "OK", "OKAY", "BON", "ALORS", "DONC", "OUI", "JUST", "JUSTE", "S'IL", "S'IL VOUS",
	"AND", "ET", "THE", "LES", "CES", "VOS", "YOUR", "NUMBER", "NUMERO", "SONDAGE", "SONDAGES", "SURVEY", "SURVEYS", "MERCI BEAUCOUP",
	"DE", "LA", "LISTE", "LIST", "FROM", "ANY", "MORE", "ANYMORE", "PLUS", "PU", "PLU", "A", "AU", "AUX", "TOI", "ICI", "HERE",
	"BONNE", "JOURNEE", "SOIREE", "HAVE", "NICE", "DAY", "GOOD", "MAIS", "BUT", "ALREADY", "DEJA", "ENOUGH", "ASSEZ", "SUFFIT",
	"POINT", "VIRGULE", "PERIOD", "STI", "OSTI", "TABARNAK", "TABARNAC", "CALISSE", "CRISSE", "SACRAMENT", "FUCK", "DAMN", "MERDE", "PUTAIN", "BORDEL",
	"ASAP", "IMMEDIATELY", "IMMEDIATEMENT", "RIGHT", "AWAY", "TOUT", "SUITE", "DE", "PUB", "PUBS", "PUBLICITE", "PROMO", "PROMOS", "C", "LA", "LOL", "MDR", "SERIEUX", "SERIOUSLY", "TXT", "TXTS", "SPAM")

// optOutSentences are the ways a sentence asks to stop, whatever stands
// around them.
var optOutSentences = regexp.MustCompile(`\b(?:` + strings.Join([]string{
	// French: "retirez-moi", "enlevez-moi de la liste", "ôtez mon numéro".
	`(?:RETIR|R'TIR|ENLEV|VIR|OT|SUPPRIM|EFFAC|RAY|SORT|DESINSCRI|DESABONN|OUBLI)\w*[- ]?(?:MOI|M'|MON NUMERO|MON NUM|MON NO|MON #|MON CELL|MON TEL)`,
	`ME (?:RETIRER|DESINSCRIRE|DESABONNER|ENLEVER|SUPPRIMER|RAYER|SORTIR)`,
	`(?:TEXT|TXT|ECRIV|ECRI|ENVOY|CONTACT|APPEL|SOLLICIT|RELANC)\w*[- ]MOI (?:PU|PLUS|PLU|JAMAIS)`,
	`NE PLUS (?:RECEVOIR|M'?ENVOYER|M'?ECRIRE|ME TEXTER|ETRE CONTACTE|ETRE SOLLICITE|ME CONTACTER|ME RELANCER|ME SOLLICITER|M'?APPELER|ME DERANGER)`,
	`CESS\w* (?:L'ENVOI|D'ENVOYER|DE M'?ENVOYER|DE ME|DE M'|VOS ENVOIS|LES ENVOIS|CES ENVOIS)`,
	`TANNE\w* DE RECEVOIR`,
	`(?:CANCEL|ANNUL)\w* (?:MES|LES|VOS|TES|CES) (?:TEXTOS?|SMS|MESSAGES?|TEXTS?|SONDAGES?)`,
	`(?:DESA?BONN?|DESINSCRI|DESINSCRIP)\w*`,
	// "Comment on fait pour pu recevoir vos textos ?"
	`POUR (?:NE )?(?:PU|PLUS|PLU|PAS) (?:RECEVOIR|AVOIR) (?:VOS|VOTRE|TES|LES|CES|DE|D')`,
	`COMMENT (?:ON FAIT|FAIRE|JE FAIS|JE PEUX|FAIT-ON) POUR (?:ME |M')?(?:DESABONN|DESINSCRI|RETIRER|ARRETER|STOPPER|UNSUB)`,
	// "Je veux unsub de vos sondages", "I wanna opt out".
	`(?:VEUX|VEUT|VOUDRAIS|SOUHAITE|WANT TO|WANNA|WOULD LIKE TO|I'D LIKE TO) (?:ME |M')?(?:UNSUB|UNSUBSCRIBE|OPT OUT|DESABONN\w*|DESINSCRI\w*|ETRE RETIRE|BE REMOVED|STOP (?:GETTING|RECEIVING))`,
	// "Ne m'écrivez plus", "ne me textez plus", "m'envoyez plus".
	`(?:NE )?(?:M'|ME |MENVO|MECRI)\s*(?:ECRI|ENVOI|ENVOY|TEXT|CONTACT|APPEL|RELANC|SOLLICIT|DERANG|SPAM)\w* (?:PLUS|PU|PLU|JAMAIS)`,
	// "je veux plus recevoir", "j'veux pu de vos textos", "je ne souhaite plus".
	`(?:J'?)?(?:VEUX|VEUT|VEU|VEUS|VOUDRAIS|SOUHAITE|DESIRE|VEUILLE)(?: PLUS| PU| PUS| PLU| PAS| AUCUN| RIEN)+ (?:AVOIR (?:DE |D')(?:[A-Z]+ )?(?:MESSAGES?|SMS|TEXTOS?|TEXTES?|SONDAGES?)|RECEVOIR|DE VOS|DE TES|DE CES|D'AUTRES|ETRE CONTACTE|ETRE SOLLICITE|QUE VOUS|(?:DE |D')(?:MESSAGES?|SMS|TEXTOS?|TEXTES?|TEXTS?|SONDAGES?))`,
	`(?:CHU|SUIS|JE SUIS) (?:PU|PLUS|PAS) INTERESSE\w* (?:A|PAR|DE) (?:RECEVOIR|VOS|VOTRE|TES|CES)`,
	// "arrêtez de m'écrire", "arrête les textos", "stop les sms".
	`(?:ARRET|STOP|CESS)\w* (?:DE M(?:'|E |ECRI|ENVOY|TEXT|CONTACT|SPAM|DERANG|SOLLICIT)\w*|D'M|DE TEXTER|D'ECRIRE|D'ENVOYER|DE NOUS|DE SPAMMER|VOS|TES|LES|CES|AVEC VOS|AVEC TES|AVEC LES|LE SPAM|TOUT)(?:\b|')`,
	`(?:LACH|FOUT|FOUS|FICH|SACR|CRISS|CALISS|LAISS|TANN|ACHAL)\w*[- ]?(?:MOI|M') ?(?:PATIENCE|LA PAIX|EN PAIX|TRANQUILLE|AVEC|ALONE|PU|PLUS)`,
	`(?:PLUS|PU|PUS|PLU)(?: JAMAIS)? (?:DE|D') ?(?:[A-Z]+ )?(?:SMS|TEXTOS?|MESSAGES?|TEXTES?|TEXTS?|SONDAGES?|SURVEYS?)`,
	`AUCUNE? (?:AUTRES? )?(?:SMS|TEXTOS?|MESSAGES?|SONDAGES?|QUESTIONNAIRES?|COURRIELS?|PROMOS?|TEXTES?|ENVOIS?|NOTIFICATIONS?)`,
	`FINI\w* (?:LES|AVEC LES|AVEC VOS|VOS|TES) (?:SMS|TEXTOS?|MESSAGES?|TEXTES?|SONDAGES?|TEXTS?)`,
	// English.
	`(?:REMOVE|TAKE|DELETE|UNSUBSCRIBE|UNSUB|DROP|ERASE|SCRUB|EXCLUDE) (?:ME|MOI|MY NUMBER|MY #|MY PHONE|MY CELL|THIS NUMBER)`,
	`OPT ME OUT`,
	// The forms people write when annoyed, busy or polite.
	`\b(?:LEAVE ME OUT|WANT OUT|COUNT ME OUT|CUT IT OUT)\b`,
	`\b(?:DELETE|EFFACE|EFFACEZ|DROP|WIPE|NIX|DEBARQUEZ|DEBARQUE|SORTEZ|SORS|OTEZ|OTE|FORGET)[- ](?:MOI|ME)\b`,
	`\bNOT (?:TEXTING|MESSAGING|CONTACTING|EMAILING|SENDING) (?:ME|US|THIS)\b`,
	`\b(?:PAS BESOIN|NO NEED) (?:DE |TO )M?'?(?:ECRIRE|TEXTER|ENVOYER|CONTACTER|RELANCER|TEXT|MESSAGE|CONTACT|WRITE)`,
	`\b(?:VOUS POUVEZ|POUVEZ-VOUS|POUVEZ VOUS|POURRIEZ-VOUS|POURRIEZ VOUS|PEUX-TU|PEUX TU|CAN YOU|COULD YOU|WOULD YOU|CAN U) (?:ARRETER|STOPPER|CESSER|STOP)\b(?: (?:SVP|STP|PLEASE|PLS|MERCI|THESE|THEM|THIS|IT|CA|TOUT CA))*[ ?!.]*$`,
	`\b(?:CA SUFFIT|C'EST ASSEZ|C'EST ENOUGH|ENOUGH|I'M DONE|IM DONE|I AM DONE|I'M OUT|IM OUT|I AM OUT|J'EN AI ASSEZ|J'EN AI MARRE|CHU TANNE|JE SUIS TANNE)(?: [A-Z'-]+){0,3} ` + `(?:TEXTS?|TEXTOS?|TXTS?|SMS|MESSAGES?|MSGS?|SURVEYS?|SONDAGES?|NOTIFICATIONS?|PROMOS?|TEXTING|QUESTIONNAIRES?|COURRIELS?|EMAILS?)` + `\b|\b` + `(?:TEXTS?|TEXTOS?|TXTS?|SMS|MESSAGES?|MSGS?|SURVEYS?|SONDAGES?|NOTIFICATIONS?|PROMOS?|TEXTING|QUESTIONNAIRES?|COURRIELS?|EMAILS?)` + `(?: [A-Z0-9'-]+){0,4},? (?:CA SUFFIT|C'EST ASSEZ|ENOUGH|I'M DONE|IM DONE|I'M OUT|IM OUT|J'EN AI ASSEZ|J'EN AI MARRE)\b`,
	`\bREFUSE\w* (?:DE RECEVOIR|TO RECEIVE|TO GET)`,
	`\b(?:MERCI|SVP|PLEASE|STP) DE (?:NE )?(?:PU|PLUS|PUS) M'?(?:ENVOYER|ECRIRE|TEXTER|CONTACTER|RELANCER)`,
	`\bPOUR (?:NE )?(?:PU|PUS|PLUS|PLU) RECEVOIR\b`,
	`\b(?:LAST|DERNIER|DERNIERE)\w* (?:TEXTO|TEXT|SMS|MESSAGE|SONDAGE|SURVEY)S? (?:QUE JE VEUX|QUE JE VAIS|QUE J'ACCEPTE|I WANT|I'LL|I WILL|THAT I WANT)\b`,
	`\bNOT INTERESTED IN (?:THESE |THE |YOUR |ANY |UR )?` + `(?:TEXTS?|TEXTOS?|TXTS?|SMS|MESSAGES?|MSGS?|SURVEYS?|SONDAGES?|NOTIFICATIONS?|PROMOS?|TEXTING|QUESTIONNAIRES?|COURRIELS?|EMAILS?)`,
	`\bPAS INTERESSE\w* (?:PAR|A|AUX|DE) (?:VOS |CES |LES |TES )?` + `(?:TEXTS?|TEXTOS?|TXTS?|SMS|MESSAGES?|MSGS?|SURVEYS?|SONDAGES?|NOTIFICATIONS?|PROMOS?|TEXTING|QUESTIONNAIRES?|COURRIELS?|EMAILS?)`,
	`\b(?:DON'?T|DONT|DO NOT|NO LONGER) (?:WANT|NEED|WISH)\w* (?:TO GET |TO RECEIVE |ANY |NO )?(?:MORE )?` + `(?:TEXTS?|TEXTOS?|TXTS?|SMS|MESSAGES?|MSGS?|SURVEYS?|SONDAGES?|NOTIFICATIONS?|PROMOS?|TEXTING|QUESTIONNAIRES?|COURRIELS?|EMAILS?)`,
	`\b(?:DON'?T|DONT|DO NOT|PLEASE DON'?T) (?:TEXT|TXT|SMS|MESSAGE)\w*[ .!]*$`,
	`\bNO (?:MORE )?(?:TEXTING|TEXTS|TXTS|SMS|SURVEYS)\b(?: (?:PLEASE|PLS|PLZ|THANKS|THX))*[ .!]*$`,
	`RIEN SAVOIR (?:DE|D') ?(?:VOS|TES|CES|LEURS|VOTRE)`,
	`NUMERO\b.*\b(?:EFFACEZ|SUPPRIMEZ|RETIREZ|ENLEVEZ|OUBLIEZ)[- ]LE\b`,
	`(?:MERCI|PRIERE|VEUILLEZ|SVP|PLEASE|JE VOUS PRIE) D(?:E |')(?:CESSER|ARRETER|STOPPER)\b`,
	`(?:^|MAIS |BUT |ET |, )(?:PLUS|PU|PUS) DE (?:[A-Z]+ )?(?:PUBS?|PROMOS?|SMS|TEXTOS?|TEXTS?|MESSAGES?|SONDAGES?|SURVEYS?|RELANCES?|QUESTIONNAIRES?)\b`,
	`N'?(?:ECRIVEZ|ENVOYEZ|TEXTEZ|CONTACTEZ|APPELEZ|ECRIS|ENVOIE|TEXTE)(?:-MOI)? (?:PLUS|PU|JAMAIS)\b`,
	`\bCOUNT ME OUT\b`,
	`TAKE (?:ME|THIS #|THIS NUMBER|MY NUMBER|MY #|THIS NUMBA) OFF`,
	`(?:RATHER NOT|DON'?T WANT TO|NO LONGER WISH TO|NO LONGER WANT TO|DO NOT WISH TO) (?:GET|RECEIVE)\w* (?:THESE|THEM|THIS|ANY|YOUR)`,
	`(?:^|[.!?,] )PAS DE (?:[A-Z]+ )?(?:SONDAGES?|SMS|TEXTOS?|MESSAGES?|PROMOS?|PUBS?|QUESTIONNAIRES?|COURRIELS?)\b`,
	`\b(?:F|FUCK|FRICK|EFF|PISS|BUZZ|BACK|SOD|KNOCK IT|CUT IT) OFF\b`,
	`(?:WANT|GET|GET ME|TAKE ME|PUT ME|I'M|IM) OFF (?:THIS|THE|YOUR|YOU'RE|UR) (?:LIST|THING|MAILING LIST)`,
	`(?:LOSE|FORGET|DELETE) MY (?:NUMBER|#|PHONE|CELL)`,
	`CEASE`,
	`HOW (?:DO|CAN|TO) (?:I )?(?:UNSUBSCRIBE|UNSUB|OPT OUT|STOP (?:THIS|THESE|THEM|IT|GETTING|RECEIVING))`,
	`MAKE (?:THESE|THIS|THEM|IT|THE TEXTS|THE MESSAGES) STOP`,
	`TAKE ME OFF`,
	`(?:DON'?T|DO NOT|NEVER|PLEASE DON'?T|PLZ DON'?T|PLS DON'?T) (?:EVER )?(?:TEXT|TXT|MESSAGE|CONTACT|SMS|EMAIL|E-MAIL|SEND|WRITE|CALL|BOTHER|SPAM|MSG)\w*(?: ME| US| THIS NUMBER| THIS #| ANY| AGAIN| ANYMORE| NO MORE)`,
	`ARRET\w* DE RECEVOIR|CESS\w* DE RECEVOIR|STOP (?:GETTING|RECEIVING)`,
	`(?:QUE|FAITES QUE|FAIS QUE) (?:CA|CELA|TOUT CA) (?:ARRETE|CESSE|S'ARRETE)`,
	`[A-Z']+[- ]MOI DE (?:VOTRE|VOS|LA|TA|CETTE|VOT) LISTE|ME (?:OFF|FROM) (?:YOUR|THE|THIS) (?:LIST|MAILING LIST|CONTACT LIST)`,
	`^(?:STOP|ARRET\w*|UNSUB\w*|DESABONN\w*) (?:SVP|STP|PLEASE|PLS|PLZ|MERCI)\b`,
	`STOP (?:TXTING|TEXTING|MESSAGING|SENDING|CONTACTING|SPAMMING|EMAILING|BOTHERING|CALLING|BUGGING|HARASSING|THE TEXTS|THESE|THIS|YOUR|ALL|THE MESSAGES|THE SURVEYS)`,
	`(?:QUIT|CEASE) (?:TXTING|TEXTING|MESSAGING|SENDING|CONTACTING|SPAMMING|EMAILING|BOTHERING|BUGGING|HARASSING|THE TEXTS|THE MESSAGES|THE SURVEYS|THESE TEXTS|YOUR TEXTS)`,
	`NO MORE (?:[A-Z]+ )?(?:TEXTS|TEXT|TXTS|TXT|MESSAGES|MSGS|SMS|SURVEYS|EMAILS|OF THESE|OF THIS)`,
	`(?:STOP|QUIT) \w+ING (?:UP )?(?:ME|MY PHONE|MY CELL|MY NUMBER|MY INBOX)\b`,
	`OPT(?:ING)?[- ]?OUT`,
	`LEAVE ME ALONE`,
	`(?:DON'?T|DO NOT|NO LONGER) WANT (?:TO (?:GET|RECEIVE|BE)|ANY MORE|ANYMORE|THESE|YOUR|ANY)`,
	`(?:WRONG NUMBER)`,
}, "|") + `)`)

// optOutNear is the general form of a request to stop: a stop verb, a
// removal verb or "no more", and within three words the messages it is
// about: "arrêtez de m'envoyer des messages", "please stop all the promo
// texts", "effacez mon numéro", "no more of your surveys". The sentences
// above are the common forms; this catches the ones nobody listed, and
// notOptOut still rules out a stop word used in another sense.
var optOutNear = regexp.MustCompile(`\b(?:STOP|STOPPEZ|STOPPER|ARRET|ARRETEZ|ARRETE|ARRETER|ARRETES|CANCEL|FIN|DISCONTINUE|DISCONTINUER|UNSUBSCRIBE|UNSUB|DROP|NIX|WIPE|FORGET|OUBLIEZ|OUBLIE|CESSEZ|CESSER|CESSE|QUIT|HALT|ENOUGH|ASSEZ|NO MORE|PU DE|FINI|FINIS|` +
	`REMOVE|DELETE|ERASE|RETIREZ|RETIRER|RETIRE|ENLEVEZ|ENLEVER|SUPPRIMEZ|SUPPRIMER|EFFACEZ|EFFACER|OTEZ|RAYEZ)` +
	`(?: [A-Z0-9'#-]+){0,3} (?:MESSAGES?|SMS|TEXTOS?|TEXTES?|TEXTS?|TXTS?|MSGS?|SONDAGES?|SURVEYS?|COURRIELS?|E-?MAILS?|MAILS?|NOTIFICATIONS?|PROMOS?|PUBS?|PUBLICITES?|` +
	`RELANCES?|QUESTIONNAIRES?|ENVOIS?|TEXTING|SPAM|MON NUMERO|MY NUMBER|MON NUM|MY #|MON CELL|MY CELL|MES COORDONNEES|MY CONTACT|CE NUMERO|THIS NUMBER|CE NUM|CE #|(?:DE |FROM )?(?:VOS|VOTRE|TA|YOUR|UR|THE) LISTES?|LISTS?|DE (?:LA|VOTRE|TA) LISTE|FROM (?:THE|YOUR) LIST)\b`)

// notOptOut are the uses of a stop word that ask for the opposite or mean
// something else: "don't stop", "arrêtez pas", "Stop & Shop", "I'll stop
// by", "non-stop", "can't stop eating your croissants".
var notOptOut = regexp.MustCompile(`\b(?:` + strings.Join([]string{
	`(?:DON'?T|DO NOT|NEVER|CAN'?T|CANNOT|COULDN'?T|WON'?T|NON|NON-) ?STOP`,
	`STOP (?:BY|IN|OVER|AT|THE BUS|&|AND SHOP|N SHOP)`,
	`(?:BUS|TRAIN|NEXT|FIRST|LAST|ONE|PIT) STOP`,
	`NONSTOP`,
	`N'?(?:ARRET|STOP)\w* PAS`,
	`(?:ARRET|STOP)\w* (?:PAS|JAMAIS)`,
	`ARRET D'?(?:AUTOBUS|BUS)`,
	`(?:VAIS|VA|VAS|ALLONS|VONT|PEUX|PEUT|DOIS|DOIT) (?:M'?|ME |S'?)?ARRET\w* (?:AU|A LA|A L'|CHEZ|EN|DANS|A|PAR|POUR)\b`,
	// Refusing to unsubscribe, or asking to come back.
	`(?:UNSUBSCRIBE|UNSUB|DESABONN\w*|DESINSCRI\w*|STOP)\?? (?:NO WAY|JAMAIS|NEVER|NON|NOPE|HELL NO)`,
	`REABONN|RESUBSCRI|REINSCRI|RE-SUBSCRI`,
	// Unsubscribed by mistake, asking to come back.
	`ACCIDENT\w* (?:HIT|PRESSED|CLICKED|TAPPED|UNSUBSCRIBED)|GET BACK ON|BACK ON (?:THE|YOUR) LIST|PAR (?:ERREUR|MEGARDE)\b.*\bDESABONN|DESABONN\w* PAR (?:ERREUR|MEGARDE)`,
	// "J'aimerais recevoir plus de promos": more, not no more.
	`(?:AIMERAI\w*|VOUDRAI\w*|SOUHAITERAI\w*|ENVOYEZ[- ]MOI|RECEVOIR ENCORE) (?:RECEVOIR )?(?:ENCORE )?PLUS DE`,
	// Another kind of paper stopped, texts kept.
	`FACTURES? (?:EN )?PAPIER|PAPER (?:BILL|INVOICE|STATEMENT|RECEIPT)S?|PRINTED (?:INVOICE|BILL|STATEMENT|RECEIPT)S?|GARDEZ (?:LES|VOS|MES) (?:TEXTOS|SMS|MESSAGES)|KEEP (?:THE |SENDING )?(?:TEXTS|SMS|MESSAGES)`,
	// Another channel stopped, texts kept: "stop calling, text only".
	`(?:APPELER|APPELEZ|APPELS|CALLING|CALLS|CALL)\b.*\b(?:TEXT\w*|SMS|TEXTO\w*)\b.*\b(?:PLUTOT|INSTEAD|MIEUX|BETTER|FINE|OK|OKAY)\b|TEXTING IS (?:FINE|OK|OKAY|GOOD|BETTER)|TEXT ONLY|TEXT ME INSTEAD|TEXT INSTEAD|TEXTS? (?:ME )?INSTEAD|TEXTS? (?:IS|ARE) FINE|SMS (?:IS |ARE )?(?:FINE|OK|OKAY)|BY TEXT (?:ONLY|INSTEAD)`,
	`ENVOYEZ[- ]LES PAR (?:TEXTO|SMS)|PAR (?:TEXTO|SMS) (?:PLUTOT|A LA PLACE|SEULEMENT)|(?:PLUTOT|SEULEMENT) PAR (?:TEXTO|SMS)`,
	`OPT(?:ING)? ?OUT OF (?:THE |MY )?(?:PAPER|PAPIER|RECEIPT|FACTURE|EMAIL|MAIL|COURRIEL|CATALOG)`,
}, "|") + `)`)

// foldForRules folds a message for the opt-out rules: upper case, no
// accents, typographic apostrophes made plain, runs of spaces one.
func foldForRules(text string) string {
	f := fold(strings.NewReplacer("’", "'", "‘", "'", "`", "'").Replace(text))
	return strings.Join(strings.Fields(f), " ")
}

// optOutRule returns the rule by which a message asks to stop receiving
// messages (see Rules), or "" when it does not.
func optOutRule(text string) string {
	// A line break ends a clause, as a full stop does.
	f := foldForRules(strings.NewReplacer("🛑", " STOP ", "\n", " . ").Replace(text))
	if keywordsOnly(f) || finOnly(f) {
		return "optout/keyword"
	}
	if notOptOut.MatchString(f) {
		// "Don't stop!" cannot also be read as a stop: a message that uses
		// a stop word in another sense is read by the sentences below no
		// further ("don't stop the great work, but remove me from your
		// list" is rare enough to be looked at by a person).
		return ""
	}
	// A stop keyword standing as its own clause, whatever the others say:
	// "Bon service. STOP", "10, excellent service! STOP", "Dix mais stop".
	for _, clause := range clauseRE.Split(f, -1) {
		if keywordsOnly(clause) {
			return "optout/clause"
		}
	}
	if optOutSentences.MatchString(f) || optOutNear.MatchString(f) || hasMisspeltKeyword(f) {
		return "optout/sentence"
	}
	return ""
}

// clauseRE splits a folded message into clauses: at sentence
// punctuation, line breaks, emoji and "but".
var clauseRE = regexp.MustCompile(`[.!?,;:\n()\p{So}\p{Sk}]+|\b(?:MAIS|BUT|PIS|ET PUIS)\b`)

// keywordsOnly reports whether the words of a message, numbers and the
// fillers set aside, are stop keywords and at least one: "STOP STOP",
// "Stop please", "stop pls", "STOP SMS", "9 stop", "Arrêtez svp".
func keywordsOnly(folded string) bool {
	words := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
	stops := 0
	for _, w := range words {
		w = strings.Trim(w, "'")
		switch {
		case w == "":
		case stopKeywords[w] || stopKeywords[squeeze(w)] || misspeltKeyword(w):
			stops++
		case stopFillers[w]:
		default:
			return false
		}
	}
	return stops > 0
}

// longKeywords are the opt-out words long enough that a typo in them
// ("unsusbcribe", "desabonement") leaves no doubt.
var longKeywords = []string{"UNSUBSCRIBE", "DESABONNER", "DESABONNEMENT", "DESINSCRIRE", "DESINSCRIPTION", "DESINSCRIVEZ", "DESABONNEZ"}

// misspeltKeyword reports whether a word of eight letters or more is
// within two typos of a long opt-out keyword.
func misspeltKeyword(w string) bool {
	if len(w) < 8 {
		return false
	}
	for _, k := range longKeywords {
		if d := textdist.Distance(w, k); d > 0 && d <= 2 {
			return true
		}
	}
	return false
}

// hasMisspeltKeyword reports whether any word of a folded message is a
// misspelt long opt-out keyword: "unsubscibe from promos only".
func hasMisspeltKeyword(folded string) bool {
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if misspeltKeyword(w) || w == "UNSUBSCRIBE" && !strings.Contains(folded, "?") {
			return true
		}
	}
	return false
}

// finOnly reports whether a message is FIN and politeness only ("Fin.
// Merci"): FIN is a keyword alone, but "Bonne fin de journée" and "pis
// fin" are not opt-outs.
func finOnly(folded string) bool {
	fins := 0
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		switch w {
		case "FIN":
			fins++
		case "MERCI", "SVP", "STP", "PLEASE", "THANKS", "OK":
		default:
			return false
		}
	}
	return fins > 0
}

// squeeze shortens runs of a repeated letter to one: "STOOOOP" is "STOP",
// "ARRRETEZ" "ARETEZ" (which is why the keywords list both spellings).
func squeeze(w string) string {
	var b strings.Builder
	var last rune
	for _, r := range w {
		if r != last {
			b.WriteRune(r)
		}
		last = r
	}
	return b.String()
}
