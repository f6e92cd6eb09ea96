package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// BenchmarkStore1M measures uncached API answers in process over a store
// built by bench/api.sh: TAGPULSE_BENCH_DB=/tmp/tagpulse-bench-1000000.db
// go test ./bench/fill -run ^$ -bench . (skipped without it).
func BenchmarkStore1M(b *testing.B) {
	path := os.Getenv("TAGPULSE_BENCH_DB")
	if path == "" {
		b.Skip("TAGPULSE_BENCH_DB not set (bash bench/api.sh builds the store)")
	}
	db, err := store.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	clock := func() time.Time { return Now }
	agg := aggregator.New(db, []store.Campaign{Campaign}, aggregator.Options{Now: clock})
	h, err := dashboard.NewHandler(dashboard.Options{Aggregator: agg})
	if err != nil {
		b.Fatal(err)
	}
	for _, target := range []string{
		"/api/v1/campaigns/bench/headline",
		"/api/v1/campaigns/bench/days?by=country",
		"/api/v1/campaigns/bench/totals?by=country",
		"/api/v1/campaigns/bench/card.svg",
	} {
		b.Run(target, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				// A new query string each time: never from the cache.
				sep := "?"
				if strings.Contains(target, "?") {
					sep = "&"
				}
				r := httptest.NewRequest(http.MethodGet, target+sep+"n="+strconv.Itoa(n), nil)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", target, w.Code)
				}
			}
		})
	}
}
