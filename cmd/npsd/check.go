package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/templates"
)

func (c *cli) cmdCheck(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("check")
	if _, err := c.parse(fs, args); err != nil {
		return exitUnusable
	}
	cfg, ok := c.config(*configFlag)
	if !ok {
		return exitUnusable
	}
	name := cfg.File
	if name == "" {
		name = "built-in defaults (no config file found)"
	}
	fmt.Fprintf(c.stdout, "config OK: %s\n", name)
	if err := app.CheckTemplates(cfg, c.stdout); err != nil {
		return c.fail(exitUnusable, "npsd: %v", err)
	}
	source := "built-in"
	if cfg.Templates.Dir != "" {
		source = "built-in, with overrides from " + cfg.Templates.Dir
	}
	fmt.Fprintf(c.stdout, "templates OK: %s, every kind rendered in %d languages\n", source, len(templates.Languages()))
	return exitOK
}
