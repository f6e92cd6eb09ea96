package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// benchCountries returns n distinct upper-case two-letter codes.
func benchCountries(n int) []string {
	out := make([]string, 0, n)
	for a := 'A'; a <= 'Z' && len(out) < n; a++ {
		for b := 'A'; b <= 'Z' && len(out) < n; b++ {
			out = append(out, string([]rune{a, b}))
		}
	}
	return out
}

// BenchmarkScrape scrapes /metrics (the whole registry: Go, process, build
// info and store figures, text format, uncompressed) over a real store with
// 5 campaigns, each with posts from 250 countries through every source and
// kind. Budget (issue 6): under 5 ms and under 100 KB a scrape.
func BenchmarkScrape(b *testing.B) {
	const nCampaigns, nCountries = 5, 250
	db := storetest.Open(b)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	// Realistic campaign names: every character of a name adds about 1.3 KB
	// to a scrape (it is repeated in 250 country and 20 source/kind series).
	names := [nCampaigns]string{"allforpalestine", "savesheikhjarrah", "freepalestine", "nakbaday2027", "weekofstruggle"}
	var camps []store.Campaign
	for i, name := range names {
		camps = append(camps, store.Campaign{Name: name,
			Hashtags: []string{fmt.Sprintf("tag%d", i)}, Timezone: "UTC", From: "2026-11-22", To: "2026-12-06"})
	}
	agg := aggregator.New(db, camps, aggregator.Options{Now: func() time.Time { return now }})
	countries := benchCountries(nCountries)
	var posts []store.Post
	id := 0
	for ci := range camps {
		for k, cc := range countries {
			for j := range 3 {
				id++
				posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(id),
					Source: store.Sources[(k+j)%len(store.Sources)], Kind: store.Kinds[(k+j)%len(store.Kinds)],
					CreatedAt: now.Add(-time.Duration(id%(72*60)) * time.Minute), Hashtags: []string{fmt.Sprintf("tag%d", ci)},
					Author: store.Author{ID: fmt.Sprint(id % 997), Followers: int64(id % 5000)}, Signals: store.Signals{PlaceCountry: cc}})
			}
		}
	}
	if _, err := db.Append(posts, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := agg.CatchUp(context.Background()); err != nil {
		b.Fatal(err)
	}
	h := promhttp.HandlerFor(dashboard.NewRegistry(agg), promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	if n := strings.Count(body, "tagpulse_country_posts_total{"); n != nCampaigns*nCountries {
		b.Fatalf("%d country series, want %d", n, nCampaigns*nCountries)
	}
	if p := os.Getenv("SCRAPE_DUMP"); p != "" {
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}

	// text: what `curl /metrics` gets. gzip: what Prometheus gets (it always
	// sends Accept-Encoding: gzip), compression included.
	for _, enc := range []string{"text", "gzip"} {
		b.Run(enc, func(b *testing.B) {
			req := req.Clone(context.Background())
			if enc == "gzip" {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			b.ReportAllocs()
			// The loop writes to a counting writer, as a server writes to
			// its connection, rather than growing a buffer.
			var w countingWriter
			cpu0 := cpuTime(b)
			for b.Loop() {
				w = countingWriter{}
				h.ServeHTTP(&w, req)
			}
			if w.code != http.StatusOK || enc == "text" && (w.n < int64(len(body))*99/100 || w.n > int64(len(body))*101/100) {
				b.Fatalf("last scrape: status %d, %d bytes; want 200, about %d", w.code, w.n, len(body))
			}
			// CPU time of the whole process (all goroutines, GC included)
			// per scrape: steadier than ns/op on a shared, loaded machine.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(w.n), "bytes/scrape")
		})
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingWriter is an http.ResponseWriter that counts the body and keeps nothing.
type countingWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *countingWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	return len(p), nil
}
