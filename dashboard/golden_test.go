package dashboard

import (
	"bytes"
	"flag"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// goldenAPI lists every API answer the golden files hold: each endpoint in
// JSON and, where it has one, CSV, with the parameters that change what it
// computes. The files were written before the read model moved into the
// aggregator; they prove the figures did not change.
var goldenAPI = []string{
	"/api/v1/campaigns",
	"/api/v1/campaigns/afp",
	"/api/v1/campaigns/afp2025",
	"/api/v1/campaigns/afp/totals",
	"/api/v1/campaigns/afp/totals?format=csv",
	"/api/v1/campaigns/afp/totals?by=country",
	"/api/v1/campaigns/afp/totals?by=source&format=csv",
	"/api/v1/campaigns/afp/totals?by=kind",
	"/api/v1/campaigns/afp/totals?by=lang&format=csv",
	"/api/v1/campaigns/afp/totals?by=method",
	"/api/v1/campaigns/afp/totals?by=source_kind&format=csv",
	"/api/v1/campaigns/afp/days",
	"/api/v1/campaigns/afp/days?format=csv",
	"/api/v1/campaigns/afp/days?by=country&from=2026-11-27&to=2026-11-29",
	"/api/v1/campaigns/afp/days?by=country&from=2026-11-27&to=2026-11-29&format=csv",
	"/api/v1/campaigns/afp/days?from=2026-11-20&to=2026-11-24",
	"/api/v1/campaigns/afp/days?day=2026-11-25&by=kind",
	"/api/v1/campaigns/afp2025/days",
	"/api/v1/campaigns/afp/hours",
	"/api/v1/campaigns/afp/hours?format=csv",
	"/api/v1/campaigns/afp/hours?day=2026-11-28&by=source",
	"/api/v1/campaigns/afp/hours?day=2026-11-28&by=source&format=csv",
	"/api/v1/campaigns/afp2025/hours",
	"/api/v1/campaigns/afp/top",
	"/api/v1/campaigns/afp/top?format=csv",
	"/api/v1/campaigns/afp/top?format=csv&list=participants",
	"/api/v1/campaigns/afp/top?day=2026-11-24",
	"/api/v1/campaigns/afp2025/top",
	"/api/v1/campaigns/afp/headline",
	"/api/v1/campaigns/afp/headline?day=2026-11-25",
	"/api/v1/campaigns/afp2025/headline",
	"/api/v1/campaigns/afp/crosscheck",
	"/api/v1/campaigns/afp/crosscheck?format=csv",
	"/api/v1/campaigns/afp/crosscheck?day=2026-11-28",
	"/api/v1/campaigns/afp2025/crosscheck",
	"/api/v1/campaigns/afp/card.svg",
	"/api/v1/sources",
	"/p/" + goldenSecret + "/api/v1/sources",
}

const goldenSecret = "golden-public-secret-0123"

// goldenHealth is the collectors' health the golden /sources answers show:
// no source here records platform counts, so none has a completeness figure.
func goldenHealth() []store.SourceHealth {
	at := gazaNow.Add(-3 * time.Minute)
	next := gazaNow.Add(time.Minute)
	reset := gazaNow.Add(10 * time.Minute)
	return []store.SourceHealth{
		{Name: "bluesky", Source: "bluesky", Kind: "stream", State: "streaming", PostsFetched: 900, PostsMatched: 7, PostsAdded: 6, PostsDuplicate: 1, LastSuccess: &at},
		{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: "poll", State: "backoff", Every: "1m0s", PostsFetched: 40, PostsMatched: 12, ConsecutiveErrors: 2, NextAttempt: &next,
			RateLimit: &store.RateLimitInfo{Limit: 300, Remaining: 120, Reset: &reset},
			LastError: &store.ErrorInfo{Message: "GET https://mastodon.social/api/v1/timelines/tag/allforpalestine: 503 Service Unavailable", At: at}},
		{Name: "twitter:afp", Campaign: "afp", Source: "x", Kind: "poll", State: "ok", Every: "1m0s", PostsMatched: 3, PostsMalformed: 1},
		{Name: "x:afp2025", Campaign: "afp2025", RecordsCounts: true, Source: "x", Kind: "poll", State: "waiting_for_reset", WaitingForResetUntil: &reset,
			CountsError: &store.ErrorInfo{Message: "counts: HTTP 429", At: at}},
	}
}

// newGoldenFixture is the fixed store the golden files are computed from:
// newFixture's campaigns and posts at its fixed clock, plus the X counts of
// some hours of 28 and 29 November.
func newGoldenFixture(t *testing.T) *fixture {
	f := newFixture(t, func(o *Options) {
		o.Public = map[string]string{"afp": goldenSecret}
		o.Sources = healthFor(goldenHealth())
	})
	f.fill(t)
	counts := map[time.Time]int64{}
	for h := 0; h < 36; h++ {
		counts[time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC).Add(time.Duration(h)*time.Hour)] = int64(1 + h%4)
	}
	if err := f.db.PutPlatformCounts("afp", "x", counts); err != nil {
		t.Fatal(err)
	}
	if err := f.db.PutPlatformCounts("afp", "mastodon", map[time.Time]int64{time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC): 4}); err != nil {
		t.Fatal(err)
	}
	return f
}

// goldenName is the file of an API answer in testdata/golden.
func goldenName(target string) string {
	r := strings.NewReplacer("/api/v1/", "", "/p/"+goldenSecret+"/", "public/", "/", "_", "?", "__", "&", "_", "=", "-")
	name := r.Replace(target)
	ext := ".json"
	switch {
	case strings.Contains(target, "format=csv"):
		ext = ".csv"
	case strings.Contains(target, ".svg"):
		ext = ""
	}
	return filepath.Join("testdata", "golden", name+ext)
}

// TestGoldenAPI compares every API answer with its golden file (rewrite
// them with go test -run TestGoldenAPI -update, and look at the diff).
func TestGoldenAPI(t *testing.T) {
	f := newGoldenFixture(t)
	for _, target := range goldenAPI {
		w := f.get(t, target, "Accept-Language", "en")
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", target, w.Code, w.Body)
			continue
		}
		compareGoldenFile(t, goldenName(target), w.Body.Bytes())
	}
}

// compareGoldenFile compares got with the file at path, or rewrites it with -update.
func compareGoldenFile(t *testing.T, path string, got []byte) {
	t.Helper()
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (rerun with -update if the change is intended):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// updating reports whether -update was given (the flag is defined by the
// package's external tests, metrics_test.go, in the same test binary).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// healthFor answers as the collector's scheduler does (HealthFor): the
// sources that serve a campaign, or all for "".
func healthFor(all []store.SourceHealth) func(string) []store.SourceHealth {
	return func(campaign string) []store.SourceHealth {
		var out []store.SourceHealth
		for _, h := range all {
			if campaign == "" || h.Serves(campaign) {
				out = append(out, h)
			}
		}
		return out
	}
}

// TestEveryTemplateIsServed renders every page template through the
// handler (the index, a campaign page, the not-found page and the share
// card) and fails for a template file no page uses, so a new template
// needs a page here.
func TestEveryTemplateIsServed(t *testing.T) {
	f := newGoldenFixture(t)
	pages := map[string]struct {
		target string
		status int
		marker string // something only that template writes
	}{
		"index.html":    {"/?lang=en", http.StatusOK, `href="/c/afp2025"`},
		"campaign.html": {"/c/afp?lang=en", http.StatusOK, `data-day="2026-11-29"`},
		"error.html":    {"/c/nope?lang=en", http.StatusNotFound, "<html"},
		"layout.html":   {"/c/afp?lang=en", http.StatusOK, "<html"},
		"card.svg":      {"/api/v1/campaigns/afp/card.svg?lang=en", http.StatusOK, "<svg"},
	}
	files, err := fs.Glob(templateFiles, "templates/*")
	if err != nil {
		t.Fatal(err)
	}
	// The sign-in page is served only where access is configured.
	signIn := newFixture(t, func(o *Options) { o.Access = Access{Token: "tok-dashboard-0123456789"} })
	for _, file := range files {
		if path.Base(file) == "signin.html" {
			if w := signIn.get(t, "/c/afp?lang=en", "Accept", "text/html"); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), `name="token"`) {
				t.Errorf("%s: GET /c/afp without the token = %d:\n%.300s", file, w.Code, w.Body)
			}
			continue
		}
		p, ok := pages[path.Base(file)]
		if !ok {
			t.Errorf("template %s is served by no page this test asks for", file)
			continue
		}
		w := f.get(t, p.target)
		if w.Code != p.status || !strings.Contains(w.Body.String(), p.marker) {
			t.Errorf("%s: GET %s = %d, want %d with %q:\n%.300s", file, p.target, w.Code, p.status, p.marker, w.Body)
		}
	}
}
