package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

func TestOpenModeAndLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	_, err = store.Open(path, &store.Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
}

func TestAppendDedupesAndMovesCursorWithPosts(t *testing.T) {
	db := storetest.Open(t)
	p := func(platform, id string) store.Post {
		return store.Post{Platform: platform, ID: id, Source: "x", Kind: store.KindOriginal, CreatedAt: time.Unix(1, 0)}
	}
	res, err := db.Append([]store.Post{p("x", "1"), p("x", "2"), p("x", "1"), p("mastodon", "1")}, map[string][]byte{"x:c": []byte("since=2")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || res.Duplicates != 1 || res.LastSeq != 3 {
		t.Fatalf("append = %+v, want 3 added, 1 duplicate", res)
	}
	res, err = db.Append([]store.Post{p("x", "2"), p("x", "3")}, map[string][]byte{"x:c": []byte("since=3")})
	if err != nil || res.Added != 1 || res.Duplicates != 1 {
		t.Fatalf("second append = %+v %v", res, err)
	}
	if c, _ := db.Cursor("x:c"); string(c) != "since=3" {
		t.Fatalf("cursor = %q", c)
	}
	// A failed append moves neither posts nor cursor.
	if _, err := db.Append([]store.Post{p("x", "4"), {Platform: "x"}}, map[string][]byte{"x:c": []byte("since=9")}); err == nil {
		t.Fatal("append of a post without id succeeded")
	}
	if c, _ := db.Cursor("x:c"); string(c) != "since=3" || db.PostCount() != 4 {
		t.Fatalf("after a failed append: cursor %q, %d posts", c, db.PostCount())
	}
	if err := db.Redact("x", "1"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get("x", "1")
	if err != nil || !got.Redacted || got.Text != "" {
		t.Fatalf("redacted post = %+v %v", got, err)
	}
	if err := db.Redact("x", "404"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("redact of a missing post: %v", err)
	}
}

func TestBackupIsAUsableStore(t *testing.T) {
	db := storetest.Open(t)
	if _, err := db.Append([]store.Post{{Platform: "x", ID: "1", CreatedAt: time.Unix(1, 0)}}, nil); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	if _, err := db.BackupFile(dst); err != nil {
		t.Fatal(err)
	}
	cp, err := store.Open(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if cp.PostCount() != 1 {
		t.Fatalf("backup has %d posts", cp.PostCount())
	}
}

func TestHoursAlignUTC(t *testing.T) {
	for zone, want := range map[string]bool{"Asia/Gaza": true, "UTC": true, "America/Chicago": true, "Asia/Kolkata": false, "Asia/Kathmandu": false} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Campaign{Location: loc}
		if got := c.HoursAlignUTC(time.Date(2026, 11, 29, 10, 17, 0, 0, time.UTC)); got != want {
			t.Errorf("%s: %v, want %v", zone, got, want)
		}
	}
}
