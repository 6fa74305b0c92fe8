package reply

import (
	"regexp"
	"strings"
)

// Lines where the quoted message or the signature starts, in the forms
// mail programs write them in English and French. Everything from such a
// line on is not the customer's answer: the quoted survey holds every
// number from 0 to 10.
var (
	cutLine = regexp.MustCompile(`(?i)^(` +
		`-{2,}\s*(original message|message d'origine|forwarded message|message transféré)\s*-{2,}` +
		`|_{8,}` +
		`|-- ?` +
		`|sent from my .*|envoyé de mon .*|envoyé depuis .*|sent from (outlook|mail|yahoo).*` +
		`|get outlook for .*|obtenir outlook pour .*|téléchargez outlook pour .*` +
		`)\s*$`)
	// "On Tue, 3 Nov 2026 at 10:02, Boulangerie <avis@…> wrote:", which
	// Gmail and Apple Mail may wrap over two lines.
	wroteLine = regexp.MustCompile(`(?i)^(on|le)\s.*`)
	wroteEnd  = regexp.MustCompile(`(?i)(wrote|a écrit|a ecrit)[\s\x{00a0}]*:\s*$`)
	// French typography puts a no-break space before the colon: "De :".
	headerLine = regexp.MustCompile(`(?i)^\*?(from|de|sent|envoyé|date|to|à|a|cc|subject|objet)[\s\x{00a0}\x{202f}]*:`)
)

// StripQuoted returns the new part of an email reply: what comes before
// the quoted message, the "On … wrote:" line, Outlook's header block, the
// signature and the "Sent from my iPhone" line, without "> " lines.
func StripQuoted(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var kept []string
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], " \t")
		trimmed := strings.TrimSpace(line)
		if cutLine.MatchString(line) || cutLine.MatchString(trimmed) {
			break
		}
		if wroteLine.MatchString(trimmed) {
			next := i + 1
			joined := ""
			if i+1 < len(lines) {
				joined = trimmed + " " + strings.TrimSpace(lines[i+1])
			}
			if wroteEnd.MatchString(trimmed) || i+1 < len(lines) && wroteEnd.MatchString(joined) && len(trimmed) < 200 {
				if !wroteEnd.MatchString(trimmed) {
					next = i + 2
				}
				if strings.TrimSpace(strings.Join(kept, "")) == "" {
					// Nothing above the quote: the customer may have
					// answered between its lines.
					return inlineAnswer(lines[next:])
				}
				break
			}
		}
		// Outlook: "From: …" or "De : …" followed by Sent/To/Subject lines.
		if headerLine.MatchString(trimmed) && outlookBlock(lines[i:]) {
			break
		}
		if strings.HasPrefix(trimmed, ">") {
			continue
		}
		kept = append(kept, line)
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// inlineAnswer returns what the customer wrote between the lines of a
// quoted message ("> " lines), up to the signature or the next quoted
// message.
func inlineAnswer(lines []string) string {
	var kept []string
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if cutLine.MatchString(strings.TrimRight(line, " \t")) || cutLine.MatchString(trimmed) ||
			headerLine.MatchString(trimmed) && outlookBlock(lines[i:]) {
			break
		}
		if strings.HasPrefix(trimmed, ">") {
			continue
		}
		kept = append(kept, strings.TrimRight(line, " \t"))
	}
	return strings.TrimSpace(strings.Join(kept, "\n"))
}

// outlookBlock reports whether lines start a quoted header block: at least
// two header lines among the first four.
func outlookBlock(lines []string) bool {
	n := 0
	for _, l := range lines[:min(4, len(lines))] {
		if headerLine.MatchString(strings.TrimSpace(l)) {
			n++
		}
	}
	return n >= 2
}

// ParseEmailText reads the text of an email reply: quotes removed first,
// then an opt-out looked for in all of it, then the answer paragraph by
// paragraph (see readParagraphs).
func ParseEmailText(body string) Reply {
	text := StripQuoted(body)
	whole := ParseText(text)
	if whole.Intent == IntentStop {
		return whole
	}
	if r, ok := readParagraphs(text); ok {
		return r
	}
	switch {
	case whole.Intent == IntentScore:
		// No paragraph holds an answer of its own; a number only the
		// whole text gives is not sure enough.
		return Reply{Intent: IntentNone, Comment: text, Unreadable: true, Rule: "unclear/in-sentence"}
	case whole.Unreadable:
		// Read paragraph by paragraph, nothing tried a rating: the
		// numbers the whole text mixes are the signature's.
		return Reply{Intent: IntentNone, Comment: text, Rule: "comment/not-a-score"}
	}
	return whole
}

// readParagraphs reads an email's answer the way a person does: paragraph
// by paragraph from the top, the greeting ("Bonjour,", "Hi there,")
// passed over, up to the sign-off ("Merci,", "Regards,"), below which a
// signature holds phone numbers, addresses and legal notices that answer
// nothing. The first paragraph that gives a score, an unclear rating, a
// help request or a keyword is the answer; its comment is what follows
// it, down to the end of the text.
func readParagraphs(text string) (Reply, bool) {
	paras := paragraphRE.Split(text, -1)
	for i, p := range paras {
		p = strings.TrimSpace(p)
		if p == "" || greetingParagraph(p) && i < len(paras)-1 {
			continue
		}
		p, signed := cutSignOff(p, i > 0)
		r := ParseText(p)
		switch {
		case r.Intent == IntentScore, r.Intent == IntentHelp, r.Intent == IntentStart, r.Unreadable:
			rest := strings.TrimSpace(strings.Join(paras[i+1:], "\n\n"))
			if signed || rest == "" {
				return r, true
			}
			if r.Intent == IntentScore {
				r.Comment = strings.TrimSpace(r.Comment + "\n\n" + rest)
			} else {
				r.Comment = text
			}
			return r, true
		}
		if signed {
			break
		}
	}
	return Reply{}, false
}

var paragraphRE = regexp.MustCompile(`\n[ \t\x{00a0}]*\n`)

// greetingRE is a paragraph that only greets: "Bonjour Marie,", "Hi
// there,", "Hello Boulangerie Dupont,".
var greetingRE = regexp.MustCompile(`(?i)^(?:bonjour|bonsoir|salut|allo|allô|hello|hi|hey|dear|good (?:morning|afternoon|evening)|madame|monsieur|mesdames|messieurs|cher|chère|chers)\b[^\n\d]{0,60}[,!.:]?$`)

func greetingParagraph(p string) bool { return greetingRE.MatchString(p) }

// signOffRE is a line that closes a letter: "Merci,", "Cordialement",
// "Best regards,", "Thanks!".
var signOffRE = regexp.MustCompile(`(?i)^(?:merci(?: beaucoup| encore)?|thanks?(?: you)?(?: again| so much)?|thx|cordialement|bien cordialement|(?:meilleures |sinc[eè]res )?salutations|bien à vous|regards|best(?: regards)?|kind regards|warm regards|cheers|sincerely|à bientôt|a bientot|bonne (?:journée|soirée)|have a (?:nice|good|great) day|merci et bonne journée)[\s,.!]*$`)

// cutSignOff cuts a paragraph at a sign-off line after some content, and
// says whether it did. A sign-off alone at the top ("Merci !" then the
// score) is no sign-off: content before it is asked for, unless this is
// not the first paragraph (signedOnly).
func cutSignOff(p string, later bool) (string, bool) {
	lines := strings.Split(p, "\n")
	for i, l := range lines {
		if signOffRE.MatchString(strings.TrimSpace(l)) && (i > 0 || later) {
			return strings.TrimSpace(strings.Join(lines[:i], "\n")), true
		}
	}
	return p, false
}
