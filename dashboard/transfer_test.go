package dashboard

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestConditionalAnswers: every JSON and CSV answer of the API carries an
// ETag; asked again with it in If-None-Match, an unchanged answer is a 304
// without a body, and once new posts change it, a 200 with a new tag.
func TestConditionalAnswers(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	paths := []string{
		"/api/v1/campaigns", "/api/v1/campaigns/afp", "/api/v1/campaigns/afp/totals?by=country",
		"/api/v1/campaigns/afp/days?format=csv", "/api/v1/campaigns/afp/hours?day=2026-11-29",
		"/api/v1/campaigns/afp/top?day=2026-11-29", "/api/v1/campaigns/afp/headline",
		"/api/v1/campaigns/afp/crosscheck", "/api/v1/sources", "/api/v1/campaigns/afp/card.svg",
	}
	tags := map[string]string{}
	for _, p := range paths {
		w := f.get(t, p)
		tag := w.Header().Get("ETag")
		if w.Code != 200 || tag == "" || w.Header().Get("Cache-Control") != "no-cache" {
			t.Fatalf("%s: %d, ETag %q, Cache-Control %q; want 200 with an ETag, no-cache", p, w.Code, tag, w.Header().Get("Cache-Control"))
		}
		tags[p] = tag
		again := f.get(t, p, "If-None-Match", tag)
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != tag {
			t.Errorf("%s with If-None-Match %s: %d, %d bytes, ETag %q; want 304, empty", p, tag, again.Code, again.Body.Len(), again.Header().Get("ETag"))
		}
		if other := f.get(t, p, "If-None-Match", `W/"other"`); other.Code != 200 || other.Body.Len() == 0 {
			t.Errorf("%s with another tag: %d", p, other.Code)
		}
	}
	// An error is not tagged and not kept.
	if w := f.get(t, "/api/v1/campaigns/nosuch/totals"); w.Code != 404 || w.Header().Get("ETag") != "" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("404: ETag %q, Cache-Control %q", w.Header().Get("ETag"), w.Header().Get("Cache-Control"))
	}
	// New posts: the answers that count them change, and so do their tags
	// (asked with Cache-Control: no-cache, as a browser's reload does, past
	// the server's response cache).
	f.add(t, f.post("allforpalestine", f.now), f.post("allforpalestine", f.now))
	for _, p := range []string{"/api/v1/campaigns/afp/totals?by=country", "/api/v1/campaigns/afp/headline"} {
		w := f.get(t, p, "If-None-Match", tags[p], "Cache-Control", "no-cache")
		if w.Code != 200 || w.Header().Get("ETag") == tags[p] {
			t.Errorf("%s after new posts: %d, ETag %q (was %q)", p, w.Code, w.Header().Get("ETag"), tags[p])
		}
	}
}

// TestCompressed: pages, API answers, scripts and styles are gzipped for a
// client that accepts it (and decompress to what others get); the event
// stream is not.
func TestCompressed(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	for _, p := range []string{"/c/afp", "/api/v1/campaigns/afp/top?day=2026-11-29", "/api/v1/campaigns/afp/days?format=csv", "/static/app.js", "/static/world.json", "/static/style.css"} {
		plain := f.get(t, p)
		w := f.get(t, p, "Accept-Encoding", "gzip, deflate, br")
		if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Content-Encoding %q, Vary %q", p, w.Header().Get("Content-Encoding"), w.Header().Values("Vary"))
			continue
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if plain.Header().Get("Content-Encoding") != "" || len(b) != plain.Body.Len() {
			t.Errorf("%s: gzip gives %d bytes, plain %d (%q)", p, len(b), plain.Body.Len(), plain.Header().Get("Content-Encoding"))
		}
		if p == "/static/world.json" && w.Body.Len() > len(b)/2 {
			t.Errorf("world map: %d bytes gzipped of %d", w.Body.Len(), len(b))
		}
	}
	if w := f.get(t, "/static/app.js", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got %q", w.Header().Get("Content-Encoding"))
	}
}

// TestHashedAssets: the page links its script, style and map by content
// hash, and those answers are immutable for a year; plain names and stale
// hashes answer with the current file, kept briefly.
func TestHashedAssets(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	page := f.get(t, "/c/afp").Body.String()
	re := regexp.MustCompile(`/static/(app|style|world)\.[0-9a-f]{12}\.(json|js|css)`)
	links := re.FindAllString(page, -1)
	if len(links) != 3 {
		t.Fatalf("hashed links in the page: %q", links)
	}
	for _, u := range links {
		w := f.get(t, u)
		if w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d, Cache-Control %q", u, w.Code, w.Header().Get("Cache-Control"))
		}
		plain := re.ReplaceAllString(u, "/static/$1.$2")
		if p := f.get(t, plain); p.Body.String() != w.Body.String() || p.Header().Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("%s: not the same file as %s, or Cache-Control %q", plain, u, p.Header().Get("Cache-Control"))
		}
	}
	if u := assetURL("app.js"); assetHashes["app.js"] == "" || !strings.Contains(u, assetHashes["app.js"]) {
		t.Errorf("assetURL(app.js) = %q", u)
	}
	stale := f.get(t, "/static/app.000000000000.js")
	if stale.Code != 200 || stale.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("stale hash: %d, Cache-Control %q", stale.Code, stale.Header().Get("Cache-Control"))
	}
	var world map[string]any
	if err := json.Unmarshal(f.get(t, links[2]).Body.Bytes(), &world); err != nil && strings.Contains(links[2], "world") {
		t.Errorf("world map by hashed name: %v", err)
	}
}
