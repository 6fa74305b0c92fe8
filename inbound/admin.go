package inbound

import (
	"cmp"
	"crypto/subtle"
	_ "embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/npsd/npsd/inbound/loginlimit"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/internal/report"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// AdminOptions configures the owners' dashboard at /admin.
type AdminOptions struct {
	// PasswordHash is a bcrypt hash (npsd hash-password makes one). Empty
	// with no Tokens: the dashboard is off.
	PasswordHash string
	// Tokens are bearer tokens that open the dashboard and work its case
	// buttons without a login: the admin-scoped ones only, never the
	// shop's API tokens.
	Tokens []string
	// Summary builds the figures shown, for the week containing now.
	Summary func(tx *store.Tx, now time.Time) (templates.Summary, error)
	// SessionTTL is how long a login lasts. Default 12h.
	SessionTTL time.Duration
	// State is kept across the servers of successive configs; nil: a
	// state of this server's own.
	State *AdminState
}

//go:embed pages/admin.html
var adminHTML string

var adminTemplate = template.Must(template.New("admin").Funcs(template.FuncMap{
	"signed": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	},
	"scoreColor": templates.ScoreColor,
	"npsColor":   templates.NPSColor,
}).Parse(adminHTML))

const sessionCookie = "npsd_session"

func (s *Server) adminEnabled() bool {
	return s.o.Admin.PasswordHash != "" || len(s.o.Admin.Tokens) > 0
}

// authorized accepts a session cookie or an admin-scoped bearer token.
func (s *Server) authorized(r *http.Request) bool {
	if c, err := r.Cookie(sessionCookie); err == nil && s.sessions.valid(c.Value, s.o.Pages.Now()) {
		return true
	}
	return bearerIn(r, s.o.Admin.Tokens)
}

// bearerIn reports whether the request carries one of tokens as its
// bearer token, compared in constant time.
func bearerIn(r *http.Request, tokens []string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	found := false
	for _, t := range tokens {
		if ok && subtle.ConstantTimeCompare([]byte(tok), []byte(t)) == 1 {
			found = true
		}
	}
	return found
}

// sameOrigin refuses a form posted from another site: the session cookie
// is SameSite, and the Origin, when the browser sends it, must be ours.
func (s *Server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	return err == nil && (u.Host == s.public.Host || u.Host == r.Host)
}

// adminData is what the dashboard shows: the summary of the week so far
// (its open cases included, overdue first), and the latest comments.
type adminData struct {
	// P writes the owner's words, in the business's language and zone.
	P        i18n.Printer
	Business string
	Error    string
	Login    bool
	Summary  templates.Summary
	// CaseNotes are each open case's notes, by case id: what was said or
	// done so far.
	CaseNotes map[string][]store.CaseNote
	Comments  []adminComment
	// Replies are the messages kept for the owner to decide, newest
	// first, at most maxAdminReplies of them.
	Replies []adminReply
	// MoreReplies is set when more are waiting than are shown.
	MoreReplies bool
	Scores      []int
	// View picks the page: "" the dashboard, "customers" the list (or a
	// search's result), "customer" one customer's file, "cases" the list
	// of cases (of one state, CaseState, when it is set).
	View          string
	Search        string
	Customers     []report.ContactRow
	NextCustomers string
	Customer      *report.ContactFile
	CaseList      *report.CasePage
	CaseState     string
	CaseStates    []string
	CasesPerPage  int
	// Filtered is the dashboard's filtered view (period, campaign,
	// channel, segment), its CSV at ExportURL; FilterError says why a
	// filter could not be read.
	Filtered    *report.View
	FilterError string
	ExportURL   template.URL
	Channels    []string
}

// maxAdminReplies bounds the messages the dashboard lists: the rest wait
// for the ones shown to be decided (or for `npsd messages`).
const maxAdminReplies = 50

// maxAdminReplyText bounds the text shown of each message.
const maxAdminReplyText = 300

// adminReply is a message kept for the owner, as the dashboard shows it.
type adminReply struct {
	Key      string
	Received time.Time
	Channel  string
	// Sender is the contact's name, else the address it came from.
	Sender string
	Text   string
	// Read is what npsd read in it; Outcome what npsd did.
	Read    string
	Outcome string
	// Known is set when npsd knows the sender: a stranger's message can
	// only be dismissed.
	Known bool
	// Contact is the sender's key, for the link to their page.
	Contact string
}

type adminComment struct {
	Contact  string
	Name     string
	Score    int
	Comment  string
	Received time.Time
}

// renderAdmin writes the dashboard or its login form; the referrer stays
// on our own origin, which the forms' Origin check relies on.
func (s *Server) renderAdmin(w http.ResponseWriter, status int, d adminData) {
	d.P = s.printer()
	s.writeHTML(w, status, adminTemplate, d, "same-origin")
}

func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request) {
	d := adminData{Business: s.o.Pages.Business, Login: true}
	if r.Method == http.MethodGet {
		s.renderAdmin(w, http.StatusOK, d)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !s.sameOrigin(r) || r.ParseForm() != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	addr := s.clientAddress(r)
	if wait := s.logins.Blocked(addr, s.o.Pages.Now()); wait > 0 {
		s.log.Warn("dashboard login throttled", "remote", addr)
		tooManyRequests(w, wait)
		return
	}
	if !s.logins.Acquire() {
		tooManyRequests(w, loginlimit.BusyRetry)
		return
	}
	ok := s.o.Admin.PasswordHash != "" && bcrypt.CompareHashAndPassword([]byte(s.o.Admin.PasswordHash), []byte(r.PostForm.Get("password"))) == nil
	s.logins.Release()
	if !ok {
		s.logins.Failed(addr, s.o.Pages.Now())
		s.log.Warn("dashboard login refused", "remote", addr)
		d.Error = s.printer().T("login.wrong")
		s.renderAdmin(w, http.StatusUnauthorized, d)
		return
	}
	s.logins.Succeeded(addr)
	ttl := cmp.Or(s.o.Admin.SessionTTL, 12*time.Hour)
	expires := s.o.Pages.Now().Add(ttl)
	// The browser is told the lifetime as Max-Age, relative to its own
	// clock: an absolute Expires is judged by the browser's clock, and a
	// client whose clock is ahead of ours (or a server whose clock is
	// behind) would drop the cookie at once. The signed value carries the
	// expiry the server itself checks.
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: s.sessions.issue(expires), Path: "/admin", MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// adminLogout ends the session on the server too: a copy of the cookie
// kept elsewhere (a shared computer, a stolen backup) stops working.
func (s *Server) adminLogout(w http.ResponseWriter, r *http.Request) {
	if !s.sameOrigin(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.revoke(c.Value, s.o.Pages.Now())
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: s.public.Scheme == "https", SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// dashboard shows the NPS now, its trend, segments, the latest comments
// and the open cases with their buttons.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		return
	}
	now := s.o.Pages.Now()
	d := adminData{Business: s.o.Pages.Business}
	err := s.o.Store.View(func(tx *store.Tx) error {
		var err error
		if s.o.Admin.Summary != nil {
			if d.Summary, err = s.o.Admin.Summary(tx, now); err != nil {
				return err
			}
		}
		d.CaseNotes = map[string][]store.CaseNote{}
		for _, k := range d.Summary.Cases {
			if id, err := strconv.ParseUint(strings.TrimPrefix(k.ID, "k"), 10, 64); err == nil {
				if c, err := tx.Case(store.CaseID(id)); err == nil {
					d.CaseNotes[k.ID] = c.Notes
				}
			}
		}
		// The latest comments, newest first, from the last 90 days.
		return tx.ScanResponses(now.AddDate(0, 0, -90), time.Time{}, func(rs store.ResponseSummary) error {
			resp, err := tx.Response(rs.ID)
			if err != nil || resp.Comment == "" {
				return err
			}
			name := s.printer().T("anonymous")
			if ct, err := tx.Contact(resp.ContactID); err == nil {
				name = ct.DisplayName()
			}
			d.Comments = append(d.Comments, adminComment{Contact: resp.ContactID.String(), Name: name, Score: resp.Score, Comment: resp.Comment, Received: resp.Received})
			return nil
		})
	})
	if err != nil {
		s.log.Error("dashboard", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	if err := s.filtered(&d, r, now); err != nil {
		s.log.Error("dashboard", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	slices.Reverse(d.Comments)
	d.Comments = d.Comments[:min(len(d.Comments), 20)]
	if err := s.adminReplies(&d); err != nil {
		s.log.Error("dashboard", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	s.renderAdmin(w, http.StatusOK, d)
}

// adminReplies fills in the messages waiting for the owner's decision,
// newest first. It reads one more than it shows, to say that more wait.
func (s *Server) adminReplies(d *adminData) error {
	loc := s.o.Pages.location()
	d.Scores = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	return s.o.Store.View(func(tx *store.Tx) error {
		return tx.ForEachForOwnerNewest(maxAdminReplies+1, func(m store.InboundMessage) error {
			if len(d.Replies) == maxAdminReplies {
				d.MoreReplies = true
				return nil
			}
			rep := adminReply{
				Key: m.Key, Received: m.Received.In(loc), Channel: string(m.Channel), Sender: m.From,
				Text: clipRunes(m.Body, maxAdminReplyText), Read: ReadingKind(m.Reading), Outcome: m.Outcome,
				Known: m.ContactID != 0 && !m.UnknownSender,
			}
			if m.ContactID != 0 {
				if ct, err := tx.Contact(m.ContactID); err == nil {
					rep.Sender, rep.Contact = ct.DisplayName(), ct.ID.String()
				}
			}
			d.Replies = append(d.Replies, rep)
			return nil
		})
	})
}

// adminForm checks a form posted from the dashboard: a session or an
// admin token, a bounded body, and our own origin. It answers a refusal
// itself and reports whether the handler may go on.
func (s *Server) adminForm(w http.ResponseWriter, r *http.Request) bool {
	if !s.authorized(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !s.sameOrigin(r) || r.ParseForm() != nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return false
	}
	return true
}

// adminDecide records the owner's decision about a message kept for
// them: a score read in it, an opt-out, or nothing (dismissed). It is
// guarded as the case buttons are: a session or an admin token, and a
// form from our own origin.
func (s *Server) adminDecide(w http.ResponseWriter, r *http.Request) {
	if !s.adminForm(w, r) {
		return
	}
	key := r.PostForm.Get("key")
	// The dashboard has one password, not one per owner: the decision is
	// the owner's, without a name.
	d, err := NewDecision(r.PostForm.Get("action"), r.PostForm.Get("score"), DefaultDecidedBy)
	switch {
	case errors.Is(err, ErrDecisionScore):
		http.Error(w, "choose a score from 0 to 10 before recording it", http.StatusBadRequest)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if key == "" {
		http.Error(w, "a message key is required", http.StatusBadRequest)
		return
	}
	_, err = s.o.Conversation.Decide(r.Context(), key, d)
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin#replies", http.StatusSeeOther)
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "no such message", http.StatusNotFound)
	case errors.Is(err, store.ErrAlreadyDecided):
		http.Error(w, err.Error(), http.StatusConflict)
	case errors.Is(err, ErrDecisionRefused), errors.Is(err, store.ErrInvalid):
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		s.log.Error("owner's decision", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
	}
}

// adminCase marks a case contacted or resolved from the dashboard.
func (s *Server) adminCaseAction(w http.ResponseWriter, r *http.Request) {
	if !s.adminForm(w, r) {
		return
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(r.PathValue("id"), "k"), 10, 64)
	state := store.CaseState(r.PostForm.Get("state"))
	if err != nil || (state != store.CaseContacted && state != store.CaseResolved) {
		http.Error(w, "a case id and a state (contacted or resolved) are required", http.StatusBadRequest)
		return
	}
	err = s.o.Store.Update(r.Context(), func(tx *store.Tx) error {
		k, err := tx.Case(store.CaseID(id))
		if err != nil {
			return err
		}
		k.State = state
		k.Notes = append(k.Notes, store.CaseNote{At: s.o.Pages.Now().UTC(), By: "owner", State: state, Text: cmp.Or(strings.TrimSpace(r.PostForm.Get("note")), "-")})
		_, err = tx.PutCase(k)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.log.Error("case action", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}
