package main

import (
	"runtime/debug"
)

// defaultMemoryLimit is the soft limit on the Go heap that tagpulse sets
// unless GOMEMLIMIT says otherwise: import, rebuild, check and run hold
// tens of MB live (a batch, one pass of rollups, the caches), and without a
// limit the collector lets the heap reach twice the live size after each
// cycle, so peak memory followed the store (about 480 MB of anonymous
// memory importing 10M posts). Near the limit the collector runs more
// often instead (bounded by the runtime to half the CPU), so the process
// stays within its budget at any store size; bbolt's memory-mapped file
// pages are not heap and are not counted.
const defaultMemoryLimit = 320 << 20

// setMemoryLimit applies defaultMemoryLimit unless the operator set
// GOMEMLIMIT (the runtime has read it; "off" turns the limit off). It
// returns the limit in force.
func setMemoryLimit(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
