package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/bench/v11gen"
)

// BenchmarkImportV1 is `tagpulse import` of a realistic v1.1 JSONL archive
// (bench/v11gen: retweets carrying their original, N/3 authors, a week of
// posts out of time order, 5% duplicate lines) into a new store, store
// writes and rollups included: posts per second, and CPU time per post
// (robust when the machine is shared). bench/import.sh measures the same at
// campaign scale, next to SQLite and DuckDB.
func BenchmarkImportV1(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	archive := filepath.Join(dir, "archive.jsonl")
	f, err := os.Create(archive)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v11gen.Write(f, n, v11gen.Options{Seed: 7}); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cfg := writeFile(t, filepath.Join(dir, fmt.Sprint(i, ".yml")), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine, كلنا_لفلسطين]\n    timezone: Asia/Gaza\n", filepath.Join(dir, fmt.Sprint(i, ".db"))))
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
