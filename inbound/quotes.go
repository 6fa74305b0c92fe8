package inbound

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
			if wroteEnd.MatchString(trimmed) || i+1 < len(lines) && wroteEnd.MatchString(strings.TrimSpace(lines[i+1])) && len(trimmed) < 200 {
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

// ParseEmailText reads the text of an email reply: quotes and signature
// removed first, then read like an SMS.
func ParseEmailText(body string) Reply {
	return ParseText(StripQuoted(body))
}
