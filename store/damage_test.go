package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tagpulse/tagpulse/store"
)

// pageOf returns the file offset of the root page of a top-level bucket.
func pageOf(t *testing.T, path, bucket string) int64 {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var off int64
	err = b.View(func(tx *bolt.Tx) error {
		root := tx.Bucket([]byte(bucket)).RootPage()
		if root == 0 {
			t.Fatalf("bucket %s is inline: fill it more", bucket)
		}
		off = int64(root) * int64(b.Info().PageSize)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// A page that no longer says it is itself made bbolt assert and panic inside
// check; Check now returns an error naming the bucket.
func TestCheckReportsDamagedPageByBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	fillStore(t, path, 2000)
	off := pageOf(t, path, "posts")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The page header starts with the page's own id: make it lie.
	var id [8]byte
	binary.NativeEndian.PutUint64(id[:], 0)
	if _, err := f.WriteAt(id[:], off); err != nil {
		t.Fatal(err)
	}
	f.Close()

	db, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Check()
	if !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("Check = %v, want ErrDamaged", err)
	}
	var de *store.DamagedError
	if !errors.As(err, &de) || de.Bucket != "posts" || !strings.Contains(err.Error(), `bucket "posts"`) {
		t.Fatalf("Check = %v, want it to name bucket posts", err)
	}
}

// TestCheckFindsAFlippedByteInTheRawLog: bbolt keeps no checksums, so a bit
// flipped in a post's bytes passed check; the post's own checksum finds it.
func TestCheckFindsAFlippedByteInTheRawLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var posts []store.Post
	for i := range 50 {
		posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(i + 1), Source: "x", Kind: store.KindOriginal,
			CreatedAt: time.Unix(int64(i), 0).UTC(), Text: fmt.Sprintf("marker-%03d solidarity", i), Hashtags: []string{"allforpalestine"}})
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(); err != nil {
		t.Fatalf("check of a whole store: %v", err)
	}
	db.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("marker-017"))
	if i < 0 {
		t.Fatal("post text not found in the file")
	}
	data[i+7] ^= 0x01 // "marker-017" → "marker-117": still valid, still a post
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Check()
	var ce *store.ChecksumError
	if !errors.As(err, &ce) || ce.Seq != 18 || !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("Check = %v, want a checksum error for post 18", err)
	}
}
