package aggregator_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestCompletenessByUTCHour: platforms count by UTC hour, so held posts are
// counted by UTC hour too, whether the campaign's clock hours are UTC hours
// (Asia/Gaza) or not (Asia/Kolkata, UTC+5:30; Asia/Kathmandu, UTC+5:45),
// and only whole UTC hours inside the campaign's window are compared.
func TestCompletenessByUTCHour(t *testing.T) {
	now := time.Date(2026, 11, 29, 15, 30, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 29, h, m, 0, 0, time.UTC) }
	for _, zone := range []string{"UTC", "Asia/Gaza", "Asia/Kolkata", "Asia/Kathmandu"} {
		t.Run(zone, func(t *testing.T) {
			db := storetest.Open(t)
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			// The window opens at the campaign's midnight of the 29th: in
			// Kolkata that is 18:30 UTC on the 28th, so the platform's
			// 18:00 hour is only half inside and is left out.
			c := store.Campaign{Name: "c", Hashtags: []string{"t"}, Timezone: zone, Location: loc, From: "2026-11-29"}
			start, err := c.DayStart(c.From)
			if err != nil {
				t.Fatal(err)
			}
			first := start.UTC().Truncate(time.Hour) // the hour the window opens in
			counts := map[time.Time]int64{at(10, 0): 3, at(11, 0): 2}
			if first.Before(start) {
				counts[first] = 7 // straddles the window's opening: not compared
			}
			if err := db.PutPlatformCounts("c", store.SourceX, counts); err != nil {
				t.Fatal(err)
			}
			var posts []store.Post
			// 10:40 falls in Kolkata's 10:30 clock hour, the others in its
			// 09:30 and 10:30 ones: each must still count in its UTC hour.
			for i, ts := range []time.Time{at(9, 55), at(10, 10), at(10, 40), at(10, 50), at(11, 20), at(12, 5)} {
				posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(i), Source: store.SourceX, Kind: store.KindOriginal,
					CreatedAt: ts, Hashtags: []string{"t"}, Author: store.Author{ID: "a"}})
			}
			if _, err := db.Append(posts, nil); err != nil {
				t.Fatal(err)
			}
			agg := aggregator.New(db, []store.Campaign{c}, aggregator.Options{Now: func() time.Time { return now }})
			if _, err := agg.CatchUp(t.Context()); err != nil {
				t.Fatal(err)
			}
			got, err := agg.Completeness("c", store.SourceX)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || got.Hours != 2 || got.Platform != 5 || got.Held != 4 || !got.From.Equal(at(10, 0)) || !got.To.Equal(at(12, 0)) {
				t.Fatalf("completeness = %+v, want 2 hours 10:00–12:00, platform 5, held 4", got)
			}
			if diffs, _, err := agg.Check(t.Context()); err != nil || len(diffs) > 0 {
				t.Fatalf("check: %v %v", diffs, err)
			}
		})
	}
}
