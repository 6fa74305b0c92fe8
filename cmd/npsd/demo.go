package main

import (
	"context"
	"os"

	"github.com/npsd/npsd/internal/app"
)

// cmdDemo plays the whole loop in a temporary folder: contacts, a wave,
// answers by SMS webhook, by email and by click, the follow-ups, a
// detractor case and the weekly summary — npsd at work before any account
// is wired.
func (c *cli) cmdDemo(ctx context.Context, args []string) int {
	fs, _ := c.flags("demo")
	keep := fs.String("dir", "", "folder to play in (default: a new temporary one)")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	dir := *keep
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "npsd-demo-"); err != nil {
			return c.fail(exitPartial, "npsd demo: %v", err)
		}
	}
	if err := app.Demo(ctx, dir, c.stdout); err != nil {
		return c.fail(exitPartial, "npsd demo: %v", err)
	}
	return exitOK
}
