package dispatcher

import (
	"fmt"
	"strings"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// PlainLinks builds links from record ids, for tests that look at how a
// message is assembled; the daemon uses links.Links (internal/links).
type PlainLinks struct {
	PublicURL string
	// ReplyTo is the configured reply address; replies to a survey go to
	// its plus-address (avis+s42@…) so they can be matched to the survey.
	ReplyAddress string
}

func (l PlainLinks) base() string { return strings.TrimRight(l.PublicURL, "/") }

// Survey returns /s/s42 and its eleven score links.
func (l PlainLinks) Survey(sv store.Survey) (string, []templates.ScoreLink) {
	page := fmt.Sprintf("%s/s/%s", l.base(), sv.ID)
	return page, templates.ScoreLinksOn(page)
}

// Unsubscribe returns /u/c42-email.
func (l PlainLinks) Unsubscribe(c store.Contact, ch store.Channel) string {
	return fmt.Sprintf("%s/u/%s-%s", l.base(), c.ID, ch)
}

// ReplyTo plus-addresses the configured reply address with the survey id.
func (l PlainLinks) ReplyTo(sv store.Survey) string {
	local, domain, ok := strings.Cut(l.ReplyAddress, "@")
	if !ok || sv.ID == 0 || strings.ContainsAny(local, "<> ") {
		return ""
	}
	return fmt.Sprintf("%s+%s@%s", local, sv.ID, domain)
}
