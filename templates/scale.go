package templates

import (
	htmltemplate "html/template"
	"strconv"
	"strings"
)

// scaleCells writes cells of the email scale, one a score, byte for byte
// as a range over the links would write them (scale_test.go keeps that
// range). With two scores, lo and hi, it writes only the links from lo to
// hi: the scale is two tables, 0–5 and 6–10, which sit side by side on a
// wide screen and one above the other on a phone. Without them it writes
// all eleven, as an override of the partials written for a one-row scale
// expects.
//
// html/template puts three or four escaping functions on each value it
// prints and calls each through reflection: seven calls a cell, 77 a
// scale, half the cost of rendering a survey email. Here the values are
// npsd's own (a score, a fixed colour, a link on the public URL), and each
// link is escaped as html/template escapes a URL in a quoted attribute
// (scale_test.go checks the two agree on links of every kind).
//
// A cell is a button 40 px wide and 44 px tall, a comfortable tap: the
// colour is on the cell, as an attribute too (Outlook paints a cell, not
// a link's padding, and some of its versions read only bgcolor), and
// the link fills it (display:block with a 44 px line) in every other mail
// program, so the whole button answers a tap.
func scaleCells(links []ScoreLink, scores ...int) htmltemplate.HTML {
	lo, hi := 0, 10
	if len(scores) == 2 {
		lo, hi = scores[0], scores[1]
	}
	var b strings.Builder
	// A cell is about 360 bytes of markup and its link: one allocation
	// for the cells asked for, not room for all eleven.
	size := 0
	for _, l := range links {
		if l.Score >= lo && l.Score <= hi {
			size += 360 + len(l.URL)
		}
	}
	b.Grow(size)
	for _, l := range links {
		if l.Score < lo || l.Score > hi {
			continue
		}
		b.WriteString("\n<td align=\"center\" width=\"40\" height=\"44\" bgcolor=\"")
		b.WriteString(ScoreColor(l.Score))
		b.WriteString("\" style=\"width:40px;height:44px;padding:0;background:")
		b.WriteString(ScoreColor(l.Score))
		b.WriteString(";border-radius:4px;\"><a href=\"")
		writeAttrURL(&b, l.URL)
		b.WriteString("\" style=\"display:block;width:40px;line-height:44px;font-family:Arial,Helvetica,sans-serif;font-size:18px;font-weight:bold;color:#ffffff;text-align:center;text-decoration:none;\">")
		b.WriteString(strconv.Itoa(l.Score))
		b.WriteString("</a></td>")
	}
	return htmltemplate.HTML(b.String())
}

// scaleText writes the scale of a text part, a line a score, as the
// range it replaces wrote it:
//
//	{{range .ScoreLinks}}  {{.Score}}: {{.URL}}
//	{{end}}
//
// in one call instead of a walk through the range (a sixth of a survey
// email's render).
func scaleText(links []ScoreLink) string {
	var b strings.Builder
	for _, l := range links {
		b.Grow(len(l.URL) + 8)
		b.WriteString("  ")
		b.WriteString(strconv.Itoa(l.Score))
		b.WriteString(": ")
		b.WriteString(l.URL)
		b.WriteByte('\n')
	}
	return b.String()
}

// writeAttrURL writes a URL as html/template writes one in a quoted
// attribute: a scheme other than http, https or mailto makes it
// "#ZgotmplZ"; bytes outside the URL's own characters are %-encoded (an
// escape already there is kept); and what HTML would read in an
// attribute (& + " ' < >) becomes a character reference.
func writeAttrURL(b *strings.Builder, u string) {
	if scheme, _, ok := strings.Cut(u, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		u = "#ZgotmplZ"
	}
	const hex = "0123456789abcdef"
	// Runs of bytes that stay as they are are written whole.
	start := 0
	for i := 0; i < len(u); i++ {
		c := u[i]
		if urlKept[c] || c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]) {
			continue
		}
		b.WriteString(u[start:i])
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '+':
			b.WriteString("&#43;")
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
		start = i + 1
	}
	b.WriteString(u[start:])
}

// urlKept are the bytes a URL keeps as they are in an attribute: its own
// characters, save & and +, which HTML would read.
var urlKept = func() (kept [256]bool) {
	for c := range 256 {
		kept[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$*,/:;=?@[]-._~", byte(c)) >= 0
	}
	return kept
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
