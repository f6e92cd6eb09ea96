package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
)

// bigFrom..bigTo is the longest series of days a query may ask for:
// 3,660 days.
const bigFrom, bigTo = "2000-01-01", "2010-01-07"

func (f *fixture) cache() *responseCache { return f.h.(*root).h.cache }

// TestCacheKeysOnlyWhatDecidesTheAnswer: requests that differ only in a
// parameter the endpoint does not read, or in the Accept-Language header
// beyond the language it resolves to, share one entry; before, each made
// its own (2000 requests with &x=N filled 1.7 GB).
func TestCacheKeysOnlyWhatDecidesTheAnswer(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	c := f.cache()
	const days = "/api/v1/campaigns/afp/days?from=" + bigFrom + "&to=" + bigTo
	first := f.get(t, days).Body.String()
	if len(first) < 300_000 { // 3660 days, the longest series: the fixture's big answer
		t.Fatalf("days answer is only %d bytes", len(first))
	}
	for i := range 200 {
		w := f.get(t, fmt.Sprintf("%s&x=%d", days, i))
		if w.Code != http.StatusOK || w.Body.String() != first {
			t.Fatalf("&x=%d: %d, or another answer", i, w.Code)
		}
	}
	if n, b := c.stats(); n != 1 || b > 2*len(first) {
		t.Errorf("after 201 requests differing in an unknown parameter: %d entries, %d bytes; want 1 entry", n, b)
	}
	// Equivalent spellings of ?by= are one entry.
	f.get(t, "/api/v1/campaigns/afp/totals?by=country")
	f.get(t, "/api/v1/campaigns/afp/totals?by=%20country%20")
	if n, _ := c.stats(); n != 2 {
		t.Errorf("by=country and by=%%20country%%20: %d entries, want 2 in all", n)
	}

	// The card is in the request's language: one entry per language, however
	// long the header that chose it.
	junk := strings.Repeat("x-junk;q=0.1, ", 70_000) // ~1 MB
	for i := range 20 {
		w := f.get(t, "/api/v1/campaigns/afp/card.svg?day=2026-11-28", "Accept-Language", fmt.Sprintf("%sx-%d;q=0.1, fr", junk, i))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Publications") {
			t.Fatalf("card in French: %d", w.Code)
		}
	}
	de := f.get(t, "/api/v1/campaigns/afp/card.svg?day=2026-11-28", "Accept-Language", "de").Body.String()
	if !strings.Contains(de, "Beiträge") {
		t.Error("the German card came from the French entry")
	}
	n, b := c.stats()
	if n != 4 {
		t.Errorf("after 20 French cards with 1 MB headers and a German one: %d entries, want 4 in all", n)
	}
	if b > 2*len(first)+200_000 {
		t.Errorf("cache holds %d bytes: the headers went into the keys", b)
	}
}

// TestCacheBoundedByBytes: distinct queries with large answers (each one
// the endpoint reads, so each its own entry) keep the cache within its byte
// budget, and an answer over the entry limit is served but not kept.
func TestCacheBoundedByBytes(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	c := f.cache()
	var biggest int
	for i := range 100 { // 100 answers of ~470 KB: 47 MB unbounded
		to := time.Date(2010, 1, 7-i, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		w := f.get(t, "/api/v1/campaigns/afp/days?from="+bigFrom+"&to="+to)
		if w.Code != http.StatusOK {
			t.Fatalf("to=%s: %d %s", to, w.Code, w.Body.String())
		}
		biggest = max(biggest, w.Body.Len())
		if _, b := c.stats(); b > cacheMaxBytes {
			t.Fatalf("after %d answers of up to %d bytes the cache holds %d bytes, over %d", i+1, biggest, b, cacheMaxBytes)
		}
	}
	if n, _ := c.stats(); n >= 100 || n < cacheMaxBytes/(2*biggest) {
		t.Errorf("%d entries of up to %d bytes in a %d-byte cache", n, biggest, cacheMaxBytes)
	}
	// The most recent answer is still there; the first has gone.
	if key, _ := cacheKey(httptest.NewRequest("GET", "/api/v1/campaigns/afp/days?from="+bigFrom+"&to="+time.Date(2010, 1, 7-99, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), nil), false, daysParams); c.get(key) == nil {
		t.Error("the latest answer was evicted")
	}
	if key, _ := cacheKey(httptest.NewRequest("GET", "/api/v1/campaigns/afp/days?from="+bigFrom+"&to="+bigTo, nil), false, daysParams); c.get(key) != nil {
		t.Error("the oldest answer is still cached")
	}

	// Over the entry limit: answered whole, not kept.
	g := newFixture(t, nil)
	g.fill(t)
	g.cache().maxEntryBytes = 100_000
	target := "/api/v1/campaigns/afp/days?from=" + bigFrom + "&to=" + bigTo
	a, b := g.get(t, target), g.get(t, target)
	if a.Code != http.StatusOK || a.Body.Len() < 300_000 || a.Body.String() != b.Body.String() {
		t.Fatalf("big answer: %d, %d bytes", a.Code, a.Body.Len())
	}
	if err := json.Unmarshal(a.Body.Bytes(), new([]aggregator.Row)); err != nil {
		t.Errorf("big answer cut short: %v", err)
	}
	if n, b := g.cache().stats(); n != 0 || b != 0 {
		t.Errorf("an answer over the entry limit was kept: %d entries, %d bytes", n, b)
	}
}

// TestCacheNoCacheRequest: Cache-Control: no-cache has the answer computed
// afresh (benchmarks of the uncached path use it, since a dummy parameter no
// longer bypasses the cache), without adding an entry.
func TestCacheNoCacheRequest(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	var a, b aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &a)
	// Mark the cached entry, to tell a cached answer from a fresh one.
	key, _ := cacheKey(httptest.NewRequest("GET", "/api/v1/campaigns/afp/headline", nil), false, []string{"format", "day"})
	e := f.cache().get(key)
	if e == nil {
		t.Fatal("headline not cached")
	}
	e.body = []byte(`{"day":"stale"}`)
	if w := f.get(t, "/api/v1/campaigns/afp/headline"); !strings.Contains(w.Body.String(), "stale") {
		t.Fatalf("repeat not from the cache: %s", w.Body.String())
	}
	w := f.get(t, "/api/v1/campaigns/afp/headline", "Cache-Control", "no-cache")
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil || b.Day != a.Day {
		t.Errorf("no-cache answer %q: %v", w.Body.String(), err)
	}
	if n, _ := f.cache().stats(); n != 1 {
		t.Errorf("%d entries", n)
	}
	if w := f.get(t, "/api/v1/campaigns/afp/headline"); strings.Contains(w.Body.String(), "stale") {
		t.Error("the fresh answer did not replace the entry")
	}
}
