package inbound

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"

	_ "github.com/emersion/go-message/charset" // ISO-8859-1, Windows-1252… bodies
	"github.com/emersion/go-message/mail"
	"golang.org/x/net/html"
)

// Message is what npsd needs of an email that came in.
type Message struct {
	From      string // bare address
	FromName  string
	To        []string
	Subject   string
	MessageID string
	// Refs are the ids of In-Reply-To then References: the messages this
	// one answers.
	Refs []string
	// Text is the body as text: text/plain preferred, HTML turned into
	// text otherwise, quotes not yet removed.
	Text      string
	AutoReply bool
	// Bounced lists the recipients a delivery report says failed.
	Bounced []string
	// IsReport is set for a delivery report, failed recipient or not.
	IsReport bool
}

// maxMessageBytes bounds what is read of one message; a survey reply is a
// few kilobytes, an attachment of holiday photos is not an answer.
const maxMessageBytes = 10 << 20

// ReadMessage reads an RFC 5322 message. A part it cannot decode (an
// unknown charset, a broken encoding) is skipped rather than failing the
// whole message, so the rest is still read.
func ReadMessage(r io.Reader) (Message, error) {
	mr, err := mail.CreateReader(io.LimitReader(r, maxMessageBytes))
	if err != nil && mr == nil {
		return Message{}, fmt.Errorf("reading the message: %w", err)
	}
	defer mr.Close()
	var m Message
	h := mr.Header
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From, m.FromName = strings.ToLower(from[0].Address), from[0].Name
	}
	if to, err := h.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, strings.ToLower(a.Address))
		}
	}
	m.Subject, _ = h.Subject()
	m.MessageID, _ = h.MessageID()
	for _, key := range []string{"In-Reply-To", "References"} {
		if ids, err := h.MsgIDList(key); err == nil {
			m.Refs = append(m.Refs, ids...)
		}
	}
	m.AutoReply = isAutoReply(h, m.Subject)
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	m.IsReport = ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status")

	var plain, htmlText string
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A broken part ends the walk; what was read so far stands.
			break
		}
		pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pct == "" {
			pct = "text/plain"
		}
		if _, isAttachment := p.Header.(*mail.AttachmentHeader); isAttachment && pct != "message/delivery-status" {
			continue
		}
		body, err := io.ReadAll(io.LimitReader(p.Body, maxMessageBytes))
		if err != nil {
			continue
		}
		switch pct {
		case "text/plain":
			if plain == "" {
				plain = string(body)
			}
		case "text/html":
			if htmlText == "" {
				htmlText = htmlToText(body)
			}
		case "message/delivery-status", "message/global-delivery-status":
			m.IsReport = true
			m.Bounced = append(m.Bounced, failedRecipients(body)...)
		}
	}
	m.Text = plain
	if strings.TrimSpace(m.Text) == "" {
		m.Text = htmlText
	}
	return m, nil
}

var autoReplySubject = regexp.MustCompile(`(?i)^\s*(auto(matic)?[ -]?reply|auto:|out of (the )?office|absence|absent|r[ée]ponse automatique|message d'absence|autoreply|automatische antwort|vacation)`)

// isAutoReply recognises out-of-office and other automatic answers, which
// must never be read as a score (they often hold dates and phone numbers).
func isAutoReply(h mail.Header, subject string) bool {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true
	}
	if h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != "" || h.Get("X-Auto-Response-Suppress") == "All" && h.Get("X-MS-Exchange-Inbox-Rules-Loop") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "auto_reply", "bulk", "junk":
		return true
	}
	return autoReplySubject.MatchString(subject)
}

// failedRecipients reads a message/delivery-status body: per-recipient
// groups with Final-Recipient and Action: failed.
func failedRecipients(body []byte) []string {
	var out []string
	var recipient string
	var failed bool
	flush := func() {
		if failed && recipient != "" {
			out = append(out, strings.ToLower(recipient))
		}
		recipient, failed = "", false
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			flush()
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "final-recipient", "original-recipient":
			if recipient == "" || strings.EqualFold(key, "Final-Recipient") {
				if _, addr, ok := strings.Cut(value, ";"); ok {
					recipient = strings.Trim(strings.TrimSpace(addr), "<>")
				}
			}
		case "action":
			failed = strings.EqualFold(value, "failed")
		}
	}
	flush()
	return out
}

// htmlToText keeps the text of an HTML body, one line per block, without
// the quoted message mail programs put in a blockquote or a gmail_quote
// or Outlook reply div.
func htmlToText(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body))
	var b strings.Builder
	skip := 0 // depth inside script, style or a quote
	type element struct {
		tag    string
		quoted bool // it started a skip
	}
	var open []element
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(collapseBlankLines(b.String()))
		case html.TextToken:
			if skip == 0 {
				b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			quoted := tag == "script" || tag == "style" || tag == "blockquote" || tag == "head"
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				q, rest := isQuoteMarker(string(k), string(v))
				if rest {
					// Outlook puts the quoted message after this marker,
					// not inside it: everything from here on is quoted.
					return strings.TrimSpace(collapseBlankLines(b.String()))
				}
				quoted = quoted || q
			}
			if tt == html.StartTagToken && !isVoid(tag) {
				open = append(open, element{tag, quoted})
				if quoted {
					skip++
				}
			}
			if skip == 0 {
				switch tag {
				case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "table":
					b.WriteString("\n")
				case "td":
					b.WriteString(" ")
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			// Close up to the matching element: mail HTML leaves many
			// elements unclosed.
			match := -1
			for i := len(open) - 1; i >= 0; i-- {
				if open[i].tag == string(name) {
					match = i
					break
				}
			}
			if match < 0 {
				continue
			}
			for _, e := range open[match:] {
				if e.quoted {
					skip--
				}
			}
			open = open[:match]
			if skip == 0 {
				switch string(name) {
				case "p", "div", "tr", "li", "h1", "h2", "h3":
					b.WriteString("\n")
				}
			}
		}
	}
}

// isQuoteMarker recognises the elements mail programs put a quoted message
// in (Gmail's gmail_quote, Yahoo's, Thunderbird's), and those after which
// the rest of the body is the quoted message (Outlook's reply header).
func isQuoteMarker(attr, value string) (quoted, rest bool) {
	switch attr {
	case "class":
		return strings.Contains(value, "gmail_quote") || strings.Contains(value, "yahoo_quoted") || strings.Contains(value, "moz-cite-prefix"), false
	case "id":
		return false, value == "divRplyFwdMsg" || value == "appendonsend" || strings.HasPrefix(value, "OLK_SRC_BODY_SECTION")
	}
	return false, false
}

func isVoid(tag string) bool {
	switch tag {
	case "br", "img", "hr", "meta", "link", "input", "area", "base", "col", "wbr":
		return true
	}
	return false
}

func collapseBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// ParseMessage reads an email reply as an intent: an automatic answer or
// a bounce is never a score.
func ParseMessage(m Message) Reply {
	switch {
	case m.IsReport:
		return Reply{Intent: IntentBounce}
	case m.AutoReply:
		return Reply{Intent: IntentAutoReply}
	}
	return ParseEmailText(m.Text)
}
