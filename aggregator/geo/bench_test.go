package geo

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time this process has used. On the shared
// development machine, where other builds compete for the cores, it measures
// the work of a benchmark better than the wall clock does.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
}

// benchTexts are varied profile locations for the lookup benchmark.
var benchTexts = []string{
	"Berlin", "London, Ontario", "Paris, TX", "Toronto 🇵🇸", "غزة", "Москва", "東京都", "they/them",
	"Living in Amsterdam", "Planet Earth 🌍", "São Paulo, Brasil", "Oakland, CA", "Cork, Ireland",
	"somewhere over the rainbow", "Ramallah - فلسطين", "Halifax, Nova Scotia", "🇮🇪", "NYC",
	"Bay Area, CA", "Manchester, UK", "Santiago de Chile", "Θεσσαλονίκη", "Kraków, Polska", "",
}

// BenchmarkLoad parses the embedded gazetteer and borders, as the first New
// in a process does.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime(b)
	for b.Loop() {
		if _, err := parseGazetteer(gazetteerBin, namesBin); err != nil {
			b.Fatal(err)
		}
		if _, err := parseBorders(bordersGz); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkLocate measures profile-text lookups on one core.
func BenchmarkLocate(b *testing.B) {
	a, err := New(Options{Overrides: map[string]string{"CDMX": "MX"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	start := cpuTime(b)
	for b.Loop() {
		a.Locate(benchTexts[i%len(benchTexts)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	reportCPU(b, start)
}

// BenchmarkCoordinates measures point-in-polygon lookups.
func BenchmarkCoordinates(b *testing.B) {
	a, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	pts := [][2]float64{{31.5, 34.47}, {51.5, -0.12}, {40.7, -74}, {22.3, 114.17}, {18.4, -66.1}, {64.18, -51.7}, {-33.9, 151.2}, {35.7, 139.7}}
	i := 0
	for b.Loop() {
		p := pts[i%len(pts)]
		a.Attribute(Signals{HasCoordinates: true, Lat: p[0], Lon: p[1]})
		i++
	}
}

// TestLoadHeap reports the heap the parsed data keeps, and holds it to the
// budget of 16 MB.
func TestLoadHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := parseGazetteer(gazetteerBin, namesBin)
	if err != nil {
		t.Fatal(err)
	}
	bd, err := parseBorders(bordersGz)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	mb := float64(after.HeapAlloc-before.HeapAlloc) / 1e6
	t.Logf("gazetteer: %d places, %d names; borders: %d features; heap kept %.1f MB", len(g.places), len(g.hashes), len(bd.feats), mb)
	if mb > 16 {
		t.Errorf("heap kept %.1f MB, want ≤ 16 MB", mb)
	}
	runtime.KeepAlive(g)
	runtime.KeepAlive(bd)
}
