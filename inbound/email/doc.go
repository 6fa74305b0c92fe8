// Package email owns turning a raw email into what its sender wrote: the
// headers a reply is matched by, the MIME parts and their charsets, the
// HTML turned into text, and whether the message is an automatic answer
// or a bounce. It reads hostile input within bounds (parts, depth, size)
// and knows nothing of scores: inbound/reply reads the text it returns.
package email
