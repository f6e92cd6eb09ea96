package aggregator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestImportedPostsKeepTheirPlatform: an imported post counts under its
// platform (also one stored with source "import" before arrivals were
// kept); how it arrived is the arrival dimension.
func TestImportedPostsKeepTheirPlatform(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	legacy := post("1", "amal", at, store.KindOriginal, 1, "", "allforpalestine") // Source "import", platform x
	masto := post("2", "ben", at, store.KindOriginal, 1, "", "allforpalestine")
	masto.Platform, masto.Source, masto.Arrival = store.PlatformMastodon, store.SourceMastodon, store.ArrivalImport
	live := post("3", "carla", at, store.KindOriginal, 1, "", "allforpalestine")
	live.Platform, live.Source, live.Arrival = store.PlatformBluesky, store.SourceBluesky, ""
	if _, err := db.Append([]store.Post{legacy, masto, live}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := func(by string) string {
		rows := fig(t, a, aggregator.Query{Campaign: "both", By: []string{by}})
		out := ""
		for _, r := range rows {
			out += fmt.Sprintf("%s=%d ", r.Key(by), r.Posts)
		}
		return out
	}
	if s := got(aggregator.BySource); s != "bluesky=1 mastodon=1 x=1 " {
		t.Errorf("by source: %s, want each platform (no import)", s)
	}
	if s := got(aggregator.ByArrival); s != "import=2 live=1 " {
		t.Errorf("by arrival: %s", s)
	}
	p, err := db.Get(store.PlatformMastodon, "2")
	if err != nil || p.Arrival != store.ArrivalImport {
		t.Errorf("stored arrival = %q, %v; want import", p.Arrival, err)
	}
	if diffs, _, err := a.Check(context.Background()); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}

// TestAuthorlessPostsAddNoParticipant: posts whose platform gives no
// author (Instagram's hashtag media) count as posts and may be top posts,
// but add no participant and no reach (they used to count, all together,
// as one participant "instagram:").
func TestAuthorlessPostsAddNoParticipant(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	var posts []store.Post
	for i := range 3 {
		p := post(fmt.Sprintf("ig%d", i), "", at.Add(time.Duration(i)*time.Minute), store.KindOriginal, 0, "", "allforpalestine")
		p.Platform, p.Source, p.Author = store.PlatformInstagram, store.SourceInstagram, store.Author{}
		p.Engagement = 1000 + int64(i)
		posts = append(posts, p)
	}
	posts = append(posts, post("x1", "amal", at, store.KindOriginal, 10, "", "allforpalestine"))
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows := fig(t, a, aggregator.Query{Campaign: "both", By: []string{aggregator.BySource}})
	for _, r := range rows {
		switch r.Source {
		case store.SourceInstagram:
			if r.Posts != 3 || r.Participants != 0 || r.Reach != 0 {
				t.Errorf("instagram: %+v, want 3 posts, no participants, no reach", r.Figures)
			}
		case store.SourceX:
			if r.Posts != 1 || r.Participants != 1 || r.Reach != 10 {
				t.Errorf("x: %+v", r.Figures)
			}
		}
	}
	top, err := a.Top("both", "2026-11-29")
	if err != nil {
		t.Fatal(err)
	}
	if len(top.Posts) != 4 || top.Posts[0].ID != "ig2" || len(top.Participants) != 1 {
		t.Errorf("top = %d posts (first %+v), %d participants; want the Instagram posts among the top posts and only amal as a participant", len(top.Posts), top.Posts, len(top.Participants))
	}
	if diffs, _, err := a.Check(context.Background()); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}
