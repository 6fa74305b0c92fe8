//go:build linux

// Package mapped owns what npsd asks the kernel of a file mapped into
// memory: to let go of the pages reading made resident.
package mapped

import (
	"fmt"
	"syscall"
)

// Release drops the resident pages of a read-only shared file map of size
// bytes at addr. They are read back from the page cache on their next use.
func Release(addr uintptr, size int64) error {
	if addr == 0 || size <= 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("release the pages of a file map: %w", errno)
	}
	return nil
}
