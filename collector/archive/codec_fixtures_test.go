package archive

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// TestStoreGivesBackEveryFixturePost: every post the formats make of every
// fixture payload (../shared/fixtures: archives, API responses, Jetstream
// frames) reads back from a real store exactly as it was parsed, so the
// store's encoding (an X or Bluesky URL rebuilt rather than written, IDs as
// numbers, tags as offsets into the text) loses nothing of any of them.
func TestStoreGivesBackEveryFixturePost(t *testing.T) {
	root := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures"))
	var files []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonl")) && !strings.HasSuffix(path, ".headers.json") {
			files = append(files, path)
		}
		return nil
	})
	now := time.Date(2026, 12, 3, 9, 0, 0, 123, time.UTC)
	total, urls := 0, map[string]int{}
	for _, path := range files {
		posts := fixturePosts(t, path, now)
		if len(posts) == 0 {
			continue
		}
		db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), &store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Append(posts, nil); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		first := map[string]bool{}
		for _, want := range posts {
			if first[want.Key()] {
				continue
			}
			first[want.Key()] = true
			if want.Hashtags == nil {
				want.Hashtags = []string{} // as every encoding reads a post without tags
			}
			got, err := db.Get(want.Platform, want.ID)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: %s %s: %v\n got %+v\nwant %+v", path, want.Platform, want.ID, err, got, want)
			}
			total++
			if want.URL != "" {
				urls[want.Platform]++
			}
		}
		if err := db.Check(); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		db.Close()
	}
	if total < 100 || urls[store.PlatformX] == 0 || urls[store.PlatformBluesky] == 0 {
		t.Fatalf("%d posts from %d files, with URLs: %v", total, len(files), urls)
	}
	t.Logf("%d posts from %d files read back; with URLs: %v", total, len(files), urls)
}

// fixturePosts parses a file as Import does (format detected from its first
// records), or returns nil when no format takes it.
func fixturePosts(t *testing.T, path string, now time.Time) []store.Post {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	content, _, err := decompressed(f)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recs := make(chan []record, 1)
	go readRecords(ctx, content, 2000, recs, func(int, error) {})
	companion := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(filepath.Dir(path), name)) }
	var posts []store.Post
	for pb := range parseStage(ctx, cancel, companion, recs, func() time.Time { return now }) {
		if pb.err != nil {
			return nil
		}
		for _, p := range pb.parsed {
			posts = append(posts, p.posts...)
		}
	}
	return posts
}
