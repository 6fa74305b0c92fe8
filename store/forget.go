package store

import (
	"context"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Forget erases a contact's personal data — name, addresses, external id,
// attributes, the comments they wrote, the messages they sent, the notes on
// their cases — and keeps their scores, without a name, for the
// statistics (Québec's Law 25, the GDPR). Nothing that could find them
// again is left: the indexes by email, phone and external id go too.
func (t *Tx) Forget(id ContactID) error {
	c, err := t.Contact(id)
	if err != nil {
		return err
	}
	if err := t.forgetContact(id, c); err != nil {
		return err
	}
	if err := t.forgetComments(id); err != nil {
		return err
	}
	if err := t.forgetInbound(id, c); err != nil {
		return err
	}
	if err := t.forgetJobs(id, c); err != nil {
		return err
	}
	return t.forgetCases(id)
}

// forgetContact drops the contact's index entries and puts in its place a
// contact with no personal data, opted out of every channel.
func (t *Tx) forgetContact(id ContactID, c Contact) error {
	for _, ix := range []struct {
		bucket []byte
		key    []byte
	}{
		{bucketContactsByExternal, []byte(c.ExternalID)},
		{bucketContactsByEmail, emailKey(c.Email)},
		{bucketContactsByPhone, []byte(c.Phone)},
	} {
		if len(ix.key) > 0 {
			if err := t.bucket(ix.bucket).Delete(ix.key); err != nil {
				return err
			}
		}
	}
	now := t.nowUTC()
	forgotten := Contact{ID: c.ID, Channels: map[Channel]ChannelStatus{
		ChannelEmail: {State: ChannelOptedOut, Since: now, Reason: "forgotten on request"},
		ChannelSMS:   {State: ChannelOptedOut, Since: now, Reason: "forgotten on request"},
	}, Forgotten: now, Created: c.Created, Updated: now}
	return putJSON(t.bucket(bucketContacts), idKey(uint64(id)), forgotten)
}

func (t *Tx) forgetComments(id ContactID) error {
	// Their comments; the scores stay.
	var responses []Response
	if err := t.ResponsesOf(id, func(r Response) error {
		if r.Comment != "" {
			responses = append(responses, r)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range responses {
		r.Comment = ""
		if err := putJSON(t.bucket(bucketResponses), idKey(uint64(r.ID)), r); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) forgetInbound(id ContactID, c Contact) error {
	// What they sent us, and what was about to be sent to them. A message
	// kept without a contact (one that failed, one too large to read)
	// is theirs too when it came from their address.
	var inbound []InboundMessage
	if err := t.ForEachInbound(func(m InboundMessage) error {
		if m.ContactID == id || mentions(m.From, c) {
			inbound = append(inbound, m)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, m := range inbound {
		m.From, m.Body, m.Answer = "", "", ""
		if err := t.PutInbound(m); err != nil {
			return err
		}
	}
	return nil
}

// forgetJobs empties the payloads of the contact's jobs and cancels those
// still pending.
func (t *Tx) forgetJobs(id ContactID, c Contact) error {
	// A summary of the old form copies everyone's names and comments,
	// theirs among them, into a job that is nobody's.
	if _, err := t.ReferLegacySummaries(); err != nil {
		return err
	}
	jobs, err := t.JobsOf(id)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		// The payload, and the bytes of one that could not be read, may
		// hold their comment; the job keeps its kind and outcome.
		j.ForgetPayload()
		if j.State == JobPending {
			j.State, j.Reason = JobCanceled, "contact forgotten"
		}
		// A provider's refusal often quotes the address it refused.
		if mentions(j.Reason, c) {
			j.Reason = "erased: contact forgotten"
		}
		for i := range j.Attempts {
			if mentions(j.Attempts[i].Error, c) {
				j.Attempts[i].Error = "erased: contact forgotten"
			}
		}
		if _, err := t.UpdateJob(j); err != nil {
			return err
		}
	}
	return nil
}

// forgetCases erases the notes on the contact's cases and resolves them.
func (t *Tx) forgetCases(id ContactID) error {
	var cases []Case
	if err := t.CasesOf(id, func(k Case) error {
		cases = append(cases, k)
		return nil
	}); err != nil {
		return err
	}
	for _, k := range cases {
		k.Notes, k.State = nil, CaseResolved
		if _, err := t.PutCase(k); err != nil {
			return err
		}
	}
	return nil
}

// mentions reports whether s holds one of the contact's addresses.
func mentions(s string, c Contact) bool {
	s = strings.ToLower(s)
	for _, addr := range []string{c.Email, c.Phone} {
		if addr != "" && strings.Contains(s, strings.ToLower(addr)) {
			return true
		}
	}
	return false
}

// Backup writes a consistent copy of the whole database while it is in
// use: one read transaction sees a fixed state, and writers go on.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	h := s.acquire()
	defer h.readers.Done()
	err := h.db.View(func(btx *bolt.Tx) error {
		var err error
		n, err = btx.WriteTo(w)
		return err
	})
	return n, err
}

// ReferLegacySummaries rewrites every summary job of the old form, which
// holds the names, addresses and comments of its week, into the form that
// names the week only, so that no copy of them stays in the outbox; Forget
// calls it. It returns how many jobs it rewrote.
func (t *Tx) ReferLegacySummaries() (int, error) {
	var old []Job
	if err := t.ForEachJob(func(j Job) error {
		if j.CarriesLegacySummary() {
			old = append(old, j)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	for _, j := range old {
		j.ReferLegacySummary()
		if _, err := t.UpdateJob(j); err != nil {
			return 0, err
		}
	}
	return len(old), nil
}
