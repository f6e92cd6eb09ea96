package bluesky_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// fixtureDir returns ../../../shared/fixtures/<sub>: the real payloads beside
// the clone. In CI a missing directory fails the test; elsewhere it skips.
func fixtureDir(t *testing.T, sub string) string {
	t.Helper()
	return testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", sub))
}

// mbFixtures returns ../../../shared/fixtures/<sub>; see fixtureDir.
func mbFixtures(t *testing.T, sub string) string { t.Helper(); return fixtureDir(t, sub) }

// mbJSONFiles lists a fixture directory's payloads (not the recorded headers).
func mbJSONFiles(t *testing.T, dir string, ext string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".headers.json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s payloads in %s", ext, dir)
	}
	return out
}

func mbOpenStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "tagpulse.db"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		db.Close()
	})
	return db
}

func mbMatcher(tags ...string) *collector.Matcher {
	return collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: tags, Timezone: "UTC"}})
}

// mbPosts returns every stored post, in log order.
func mbPosts(t *testing.T, db *store.DB) []store.Post {
	t.Helper()
	var out []store.Post
	if err := db.Posts(0, func(_ uint64, p *store.Post) error { out = append(out, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func mbCountTag(posts []store.Post, tag string) int {
	n := 0
	for _, p := range posts {
		if slices.Contains(p.Hashtags, tag) {
			n++
		}
	}
	return n
}

var mbNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func readJSONArray(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		var one json.RawMessage
		if json.Unmarshal(b, &one) != nil {
			t.Fatalf("%s: %v", path, err)
		}
		items = []json.RawMessage{one}
	}
	return items
}

// A facet's tag is the hashtag, whole: in the real AppView payload a post
// whose facet tag is "gpt-5" carries #gpt-5 (not #gpt), and "use-case" is
// use-case. The text is read only without facets.
func TestFacetTagIsTheHashtag(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(mbFixtures(t, "bluesky"), "postviews_array_twitwi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatal(err)
	}
	var posts []store.Post
	for _, it := range items {
		ps, bad := bluesky.Format.Parse(it, time.Now())
		if len(bad) != 0 {
			t.Fatalf("malformed: %v", bad)
		}
		posts = append(posts, ps...)
	}
	found := map[string]bool{}
	for _, p := range posts {
		for _, h := range p.Hashtags {
			found[h] = true
		}
	}
	for _, want := range []string{"gpt-5", "use-case"} {
		if !found[want] {
			t.Errorf("no post carries %q; want the facet's tag whole", want)
		}
	}
	for _, cut := range []string{"gpt", "use"} {
		if found[cut] {
			t.Errorf("a post carries %q: the facet tag was re-split from the text", cut)
		}
	}
}
