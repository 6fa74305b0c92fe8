package inbound

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/nps"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

//go:embed pages/page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// pageText is the wording of the pages, by language.
type pageText struct {
	Question, Low, High, Why, Send, Recorded, Thanks                  string
	YourScore, Change                                                 string
	UnsubscribeQ, UnsubscribeButton, Unsubscribed, ErrorHelp, Expired string
	Invalid                                                           string
}

var pageTexts = map[string]pageText{
	"fr": {
		Question: "Sur une échelle de 0 à 10, quelle est la probabilité que vous recommandiez %s à un ami ou un collègue ?",
		Low:      "Pas du tout probable", High: "Très probable",
		Why:  "Qu'est-ce qui vous a incité à donner cette note ? (facultatif)",
		Send: "Envoyer", Recorded: "Merci, votre note est enregistrée.", Thanks: "Merci pour votre réponse !",
		YourScore: "Votre note : %d sur 10", Change: "Modifier ma réponse",
		UnsubscribeQ: "Ne plus recevoir les enquêtes de %s ?", UnsubscribeButton: "Me désabonner",
		Unsubscribed: "C'est fait : vous ne recevrez plus nos enquêtes.",
		ErrorHelp:    "Rien n'a été enregistré. Si vous souhaitez donner votre avis, répondez simplement au message reçu.",
		Expired:      "Ce lien a expiré.", Invalid: "Ce lien n'est pas valide.",
	},
	"en": {
		Question: "On a scale from 0 to 10, how likely are you to recommend %s to a friend or colleague?",
		Low:      "Not at all likely", High: "Extremely likely",
		Why:  "What is the main reason for your score? (optional)",
		Send: "Send", Recorded: "Thank you, your score is recorded.", Thanks: "Thank you for your answer!",
		YourScore: "Your score: %d out of 10", Change: "Change my answer",
		UnsubscribeQ: "Stop receiving surveys from %s?", UnsubscribeButton: "Unsubscribe",
		Unsubscribed: "Done: you will not receive our surveys any more.",
		ErrorHelp:    "Nothing was recorded. To give your opinion, simply reply to the message you received.",
		Expired:      "This link has expired.", Invalid: "This link is not valid.",
	},
}

type scoreButton struct {
	N        int
	Color    string
	Selected bool
}

type pageData struct {
	Lang, Business, Question, Error, Comment string
	T                                        pageText
	Scores                                   []scoreButton
	Selected                                 int
	HasScore, AutoPost, Recorded             bool
	Unsubscribe, Done                        bool
	// ThankYou shows the answer as sent, score and comment, without the
	// form: the customer is done.
	ThankYou bool
}

// PagesOptions configures the survey and unsubscribe pages.
type PagesOptions struct {
	Signer links.Signer
	// Business is the name the pages show.
	Business string
	// DefaultLang is used for contacts whose language has no texts.
	DefaultLang string
	// Location shows times in the business's zone.
	Location *time.Location
	Now      func() time.Time
}

func (p PagesOptions) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}

func (s *Server) lang(contactLang string) string {
	if _, ok := pageTexts[contactLang]; ok {
		return contactLang
	}
	if _, ok := pageTexts[s.o.Pages.DefaultLang]; ok {
		return s.o.Pages.DefaultLang
	}
	return "en"
}

// render writes a survey page. Its URL carries a signed token, so no
// referrer leaves it.
func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	s.writeHTML(w, status, pageTemplate, d, "no-referrer")
}

// writeHTML renders t into a buffer first, so that a template error
// becomes a clean 500 rather than half a page, and sends it with headers
// that keep it out of caches and frames.
func (s *Server) writeHTML(w http.ResponseWriter, status int, t *template.Template, d any, referrerPolicy string) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		s.log.Error("rendering a page", "page", t.Name(), "err", err)
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", referrerPolicy)
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// tokenError shows why a link does not work, in both languages when the
// contact is unknown. It changes nothing.
func (s *Server) tokenError(w http.ResponseWriter, err error) {
	lang := s.lang("")
	t := pageTexts[lang]
	msg, status := t.Invalid, http.StatusBadRequest
	if errors.Is(err, links.ErrExpiredToken) {
		msg, status = t.Expired, http.StatusGone
	}
	s.render(w, status, pageData{Lang: lang, Business: s.o.Pages.Business, T: t, Error: msg})
}

// surveyFor checks a survey token and loads what the page needs.
func (s *Server) surveyFor(r *http.Request) (store.Survey, store.Contact, *store.Response, error) {
	c, err := s.o.Pages.Signer.Verify(r.PathValue("token"), s.o.Pages.Now())
	if err == nil && c.Purpose != links.PurposeSurvey {
		err = links.ErrBadToken
	}
	if err != nil {
		return store.Survey{}, store.Contact{}, nil, err
	}
	var sv store.Survey
	var ct store.Contact
	var resp *store.Response
	err = s.o.Store.View(func(tx *store.Tx) error {
		var err error
		if sv, err = tx.Survey(c.Survey); err != nil {
			return err
		}
		if ct, err = tx.Contact(sv.ContactID); err != nil {
			return err
		}
		if sv.ResponseID != 0 {
			r, err := tx.Response(sv.ResponseID)
			if err != nil {
				return err
			}
			resp = &r
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return sv, ct, nil, links.ErrBadToken
	}
	return sv, ct, resp, err
}

func (s *Server) surveyPage(ct store.Contact, resp *store.Response, selected int, recorded bool) pageData {
	lang := s.lang(ct.Language)
	t := pageTexts[lang]
	d := pageData{Lang: lang, Business: s.o.Pages.Business, T: t, Question: fmt.Sprintf(t.Question, s.o.Pages.Business), Selected: -1, Recorded: recorded}
	if selected < 0 && resp != nil {
		selected = resp.Score
	}
	if resp != nil {
		d.Comment = resp.Comment
	}
	if nps.ValidScore(selected) {
		d.Selected, d.HasScore = selected, true
	}
	for n := range 11 {
		d.Scores = append(d.Scores, scoreButton{N: n, Color: templates.ScoreColor(n), Selected: n == d.Selected})
	}
	return d
}

// getSurvey shows the page a score link opens. It records nothing: the
// page itself posts the score once a person is looking at it.
func (s *Server) getSurvey(w http.ResponseWriter, r *http.Request) {
	_, ct, resp, err := s.surveyFor(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	selected := -1
	if v := r.URL.Query().Get("score"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && nps.ValidScore(n) {
			selected = n
		}
	}
	d := s.surveyPage(ct, resp, selected, resp != nil && resp.Score == selected)
	// Post the clicked score unless it is the one already recorded.
	d.AutoPost = selected >= 0 && (resp == nil || resp.Score != selected)
	s.render(w, http.StatusOK, d)
}

func (s *Server) pageError(w http.ResponseWriter, err error) {
	if errors.Is(err, links.ErrBadToken) || errors.Is(err, links.ErrExpiredToken) {
		s.tokenError(w, err)
		return
	}
	s.log.Error("survey page", "err", err)
	http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
}

// postSurvey records a score (and a comment) from the page.
func (s *Server) postSurvey(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	sv, ct, _, err := s.surveyFor(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	score, err := strconv.Atoi(r.PostForm.Get("score"))
	if err != nil || !nps.ValidScore(score) {
		http.Error(w, "score must be 0-10", http.StatusBadRequest)
		return
	}
	comment := capComment(strings.TrimSpace(r.PostForm.Get("comment")))
	// The same submission twice (a double click, a resent form) is one.
	sum := sha256.Sum256([]byte(strconv.Itoa(score) + "\x00" + comment))
	_, err = s.o.Conversation.Handle(r.Context(), Incoming{
		Key:     fmt.Sprintf("web:%s:%s", sv.ID, hex.EncodeToString(sum[:8])),
		Channel: store.ChannelWeb, From: ct.ID.String(), Contact: ct.ID, Survey: sv.ID, Text: comment,
		Reply: Reply{Intent: IntentScore, Score: &score, Comment: comment, Rule: "score/survey-page", Revision: true},
	})
	if err != nil {
		s.pageError(w, err)
		return
	}
	if r.PostForm.Get("auto") == "1" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_, ct, resp, err := s.surveyFor(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	d := s.surveyPage(ct, resp, score, true)
	d.ThankYou = comment != ""
	s.render(w, http.StatusOK, d)
}

// unsubscribe shows the question on GET (a scanner's visit changes
// nothing) and opts out on POST: the page's button, or the RFC 8058
// one-click POST a mail program sends with "List-Unsubscribe=One-Click".
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	c, err := s.o.Pages.Signer.Verify(r.PathValue("token"), s.o.Pages.Now())
	if err == nil && c.Purpose != links.PurposeUnsubscribe {
		err = links.ErrBadToken
	}
	if err != nil {
		s.tokenError(w, err)
		return
	}
	var ct store.Contact
	if err := s.o.Store.View(func(tx *store.Tx) (err error) { ct, err = tx.Contact(c.Contact); return err }); err != nil {
		s.pageError(w, fmt.Errorf("%w: %v", links.ErrBadToken, err))
		return
	}
	lang := s.lang(ct.Language)
	t := pageTexts[lang]
	t.UnsubscribeQ = fmt.Sprintf(t.UnsubscribeQ, s.o.Pages.Business)
	d := pageData{Lang: lang, Business: s.o.Pages.Business, T: t, Unsubscribe: true}
	if r.Method != http.MethodPost {
		s.render(w, http.StatusOK, d)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	_ = r.ParseForm()
	if err := s.o.Conversation.OptOut(r.Context(), ct.ID, c.Channel, "unsubscribe link"); err != nil {
		s.pageError(w, err)
		return
	}
	if r.PostForm.Get("List-Unsubscribe") == "One-Click" {
		w.WriteHeader(http.StatusOK)
		return
	}
	d.Done = true
	s.render(w, http.StatusOK, d)
}

// OptOut records that a contact left a channel by the unsubscribe link,
// through the conversation's one opt-out path.
func (cv *Conversation) OptOut(ctx context.Context, id store.ContactID, ch store.Channel, reason string) error {
	err := cv.st.Update(ctx, func(tx *store.Tx) error {
		ct, err := tx.Contact(id)
		if err != nil {
			return err
		}
		h := &handling{cv: cv, tx: tx, contact: ct, in: Incoming{Channel: ch}, now: cv.o.Now().UTC()}
		return h.optOut(ch, reason, false)
	})
	if err == nil {
		cv.log.Info("contact opted out", "contact", id, "channel", ch, "reason", reason)
		if len(cv.o.Webhooks) > 0 {
			cv.o.Wake()
		}
	}
	return err
}
