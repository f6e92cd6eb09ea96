package aggregator_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestReachOfHugeFollowerCounts: two authors with followers_count
// 9223372036854775807 gave reach −2. Counts (even ones stored raw before
// the clamp) are read as at most store.MaxFollowers, negatives as 0, and
// check agrees with the rollups.
func TestReachOfHugeFollowerCounts(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	p := []store.Post{
		post("1", "big1", at, store.KindOriginal, math.MaxInt64, "", "allforpalestine"),
		post("2", "big2", at.Add(time.Minute), store.KindOriginal, math.MaxInt64, "", "allforpalestine"),
		post("3", "neg", at.Add(2*time.Minute), store.KindOriginal, -5, "", "allforpalestine"),
		post("4", "small", at.Add(3*time.Minute), store.KindOriginal, 7, "", "allforpalestine"),
	}
	if _, err := db.Append(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows := fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"day"}})
	want := 2*store.MaxFollowers + 7
	if len(rows) != 1 || rows[0].Reach != want || rows[0].Participants != 4 {
		t.Fatalf("rows = %+v, want reach %d of 4 participants", rows, want)
	}
	diffs, _, err := a.Check(context.Background())
	if err != nil || len(diffs) != 0 {
		t.Fatalf("check: %v %v", diffs, err)
	}
}

func TestAddReachSaturates(t *testing.T) {
	for _, c := range []struct{ r, d, want int64 }{
		{1, 2, 3},
		{math.MaxInt64 - 1, 5, math.MaxInt64},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64},
		{10, -3, 7},
		{math.MinInt64 + 1, -5, math.MinInt64},
	} {
		if got := store.AddReach(c.r, c.d); got != c.want {
			t.Errorf("AddReach(%d, %d) = %d, want %d", c.r, c.d, got, c.want)
		}
	}
	if store.ClampFollowers(-1) != 0 || store.ClampFollowers(math.MaxInt64) != store.MaxFollowers || store.ClampFollowers(42) != 42 {
		t.Error("ClampFollowers")
	}
}
