// Package inbound owns everything that comes in: Twilio webhooks, email
// replies fetched over IMAP, the one-click survey pages and the owner's
// pages, and the conversation that follows a score. It verifies where a
// message comes from, has package inbound/reply read what it says (a
// score, a keyword, a comment), stores it, and queues the answers as
// outbox jobs: it never sends anything itself.
package inbound
