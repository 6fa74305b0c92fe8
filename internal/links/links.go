package links

import (
	"strings"
	"time"

	"github.com/npsd/npsd/store"
	"github.com/npsd/npsd/templates"
)

// Links builds the links of outgoing messages with signed tokens; it is
// the dispatcher's Links.
type Links struct {
	PublicURL string
	Signer    Signer
	// ReplyAddress is the configured reply address, plus-tagged per survey.
	ReplyAddress string
	// TTL is how long survey links work. Default 60 days.
	TTL time.Duration
	Now func() time.Time
}

func (l Links) base() string { return strings.TrimRight(l.PublicURL, "/") }

// Survey returns the survey page and its eleven score links.
func (l Links) Survey(sv store.Survey) (string, []templates.ScoreLink) {
	ttl, now := l.TTL, time.Now
	if ttl <= 0 {
		ttl = 60 * 24 * time.Hour
	}
	if l.Now != nil {
		now = l.Now
	}
	page := l.base() + "/s/" + l.Signer.SurveyToken(sv.ID, now().Add(ttl))
	return page, templates.ScoreLinksOn(page)
}

// Unsubscribe returns the one-click unsubscribe link.
func (l Links) Unsubscribe(c store.Contact, ch store.Channel) string {
	return l.base() + "/u/" + l.Signer.UnsubscribeToken(c.ID, ch)
}

// Case returns the page of a detractor case, for the owners' emails.
func (l Links) Case(id store.CaseID) string {
	return l.base() + "/c/" + l.Signer.CaseToken(id)
}

// ReplyTo plus-addresses the reply address with the survey's signed tag.
func (l Links) ReplyTo(sv store.Survey) string {
	local, domain, ok := strings.Cut(l.ReplyAddress, "@")
	if !ok || sv.ID == 0 {
		return ""
	}
	return local + "+" + l.Signer.replyTag(sv.ID) + "@" + domain
}
