//go:build npsd_nosync

package store

// skipFsync turns off bbolt's fsync, in a build made only to prove that the
// durability test fails on a store that does not sync. Never ship it.
const skipFsync = true
