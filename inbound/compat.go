package inbound

import "github.com/npsd/npsd/internal/links"

// Link signing moved to package internal/links, which the dispatcher, this
// package and the daemon's wiring all share. These names keep its API where
// callers have always found it; new code should use links directly.
//
// The IMAP reader moved to package inbound/mailbox, which imports this
// package for the conversation: it has no alias here, since one would make
// an import cycle.

type (
	// Signer is links.Signer: it makes and checks the tokens in links.
	Signer = links.Signer
	// SignedLinks is links.Links: the signed links of outgoing messages.
	SignedLinks = links.Links
	// Claims is links.Claims: what a valid token says.
	Claims = links.Claims
)

// Token errors, links.ErrBadToken and links.ErrExpiredToken: the same
// values, so errors.Is holds whichever name a caller tests against.
var (
	ErrBadToken     = links.ErrBadToken
	ErrExpiredToken = links.ErrExpiredToken
)

// NewSigner is links.NewSigner: it returns a signer for key.
func NewSigner(key []byte) (Signer, error) { return links.NewSigner(key) }
