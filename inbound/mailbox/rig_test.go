package mailbox

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/links"
	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// rig is what the reader's tests need of inbound's own test rig: a store,
// the conversation the daemon would build on it, and a contact whose
// survey went out by email an hour before now. It is built the way
// inbound's newPageRig builds it, so that a reply read here meets the same
// conversation as one posted to inbound's pages.
type rig struct {
	t      *testing.T
	st     *store.Store
	cv     *inbound.Conversation
	now    time.Time
	signer links.Signer
	sv     store.Survey
	c      store.Contact
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, now: time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)}
	var err error
	r.st, err = store.Open(store.Options{Path: filepath.Join(t.TempDir(), "npsd.db"), Now: func() time.Time { return r.now }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.st.Close() })
	if r.signer, err = links.NewSigner([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	tpl, err := templates.Load(templates.Options{DefaultLanguage: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	r.cv, err = inbound.NewConversation(r.st, inbound.ConversationOptions{
		Owners:    []string{"marie@example.fr", "paul@example.fr"},
		Business:  templates.Business{Name: "Boulangerie Martin", ReviewURL: "https://g.page/r/x/review"},
		Templates: tpl,
		Now:       func() time.Time { return r.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.c, _, _ = r.st.UpsertContact(ctx, store.Contact{Name: "Zoé", Email: "zoe@example.fr", Language: "fr"})
	r.st.Update(ctx, func(tx *store.Tx) (err error) {
		r.sv, err = tx.PutSurvey(store.Survey{ContactID: r.c.ID, Campaign: "quarterly", Channel: store.ChannelEmail, State: store.SurveySent, Sent: r.now.Add(-time.Hour)})
		return err
	})
	return r
}

// useRealClock moves the rig onto the real clock, for a test whose peer
// judges time by its own (an IMAP server, a real wait): the rig's survey
// is sent an hour before now, as it was on the fixed clock, so that every
// window counted from it (the answer window, the comment window) holds on
// any date.
func (r *rig) useRealClock() {
	r.t.Helper()
	r.now = time.Now().UTC()
	err := r.st.Update(context.Background(), func(tx *store.Tx) (err error) {
		sv, err := tx.Survey(r.sv.ID)
		if err != nil {
			return err
		}
		sv.Sent = r.now.Add(-time.Hour)
		r.sv, err = tx.PutSurvey(sv)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// state reads a survey, its response, every job and the survey's contact.
func (r *rig) state(sv store.SurveyID) (store.Survey, store.Response, []store.Job, store.Contact) {
	var s store.Survey
	var resp store.Response
	var jobs []store.Job
	var c store.Contact
	r.st.View(func(tx *store.Tx) error {
		s, _ = tx.Survey(sv)
		if s.ResponseID != 0 {
			resp, _ = tx.Response(s.ResponseID)
		}
		c, _ = tx.Contact(s.ContactID)
		return tx.ForEachJob(func(j store.Job) error { jobs = append(jobs, j); return nil })
	})
	return s, resp, jobs, c
}
