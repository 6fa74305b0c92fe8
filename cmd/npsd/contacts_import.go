package main

import (
	"context"

	"github.com/npsd/npsd/internal/csvimport"
)

func (c *cli) cmdContactsImport(ctx context.Context, args []string) int {
	return c.runImport(ctx, "contacts import", args, csvimport.Contacts)
}
