package store

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestStoreReadsEveryEncoding: a store whose log holds posts in each
// encoding earlier versions wrote (postV1, postV2) beside postV3 gives every
// post back, walks them all and verifies their checksums.
func TestStoreReadsEveryEncoding(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mk := func(id string) Post {
		return Post{Platform: PlatformX, ID: id, Source: SourceX, Arrival: ArrivalImport, Kind: KindReply, RefID: "1860000000000000001",
			CreatedAt: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), CollectedAt: time.Date(2026, 11, 30, 10, 0, 0, 5, time.UTC),
			URL: "https://x.com/amal/status/" + id, Text: "#AllForPalestine today", Lang: "en", Hashtags: []string{"allforpalestine"},
			Author: Author{ID: "42", Handle: "amal", Name: "Amal", Followers: 7}}
	}
	posts := []Post{mk("1860000000000000101"), mk("1860000000000000102"), mk("1860000000000000103")}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	// Rewrite the first two as earlier versions did.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if err := putPost(tx, be64(1), encodePostV1(&posts[0])); err != nil {
			return err
		}
		return putPost(tx, be64(2), encodePostV2(&posts[1]))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		for seq, want := range []byte{postV1, postV2, postV3} {
			if v := tx.Bucket(bucketPosts).Get(be64(uint64(seq + 1))); v[0] != want {
				t.Errorf("post %d is format %d, want %d", seq+1, v[0], want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		got, err := db.Get(PlatformX, p.ID)
		if err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("%s: %v\n got %+v\nwant %+v", p.ID, err, got, p)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.Posts(0, func(seq uint64, p *Post) error { n++; return nil }); err != nil || n != 3 {
		t.Fatalf("walked %d posts: %v", n, err)
	}
}
