package main

import (
	"context"
	"fmt"
	"io"

	"github.com/npsd/npsd/internal/app"
	"github.com/npsd/npsd/internal/config"
	"github.com/npsd/npsd/internal/safeout"
	"github.com/npsd/npsd/store"
)

// cmdBackup writes a consistent copy of the database, hot: the daemon
// keeps running. Restore: stop npsd, put the copy in place of store.path
// (mode 0600), start npsd.
func (c *cli) cmdBackup(ctx context.Context, args []string) int {
	fs, configFlag := c.flags("backup")
	return c.dataCommand(fs, configFlag, args, func(cfg *config.Config, st *store.Store, pos []string) int {
		dest := pos[0]
		var n int64
		err := safeout.WriteWholeFile(dest, func(w io.Writer) (err error) {
			n, err = st.Backup(ctx, w)
			return err
		})
		if err != nil {
			return c.failed("backup", err)
		}
		fmt.Fprintln(c.stdout, app.Printer(cfg).T("backup.done", n, dest))
		return exitOK
	})
}
