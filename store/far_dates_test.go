package store_test

import (
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// Times outside 1677–2262 (where UnixNano wraps) are stored as they were:
// 2300-01-01 stays 2300-01-01, and year 1 and 9999 too.
func TestFarDatesRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	var posts []store.Post
	for i, at := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1600, 6, 1, 12, 0, 0, 5, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		posts = append(posts, store.Post{Platform: store.PlatformX, ID: string(rune('1' + i)), Source: store.SourceX, Kind: store.KindOriginal,
			CreatedAt: at, CollectedAt: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), Hashtags: []string{"t"}, Author: store.Author{ID: "a"}})
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range posts {
		got, err := db.Get(want.Platform, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("post %s: stored %v, read %v", want.ID, want.CreatedAt, got.CreatedAt)
		}
	}
}
