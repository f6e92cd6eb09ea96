package aggregator_test

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// benchDirs are removed when the test binary ends.
var benchDirs []string

// osMkdirTemp makes a directory that outlives one benchmark's TempDir, so
// the million-post store is built once for all benchmarks of a run.
func osMkdirTemp() (string, error) {
	d, err := os.MkdirTemp("", "tagpulse-bench-")
	if err == nil {
		benchDirs = append(benchDirs, d)
	}
	return d, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range benchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
