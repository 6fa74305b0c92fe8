package inbound

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
)

// customersPage is how many customers the dashboard lists at a time.
const customersPage = 50

// printer writes the owner's pages in the business's language and zone.
func (s *Server) printer() i18n.Printer {
	return i18n.For(s.o.Pages.DefaultLang, s.o.Pages.location())
}

// adminCustomers lists the customers, or those a search finds (?q=), a
// page at a time (?after=c42), each linked to their file.
func (s *Server) adminCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	d := adminData{Business: s.o.Pages.Business, View: "customers", Search: report.Bound(r.URL.Query().Get("q"))}
	q := report.ContactQuery{Search: d.Search, Limit: customersPage}
	if after, ok := store.ParseContactID(r.URL.Query().Get("after")); ok {
		q.After = after
	}
	next, err := report.ListContacts(s.o.Store, q, func(c report.ContactRow) error {
		d.Customers = append(d.Customers, c)
		return nil
	})
	if err != nil {
		s.log.Error("customers page", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	d.NextCustomers = next
	s.renderAdmin(w, http.StatusOK, d)
}

// adminCustomer shows one customer's file: how to reach them, the
// channels npsd may use, and their story, cases and notes included.
func (s *Server) adminCustomer(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	key := r.PathValue("key")
	f, err := report.ReadContactFile(s.o.Store, key, contact.PhoneKey(key, ""), s.printer())
	switch {
	case errors.Is(err, store.ErrNotFound):
		d := adminData{Business: s.o.Pages.Business, View: "customers", Search: key}
		s.renderAdmin(w, http.StatusNotFound, d)
		return
	case err != nil:
		s.log.Error("customer page", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	s.renderAdmin(w, http.StatusOK, adminData{Business: s.o.Pages.Business, View: "customer", Customer: &f})
}

// casesPage is how many cases the list of cases shows at a time, and
// casesExamined how many it reads at most for one page: a page of one
// state among many cases of others stops there and links to the rest.
const (
	casesPage     = 50
	casesExamined = 5000
)

// adminCases lists every case, newest first, or those in one state
// (?state=resolved), a page at a time (?after=k42), each linked to its
// page and its customer's file.
func (s *Server) adminCases(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	d := adminData{Business: s.o.Pages.Business, View: "cases", CaseStates: []string{string(store.CaseOpen), string(store.CaseContacted), string(store.CaseResolved)}}
	q := report.CaseQuery{Limit: casesPage, MaxExamined: casesExamined, Now: s.o.Pages.Now()}
	if state := r.URL.Query().Get("state"); slices.Contains(d.CaseStates, state) {
		q.State, d.CaseState = store.CaseState(state), state
	}
	q.After, _ = store.ParseCaseID(r.URL.Query().Get("after"))
	page, err := report.ListCases(s.o.Store, q)
	if err != nil {
		s.log.Error("cases page", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	d.CaseList, d.CasesPerPage = &page, casesPage
	s.renderAdmin(w, http.StatusOK, d)
}

// adminCase shows a case's page behind the dashboard's login, where a
// resolved case stays readable once its signed link has expired; its
// buttons post to adminCaseAction.
func (s *Server) adminCase(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	id, ok := store.ParseCaseID(r.PathValue("id"))
	d, err := s.caseData(id)
	switch {
	case !ok || errors.Is(err, store.ErrNotFound):
		http.NotFound(w, r)
	case err != nil:
		s.log.Error("case page", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
	default:
		s.writeHTML(w, http.StatusOK, casePage, d, "same-origin")
	}
}

// filtered fills in the view the dashboard's filters select; a filter
// that cannot be read is said on the page.
func (s *Server) filtered(d *adminData, r *http.Request, now time.Time) error {
	view, err := report.BuildView(s.o.Store, report.FilterFrom(r.URL.Query()), s.o.Pages.location(), now)
	var bound *report.BoundError
	if errors.As(err, &bound) {
		d.FilterError, err = bound.Error(), nil
	}
	d.Filtered, d.ExportURL = &view, template.URL("/admin/export.csv?"+view.Filter.Query())
	d.Channels = []string{"email", "sms", "web", "phone", "counter"}
	return err
}

// adminExport writes the answers the dashboard's filters select, as CSV.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	view, err := report.BuildView(s.o.Store, report.FilterFrom(r.URL.Query()), s.o.Pages.location(), s.o.Pages.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="npsd-answers.csv"`)
	_ = report.WriteExportCSV(w, view.Answers)
}
