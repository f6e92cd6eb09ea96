package collector

import (
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestCompletenessNeedsUTCHours: platforms count by UTC hour, so a campaign
// in a half-hour zone gets no completeness figure rather than a false 0%.
func TestCompletenessNeedsUTCHours(t *testing.T) {
	now := time.Date(2026, 11, 29, 15, 30, 0, 0, time.UTC)
	for zone, want := range map[string]bool{"Asia/Gaza": true, "Asia/Kolkata": false} {
		t.Run(zone, func(t *testing.T) {
			db := storetest.Open(t)
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			c := store.Campaign{Name: "c", Hashtags: []string{"t"}, Timezone: zone, Location: loc}
			hour := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
			if err := db.PutPlatformCounts("c", store.SourceX, map[time.Time]int64{hour: 2}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Append([]store.Post{{Platform: "x", ID: "1", Source: store.SourceX, Kind: store.KindOriginal,
				CreatedAt: hour.Add(10 * time.Minute), Hashtags: []string{"t"}, Author: store.Author{ID: "a"}}}, nil); err != nil {
				t.Fatal(err)
			}
			agg := aggregator.New(db, []store.Campaign{c}, aggregator.Options{})
			if _, err := agg.CatchUp(t.Context()); err != nil {
				t.Fatal(err)
			}
			got, err := computeCompleteness(db, agg, "c", store.SourceX, now)
			if err != nil {
				t.Fatal(err)
			}
			if (got != nil) != want {
				t.Fatalf("completeness = %+v, want a figure: %v", got, want)
			}
			if got != nil && (got.Platform != 2 || got.Held != 1) {
				t.Fatalf("completeness = %+v, want platform 2, held 1", got)
			}
		})
	}
}
