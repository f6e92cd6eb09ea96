package bluesky_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

// BenchmarkJetstreamFrames is the live path: Jetstream frames from a local
// fake (over a real WebSocket) through the collector into a real store, one
// frame per iteration. In "match=10%" one frame in ten carries the
// campaign's hashtag, as on a busy day, and the rest are other posts the
// collector must look at and drop; in "match=100%" every frame is stored.
// Reports frames/s. Run with -cpu 1 for the one-core figure.
func BenchmarkJetstreamFrames(b *testing.B) {
	for _, every := range []int{10, 1} {
		b.Run(fmt.Sprintf("match=%d%%", 100/every), func(b *testing.B) { benchJetstream(b, every) })
	}
}

func benchJetstream(b *testing.B, every int) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db, err := store.Open(filepath.Join(b.TempDir(), "tagpulse.db"), &store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	skeets := make([]platformtest.Skeet, b.N)
	for i := range skeets {
		s := platformtest.Skeet{DID: fmt.Sprintf("did:plc:author%05d", i%20000), Text: fmt.Sprintf("post %d about the day", i), Langs: []string{"en"}}
		if i%every == 0 {
			s.Text += " #AllForPalestine"
			s.Tags = []string{"AllForPalestine"}
		}
		skeets[i] = s
	}
	srv.Add(skeets...)
	last := srv.LastTimeUS()
	j, err := bluesky.NewJetstream(bluesky.Config{Jetstream: srv.URL()}, []string{"allforpalestine"}, db.Get, db.Redact, nil)
	if err != nil {
		b.Fatal(err)
	}
	j.Now = func() time.Time { return mbNow }
	m := mbMatcher("allforpalestine")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	err = j.Stream(ctx, nil, func(p collector.Page) error {
		if _, err := collector.Ingest(db, m, j.Name(), p); err != nil {
			return err
		}
		if c, _ := strconv.ParseInt(string(p.Cursor), 10, 64); c >= last {
			cancel()
		}
		return nil
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if ctx.Err() == nil {
		b.Fatalf("stream ended before the last frame: %v", err)
	}
	if want := (b.N + every - 1) / every; db.PostCount() != want {
		b.Fatalf("stored %d posts, want %d", db.PostCount(), want)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "frames/s")
}
