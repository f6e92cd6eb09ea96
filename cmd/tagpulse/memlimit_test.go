package main

import (
	"math"
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's GOGC without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestMemoryDefaults: without GOMEMLIMIT tagpulse sets its soft heap limit,
// and without GOGC either its GC percent; an operator's GOMEMLIMIT or GOGC
// (read by the runtime) is left as it is.
func TestMemoryDefaults(t *testing.T) {
	oldLimit, oldGC := debug.SetMemoryLimit(-1), gcPercent()
	t.Cleanup(func() { debug.SetMemoryLimit(oldLimit); debug.SetGCPercent(oldGC) })
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}

	debug.SetMemoryLimit(math.MaxInt64)
	debug.SetGCPercent(100)
	if got := setMemoryDefaults(env(nil)); got != defaultMemoryLimit {
		t.Errorf("without GOMEMLIMIT the limit is %d, want %d", got, defaultMemoryLimit)
	}
	if got := gcPercent(); got != defaultGCPercent {
		t.Errorf("without GOGC and GOMEMLIMIT the GC percent is %d, want %d", got, defaultGCPercent)
	}

	debug.SetGCPercent(200) // as the runtime would for GOGC=200
	setMemoryDefaults(env(map[string]string{"GOGC": "200"}))
	if got := gcPercent(); got != 200 {
		t.Errorf("with GOGC=200 the GC percent is %d, want 200", got)
	}

	debug.SetMemoryLimit(1 << 30) // as the runtime would for GOMEMLIMIT=1GiB
	debug.SetGCPercent(100)
	if got := setMemoryDefaults(env(map[string]string{"GOMEMLIMIT": "1GiB"})); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB the limit is %d, want %d", got, 1<<30)
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("with GOMEMLIMIT=1GiB the GC percent is %d, want the runtime's 100", got)
	}
}
