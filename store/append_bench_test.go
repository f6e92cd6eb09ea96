package store

import (
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkAppend appends 100k posts in the importer's batches of 2000 to a
// new store, then checks it: the log, the dedupe index and the checksums as
// an import and `tagpulse check` write and read them (no rollups).
func BenchmarkAppend(b *testing.B) {
	const n, batch = 100_000, 2000
	p := benchPost()
	posts := make([]Post, n)
	for i := range posts {
		posts[i] = p
		posts[i].ID = strconv.Itoa(1860000000000000000 + i)
		posts[i].Author.ID = strconv.Itoa(10000 + i%30000)
	}
	for b.Loop() {
		b.StopTimer()
		db, err := Open(filepath.Join(b.TempDir(), "b.db"), &Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < n; i += batch {
			if _, err := db.Append(posts[i:i+batch], nil); err != nil {
				b.Fatal(err)
			}
		}
		// And again: every post a duplicate.
		for i := 0; i < n; i += batch {
			if r, err := db.Append(posts[i:i+batch], nil); err != nil || r.Duplicates != batch {
				b.Fatal(r, err)
			}
		}
		if err := db.Check(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(db.Size())/n, "B/post")
		db.Close()
		b.StartTimer()
	}
}
