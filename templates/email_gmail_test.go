package templates

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/npsd/npsd/internal/testpeers"
)

// gmailView is src as Gmail shows it where it keeps no stylesheet (its
// apps reading an account that is not Google's, some of its web views):
// every <style> element is gone, and with it every media query, every
// class is meaningless and dropped, and so are the attributes of <body>,
// whose place Gmail takes with its own element.
func gmailView(src string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(src))
	inStyle := false
	for z.Next() != html.ErrorToken {
		tok := z.Token()
		switch {
		case tok.Type == html.StartTagToken && tok.Data == "style":
			inStyle = true
			continue
		case tok.Type == html.EndTagToken && tok.Data == "style":
			inStyle = false
			continue
		case inStyle:
			continue
		case tok.Type == html.StartTagToken && tok.Data == "body":
			tok.Attr = nil
		case tok.Type == html.StartTagToken || tok.Type == html.SelfClosingTagToken:
			kept := tok.Attr[:0]
			for _, a := range tok.Attr {
				if a.Key != "class" {
					kept = append(kept, a)
				}
			}
			tok.Attr = kept
		}
		b.WriteString(tok.String())
	}
	return b.String()
}

// TestGmailViewStripsStyles makes sure the Gmail view of an email has
// lost what Gmail drops, so that the test below cannot pass on a page
// still laid out by its stylesheet.
func TestGmailViewStripsStyles(t *testing.T) {
	src := `<html><head><style>@media (max-width:400px){.w{width:100%}}</style></head><body style="margin:0" class="b"><table class="w" width="600" role="presentation"><tr><td class="c" style="padding:0">x &amp; y</td></tr></table></body></html>`
	got := gmailView(src)
	for _, gone := range []string{"<style", "@media", "class=", `style="margin:0"`} {
		if strings.Contains(got, gone) {
			t.Errorf("the Gmail view keeps %q: %s", gone, got)
		}
	}
	for _, kept := range []string{`width="600"`, `style="padding:0"`, "x &amp; y"} {
		if !strings.Contains(got, kept) {
			t.Errorf("the Gmail view lost %q: %s", kept, got)
		}
	}
}

// gmailWidths are a small phone, a common one and a desktop's reading
// pane.
var gmailWidths = []int64{320, 375, 800}

// TestEmailsFitGmailWithoutStyles opens every email as Gmail shows it
// without a stylesheet (gmailView) in headless Chromium at 320, 375 and
// 800 px: no page may scroll sideways, nor weigh Gmail's clipping size,
// and in every email with the 0-10 scale each of the eleven buttons must
// be on screen and 44 px tall, 0-5 on one row and 6-10 on the next on a
// phone, one row or the same two rows on a desktop. Full-page screenshots
// go to the test's artifact folder (go test -artifacts keeps them).
func TestEmailsFitGmailWithoutStyles(t *testing.T) {
	path := testpeers.Chromium(t)
	emails := everyEmail(t)
	ctx, cancel := testpeers.Browser(t, path, 300*time.Second)
	defer cancel()
	dir := t.TempDir()
	for _, e := range emails {
		page := gmailView(e.html)
		if len(page) >= gmailClip {
			t.Errorf("%s: %d bytes of HTML, Gmail clips from %d", e.name, len(page), gmailClip)
		}
		file := filepath.Join(dir, e.name+".html")
		if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		hasScale := e.kind == Survey || e.kind == Reminder || e.kind == Reask
		for _, w := range gmailWidths {
			l := layoutAt(ctx, t, file, w, e.lang, fmt.Sprintf("gmail_%s_%d.png", e.name, w))
			where := fmt.Sprintf("%s without styles at %d px", e.name, w)
			if l.ScrollWidth > float64(w) {
				t.Errorf("%s: the page is %.0f px wide and scrolls sideways", where, l.ScrollWidth)
			}
			if !hasScale {
				if len(l.Buttons) > 0 {
					t.Errorf("%s: %d score buttons in an email without the scale", where, len(l.Buttons))
				}
				continue
			}
			checkScale(t, where, w, l)
			checkScaleRows(t, where, w, l)
		}
	}
}

// checkScaleRows checks that the scale's rows are tidy: each button at
// least 44 px tall and 40 px wide, 0-5 on one row and 6-10 on the row
// below on a phone, the second row starting under the first, and on a
// desktop either one row or those same two.
func checkScaleRows(t *testing.T, where string, w int64, l layout) {
	t.Helper()
	if len(l.Buttons) != 11 {
		return // checkScale has said so
	}
	for _, b := range l.Buttons {
		if b.Height < 44 || b.Right-b.Left < 40 {
			t.Errorf("%s: button %d is %.0f×%.0f px, under the 40×44 of a tap", where, b.Score, b.Right-b.Left, b.Height)
		}
	}
	first, second := l.Buttons[0].Top, l.Buttons[6].Top
	for _, b := range l.Buttons {
		row := first
		if b.Score >= 6 {
			row = second
		}
		if b.Top != row {
			t.Errorf("%s: button %d is at %.0f px, off its row at %.0f px", where, b.Score, b.Top, row)
		}
	}
	switch {
	case first == second && w < 800:
		t.Errorf("%s: one row of eleven on a phone", where)
	case first == second:
	case second < first+44:
		t.Errorf("%s: the row of 6-10 at %.0f px is not under the row of 0-5 at %.0f px", where, second, first)
	case l.Buttons[6].Left-l.Buttons[0].Left > 2 || l.Buttons[0].Left-l.Buttons[6].Left > 2:
		t.Errorf("%s: the row of 6-10 starts at %.0f px, the row of 0-5 at %.0f px", where, l.Buttons[6].Left, l.Buttons[0].Left)
	}
}
