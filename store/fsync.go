//go:build !npsd_nosync

package store

// skipFsync is false in every real build: a commit is on disk before
// Update returns. The durability test builds npsd once with the tag
// npsd_nosync (store/fsync_off.go) to prove that it notices a store that
// does not sync.
const skipFsync = false
