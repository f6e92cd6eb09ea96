package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestMemoryLimit: without GOMEMLIMIT tagpulse sets its soft heap limit; an
// operator's GOMEMLIMIT (read by the runtime) is left as it is.
func TestMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	debug.SetMemoryLimit(math.MaxInt64)
	if got := setMemoryLimit(func(string) string { return "" }); got != defaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT the limit is %d, want %d", got, defaultMemoryLimit)
	}
	debug.SetMemoryLimit(1 << 30) // as the runtime would for GOMEMLIMIT=1GiB
	if got := setMemoryLimit(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	}); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB the limit is %d, want %d", got, 1<<30)
	}
}
