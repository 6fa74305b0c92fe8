package mailbox

import (
	"bufio"
	"bytes"
	"net/mail"
	"regexp"
	"strings"

	"github.com/npsd/npsd/store"
)

// An email's From can be anything its sender writes: anyone who knows a
// customer's address could otherwise change their score. A reply is
// proven to come from the survey's customer when it carries what only
// that customer received from npsd (the survey's signed reply-to tag, or
// npsd's own Message-ID among the ids it answers, both unguessable), or
// when the server that received it says the From domain authenticated it
// (DMARC, or DKIM aligned with the From). Anything else is kept for the
// owner to look at and not applied.

// receivedAuthenticated reports whether the topmost Authentication-Results
// header of a raw message says DMARC passed for the From domain, or DKIM
// passed for a domain aligned with it, and was written by the receiving
// server, named by its authserv-id (imap.authserv_id). Only the topmost
// can be the receiving server's: anything below came with the message. And
// a server that adds none leaves the sender's own on top, so without the
// id configured no Authentication-Results is trusted at all.
func receivedAuthenticated(raw []byte, from, authservID string) bool {
	_, fromDomain, ok := strings.Cut(strings.ToLower(from), "@")
	if !ok || fromDomain == "" || authservID == "" {
		return false
	}
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return false
	}
	results := msg.Header["Authentication-Results"]
	if len(results) == 0 {
		return false
	}
	value := stripComments(results[0])
	id, _, _ := strings.Cut(value, ";")
	if !strings.EqualFold(strings.TrimSpace(id), authservID) {
		return false
	}
	return authResultsPass(value, fromDomain)
}

// authResultsPass reads one Authentication-Results value (RFC 8601),
// comments removed: "authserv-id; method=result prop=value ...; ...".
func authResultsPass(value, fromDomain string) bool {
	parts := strings.Split(value, ";")
	for _, part := range parts[1:] {
		fields := strings.Fields(strings.ToLower(part))
		if len(fields) == 0 {
			continue
		}
		method, result, _ := strings.Cut(fields[0], "=")
		if result != "pass" {
			continue
		}
		props := map[string]string{}
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(f, "="); ok {
				props[k] = strings.Trim(v, `"`)
			}
		}
		switch method {
		case "dmarc":
			if d := props["header.from"]; d == "" || aligned(d, fromDomain) {
				return true
			}
		case "dkim":
			d := props["header.d"]
			if d == "" {
				_, d, _ = strings.Cut(props["header.i"], "@")
			}
			if d != "" && aligned(d, fromDomain) {
				return true
			}
		}
	}
	return false
}

// aligned is DMARC's relaxed alignment, short of the public suffix list:
// one domain is the other or a subdomain of it, and the shorter has at
// least two labels (never a bare "com").
func aligned(a, b string) bool {
	a, b = strings.TrimSuffix(a, "."), strings.TrimSuffix(b, ".")
	if len(a) > len(b) {
		a, b = b, a
	}
	if !strings.Contains(a, ".") {
		return false
	}
	return a == b || strings.HasSuffix(b, "."+a)
}

// stripComments removes RFC 5322 comments, "(…)", which
// Authentication-Results uses freely ("dmarc=pass (p=none dis=none)").
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// npsdMessageID matches the Message-IDs npsd gives what it sends (see the
// dispatcher's newMessageID): "npsd.<job>.<16 hex>@<domain>".
var npsdMessageID = regexp.MustCompile(`npsd\.[0-9]+\.[0-9a-f]{16}@[A-Za-z0-9.-]+`)

// provenBounces keeps the addresses a delivery report says failed only
// where the report names a message npsd sent to that address: a report
// quotes the original message's headers, Message-ID included, which a
// forger does not know. A report that names none marks nobody.
func (r *Reader) provenBounces(raw []byte, bounced []string) []string {
	if len(bounced) == 0 {
		return nil
	}
	sentTo := map[string]bool{}
	_ = r.o.Store.View(func(tx *store.Tx) error {
		for _, id := range npsdMessageID.FindAllString(string(raw), 20) {
			j, err := tx.JobByProviderID(id)
			if err != nil {
				continue
			}
			to := j.To
			if to == "" {
				ct, err := tx.Contact(j.ContactID)
				if err != nil {
					continue
				}
				to = ct.Email
			}
			sentTo[strings.ToLower(addressPart(to))] = true
		}
		return nil
	})
	var proven []string
	for _, a := range bounced {
		if sentTo[strings.ToLower(a)] {
			proven = append(proven, a)
		}
	}
	return proven
}

// addressPart is the bare address of "Name <addr>" or "addr".
func addressPart(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return s
}
