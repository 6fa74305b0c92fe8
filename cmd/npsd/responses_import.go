package main

import (
	"context"

	"github.com/npsd/npsd/internal/csvimport"
)

func (c *cli) cmdResponsesImport(ctx context.Context, args []string) int {
	return c.runImport(ctx, "responses import", args, csvimport.Responses)
}
