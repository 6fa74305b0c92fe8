package templates

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// gmailClip is the size past which Gmail cuts a message and hides the
// rest behind a "View entire message" link (102 KB).
const gmailClip = 102 * 1024

// renderedEmail is one email as a customer or an owner receives it.
type renderedEmail struct {
	name string
	kind Kind
	lang string
	html string
}

// everyEmail renders every email npsd sends, in every language: each
// customer email and owner alert for the sample contact, and the weekly
// summary of a busy week and of a heavy one.
func everyEmail(t *testing.T) []renderedEmail {
	t.Helper()
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out []renderedEmail
	render := func(name string, kind Kind, lang string, d Data) {
		m, err := s.Render(Template{kind, Email}, lang, d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, renderedEmail{name, kind, lang, m.HTML})
	}
	for _, lang := range Languages() {
		for _, tpl := range All() {
			if tpl.Channel == Email && tpl.Kind != WeeklySummary {
				render(fmt.Sprintf("%s_%s", tpl.Kind, lang), tpl.Kind, lang, sample())
			}
		}
		business := Business{Name: "Boulangerie-Pâtisserie des Trois-Rivières"}
		render("summary_"+lang, WeeklySummary, lang, Data{Business: business, Summary: busyWeek()})
		render("summary_heavy_"+lang, WeeklySummary, lang, Data{Business: business, Summary: heavyWeek()})
	}
	return out
}

// heavyWeek is the busiest week a small business plausibly has: 60
// comments of a few lines each and 25 detractors waiting for a call, on
// top of busyWeek's figures. It is the summary that comes nearest to
// Gmail's clipping size.
func heavyWeek() *Summary {
	s := busyWeek()
	base := s.Cases[0]
	for i := range 60 {
		c := s.Comments[i%len(s.Comments)]
		c.Name = fmt.Sprintf("%s %d", c.Name, i)
		c.ContactURL = fmt.Sprintf("https://nps.boulangerie-trois-rivieres.ca/admin/contacts/c%d", 2000+i)
		s.Comments = append(s.Comments, c)
	}
	for i := range 25 {
		k := base
		k.ID = fmt.Sprintf("k%d", 100+i)
		k.URL = "https://nps.boulangerie-trois-rivieres.ca/c/" + k.ID + ".AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
		k.ContactURL = fmt.Sprintf("https://nps.boulangerie-trois-rivieres.ca/admin/contacts/c%d", 3000+i)
		s.Cases = append(s.Cases, k)
	}
	return s
}

// TestEmailsSuitOutlookAndGmail reads the HTML of every email as Outlook
// on Windows reads it: Word renders it, which ignores max-width,
// display:inline-block, flex, grid, float, position and a div's width,
// and reads the markup inside <!--[if mso]> comments that every other
// program skips. The fluid parts must sit in fixed cells of such "ghost"
// tables, every ghost table opened must be closed by a ghost close, every
// table must be a layout table (role="presentation") or a data table
// with headers, every image must say its size and carry a text, every
// link must be absolute, and no email may reach Gmail's clipping size.
func TestEmailsSuitOutlookAndGmail(t *testing.T) {
	for _, e := range everyEmail(t) {
		for _, p := range outlookProblems(e.html) {
			t.Errorf("%s: %s", e.name, p)
		}
		if len(e.html) >= gmailClip {
			t.Errorf("%s: %d bytes of HTML, Gmail clips from %d", e.name, len(e.html), gmailClip)
		}
		t.Logf("%s: %d bytes", e.name, len(e.html))
	}
}

// TestOutlookProblemsAreFound feeds the checker HTML that breaks each of
// its rules, and HTML that follows them, so that a rule that silently
// stopped working would show here.
func TestOutlookProblemsAreFound(t *testing.T) {
	const ghostOpen = `<!--[if mso]><table role="presentation"><tr><td width="600"><![endif]-->`
	const ghostClose = `<!--[if mso]></td></tr></table><![endif]-->`
	good := `<table role="presentation"><tr><td>` + ghostOpen +
		`<table role="presentation" width="600" style="max-width:600px;width:100%"><tr><td>` +
		`<table role="presentation"><tr><td style="mso-padding-alt:10px 16px;"><a href="https://x.fr/" style="display:inline-block;padding:10px 16px">go</a></td></tr></table>` +
		`<img src="https://x.fr/a.png" width="10" height="10" alt="">` +
		`<table><tr><th>Week</th></tr><tr><td>1</td></tr></table>` +
		`<a href="mailto:a@x.fr">a</a> <a href="tel:+33612345678">t</a>` +
		`</td></tr></table>` + ghostClose + `</td></tr></table>`
	if p := outlookProblems(good); len(p) > 0 {
		t.Errorf("HTML that follows every rule was found wanting: %q", p)
	}
	bad := map[string]string{
		"flex":                   `<div style="display:flex">x</div>`,
		"grid":                   `<div style="display: grid">x</div>`,
		"position":               `<span style="position:absolute">x</span>`,
		"float":                  `<span style="float:left">x</span>`,
		"div width":              `<div style="width:300px">x</div>`,
		"max-width unghosted":    `<table role="presentation" style="max-width:600px"><tr><td>x</td></tr></table>`,
		"inline-block unghosted": `<a href="https://x.fr/" style="display:inline-block">x</a>`,
		"column unghosted":       `<table role="presentation" align="left"><tr><td>x</td></tr></table>`,
		"no role":                `<table><tr><td>x</td></tr></table>`,
		"img alt":                `<img src="https://x.fr/a.png" width="1" height="1">`,
		"img size":               `<img src="https://x.fr/a.png" alt="a">`,
		"relative link":          `<a href="/s/x?score=1">1</a>`,
		"unsafe link":            `<a href="#ZgotmplZ">1</a>`,
		"ghost left open":        ghostOpen + `<p>x</p>`,
		"ghost closed by others": `<!--[if mso]><table role="presentation"><tr><td width="600"><![endif]--><p>x</p></td></tr></table>`,
		"unknown condition":      `<!--[if gte mso 9]><p>x</p><![endif]-->`,
	}
	for name, src := range bad {
		if p := outlookProblems(src); len(p) == 0 {
			t.Errorf("%s: no problem found in %s", name, src)
		}
	}
}

// element is an open element as Outlook reads the email.
type element struct {
	name  string
	attrs map[string]string
	// ghost is true for the markup of an <!--[if mso]> comment.
	ghost bool
	// headers counts the <th> cells of a table.
	headers int
}

// voidElements have no end tag.
var voidElements = map[string]bool{"meta": true, "br": true, "img": true, "hr": true, "input": true, "link": true, "col": true, "wbr": true}

// outlookProblems reads src as Outlook does, its ghost markup included,
// and returns what Outlook or Gmail would show wrongly.
func outlookProblems(src string) []string {
	var problems []string
	var stack []*element
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var visit func(tok html.Token, ghost bool)
	visit = func(tok html.Token, ghost bool) {
		switch tok.Type {
		case html.CommentToken:
			inner, opened := strings.CutPrefix(tok.Data, "[if mso]>")
			inner, closed := strings.CutSuffix(inner, "<![endif]")
			if !opened || !closed {
				if strings.HasPrefix(tok.Data, "[if") {
					add("a conditional comment other than <!--[if mso]>…<![endif]-->: %.60q", tok.Data)
				}
				return
			}
			z := html.NewTokenizer(strings.NewReader(inner))
			for z.Next() != html.ErrorToken {
				visit(z.Token(), true)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			e := &element{name: tok.Data, attrs: map[string]string{}, ghost: ghost}
			for _, a := range tok.Attr {
				e.attrs[a.Key] = a.Val
			}
			var parent *element
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			for _, p := range elementProblems(e, parent) {
				add("<%s %s>: %s", e.name, attrString(e.attrs), p)
			}
			if e.name == "th" {
				for i := len(stack) - 1; i >= 0; i-- {
					if stack[i].name == "table" {
						stack[i].headers++
						break
					}
				}
			}
			if !voidElements[e.name] && tok.Type == html.StartTagToken {
				stack = append(stack, e)
			}
		case html.EndTagToken:
			if voidElements[tok.Data] {
				return
			}
			if len(stack) == 0 {
				add("</%s> closes nothing", tok.Data)
				return
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch {
			case e.name != tok.Data:
				add("</%s> closes <%s %s>", tok.Data, e.name, attrString(e.attrs))
			case e.ghost != ghost:
				add("</%s> (ghost %t) closes <%s %s> (ghost %t): Outlook and the other programs see different tables", tok.Data, ghost, e.name, attrString(e.attrs), e.ghost)
			case e.name == "table" && e.attrs["role"] != "presentation" && e.headers == 0:
				add("<table %s> is neither a layout table (role=\"presentation\") nor a data table with headers", attrString(e.attrs))
			}
		}
	}
	z := html.NewTokenizer(strings.NewReader(src))
	for z.Next() != html.ErrorToken {
		visit(z.Token(), false)
	}
	for _, e := range stack {
		add("<%s %s> (ghost %t) is never closed", e.name, attrString(e.attrs), e.ghost)
	}
	return problems
}

// banned are the layouts Word ignores: a part laid out by them falls
// apart in Outlook.
var banned = regexp.MustCompile(`(?i)(^|;)\s*(display\s*:\s*(inline-)?(flex|grid)|position\s*:|float\s*:)`)

// elementProblems checks one start tag, e, whose parent is parent (nil at
// the top).
func elementProblems(e, parent *element) []string {
	var out []string
	style := strings.ToLower(e.attrs["style"])
	if m := banned.FindString(style); m != "" {
		out = append(out, fmt.Sprintf("%q: Outlook ignores it", strings.Trim(m, "; ")))
	}
	ghostCell := parent != nil && parent.ghost && parent.name == "td" && isPixels(parent.attrs["width"])
	if strings.Contains(style, "max-width") && !ghostCell {
		out = append(out, "max-width outside a fixed cell of a ghost table: Outlook ignores max-width")
	}
	if e.name == "div" && regexp.MustCompile(`(^|;)\s*width\s*:`).MatchString(style) {
		out = append(out, "a div's width: Outlook ignores it")
	}
	button := parent != nil && parent.name == "td" && strings.Contains(parent.attrs["style"], "mso-padding-alt")
	if strings.Contains(style, "inline-block") && !ghostCell && !button {
		out = append(out, "display:inline-block outside a ghost cell or a button cell (mso-padding-alt): Outlook ignores it")
	}
	if e.name == "table" && strings.EqualFold(e.attrs["align"], "left") && !ghostCell {
		out = append(out, "a column (a table aligned left) outside a fixed cell of a ghost table")
	}
	if e.name == "img" {
		for _, a := range []string{"width", "height", "alt"} {
			if _, ok := e.attrs[a]; !ok {
				out = append(out, "an image without "+a)
			}
		}
	}
	if href, ok := e.attrs["href"]; ok && e.name == "a" {
		if err := absoluteLink(href); err != nil {
			out = append(out, err.Error())
		}
	}
	return out
}

// absoluteLink accepts a web page's full address, or an address or a
// phone number to write to or call; a mail program has no page to resolve
// anything else against.
func absoluteLink(href string) error {
	u, err := url.Parse(href)
	switch {
	case err != nil:
		return fmt.Errorf("link %q: %v", href, err)
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return nil
	case (u.Scheme == "mailto" || u.Scheme == "tel") && u.Opaque != "":
		return nil
	}
	return fmt.Errorf("link %q is not an absolute http, https, mailto or tel address", href)
}

// isPixels reports whether a width attribute is a whole number of pixels.
func isPixels(w string) bool {
	n, err := strconv.Atoi(w)
	return err == nil && n > 0
}

// attrString writes attributes for a message, in a stable order.
func attrString(attrs map[string]string) string {
	var parts []string
	for _, k := range []string{"role", "align", "width", "href", "style"} {
		if v, ok := attrs[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%.50q", k, v))
		}
	}
	return strings.Join(parts, " ")
}
