package aggregator

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/tagpulse/tagpulse/store"
)

// TestPeriodCacheGivesTheSameContributions holds the fold's cache of each
// minute's periods to contributions computed for each post: zones with
// half- and quarter-hour offsets, a half-hour DST shift (Lord Howe), local
// mean times of seconds (Monrovia until 1972, Gaza before 1900), instants
// next to DST changes to the second, windows, implausible times.
func TestPeriodCacheGivesTheSameContributions(t *testing.T) {
	zones := []string{"UTC", "Asia/Gaza", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe", "Europe/London", "Africa/Monrovia"}
	var campaigns []store.Campaign
	for i, z := range zones {
		c := store.Campaign{Name: z, Hashtags: []string{"afp"}, Timezone: z}
		if i%3 == 1 {
			c.From, c.To = "1971-06-01", "2026-11-29"
		}
		campaigns = append(campaigns, c)
	}
	a := New(nil, campaigns, Options{})
	// instants next to every zone change of the campaigns' zones since 1880
	var near []time.Time
	for _, c := range a.campaigns {
		for t := time.Date(1880, 1, 1, 0, 0, 0, 0, time.UTC); t.Year() < 2031; {
			_, end := t.In(c.Loc()).ZoneBounds()
			if end.IsZero() {
				break
			}
			near = append(near, end)
			t = end
		}
	}
	r := rand.New(rand.NewPCG(17, 1))
	pc := newPeriodCache(a)
	cache := &pc
	var got, want []contribution
	for i := range 200_000 {
		var at time.Time
		switch r.IntN(4) {
		case 0: // anywhere from 1880 to 2030
			at = time.Unix(-2840140800+r.Int64N(4733510400), r.Int64N(1e9)).UTC()
		case 1, 2: // within two minutes of a zone change
			at = near[r.IntN(len(near))].Add(time.Duration(r.Int64N(int64(4*time.Minute))) - 2*time.Minute)
		default: // a busy week, where the cache hits
			at = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(7 * 24 * time.Hour))))
		}
		p := store.Post{Platform: []string{"test", store.PlatformX}[r.IntN(2)], ID: fmt.Sprint(i), Source: store.SourceX, Kind: store.Kinds[r.IntN(4)],
			CreatedAt: at, Hashtags: []string{"afp"}, Author: store.Author{ID: fmt.Sprint(r.IntN(100))}, Text: "t"}
		if r.IntN(4) == 0 {
			p.CollectedAt = at.Add(time.Duration(r.IntN(3)-1) * 25 * time.Hour)
		}
		want = a.contributions(&p, want)
		if i%50_000 == 0 { // a state of another batch: the minutes formatted, not interned
			pc = newPeriodCache(a)
		}
		got = a.contributionsCached(&p, got, cache)
		if len(got) != len(want) {
			t.Fatalf("post at %v: %d contributions cached, %d computed", at, len(got), len(want))
		}
		for j := range got {
			g := got[j]
			g.mp = nil
			if !reflect.DeepEqual(g, want[j]) {
				t.Fatalf("post at %v in %s: cached %+v, computed %+v", at, want[j].campaign.Name, g, want[j])
			}
		}
	}
}
