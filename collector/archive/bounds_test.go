package archive_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// writeBigLines writes n v1.1 tweets of about size bytes each.
func writeBigLines(tb testing.TB, n, size int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "big.jsonl")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	pad := strings.Repeat("solidarity ", size/11)
	for i := range n {
		fmt.Fprintf(w, `{"id_str":"%d","created_at":"Sun Nov 29 10:00:00 +0000 2026","full_text":"#AllForPalestine %s","user":{"id_str":"%d","screen_name":"u%d"},"entities":{"hashtags":[{"text":"AllForPalestine","indices":[0,16]}]}}`+"\n", i+1, pad, i%100, i%100)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

// peakHeap samples the live heap until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// TestImportMemoryBoundedInBytes: an archive of 100 KB records is imported
// in batches of archive.BatchBytes, so the heap stays near 5 batches' worth
// of records and posts, not the 2,000-record batches (200 MB each, 28,000
// records in flight) it used to hold.
func TestImportMemoryBoundedInBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 120 MB file")
	}
	path := writeBigLines(t, 1200, 100_000)
	db := storetest.Open(t)
	m := collector.NewMatcher([]store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "UTC"}})
	// The heap as sampled includes garbage not yet collected; a low GOGC
	// keeps that small, so the peak measures what the import holds.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	stop := peakHeap()
	batches := 0
	res, err := archive.Import(context.Background(), db, m, path, archive.Options{Progress: func(archive.Result) { batches++ }})
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1200 || res.Records != 1200 {
		t.Fatalf("added %d of %d records, want 1200", res.Added, res.Records)
	}
	if batches < 1200*100_000/archive.BatchBytes {
		t.Errorf("%d batches, want them cut at %d bytes", batches, archive.BatchBytes)
	}
	// Five batches of records, their posts (the text again) and bbolt's
	// transaction: well under 20 batches' worth.
	if limit := uint64(20 * archive.BatchBytes); peak > limit {
		t.Errorf("peak heap %d MB, want under %d MB", peak>>20, limit>>20)
	}
	t.Logf("peak heap %d MB for a 120 MB file of 100 KB records, %d batches", peak>>20, batches)
}

// TestImportStoreFailureSummary: when the store fails mid-import (here it
// is closed, as a full disk fails the commit), the error names the file and
// what failed, and the summary counts only what was stored.
func TestImportStoreFailureSummary(t *testing.T) {
	path := writeBigLines(t, 300, 100)
	db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := collector.NewMatcher([]store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "UTC"}})
	res, err := archive.Import(context.Background(), db, m, path, archive.Options{BatchSize: 100, Progress: func(r archive.Result) {
		if r.Added == 100 {
			db.Close() // the next batch's commit fails
		}
	}})
	if err == nil {
		t.Fatal("import into a failed store succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "import "+path+": storing 100 posts: append: ") || strings.Contains(msg, "ingest :") {
		t.Errorf("error %q", msg)
	}
	if res.Records != 100 || res.Fetched != 100 || res.Added != 100 || res.Matched != 100 {
		t.Errorf("summary %+v: want every count at the 100 stored", res.IngestResult)
	}
}
