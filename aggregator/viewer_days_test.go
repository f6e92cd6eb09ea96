package aggregator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestDaysInViewerZone: the day chart in a viewer's zone counts each post
// in the viewer's day, from the hour rollup. Posts at random instants over
// four days are bucketed here straight from their times (an hour of the
// campaign's clock counts in the viewer day it starts in) and must match
// DaysIn, zero days included; new participants are each author's first
// post. Chicago's hours align with Gaza's; Kolkata's are half an hour off,
// so the days an hour straddles say so (split).
func TestDaysInViewerZone(t *testing.T) {
	db := storetest.Open(t)
	cs := campaigns(t)
	a := aggregator.New(db, cs, aggregator.Options{})
	gazaC := cs[0]
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	var posts []store.Post
	first := map[string]time.Time{}
	for i := range 600 {
		at := start.Add(time.Duration(r.Int64N(int64(96 * time.Hour)))).Truncate(time.Second)
		author := fmt.Sprintf("u%d", r.IntN(120))
		posts = append(posts, post(fmt.Sprint(i), author, at, store.Kinds[r.IntN(len(store.Kinds))], 10, "PS", "allforpalestine"))
		if f, ok := first[author]; !ok || at.Before(f) {
			first[author] = at
		}
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, zoneName := range []string{"America/Chicago", "Asia/Kolkata", "Asia/Gaza", "Pacific/Kiritimati"} {
		loc := zone(t, zoneName)
		dayOf := func(at time.Time) string { return gazaC.HourStart(at).In(loc).Format(store.DayLayout) }
		want := map[string]*aggregator.ZoneDay{}
		for _, p := range posts {
			d := dayOf(p.CreatedAt)
			z := want[d]
			if z == nil {
				z = &aggregator.ZoneDay{Day: d}
				want[d] = z
			}
			z.Posts++
			// The post's hour ends in the next viewer day, not at its
			// midnight: the hour straddles it.
			if end := gazaC.HourStart(p.CreatedAt).Add(time.Hour).In(loc); end.Format(store.DayLayout) != d && (end.Hour() != 0 || end.Minute() != 0) {
				z.Split = true
			}
			switch p.Kind {
			case store.KindOriginal:
				z.Originals++
			case store.KindRepost:
				z.Reposts++
			case store.KindReply:
				z.Replies++
			case store.KindQuote:
				z.Quotes++
			}
		}
		for _, at := range first {
			want[dayOf(at)].NewParticipants++
		}
		got, err := a.DaysIn("afp", loc, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 4 {
			t.Fatalf("%s: %d days, want at least 4: %+v", zoneName, len(got), got)
		}
		var sum int64
		splits := 0
		for i, g := range got {
			if i > 0 && g.Day <= got[i-1].Day {
				t.Fatalf("%s: days out of order: %s after %s", zoneName, g.Day, got[i-1].Day)
			}
			w := want[g.Day]
			if w == nil {
				w = &aggregator.ZoneDay{Day: g.Day}
			}
			if g != *w {
				t.Errorf("%s: %+v, want %+v", zoneName, g, *w)
			}
			if g.Split {
				splits++
			}
			sum += g.Posts
		}
		// Kolkata is UTC+5:30, Gaza UTC+2: Kolkata's midnights fall inside
		// Gaza's hours (and 600 posts over four days reach them);
		// Chicago's, Kiritimati's and Gaza's own never do.
		if (splits > 0) != (zoneName == "Asia/Kolkata") {
			t.Errorf("%s: %d split days", zoneName, splits)
		}
		if sum != int64(len(posts)) {
			t.Errorf("%s: %d posts over the days, want %d", zoneName, sum, len(posts))
		}
		// The asked days only, with the days around them left out.
		mid := got[1].Day
		one, err := a.DaysIn("afp", loc, mid, mid)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) != 1 || one[0] != got[1] {
			t.Errorf("%s: days in %s..%s = %+v, want %+v", zoneName, mid, mid, one, got[1])
		}
	}
	if _, err := a.DaysIn("afp", time.UTC, "2026-11-30", "2026-11-29"); err == nil {
		t.Error("from after to: no error")
	}
	if _, err := a.DaysIn("nope", time.UTC, "", ""); err == nil {
		t.Error("unknown campaign: no error")
	}
}
