package main

import (
	"context"

	"github.com/npsd/npsd/internal/csvimport"
)

func (c *cli) cmdEventsImport(ctx context.Context, args []string) int {
	return c.runImport(ctx, "events import", args, csvimport.Events)
}
