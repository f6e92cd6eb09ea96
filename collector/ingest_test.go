package collector_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestIngestKeepsMatchingPosts: Ingest stores a page's posts that carry a
// campaign hashtag, in page order, whether every post matches (the page
// is passed as it is) or the first, a middle or the last one does not, and
// leaves the page as it was.
func TestIngestKeepsMatchingPosts(t *testing.T) {
	db := storetest.Open(t)
	m := collector.NewMatcher([]store.Campaign{campaign()})
	at := time.Date(2026, 4, 17, 12, 0, 0, 0, time.UTC)
	n := 0
	page := func(off ...int) []store.Post {
		ps := make([]store.Post, 5)
		for i := range ps {
			n++
			ps[i] = post(store.PlatformX, fmt.Sprint(1000+n), at)
		}
		for _, i := range off {
			ps[i].Hashtags = []string{"other"}
		}
		return ps
	}
	var want []store.Post
	for _, off := range [][]int{nil, {0}, {2}, {4}, {0, 1, 2, 3, 4}, {1, 3}} {
		ps := page(off...)
		before := append([]store.Post(nil), ps...)
		res, err := collector.Ingest(db, m, "src", collector.Page{Posts: ps, Cursor: []byte("c")})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ps, before) {
			t.Fatalf("page %v changed by Ingest", off)
		}
		if res.Matched != 5-len(off) || res.Added != res.Matched || res.Fetched != 5 {
			t.Fatalf("page %v: %+v", off, res)
		}
		for i, p := range ps {
			if m.Match(p.Hashtags) {
				want = append(want, ps[i])
			}
		}
		// Again: all duplicates.
		if res, err := collector.Ingest(db, m, "src", collector.Page{Posts: ps}); err != nil || res.Duplicates != res.Matched || res.Added != 0 {
			t.Fatalf("page %v again: %+v, %v", off, res, err)
		}
	}
	i := 0
	err := db.Posts(0, func(seq uint64, p *store.Post) error {
		if i >= len(want) || p.ID != want[i].ID {
			return fmt.Errorf("post %d is %s", seq, p.ID)
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("%d of %d posts stored: %v", i, len(want), err)
	}
}
