package reply

import (
	"regexp"
	"strings"

	"github.com/npsd/npsd/inbound/email"
)

// ParseMessage reads an email reply as an intent: an automatic answer or
// a bounce is never a score.
func ParseMessage(m email.Message) Reply {
	switch {
	case m.IsReport:
		return Reply{Intent: IntentBounce, Rule: "bounce"}
	case m.AutoReply:
		return Reply{Intent: IntentAutoReply, Rule: "auto-reply"}
	}
	r := ParseEmailText(m.Text)
	if strings.TrimSpace(StripQuoted(m.Text)) == "" {
		// Nothing written above the quote: some answer in the subject
		// line ("Re: Quick survey: 0 to 10 — 9"). Only a score or an
		// opt-out is taken from it; the survey's own subject quotes "0 à
		// 10", which is no answer.
		s := ParseText(replyPrefix.ReplaceAllString(m.Subject, ""))
		if s.Intent == IntentScore || s.Intent == IntentStop {
			return s
		}
	}
	return r
}

// replyPrefix is what mail programs put before a reply's subject.
var replyPrefix = regexp.MustCompile(`(?i)^(?:\s*(?:re|tr|fw|fwd|aw|réf|ref)\s*(?:\[\d+\])?\s*:\s*)+`)
