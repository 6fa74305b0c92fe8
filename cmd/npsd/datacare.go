package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"npsd/store"
)

// cmdBackup writes a consistent copy of the database, hot: the daemon
// keeps running. Restore: stop npsd, put the copy in place of store.path
// (mode 0600), start npsd.
func (c *cli) cmdBackup(ctx context.Context, args []string) int {
	fs, config := c.flags("backup")
	pos, err := parse(fs, args, "FILE")
	if err != nil {
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		dest := pos[0]
		tmp, err := os.CreateTemp(filepath.Dir(dest), ".npsd-backup-*")
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd backup: %v\n", err)
			return exitUnusable
		}
		defer os.Remove(tmp.Name())
		n, err := st.Backup(ctx, tmp)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(tmp.Name(), 0o600)
		}
		if err == nil {
			// Renamed into place only once complete: a half backup never
			// has the name of a good one.
			err = os.Rename(tmp.Name(), dest)
		}
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd backup: %v\n", err)
			return exitPartial
		}
		fmt.Fprintf(c.stdout, "backup of %d bytes written to %s\n", n, dest)
		return exitOK
	})
}

// cmdForget erases a contact's personal data on their request and keeps
// their anonymous scores.
func (c *cli) cmdForget(ctx context.Context, args []string) int {
	fs, config := c.flags("forget")
	pos, err := parse(fs, args, "KEY")
	if err != nil {
		return exitUnusable
	}
	return c.withStore(*config, func(cfg *Config, st *store.Store) int {
		var id store.ContactID
		err := st.Update(ctx, func(tx *store.Tx) error {
			var err error
			if id, err = tx.ContactIDByKey(pos[0], phoneKey(pos[0], cfg.Business.DefaultRegion)); err != nil {
				return err
			}
			return tx.Forget(id)
		})
		if err != nil {
			fmt.Fprintf(c.stderr, "npsd forget: %v\n", err)
			return exitPartial
		}
		fmt.Fprintf(c.stdout, "contact %s forgotten: name, addresses, attributes, comments and messages erased; scores kept without a name\n", id)
		fmt.Fprintln(c.stdout, "remove them from the system you import contacts from too, or the next import brings them back")
		return exitOK
	})
}
