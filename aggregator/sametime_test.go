package aggregator_test

import (
	"context"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestSameMinuteYesterday: at 00:36:30 today is compared with yesterday
// before 00:36, not with yesterday's whole first hour; posts, participants,
// reach and countries all stop at that minute, and check recounts the
// minute cells.
func TestSameMinuteYesterday(t *testing.T) {
	db := storetest.Open(t)
	now := time.Date(2026, 11, 30, 0, 36, 30, 0, time.UTC)
	a := aggregator.New(db, campaigns(t), aggregator.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	y := func(h, m, s int) time.Time { return time.Date(2026, 11, 29, h, m, s, 0, time.UTC) }
	posts := []store.Post{
		post("1", "amal", y(0, 10, 0), store.KindOriginal, 100, "PS", "allforpalestine"),
		post("2", "ben", y(0, 35, 59), store.KindOriginal, 10, "FR", "allforpalestine"),
		post("3", "carla", y(0, 36, 10), store.KindOriginal, 1000, "DE", "allforpalestine"),
		post("4", "dev", y(0, 50, 0), store.KindOriginal, 5, "GB", "allforpalestine"),
		post("5", "ben", y(0, 40, 0), store.KindOriginal, 20, "FR", "allforpalestine"),
		post("6", "amal", time.Date(2026, 11, 30, 0, 5, 0, 0, time.UTC), store.KindOriginal, 100, "PS", "allforpalestine"),
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	hl, err := a.Headline("both", "")
	if err != nil {
		t.Fatal(err)
	}
	st := hl.SameTimeYesterday
	if !hl.IsToday || st == nil {
		t.Fatalf("headline %+v: want today with a same-time comparison", hl)
	}
	if want := y(0, 36, 0); !st.Until.Equal(want) || st.WholeDay {
		t.Fatalf("until = %v (whole day %v), want %v", st.Until, st.WholeDay, want)
	}
	// Before 00:36: amal's and ben's first posts; ben's reach is his latest (20).
	if st.Posts != 2 || st.Participants != 2 || st.Reach != 100+20 || st.Countries != 2 {
		t.Fatalf("same minute yesterday = %+v, want 2 posts, 2 participants, reach 120, 2 countries", st)
	}
	if diffs, _, err := a.Check(ctx); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}

	// A late, earlier post moves carla's first minute before 00:36.
	if _, err := db.Append([]store.Post{post("7", "carla", y(0, 20, 0), store.KindOriginal, 1000, "DE", "allforpalestine")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	hl, err = a.Headline("both", "")
	if err != nil {
		t.Fatal(err)
	}
	if st := hl.SameTimeYesterday; st.Posts != 3 || st.Participants != 3 || st.Reach != 1120 || st.Countries != 3 {
		t.Fatalf("after carla's earlier post: %+v, want 3 posts, 3 participants, reach 1120, 3 countries", st)
	}
	if diffs, _, err := a.Check(ctx); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}

// TestSameMinuteAllOfYesterday: on a day with an hour more (clocks going
// back), late in the day 24 hours ago is already today; the comparison is
// then all of yesterday, and says so.
func TestSameMinuteAllOfYesterday(t *testing.T) {
	db := storetest.Open(t)
	// Europe/Berlin goes back an hour on 2026-10-25 (a 25-hour day).
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 10, 25, 23, 30, 0, 0, berlin)
	c := []store.Campaign{{Name: "de", Hashtags: []string{"allforpalestine"}, Timezone: "Europe/Berlin", Location: berlin}}
	a := aggregator.New(db, c, aggregator.Options{Now: func() time.Time { return now }})
	posts := []store.Post{
		post("1", "amal", time.Date(2026, 10, 24, 23, 50, 0, 0, berlin), store.KindOriginal, 1, "", "allforpalestine"),
		post("2", "amal", time.Date(2026, 10, 25, 9, 0, 0, 0, berlin), store.KindOriginal, 1, "", "allforpalestine"),
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	hl, err := a.Headline("de", "")
	if err != nil {
		t.Fatal(err)
	}
	st := hl.SameTimeYesterday
	if st == nil || !st.WholeDay || st.Posts != 1 || !st.Until.Equal(time.Date(2026, 10, 25, 0, 0, 0, 0, berlin)) {
		t.Fatalf("same time yesterday = %+v, want all of the 24th (1 post, until midnight)", st)
	}
}
