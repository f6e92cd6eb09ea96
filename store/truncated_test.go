package store_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// fillStore writes a store with enough posts to span many pages, and
// returns the bytes its pages use (the file has bbolt's growth slack beyond).
func fillStore(t *testing.T, path string, n int) int64 {
	t.Helper()
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	posts := make([]store.Post, n)
	for i := range posts {
		posts[i] = store.Post{Platform: "x", ID: fmt.Sprint(i + 1), Source: "x", Kind: store.KindOriginal,
			CreatedAt: time.Unix(int64(i), 0).UTC(), Text: strings.Repeat("solidarity ", 20), Hashtags: []string{"allforpalestine"}}
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	used := db.Size()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return used
}

// A store cut to half its size used to be mapped and crash the process with
// SIGBUS on the first read past its end; Open now refuses it, naming the file.
func TestOpenRefusesTruncatedStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	half := fillStore(t, path, 2000) / 2
	if err := os.Truncate(path, half); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		db, err := store.Open(path, &store.Options{ReadOnly: ro})
		if err == nil {
			db.Close()
			t.Fatalf("read-only %v: Open of a truncated store succeeded", ro)
		}
		if !errors.Is(err, store.ErrTruncated) {
			t.Fatalf("read-only %v: %v, want ErrTruncated", ro, err)
		}
		want := fmt.Sprintf("the store %s is truncated (%d of ", path, half)
		if !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "bytes): restore from a backup") {
			t.Fatalf("error %q, want it to contain %q", err, want)
		}
	}
	// The file is left as it was: nothing was written to it.
	if st, _ := os.Stat(path); st.Size() != half {
		t.Fatalf("size after the refused opens = %d, want %d", st.Size(), half)
	}
}

// A whole store, or one with spare bytes after its last page, still opens.
func TestOpenAcceptsWholeStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	fillStore(t, path, 50)
	st, _ := os.Stat(path)
	if err := os.Truncate(path, st.Size()+4096*3); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.PostCount() != 50 {
		t.Fatalf("posts = %d, want 50", db.PostCount())
	}
}
