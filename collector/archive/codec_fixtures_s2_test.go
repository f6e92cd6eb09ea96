package archive

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// TestCompressedStoreGivesBackEveryFixturePost: in a store that holds
// enough posts to have trained its compression dictionary
// (store/codec_s2.go), every fixture post is stored compressed where that
// is shorter and reads back exactly as it was parsed.
func TestCompressedStoreGivesBackEveryFixturePost(t *testing.T) {
	root := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures"))
	var all []store.Post
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".jsonl")) && !strings.HasSuffix(path, ".headers.json") {
			all = append(all, fixturePosts(t, path, time.Date(2026, 12, 3, 9, 0, 0, 123, time.UTC))...)
		}
		return nil
	})
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := store.Open(path, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// The fixture posts over and over, with other IDs, train the
	// dictionary (at 4,096 posts); then the fixture posts themselves.
	var fill []store.Post
	for len(fill) < 4096 {
		for _, p := range all {
			p.ID = fmt.Sprintf("fill-%d-%s", len(fill), p.ID)
			p.URL = ""
			fill = append(fill, p)
		}
	}
	if _, err := db.Append(fill[:4096], nil); err != nil {
		t.Fatal(err)
	}
	first := db.LastSeq()
	if _, err := db.Append(all, nil); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, want := range all {
		if seen[want.Key()] {
			continue
		}
		seen[want.Key()] = true
		if want.Hashtags == nil {
			want.Hashtags = []string{}
		}
		got, err := db.Get(want.Platform, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s %s: %v\n got %+v\nwant %+v", want.Platform, want.ID, err, got, want)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	formats := map[byte]int{}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("posts")).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, first+1)); k != nil; k, v = c.Next() {
			formats[v[0]]++
		}
		return nil
	})
	if formats[4] == 0 || formats[5] == 0 {
		t.Fatalf("fixture posts by format: %v; want some postS2 (4) and postS2Head (5)", formats)
	}
	t.Logf("%d fixture posts by format: %v", len(seen), formats)
}
