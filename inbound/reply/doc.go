// Package reply reads a customer's reply to a survey: what it says — a
// score, an opt-out, a keyword (START, HELP), a comment — and how sure the
// reading is (a score, an unclear rating to ask again, or no rating at
// all), with the rule that decided it (see Rules). It reads the text of an
// SMS as well as an email (decoded by inbound/email): the quoted message
// and the signature left out, an answer in the subject when the body has
// none, an automatic answer or a delivery report told apart from an answer.
//
// It owns nothing else: it knows nothing of the store, HTTP, Twilio or
// IMAP, and keeps no state. Package inbound fetches the messages and acts
// on what this package read.
package reply
