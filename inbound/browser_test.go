package inbound

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/npsd/npsd/internal/testpeers"
	"github.com/npsd/npsd/store"
)

// phone is the window the pages are tried in first: a common phone's.
var phone = chromedp.WindowSize(412, 915)

// screenshotter saves full-page PNGs in the test's artifact folder.
func screenshotter(t *testing.T) func(name string) chromedp.Action[chromedp.Void] {
	return func(name string) chromedp.Action[chromedp.Void] { return testpeers.Screenshot(t, name) }
}

// waitJS waits until a JavaScript expression holds, across the page loads
// a form submission causes (a poll does not survive them).
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(2*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))(ctx, tgt)
			if err == nil || time.Now().After(deadline) {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestSurveyPageInChromium opens a score link in headless Chromium as a
// customer would, lets the page record the score, clicks another score,
// types a comment and sends it. Screenshots go to the test's artifact
// folder (go test -artifacts keeps them).
func TestSurveyPageInChromium(t *testing.T) {
	path := testpeers.Chromium(t)
	r := newPageRig(t)
	// The page's clock must be real: the browser waits in real time.
	r.useRealClock()
	srv := httptest.NewServer(r.srv.Handler())
	defer srv.Close()
	link := srv.URL + "/s/" + r.signer.SurveyToken(r.sv.ID, r.now.Add(24*time.Hour))

	ctx, cancel := testpeers.Browser(t, path, 60*time.Second, phone)
	defer cancel()
	shot := screenshotter(t)
	// The page records the clicked score by itself; wait for it to say so.
	recorded := waitJS(`document.getElementById("status").textContent.includes("enregistrée")`)
	err := chromedp.Do(ctx,
		chromedp.Navigate(link+"?score=9"),
		chromedp.WaitVisible(chromedp.CSS("button.sel")),
		recorded,
		shot("1-score-clicked.png"),
	)
	if err != nil {
		t.Fatalf("opening the link: %v", err)
	}
	_, resp, _, _ := r.state(r.sv.ID)
	if resp.Score != 9 {
		t.Fatalf("after opening the link in a browser, score = %d, want 9", resp.Score)
	}

	// The customer changes their mind, then explains: the page then shows
	// the answer as sent, and no form any more.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[value="7"]`)),
		waitJS(`document.querySelector("button.sel") !== null && document.querySelector("button.sel").value === "7"`),
		chromedp.SendKeys(chromedp.CSS(`#comment`), "Bon pain, mais trop d'attente"),
		chromedp.Click(chromedp.CSS(`#send`)),
		chromedp.WaitVisible(chromedp.CSS(`#thanks`)),
		shot("2-comment-sent.png"),
	)
	if err != nil {
		t.Fatalf("clicking and commenting: %v", err)
	}
	thanks, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#your-comment`)))
	if err != nil {
		t.Fatal(err)
	}
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("form, textarea, button").length`))
	if err != nil {
		t.Fatal(err)
	}
	_, resp, _, _ = r.state(r.sv.ID)
	if resp.Score != 7 || resp.Comment != "Bon pain, mais trop d'attente" {
		t.Errorf("after the comment: score %d, comment %q", resp.Score, resp.Comment)
	}
	if !strings.Contains(thanks, "Merci pour votre réponse") || !strings.Contains(thanks, "Votre note : 7 sur 10") || shown != "Bon pain, mais trop d'attente" || forms != 0 {
		t.Errorf("thank-you page: %q, comment shown %q, %d form elements left", thanks, shown, forms)
	}

	// "Modifier ma réponse" brings the form back with the answer in it.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#change`)),
		chromedp.WaitVisible(chromedp.CSS(`#comment`)),
		waitJS(`document.querySelector("button.sel") !== null && document.querySelector("button.sel").value === "7"`),
		shot("3-change-answer.png"),
	)
	kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#comment`)))
	if err != nil || kept != "Bon pain, mais trop d'attente" {
		t.Errorf("changing the answer: %v, comment in the form %q", err, kept)
	}
}

// TestDashboardInChromium logs in as the owner, reads the dashboard on a
// phone-sized screen and marks the detractor's case contacted.
func TestDashboardInChromium(t *testing.T) {
	path := testpeers.Chromium(t)
	// The browser keeps the session cookie by its own clock and the
	// server checks the signed expiry by the rig's: they must agree, so
	// the rig runs on the real clock here, from before the answer on.
	r := adminRigOn(t, true)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { h.ServeHTTP(w, req) }))
	defer srv.Close()
	// Over plain http the session cookie cannot be Secure: the public URL
	// says so.
	r.opts.PublicURL = srv.URL
	r.build()
	h = r.srv.Handler()

	ctx, cancel := testpeers.Browser(t, path, 60*time.Second, phone)
	defer cancel()
	shot := screenshotter(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "croissant"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		waitJS(`document.getElementById("cases") !== null && document.getElementById("comments").textContent.includes("attente")`),
		// The filters and the funnel fit a phone: no sideways scrolling.
		waitJS(`document.getElementById("filters") !== null && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("3-dashboard.png"),
		chromedp.SendKeys(chromedp.CSS(`#case-k1 textarea`), "Rappelée, bon d'achat"),
		chromedp.Click(chromedp.CSS(`#case-k1 button.c`)),
		waitJS(`document.querySelector("#case-k1 .state") !== null && document.querySelector("#case-k1 .state").textContent === "contacté"`),
		// The note written stays under the case, with who and when.
		waitJS(`document.querySelector("#case-k1 .note") !== null && document.querySelector("#case-k1 .note").textContent.includes("le propriétaire a noté : Rappelée, bon d'achat")`),
		shot("4-case-contacted.png"),
		// The customer's name opens their file: the answer, the case and
		// the note just written, in French, at a phone's width.
		chromedp.Click(chromedp.CSS(`#case-k1 a.who`)),
		waitJS(`document.getElementById("story") !== null && document.getElementById("story").textContent.includes("Rappelée, bon d'achat")`),
		waitJS(`document.getElementById("story").textContent.includes("dossier ouvert pour un 4/10") && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("5-customer.png"),
		// The search box finds them by a name typed without its accent.
		chromedp.SendKeys(chromedp.CSS(`nav input[name="q"]`), "zoe"),
		chromedp.Submit(chromedp.CSS(`nav input[name="q"]`)),
		waitJS(`document.getElementById("customers") !== null && document.getElementById("customers").textContent.includes("Zoé")`),
		shot("6-customers.png"),
		// The list of cases, from the nav, at a phone's width: the case
		// just marked contacted, and its page from its link.
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/cases"]`)),
		waitJS(`document.querySelector("#case-k1 .state") !== null && document.querySelector("#case-k1 .state").textContent === "contacté" && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("6a-cases.png"),
		chromedp.Click(chromedp.CSS(`#case-k1 a[href="/admin/cases/k1"]`)),
		waitJS(`document.getElementById("state") !== null && document.getElementById("state").textContent.includes("contacté") && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("6b-case-from-list.png"),
		// The case page an alert links to, in French, at a phone's width.
		chromedp.Navigate(srv.URL+"/c/"+r.signer.CaseToken(1)),
		waitJS(`document.getElementById("state") !== null && document.getElementById("state").textContent.includes("contacté") && document.body.textContent.includes("Rappelée, bon d'achat") && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("7-case-page.png"),
		// On a desktop: the dashboard and a customer's page.
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/admin"),
		waitJS(`document.getElementById("filters") !== null && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("8-dashboard-desktop.png"),
		chromedp.Navigate(srv.URL+"/admin/contacts/c1"),
		waitJS(`document.getElementById("story") !== null && document.documentElement.scrollWidth <= window.innerWidth`),
		shot("9-customer-desktop.png"),
	)
	if err != nil {
		t.Fatalf("dashboard in the browser: %v", err)
	}
	var k store.Case
	r.st.View(func(tx *store.Tx) (err error) { k, err = tx.Case(1); return err })
	if k.State != store.CaseContacted || k.Notes[len(k.Notes)-1].Text != "Rappelée, bon d'achat" {
		t.Errorf("case after the click: %+v", k)
	}
}
