package main

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

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
	if password == "" {
		return c.fail(exitUnusable, "npsd hash-password: no password on stdin (%v)", err)
	}
	if len(password) < 10 {
		return c.fail(exitUnusable, "npsd hash-password: use at least 10 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return c.failed("hash-password", err)
	}
	fmt.Fprintln(c.stdout, string(hash))
	return exitOK
}
