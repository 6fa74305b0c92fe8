package main

import (
	"context"
	"encoding/json"
	"io"

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
	var reply inbound.Reply
	switch *channel {
	case "sms":
		body, err := io.ReadAll(io.LimitReader(c.stdin, 64<<10))
		if err != nil {
			return c.fail(exitUnusable, "npsd parse-reply: %v", err)
		}
		reply = inbound.ParseText(string(body))
	case "email":
		m, err := inbound.ReadMessage(c.stdin)
		if err != nil {
			return c.fail(exitUnusable, "npsd parse-reply: %v", err)
		}
		reply = inbound.ParseMessage(m)
	default:
		return c.fail(exitUnusable, "npsd parse-reply: --channel must be sms or email, not %q", *channel)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(reply.Explain()); err != nil {
		return exitPartial
	}
	return exitOK
}
