// Package inbound owns everything that comes in: Twilio webhooks, the
// one-click survey pages and the owner's pages, and the conversation that
// follows a score. It verifies where a message comes from, has package
// inbound/reply read what it says (a score, a keyword, a comment), stores
// it, and queues the answers as outbox jobs: it never sends anything
// itself. Email replies fetched over IMAP come in through package
// inbound/mailbox, which hands them to the same conversation; the tokens
// in signed links are checked with package internal/links.
package inbound
