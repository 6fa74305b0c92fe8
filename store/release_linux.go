//go:build linux

package store

import (
	"fmt"
	"syscall"
)

// releaseMapped drops the resident pages of a read-only shared file map.
func releaseMapped(addr uintptr, size int64) error {
	if addr == 0 || size <= 0 {
		return nil
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("store: release mapped pages: %w", errno)
	}
	return nil
}
