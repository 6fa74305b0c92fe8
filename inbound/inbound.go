// Package inbound owns everything that comes in: Twilio webhooks, email
// replies, the one-click survey pages, the reading of a reply (a score, a
// keyword, a comment), and the conversation that follows a score. It
// verifies where a message comes from, stores what it says, and queues the
// answers as outbox jobs: it never sends anything itself.
package inbound
