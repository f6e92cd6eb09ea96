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

// defaultGCPercent is the collector's GOGC that tagpulse sets with its own
// memory limit: the limit bounds the heap, so the collector need not also
// run whenever the heap has doubled. Importing 1M generated posts took
// 31-34 s of CPU instead of 36-39 s with GOGC=100, for about 305 MB of
// anonymous memory instead of 220-265 MB (GOGC=200 saved half as much).
const defaultGCPercent = 400

// setMemoryDefaults applies defaultMemoryLimit unless the operator set
// GOMEMLIMIT (the runtime has read it; "off" turns the limit off), and
// defaultGCPercent unless the operator set GOGC or GOMEMLIMIT (without
// tagpulse's limit a GOGC of 400 would let the heap grow to five times what
// is live). It returns the limit in force.
func setMemoryDefaults(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
		if getenv("GOGC") == "" {
			debug.SetGCPercent(defaultGCPercent)
		}
	}
	return debug.SetMemoryLimit(-1)
}
