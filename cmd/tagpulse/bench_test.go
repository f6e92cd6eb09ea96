package main

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkImportV1 is `tagpulse import` of a v1.1 JSONL archive into a new
// store, store writes and rollups included: posts per second, and CPU time
// per post (robust when the machine is shared).
func BenchmarkImportV1(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	archive := filepath.Join(dir, "archive.jsonl")
	t := &testing.T{}
	bigArchive(t, archive, n)
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := writeFile(t, filepath.Join(dir, fmt.Sprint(i, ".yml")), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: Asia/Gaza\n", filepath.Join(dir, fmt.Sprint(i, ".db"))))
		env, _, errb := testEnv()
		b.StartTimer()
		c0 := cpuTime()
		if err := run(context.Background(), env, []string{"import", "-q", "-config", cfg, archive}); err != nil {
			b.Fatal(err, errb.String())
		}
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/post")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
