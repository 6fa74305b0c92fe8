//go:build !linux

// Package mapped owns what npsd asks the kernel of a file mapped into
// memory: to let go of the pages reading made resident.
package mapped

// Release does nothing where npsd does not know how to ask the kernel: the
// pages stay resident until it reclaims them.
func Release(uintptr, int64) error { return nil }
