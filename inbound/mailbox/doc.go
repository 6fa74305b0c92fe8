// Package mailbox reads email replies from an IMAP mailbox into inbound's
// conversation: it fetches what is new since the last message read (IDLE
// when the server offers it, polling otherwise), reconnects with backoff,
// passes over a message that can never be read instead of stopping on it,
// and marks a message \Seen only once what it says is committed.
//
// It also decides how far a reply can be trusted, since an email's From is
// whatever its sender writes: a reply changes a score only when it carries
// the survey's signed reply-to tag, answers npsd's own Message-ID, or the
// receiving server's Authentication-Results shows DMARC or aligned DKIM
// passing; a delivery report counts only for a message npsd sent. Anything
// else goes to the conversation marked unproven, for the owner.
//
// It uses only inbound's exported API (Conversation, Incoming, Store), so
// that one way in can change without reopening the conversation every way
// shares; like every way in, it never sends anything itself.
package mailbox
