package app

import (
	"cmp"
	"strings"

	"github.com/npsd/npsd/inbound"
	"github.com/npsd/npsd/internal/i18n"
	"github.com/npsd/npsd/store"
)

// The conversation notes what it did in English, for the log and the
// stored record of each message, and the command line has always shown
// that note as its confirmation. An owner who reads another language is
// told the same from what the outcome and the command say.

// InPersonNote confirms an answer the owner entered (npsd responses add).
func InPersonNote(p i18n.Printer, st *store.Store, out inbound.Outcome, a inbound.InPerson) string {
	if p.Codes() {
		return out.Note
	}
	if out.Duplicate {
		return p.T("inperson.duplicate")
	}
	who := out.Contact.String()
	_ = st.View(func(tx *store.Tx) error {
		// Without the name, the contact's key still says who it was.
		if c, err := tx.Contact(out.Contact); err == nil {
			who = c.DisplayName() + " (" + who + ")"
		}
		return nil
	})
	return p.T("inperson.recorded", who, a.Score, p.Stored("channel", string(a.Channel)), decidedBy(p, a.By), out.Survey)
}

// DecisionNote confirms the owner's decision on a kept message (npsd
// messages decide).
func DecisionNote(p i18n.Printer, out inbound.Outcome, d store.OwnerDecision) string {
	if p.Codes() {
		return out.Note
	}
	switch d.Action {
	case store.DecisionDismiss:
		return p.T("messages.dismissed", decidedBy(p, d.By))
	case store.DecisionScore:
		return p.T("messages.scored", d.Score, decidedBy(p, d.By))
	case store.DecisionOptOut:
		return p.T("messages.opted_out", decidedBy(p, d.By))
	}
	return out.Note
}

// decidedBy names who entered or decided, the owner by default, as the
// conversation records it.
func decidedBy(p i18n.Printer, by string) string {
	if by = cmp.Or(strings.TrimSpace(by), inbound.DefaultDecidedBy); by == inbound.DefaultDecidedBy {
		return p.T("by.owner")
	}
	return by
}
