package main

import (
	"cmp"
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
	p := app.Printer(cfg)
	fmt.Fprintln(c.stdout, p.T("check.config", cmp.Or(cfg.File, p.T("check.defaults"))))
	if err := app.CheckTemplates(cfg, c.stdout); err != nil {
		return c.fail(exitUnusable, "npsd: %v", err)
	}
	source := p.T("check.built_in")
	if cfg.Templates.Dir != "" {
		source = p.T("check.overrides", cfg.Templates.Dir)
	}
	fmt.Fprintln(c.stdout, p.T("check.templates", source, len(templates.Languages())))
	return exitOK
}
