package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// cmdHashPassword reads a password on stdin and prints its bcrypt hash for
// http.admin_password_hash, so the password itself is never in the config.
func (c *cli) cmdHashPassword(ctx context.Context, args []string) int {
	fs, _ := c.flags("hash-password")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	if c.terminal {
		fmt.Fprint(c.stderr, "password: ")
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		fmt.Fprintf(c.stderr, "npsd hash-password: no password on stdin (%v)\n", err)
		return exitUnusable
	}
	if len(password) < 10 {
		fmt.Fprintln(c.stderr, "npsd hash-password: use at least 10 characters")
		return exitUnusable
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return c.failed("hash-password", err)
	}
	fmt.Fprintln(c.stdout, string(hash))
	return exitOK
}
