package inbound

import (
	"cmp"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/store"
)

// casePage is the owners' page of a detractor case, opened from the alert
// email: who, what they said, how to reach them, the case's history and
// the two buttons, in the business's words (internal/i18n).
var casePage = template.Must(template.New("case").Parse(casePageHTML))

const casePageHTML = `<!DOCTYPE html>
<html lang="{{.P.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>{{.Case.ID}} {{.Name}}</title>
<style>body{margin:0;background:#f4f4f4;font-family:-apple-system,Segoe UI,Roboto,Arial,sans-serif;color:#222}main{max-width:560px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:8px;padding:24px;overflow-wrap:anywhere}textarea{width:100%;box-sizing:border-box;min-height:90px;font:inherit;padding:8px}
button{font:inherit;font-weight:700;border:0;border-radius:6px;padding:12px 16px;margin:8px 8px 0 0;color:#fff;cursor:pointer}
.c{background:#f9a825}.r{background:#2e7d32}.note{border-left:3px solid #ccc;padding-left:8px;margin:8px 0;color:#555}.state{font-weight:700}</style></head>
<body><main><div class="card">{{$p := .P}}
<h1>{{.Name}} · {{.Case.Score}}/10</h1>
{{with .Comment}}<p>« {{.}} »</p>{{end}}
<p>{{with .Phone}}<a href="tel:{{.}}">{{.}}</a><br>{{end}}{{with .Email}}<a href="mailto:{{.}}">{{.}}</a>{{end}}</p>
<p class="state" id="state">{{$p.Word "state" (print .Case.State)}} · {{$p.T "cases.due" ($p.DateTime .Case.Due)}}{{with .Case.Assignee}} · {{$p.T "cases.assignee" .}}{{end}}</p>
{{range .Case.Notes}}<p class="note">{{$p.DateTime .At}} · {{$p.T "story.note" ($p.Word "by" .By) .Text}}{{with .State}} ({{$p.Word "state" (print .)}}){{end}}</p>{{end}}
{{if .Case.Open}}<form method="post"><textarea name="note" placeholder="{{$p.T "cases.note"}}"></textarea>
<button class="c" name="state" value="contacted">{{$p.T "cases.contacted"}}</button><button class="r" name="state" value="resolved">{{$p.T "cases.resolved"}}</button></form>{{end}}
</div></main></body></html>`

type casePageData struct {
	P                           i18n.Printer
	Name, Comment, Phone, Email string
	Case                        store.Case
}

// casePage shows a case; a POST marks it contacted or resolved, with a note.
func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	c, err := s.o.Pages.Signer.Verify(r.PathValue("token"), s.o.Pages.Now())
	if err == nil && c.Purpose != links.PurposeCase {
		err = links.ErrBadToken
	}
	if err != nil {
		s.tokenError(w, err)
		return
	}
	if err := s.caseLinkLive(c.Case); err != nil {
		s.pageError(w, err)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		state := store.CaseState(r.PostForm.Get("state"))
		if state != store.CaseContacted && state != store.CaseResolved {
			http.Error(w, "state must be contacted or resolved", http.StatusBadRequest)
			return
		}
		note := strings.TrimSpace(r.PostForm.Get("note"))
		err := s.o.Store.Update(r.Context(), func(tx *store.Tx) error {
			k, err := tx.Case(c.Case)
			if err != nil {
				return err
			}
			k.State = state
			k.Notes = append(k.Notes, store.CaseNote{At: s.o.Pages.Now().UTC(), By: "owner", State: state, Text: cmp.Or(note, "-")})
			_, err = tx.PutCase(k)
			return err
		})
		if err != nil {
			s.pageError(w, caseErr(err))
			return
		}
		// Back to the page, as a GET: a reload does not post twice.
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return
	}
	var d casePageData
	err = s.o.Store.View(func(tx *store.Tx) error {
		k, err := tx.Case(c.Case)
		if err != nil {
			return err
		}
		d.Case = k
		if ct, err := tx.Contact(k.ContactID); err == nil {
			d.Name, d.Phone, d.Email = ct.DisplayName(), ct.Phone, ct.Email
		}
		if resp, err := tx.Response(k.ResponseID); err == nil {
			d.Comment = resp.Comment
		}
		return nil
	})
	if err != nil {
		s.pageError(w, caseErr(err))
		return
	}
	d.P = s.printer()
	// The URL carries the token: no referrer leaves the page, and no
	// other site may frame its buttons.
	s.writeHTML(w, http.StatusOK, casePage, d, "no-referrer")
}

// caseLinkLifetime is how long a case link keeps working once the case is
// resolved: long enough to add a late note, short enough that an old
// alert email forwarded or left in a mailbox no longer opens the
// customer's details.
const caseLinkLifetime = 7 * 24 * time.Hour

// caseLinkLive refuses the link of a case resolved more than
// caseLinkLifetime ago, as an expired link.
func (s *Server) caseLinkLive(id store.CaseID) error {
	var k store.Case
	if err := s.o.Store.View(func(tx *store.Tx) (err error) { k, err = tx.Case(id); return err }); err != nil {
		return caseErr(err)
	}
	if resolved, ok := k.ResolvedAt(); ok && s.o.Pages.Now().Sub(resolved) > caseLinkLifetime {
		return links.ErrExpiredToken
	}
	return nil
}

func caseErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return links.ErrBadToken
	}
	return err
}
