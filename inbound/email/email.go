package email

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
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

// maxMIMEDepth bounds how deep multiparts may nest. Every level puts one
// more boundary scanner between the bytes and the code, and a part's bytes
// go through the scanner of each level it sits in, so reading costs the
// depth times the size: a bound on the depth keeps reading linear in the
// size. Real mail rarely nests beyond 5 levels (mixed, alternative,
// related, a forwarded message); 20 leaves room for odd mailers.
const maxMIMEDepth = 20

// maxMIMEParts bounds the parts of one message, multiparts included. Each
// part costs a header parse and a decoder; a reply has a handful, and a
// message with a hundred is not an answer to a survey.
const maxMIMEParts = 100

// ErrMessageTooComplex is returned, wrapped, by ReadMessage for a message
// whose multiparts nest deeper than maxMIMEDepth or that has more than
// maxMIMEParts parts. Test for it with errors.Is. It is a permanent failure
// of that message: the same bytes are refused again on every reading, so a
// caller must record it once and move on rather than retry. The Message
// returned with it holds what the header says (From, To, Subject,
// Message-ID, Refs) so that the failure can be recorded against its sender.
var ErrMessageTooComplex = errors.New("inbound: message too complex to read")

// ReadMessage reads an RFC 5322 message. A part it cannot decode (an
// unknown charset, a broken encoding) is skipped rather than failing the
// whole message, so the rest is still read.
func ReadMessage(r io.Reader) (Message, error) {
	e, err := message.Read(io.LimitReader(r, maxMessageBytes))
	if err != nil && !message.IsUnknownCharset(err) {
		return Message{}, fmt.Errorf("reading the message: %w", err)
	}
	m := readHeader(mail.Header{Header: e.Header})
	var plain, htmlText string
	parts := newPartWalker(e)
	for {
		p, err := parts.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, ErrMessageTooComplex) {
			return m, err
		}
		if err != nil {
			// A broken part ends the walk; what was read so far stands.
			break
		}
		pct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if pct == "" {
			pct = "text/plain"
		}
		if isAttachment(p.Header) && pct != "message/delivery-status" {
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

// readHeader takes what npsd needs from the message's header.
func readHeader(h mail.Header) Message {
	var m Message
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
	return m
}

// partWalker goes through a message's parts depth first, as mail.Reader
// does, but counts the levels and the parts on its way, so that a message
// beyond maxMIMEDepth or maxMIMEParts is refused before it costs more than
// those bounds allow. mail.Reader has no such bounds.
type partWalker struct {
	open  []message.MultipartReader // the multiparts being read, outermost first
	parts int
}

func newPartWalker(e *message.Entity) *partWalker {
	mr := e.MultipartReader()
	if mr == nil {
		// A single-part message is walked as a multipart of one part, as
		// mail.NewReader does; this header cannot make NewMultipart fail.
		var h message.Header
		h.Set("Content-Type", "multipart/mixed")
		me, _ := message.NewMultipart(h, []*message.Entity{e})
		mr = me.MultipartReader()
	}
	return &partWalker{open: []message.MultipartReader{mr}}
}

// next returns the next part that is not a multipart, io.EOF after the
// last one, or an error wrapping ErrMessageTooComplex when the message
// goes beyond the bounds. Like mail.Reader, it returns a part with an
// unknown charset, and the error that says so, so that it can still be
// read.
func (w *partWalker) next() (*message.Entity, error) {
	for len(w.open) > 0 {
		p, err := w.open[len(w.open)-1].NextPart()
		if errors.Is(err, io.EOF) {
			w.open = w.open[:len(w.open)-1]
			continue
		}
		if err != nil && !message.IsUnknownCharset(err) {
			return nil, err
		}
		if w.parts++; w.parts > maxMIMEParts {
			return nil, fmt.Errorf("%w: more than %d parts", ErrMessageTooComplex, maxMIMEParts)
		}
		mr := p.MultipartReader()
		if mr == nil {
			return p, err
		}
		if len(w.open) >= maxMIMEDepth {
			return nil, fmt.Errorf("%w: multiparts nested more than %d levels deep", ErrMessageTooComplex, maxMIMEDepth)
		}
		w.open = append(w.open, mr)
	}
	return nil, io.EOF
}

// isAttachment says whether a part is an attachment by mail.Reader's rule:
// inline when it says so, or when it is text and does not say otherwise.
func isAttachment(h message.Header) bool {
	t, _, _ := h.ContentType()
	disp, _, _ := h.ContentDisposition()
	return !(disp == "inline" || (disp != "attachment" && strings.HasPrefix(t, "text/")))
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
	h := &htmlText{openCount: map[string]int{}}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return h.text()
		case html.TextToken:
			if h.skip == 0 {
				h.b.WriteString(strings.Join(strings.Fields(string(z.Text())), " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if rest := h.startTag(z, tt); rest {
				return h.text()
			}
		case html.EndTagToken:
			h.endTag(z)
		}
	}
}

// htmlText is an HTML body being turned into text, with the elements open
// at the point reached.
type htmlText struct {
	b    strings.Builder
	skip int // depth inside script, style or a quote
	open []htmlElement
	// openCount counts the open elements by tag, so that an end tag with
	// nothing to close is passed over without a look down the stack: mail
	// HTML of thousands of stray end tags would otherwise cost the square
	// of its length. Each element is then looked at once when it closes.
	openCount map[string]int
}

type htmlElement struct {
	tag    string
	quoted bool // it started a skip
}

func (h *htmlText) text() string {
	return strings.TrimSpace(collapseBlankLines(h.b.String()))
}

// startTag opens the element the tokenizer is at, and reports whether it
// marks the rest of the body as the quoted message.
func (h *htmlText) startTag(z *html.Tokenizer, tt html.TokenType) (rest bool) {
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
			return true
		}
		quoted = quoted || q
	}
	if tt == html.StartTagToken && !isVoid(tag) {
		h.open = append(h.open, htmlElement{tag, quoted})
		h.openCount[tag]++
		if quoted {
			h.skip++
		}
	}
	if h.skip == 0 {
		switch tag {
		case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "table":
			h.b.WriteString("\n")
		case "td":
			h.b.WriteString(" ")
		}
	}
	return false
}

// endTag closes the element the tokenizer's end tag names.
func (h *htmlText) endTag(z *html.Tokenizer) {
	name, _ := z.TagName()
	if h.openCount[string(name)] == 0 {
		return
	}
	// Close up to the matching element: mail HTML leaves many
	// elements unclosed.
	match := -1
	for i := len(h.open) - 1; i >= 0; i-- {
		if h.open[i].tag == string(name) {
			match = i
			break
		}
	}
	if match < 0 {
		return
	}
	for _, e := range h.open[match:] {
		h.openCount[e.tag]--
		if e.quoted {
			h.skip--
		}
	}
	h.open = h.open[:match]
	if h.skip == 0 {
		switch string(name) {
		case "p", "div", "tr", "li", "h1", "h2", "h3":
			h.b.WriteString("\n")
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
