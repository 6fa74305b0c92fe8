package store

import "github.com/npsd/npsd/internal/mapped"

// ReleaseMapped lets go of the pages of the store's file that reading has
// made resident in this process. bbolt reads the file through a memory
// map, so a pass over a million contacts leaves hundreds of megabytes of
// the file counted in the process's memory, although the kernel could
// reclaim them. A long import or wave planning calls it between batches,
// so that its memory stays what it holds, not what it has read. Pages
// still needed are read back from the page cache on their next use, and
// nothing is lost: bbolt never writes through the map.
func (s *Store) ReleaseMapped() error {
	return s.View(func(tx *Tx) error { return tx.ReleaseMapped() })
}

// ReleaseMapped is Store.ReleaseMapped from within a transaction, for a
// long pass that reads as it goes: opening a second transaction inside
// the first could wait forever on a writer that waits for the first.
func (t *Tx) ReleaseMapped() error {
	// While a transaction is open bbolt cannot remap the file, so the
	// address and size stay those of the live map.
	return mapped.Release(t.tx.DB().Info().Data, t.tx.Size())
}
