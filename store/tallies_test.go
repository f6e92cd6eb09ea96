package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// TestTalliesMoveWithTheCursor: a page appended with its source's cursor
// adds to that source's tally (posts added, duplicates) in the same
// transaction; appends without one cursor (imports) leave tallies alone,
// and tallies outlive the process.
func TestTalliesMoveWithTheCursor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := func(id string) store.Post {
		return store.Post{Platform: "mastodon", ID: id, Source: "mastodon", Kind: store.KindOriginal, CreatedAt: time.Unix(1, 0)}
	}
	steps := []struct {
		posts   []store.Post
		cursors map[string][]byte
	}{
		{[]store.Post{p("1"), p("2"), p("2")}, map[string][]byte{"mastodon:a": []byte("1")}},
		{[]store.Post{p("2"), p("3")}, map[string][]byte{"mastodon:b": []byte("1")}},
		{[]store.Post{p("3"), p("4")}, nil},                                                     // an import
		{[]store.Post{p("5")}, map[string][]byte{"mastodon:a": []byte("2"), "x:c": []byte("")}}, // which source: not said
		{nil, map[string][]byte{"mastodon:a": []byte("3")}},                                     // a cursor alone
	}
	for _, s := range steps {
		if _, err := db.Append(s.posts, s.cursors); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	db, err = store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Tallies()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]store.SourceTally{"mastodon:a": {Added: 2, Duplicate: 1}, "mastodon:b": {Added: 1, Duplicate: 1}}
	if len(got) != len(want) || got["mastodon:a"] != want["mastodon:a"] || got["mastodon:b"] != want["mastodon:b"] {
		t.Errorf("tallies %+v, want %+v", got, want)
	}
}
