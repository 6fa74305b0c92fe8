package main

import (
	"context"
	"encoding/json"

	"github.com/npsd/npsd/inbound"
)

// cmdParseReply shows how npsd reads one reply: an owner pastes a text
// message, or pipes a raw email, and sees its kind (score, opt-out, help,
// start, unclear, comment, auto-reply, bounce), the rule that decided it,
// the score and the comment.
func (c *cli) cmdParseReply(ctx context.Context, args []string) int {
	fs, _ := c.flags("parse-reply")
	channel := fs.String("channel", "sms", "sms (the message body) or email (a raw RFC 5322 message)")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	reply, err := inbound.ReadReply(c.stdin, *channel)
	if err != nil {
		return c.fail(exitUnusable, "npsd parse-reply: %v", err)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(reply.Explain()); err != nil {
		return exitPartial
	}
	return exitOK
}
