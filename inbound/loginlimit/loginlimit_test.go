package loginlimit

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginThrottleMemoryBounded(t *testing.T) {
	lt := New()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for i := range 3 * AddressCap {
		lt.Failed(fmt.Sprintf("a%d", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(lt.perAddr); n > AddressCap {
		t.Errorf("%d addresses remembered, want at most %d", n, AddressCap)
	}
	last := fmt.Sprintf("a%d", 3*AddressCap-1)
	if _, ok := lt.perAddr[last]; !ok {
		t.Error("the newest address was evicted instead of the oldest")
	}
	if _, ok := lt.perAddr["a0"]; ok {
		t.Error("the oldest address was kept")
	}
}
