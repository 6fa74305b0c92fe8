package templates

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/npsd/npsd/internal/testpeers"
)

// widths are the screens an email must fit: small and common phones, and
// a desktop mail program's reading pane.
var widths = []int64{320, 360, 375, 390, 414, 800}

// scaleLabels are the end labels of the 0-10 scale in each language, by
// which the measure finds the scale.
var scaleLabels = map[string][2]string{"fr": {"Pas du tout probable", "Très probable"}, "en": {"Not at all likely", "Extremely likely"}}

// layout is what the page reports of itself at one width.
type layout struct {
	ScrollWidth, InnerWidth float64
	Buttons                 []struct {
		Score                    int
		Left, Right, Top, Height float64
	}
	// Low and High are the boxes of the scale's end labels ("Not at all
	// likely", "Extremely likely"), when the page has them.
	Low, High *struct{ Left, Right, Top float64 }
}

// measure reads the page's width and its score buttons (the links to
// ?score=N) and end labels.
func measure(low, high string) string {
	return fmt.Sprintf(`(() => {
	const box = (text) => {
		for (const el of document.querySelectorAll("td, span")) {
			if (el.textContent.trim() !== text || el.children.length) continue;
			const r = document.createRange(); r.selectNodeContents(el);
			const b = r.getBoundingClientRect();
			return {Left: b.left, Right: b.right, Top: b.top};
		}
		return null;
	};
	return {
		ScrollWidth: document.documentElement.scrollWidth,
		InnerWidth: window.innerWidth,
		Buttons: [...document.querySelectorAll('a[href*="score="]')].map(a => {
			const r = a.getBoundingClientRect();
			return {Score: Number(a.textContent.trim()), Left: r.left, Right: r.right, Top: Math.round(r.top), Height: r.height};
		}),
		Low: box(%q), High: box(%q),
	};
})()`, low, high)
}

// TestEmailsFitAPhone renders the survey email, the reminder and the
// weekly summary in both languages and opens each in headless Chromium at
// phone and desktop widths: no page may scroll sideways, every score
// button must be on screen and big enough to tap, at 320 px the eleven
// buttons form two rows (one on a desktop), and the scale's end labels
// stay with 0 and 10. Full-page screenshots go to the test's artifact
// folder (go test -artifacts keeps them).
func TestEmailsFitAPhone(t *testing.T) {
	path := testpeers.Chromium(t)
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	type email struct {
		name string
		kind Kind
		lang string
		data Data
	}
	var emails []email
	for _, lang := range Languages() {
		emails = append(emails,
			email{"survey_" + lang, Survey, lang, sample()},
			email{"reminder_" + lang, Reminder, lang, sample()},
			email{"summary_" + lang, WeeklySummary, lang, Data{Business: Business{Name: "Boulangerie-Pâtisserie des Trois-Rivières"}, Summary: busyWeek()}},
		)
	}

	ctx, cancel := testpeers.Browser(t, path, 120*time.Second)
	defer cancel()
	dir := t.TempDir()
	for _, e := range emails {
		m, err := s.Render(Template{e.kind, Email}, e.lang, e.data)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, e.name+".html")
		if err := os.WriteFile(file, []byte(m.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, w := range widths {
			l := layoutAt(ctx, t, file, w, e.lang, fmt.Sprintf("%s_%d.png", e.name, w))
			t.Logf("%s at %d px: scrollWidth %.0f", e.name, w, l.ScrollWidth)
			if l.ScrollWidth > float64(w) {
				t.Errorf("%s at %d px: the page is %.0f px wide and scrolls sideways", e.name, w, l.ScrollWidth)
			}
			if e.kind == WeeklySummary {
				continue
			}
			checkScale(t, fmt.Sprintf("%s at %d px", e.name, w), w, l)
		}
	}
}

// checkScale checks the eleven buttons of a survey email's scale at width
// w: on screen, tall enough to tap, in two rows on a small phone and one
// on a desktop, with each end label under its end of the scale.
func checkScale(t *testing.T, where string, w int64, l layout) {
	t.Helper()
	if len(l.Buttons) != 11 {
		t.Fatalf("%s: %d score buttons, want 11", where, len(l.Buttons))
	}
	rows := map[float64]bool{}
	for i, b := range l.Buttons {
		if b.Score != i {
			t.Errorf("%s: button %d says %d", where, i, b.Score)
		}
		if b.Left < 0 || b.Right > float64(w) {
			t.Errorf("%s: button %d spans %.0f–%.0f px, off a %d px screen", where, b.Score, b.Left, b.Right, w)
		}
		if b.Height < 40 {
			t.Errorf("%s: button %d is %.0f px tall, too small to tap", where, b.Score, b.Height)
		}
		rows[b.Top] = true
	}
	switch {
	case w <= 320 && len(rows) != 2:
		t.Errorf("%s: the buttons form %d rows, want 2", where, len(rows))
	case w >= 800 && len(rows) != 1:
		t.Errorf("%s: the buttons form %d rows, want 1", where, len(rows))
	case len(rows) > 2:
		t.Errorf("%s: the buttons form %d rows", where, len(rows))
	}
	zero, ten := l.Buttons[0], l.Buttons[10]
	if l.Low == nil || l.High == nil {
		t.Fatalf("%s: end labels not found", where)
	}
	if d := l.Low.Left - zero.Left; d < -2 || d > 2 || l.Low.Top < zero.Top+zero.Height || l.Low.Top > zero.Top+zero.Height+40 {
		t.Errorf("%s: the low label at (%.0f, %.0f) is not under 0 at (%.0f, %.0f)", where, l.Low.Left, l.Low.Top, zero.Left, zero.Top)
	}
	if d := l.High.Right - ten.Right; d < -2 || d > 2 || l.High.Top < ten.Top+ten.Height || l.High.Top > ten.Top+ten.Height+40 {
		t.Errorf("%s: the high label at (%.0f, %.0f) is not under 10 at (%.0f, %.0f)", where, l.High.Right, l.High.Top, ten.Right, ten.Top)
	}
}

// busyWeek is a French bakery's week as the owners get it: long names,
// long comments (one with a pasted link), several cases, one overdue.
func busyWeek() *Summary {
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	long := "Le pain au levain était parfait comme toujours, mais j'ai attendu plus de vingt minutes samedi matin alors qu'il n'y avait que trois personnes devant moi, et personne ne s'est excusé."
	s := &Summary{
		Week: "2026-W49", From: from, To: from.AddDate(0, 0, 6),
		Week7:    Stat{Responses: 12, Promoters: 6, Passives: 2, Detractors: 4, NPS: f(16.7), MarginOfError: f(106.7)},
		Previous: Stat{Responses: 9, Promoters: 5, Passives: 2, Detractors: 2, NPS: f(33.3), MarginOfError: f(58.2)},
		Days90:   Stat{Responses: 1234, Promoters: 640, Passives: 380, Detractors: 214, NPS: f(34.5), MarginOfError: f(4.3)},
		Change:   &Change{Points: -16.6},
		Channels: []ChannelRate{{Channel: "email", Sent: 41, Answered: 8}, {Channel: "sms", Sent: 17, Answered: 4}},
		Segments: []Segment{{Attribute: "ville", Rows: []SegmentRow{
			{Value: "Saint-Jean-sur-Richelieu", Stat: Stat{Responses: 812, NPS: f(38.2)}},
			{Value: "Trois-Rivières", Stat: Stat{Responses: 7, NPS: f(-14.3)}, TooSmall: true},
		}}},
		Comments: []CommentLine{
			{Name: "Marie-Françoise Desjardins-Beauchemin", Score: 2, Category: "detractor", Comment: long},
			{Name: "Jean-Sébastien Tremblay-Lévesque", Score: 4, Category: "detractor", Comment: "Voyez vous-même : https://photos.exemple.qc.ca/albums/2026/11/pain-brule-samedi-matin-IMG_20261128_093512.jpg"},
			{Name: "Gaëtan Bouchard", Score: 10, Category: "promoter", Comment: "Les meilleurs croissants de la Rive-Sud, et un accueil toujours chaleureux."},
		},
		Cases: []CaseLine{
			{ID: "k12", Name: "Marie-Françoise Desjardins-Beauchemin", Phone: "+15145550199", Email: "marie-francoise.desjardins-beauchemin@courriel-exemple.qc.ca", Score: 2, Comment: long,
				State: "open", Due: from.AddDate(0, 0, 2), Overdue: true, Assignee: "jean-philippe.gagnon-ouellette@boulangerie-trois-rivieres.ca", URL: "https://nps.boulangerie-trois-rivieres.ca/c/k12.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"},
			{ID: "k13", Name: "Jean-Sébastien Tremblay-Lévesque", Email: "js.tremblay-levesque@exemple.com", Score: 4, Comment: "Pain brûlé.",
				State: "contacted", Due: from.AddDate(0, 0, 3), Assignee: "marie@example.fr", URL: "https://nps.boulangerie-trois-rivieres.ca/c/k13.ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210"},
			{ID: "k14", Name: "Zoé Lefèvre", Phone: "+33612345678", Score: 0, State: "open", Due: from.AddDate(0, 0, 4)},
		},
		Benchmark:    f(30),
		DashboardURL: "https://nps.boulangerie-trois-rivieres.ca/admin",
		Funnel: []FunnelRow{
			{Channel: "email", Planned: 1250, Sent: 1243, Delivered: 1198, Clicked: 310, Answered: 8},
			{Channel: "sms", Planned: 20, Sent: 17, Delivered: 17, Clicked: 9, Answered: 4},
		},
	}
	for i, id := range []string{"c7", "c12", "c1234"} {
		url := "https://nps.boulangerie-trois-rivieres.ca/admin/contacts/" + id
		s.Comments[i].ContactURL = url
		s.Cases[i].ContactID, s.Cases[i].ContactURL = id, url
	}
	for i := range 12 {
		p := TrendPoint{Label: fmt.Sprintf("W%02d", 38+i), Responses: 5 + i}
		p.NPS = f(float64(i*12 - 50))
		s.Trend = append(s.Trend, p)
	}
	return s
}

// TestSummaryShowsWhatOwnersAct: the weekly summary links to the dashboard,
// each case and each customer; a case shows the customer's phone (else
// their email), not the assignee's address; a margin of error shows only
// from enough answers, in words otherwise; an NPS is a whole number with
// its sign; days are short and in the business's language; and the funnel
// shows when, and only when, it has counts.
func TestSummaryShowsWhatOwnersAct(t *testing.T) {
	s, err := Load(Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"fr": {"Ouvrir le tableau de bord", "trop peu de réponses pour le dire", "marge d'erreur&nbsp;: ±4", "1\u202f234 réponses",
			"−17 points", "mer. 2 déc.", "1\u202f250 prévues", "courriel", "Ouvrir le dossier", "suivi par jean-philippe"},
		"en": {"Open the dashboard", "too few answers to say", "margin of error: ±4", "1,234 answers",
			"−17 points", "Wed Dec 2", "1,250 planned", "Open the case", "assigned to jean-philippe"},
	}
	for _, lang := range Languages() {
		sum := busyWeek()
		m, err := s.Render(Template{WeeklySummary, Email}, lang, Data{Business: Business{Name: "Boulangerie Martin"}, Summary: sum})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range append(want[lang],
			`href="https://nps.boulangerie-trois-rivieres.ca/admin"`,
			`href="https://nps.boulangerie-trois-rivieres.ca/admin/contacts/c7"`,
			`href="https://nps.boulangerie-trois-rivieres.ca/c/k12.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"`,
			`href="tel:&#43;15145550199"`,
			`href="mailto:js.tremblay-levesque@exemple.com"`,
			"NPS +17", ">&#43;17<", ">&#43;35<", // html/template writes + as &#43;
		) {
			if !strings.Contains(m.Subject+m.HTML, w) {
				t.Errorf("%s summary lacks %q", lang, w)
			}
		}
		// Email has no carrier receipt and a text message no page to open:
		// the funnel says only what each channel can know.
		for _, line := range strings.Split(m.Text, "\n") {
			email, sms := strings.HasPrefix(strings.TrimSpace(line), "courriel") || strings.HasPrefix(strings.TrimSpace(line), "email"), strings.HasPrefix(strings.TrimSpace(line), "SMS")
			if email && (strings.Contains(line, "remises") || strings.Contains(line, "delivered")) || sms && (strings.Contains(line, "cliqu") || strings.Contains(line, "clicked")) {
				t.Errorf("%s funnel line says what the channel cannot know: %q", lang, line)
			}
		}
		for _, bad := range []string{"106.7", "106,7", "16.7", "2026-12-02", "marie-francoise.desjardins-beauchemin@"} {
			if strings.Contains(m.Subject+m.HTML, bad) {
				t.Errorf("%s summary shows %q", lang, bad)
			}
		}
		for _, w := range []string{"+15145550199", "https://nps.boulangerie-trois-rivieres.ca/c/k13.", "https://nps.boulangerie-trois-rivieres.ca/admin/contacts/c12", "https://nps.boulangerie-trois-rivieres.ca/admin"} {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s summary's text lacks %q", lang, w)
			}
		}
		sum.Funnel = nil
		if m, _ := s.Render(Template{WeeklySummary, Email}, lang, Data{Summary: sum}); strings.Contains(m.HTML+m.Text, "→") || strings.Contains(m.HTML+m.Text, "1\u202f250") || strings.Contains(m.HTML+m.Text, "1,250") {
			t.Errorf("%s summary shows a funnel it has no counts for", lang)
		}
	}
}

// layoutAt opens the email in file on a phone-like viewport w px wide,
// measures its layout (the end labels in lang find the scale) and keeps
// a screenshot named shot.
func layoutAt(ctx context.Context, t *testing.T, file string, w int64, lang, shot string) layout {
	t.Helper()
	var l layout
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(w, 800, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate("file://"+file),
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) (err error) {
			l, err = chromedp.Evaluate[layout](measure(scaleLabels[lang][0], scaleLabels[lang][1]))(ctx, tgt)
			return err
		}),
		testpeers.Screenshot(t, shot),
	)
	if err != nil {
		t.Fatalf("%s at %d px: %v", filepath.Base(file), w, err)
	}
	return l
}
