package store_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
