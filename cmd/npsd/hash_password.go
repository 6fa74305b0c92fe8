package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/prompt"
)

// cmdHashPassword reads a password on stdin and prints its bcrypt hash for
// http.admin_password_hash, so the password itself is never in the config
// (nor on the screen).
func (c *cli) cmdHashPassword(ctx context.Context, args []string) int {
	fs, _ := c.flags("hash-password")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	// Typed at a terminal, the password is not shown; Ctrl-C stops.
	password, err := prompt.Password(ctx, c.stdin, c.stderr, "password: ")
	if ctx.Err() != nil {
		return c.fail(exitPartial, "npsd hash-password: stopped")
	}
	hash, err := app.HashPassword(password, err)
	if err != nil {
		return c.fail(exitUnusable, "npsd hash-password: %v", err)
	}
	fmt.Fprintln(c.stdout, hash)
	return exitOK
}
