package main

import (
	"context"
	"fmt"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/contact"
	"github.com/npsd/npsd/internal/prompt"
	"github.com/npsd/npsd/store"
)

// cmdForget erases a contact's personal data on their request and keeps
// their anonymous scores, then rewrites the store file so that the erased
// bytes do not stay in its free pages.
func (c *cli) cmdForget(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("forget")
	yes := fs.Bool("yes", false, "erase without asking (for scripts)")
	pos, err := c.parse(fs, args)
	if err != nil {
		return exitUnusable
	}
	if !*yes {
		if code, ok := c.confirmForget(ctx, pos[0]); !ok {
			return code
		}
	}
	// Forwarded to a running daemon, the command carries the confirmation
	// given here.
	_ = fs.Set("yes", "true")
	return c.withStore(*configFlag, func(cfg *config.Config, st *store.Store) int {
		var id store.ContactID
		err := st.Update(ctx, func(tx *store.Tx) error {
			var err error
			if id, err = tx.ContactIDByKey(pos[0], contact.PhoneKey(pos[0], cfg.Business.DefaultRegion)); err != nil {
				return err
			}
			return tx.Forget(id)
		})
		if err != nil {
			return c.failed("forget", err)
		}
		if err := st.Compact(ctx); err != nil {
			return c.fail(exitPartial, "%s", app.Printer(cfg).T("forget.not_compacted", id, err))
		}
		fmt.Fprintln(c.stdout, app.Printer(cfg).T("forget.done", id))
		return exitOK
	})
}

// confirmForget asks on the terminal before erasing for good. Without a
// terminal nobody can answer, so it refuses rather than guess: a script
// says --yes.
func (c *cli) confirmForget(ctx context.Context, key string) (code int, ok bool) {
	if !c.terminal {
		fmt.Fprintln(c.stderr, "npsd forget: erasing cannot be undone: run it on a terminal to confirm, or pass --yes")
		return exitUnusable, false
	}
	if prompt.Confirm(ctx, c.stdin, c.stderr, fmt.Sprintf("erase %s's name, addresses, comments and messages for good? [y/N] ", key)) {
		return exitOK, true
	}
	fmt.Fprintln(c.stderr, "npsd forget: not confirmed; nothing erased")
	return exitPartial, false
}
