package aggregator_test

import (
	"os"
	"syscall"
	"time"
)

// osMkdirTemp makes a directory that outlives one benchmark's TempDir, so
// the million-post store is built once for all benchmarks of a run.
func osMkdirTemp() (string, error) { return os.MkdirTemp("", "tagpulse-bench-") }

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
