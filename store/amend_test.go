package store_test

import (
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestAmendByIDSkipsPostsNotHeld: an amendment named by platform and ID
// alone (another node's, through a cluster's stream) of a post this store
// does not hold is counted and skipped; the others and the cursors are
// written in the same transaction.
func TestAmendByIDSkipsPostsNotHeld(t *testing.T) {
	db := storetest.Open(t)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	p := store.Post{Platform: store.PlatformBluesky, ID: "at://did:plc:a/app.bsky.feed.post/1", Source: store.SourceBluesky,
		Kind: store.KindOriginal, CreatedAt: at, CollectedAt: at, Hashtags: []string{"gaza"}, Author: store.Author{ID: "did:plc:a"}}
	if _, err := db.Append([]store.Post{p}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := db.Amend([]store.Amend{
		{Platform: store.PlatformBluesky, ID: "at://did:plc:b/app.bsky.feed.post/9", Engagement: 4, At: at},
		{Platform: p.Platform, ID: p.ID, Engagement: 3, At: at},
	}, nil, map[string][]byte{"cluster:s": {0, 0, 0, 0, 0, 0, 0, 7}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Amended != 1 || res.Missing != 1 {
		t.Fatalf("result %+v, want 1 amended, 1 missing", res)
	}
	if a, ok, err := db.PostAmend(1); err != nil || !ok || a.Engagement != 3 {
		t.Errorf("amendment of the held post: %+v %v %v", a, ok, err)
	}
	if c, err := db.Cursor("cluster:s"); err != nil || len(c) != 8 || c[7] != 7 {
		t.Errorf("cursor %v, %v", c, err)
	}
}
