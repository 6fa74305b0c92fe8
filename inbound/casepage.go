package inbound

import (
	"cmp"
	_ "embed"
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

//go:embed pages/case.html
var casePageHTML string

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
	d, err := s.caseData(c.Case)
	if err != nil {
		s.pageError(w, caseErr(err))
		return
	}
	// The URL carries the token: no referrer leaves the page, and no
	// other site may frame its buttons.
	s.writeHTML(w, http.StatusOK, casePage, d, "no-referrer")
}

// caseData reads what the case page shows of the case id.
func (s *Server) caseData(id store.CaseID) (casePageData, error) {
	d := casePageData{P: s.printer()}
	err := s.o.Store.View(func(tx *store.Tx) error {
		k, err := tx.Case(id)
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
	return d, err
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
