// Package links owns the use of the signing key: it makes the signed
// links npsd puts in what it sends (a survey's page and its eleven score
// links, a contact's one-click unsubscribe link, a detractor case's page
// for the owners, and a survey's plus-tagged reply address), and it checks
// them when they come back. The dispatcher writes these links, inbound
// verifies them, and the daemon's wiring builds the one Signer both share
// from the key kept in the store. It also computes the signature Twilio
// puts on its webhooks, which inbound checks.
//
// It knows nothing of HTTP handlers, pages or the store beyond the ids and
// records a link names: what a valid token means (record a score, opt a
// contact out) is for its callers to decide.
package links
