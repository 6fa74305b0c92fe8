package templates

import (
	"bytes"
	htmltemplate "html/template"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	texttemplate "text/template"
)

// TestScaleCellsEscapeAsHTMLTemplate: each link scaleCells writes is
// escaped exactly as html/template escapes it in the scale's href, for
// links of npsd's form and for links of every other kind: other schemes
// (javascript:, data:), quotes, ampersands, pluses, escapes valid and not,
// spaces, controls and non-ASCII text.
func TestScaleCellsEscapeAsHTMLTemplate(t *testing.T) {
	ref := htmltemplate.Must(htmltemplate.New("href").Parse(`<a href="{{.}}">`))
	urls := []string{
		"https://nps.example.fr/s/c1.AbC-_d?score=10",
		"http://127.0.0.1:8431/s/x?score=0",
		"HTTPS://Example.FR/s/t?a=1&b=2+3",
		"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>", "mailto:a@b.fr", "vbscript:x",
		"/relative/path?x=1", "//host/x", "a/b:c", "?q=\"quoted\"&'single'", "https://h/%41%4g%", "https://h/%",
		"https://h/p%2", "https://h/é ï\t\n\x00\x7f", "https://h/<script>", "https://h/a(b)c", "", ":", "http:",
		"https://h/!#$*,/:;=?@[]-._~",
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "Z", "0", ":", "/", "?", "=", "&", "+", "%", "%4", "%41", "\"", "'", "<", ">", " ", "#", "é", "\x00", "\t", "(", ")", "`", "\\", "javascript:", "https:", "~", ";", "@", "[", "]", "{", "}", "|", "^"}
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		urls = append(urls, b.String())
	}
	for _, u := range urls {
		var want bytes.Buffer
		if err := ref.Execute(&want, u); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		got.WriteString(`<a href="`)
		writeAttrURL(&got, u)
		got.WriteString(`">`)
		if got.String() != want.String() {
			t.Fatalf("link %q: scaleCells writes %s, html/template %s", u, got.String(), want.String())
		}
	}
}

// TestScaleCellsAsTheRangeDid: the cells are the ones a range over the
// links writes, for the shipped links and for links needing escapes, all
// eleven or the two halves of the scale.
func TestScaleCellsAsTheRangeDid(t *testing.T) {
	ref := htmltemplate.Must(htmltemplate.New("cells").Funcs(htmltemplate.FuncMap{"scoreColor": ScoreColor}).Parse(`{{range .}}
<td align="center" width="40" height="44" bgcolor="{{scoreColor .Score}}" style="width:40px;height:44px;padding:0;background:{{scoreColor .Score}};border-radius:4px;"><a href="{{.URL}}" style="display:block;width:40px;line-height:44px;font-family:Arial,Helvetica,sans-serif;font-size:18px;font-weight:bold;color:#ffffff;text-align:center;text-decoration:none;">{{.Score}}</a></td>
{{- end}}`))
	for _, links := range [][]ScoreLink{
		ScoreLinksOn("https://nps.example.fr/s/TOKEN"),
		ScoreLinksOn(`https://nps.example.fr/s/"quoted"&more`),
		ScoreLinksOn("javascript:alert(1)//"),
		nil,
	} {
		for _, part := range []struct {
			scores []int
			links  []ScoreLink
		}{
			{nil, links},
			{[]int{0, 5}, links[:min(6, len(links))]},
			{[]int{6, 10}, links[min(6, len(links)):]},
		} {
			var want bytes.Buffer
			if err := ref.Execute(&want, part.links); err != nil {
				t.Fatal(err)
			}
			if got := string(scaleCells(links, part.scores...)); got != want.String() {
				t.Errorf("scaleCells %v:\n%s\nthe range:\n%s", part.scores, got, want.String())
			}
		}
	}
}

// scaleText writes what the text part's range wrote, links of every kind
// (text/template escapes nothing) and none at all.
func TestScaleTextAsTheRangeDid(t *testing.T) {
	ref := texttemplate.Must(texttemplate.New("lines").Parse("{{range .}}  {{.Score}}: {{.URL}}\n{{end}}"))
	for _, links := range [][]ScoreLink{
		ScoreLinksOn("https://nps.example.fr/s/TOKEN"),
		ScoreLinksOn("https://nps.example.fr/s/\"quoted\"&more é\t<x>"),
		{{Score: -1, URL: ""}, {Score: 12, URL: "\n"}},
		nil,
	} {
		var want bytes.Buffer
		if err := ref.Execute(&want, links); err != nil {
			t.Fatal(err)
		}
		if got := scaleText(links); got != want.String() {
			t.Errorf("scaleText:\n%q\nthe range:\n%q", got, want.String())
		}
	}
}

// ScoreLinksOn gives each score its link on the base, in order, whatever
// the base.
func TestScoreLinksOn(t *testing.T) {
	for _, base := range []string{"https://nps.example.fr/s/TOKEN", "", "é?x=1", strings.Repeat("a", 5000)} {
		links := ScoreLinksOn(base)
		if len(links) != 11 {
			t.Fatalf("%d links", len(links))
		}
		for i, l := range links {
			if want := base + "?score=" + strconv.Itoa(i); l.Score != i || l.URL != want {
				t.Errorf("link %d on %.20q: %d %.40q, want %.40q", i, base, l.Score, l.URL, want)
			}
		}
	}
}
