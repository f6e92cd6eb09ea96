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
