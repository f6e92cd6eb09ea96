package aggregator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

func gaza(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func campaigns(t testing.TB) []store.Campaign {
	return []store.Campaign{
		{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Gaza", Location: gaza(t)},
		{Name: "both", Hashtags: []string{"allforpalestine", "savesheikhjarrah"}, Timezone: "UTC", From: "2026-11-28", To: "2026-11-30"},
		{Name: "india", Hashtags: []string{"savesheikhjarrah"}, Timezone: "Asia/Kolkata", Location: zone(t, "Asia/Kolkata")},
	}
}

func zone(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestHoursAreCampaignClockHours: in a UTC+5:30 zone, hours are the local
// clock's, so an hour never straddles two campaign days.
func TestHoursAreCampaignClockHours(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	// 18:25 UTC is 23:55 in Kolkata on the 29th; 18:35 UTC is 00:05 on the 30th.
	p := []store.Post{
		post("1", "amal", time.Date(2026, 11, 29, 18, 25, 0, 0, time.UTC), store.KindOriginal, 1, "", "savesheikhjarrah"),
		post("2", "amal", time.Date(2026, 11, 29, 18, 35, 0, 0, time.UTC), store.KindOriginal, 1, "", "savesheikhjarrah"),
	}
	if _, err := db.Append(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows := fig(t, a, aggregator.Query{Campaign: "india", By: []string{"hour"}})
	if len(rows) != 2 || rows[0].Hour != "2026-11-29T23:00:00+05:30" || rows[1].Hour != "2026-11-30T00:00:00+05:30" {
		t.Fatalf("hours = %+v", rows)
	}
	rows = fig(t, a, aggregator.Query{Campaign: "india", By: []string{"hour"}, From: "2026-11-30", To: "2026-11-30"})
	if len(rows) != 1 || rows[0].Participants != 1 || rows[0].NewParticipants != 0 {
		t.Fatalf("hours of the 30th = %+v", rows)
	}
}

func post(id, author string, at time.Time, kind store.Kind, followers int64, country string, tags ...string) store.Post {
	return store.Post{Platform: "x", ID: id, Source: "import", Kind: kind, CreatedAt: at, Lang: "en",
		Hashtags: tags, Author: store.Author{ID: author, Handle: "@" + author, Followers: followers},
		Signals: store.Signals{PlaceCountry: country}, Engagement: int64(len(id))}
}

func fig(t *testing.T, a *aggregator.Aggregator, q aggregator.Query) []aggregator.Row {
	t.Helper()
	rows, err := a.Report(q)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestDaysInCampaignZone follows goatcounter's rollup tests: fixed posts,
// roll up, compare; more posts, compare again.
func TestDaysInCampaignZone(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	ctx := context.Background()
	// 22:30 UTC on the 28th is 00:30 on the 29th in Gaza (UTC+2).
	p := []store.Post{
		post("1", "amal", time.Date(2026, 11, 28, 22, 30, 0, 0, time.UTC), store.KindOriginal, 100, "PS", "allforpalestine"),
		post("2", "amal", time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), store.KindRepost, 120, "PS", "allforpalestine"),
		post("3", "ben", time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), store.KindReply, 10, "", "allforpalestine"),
		post("4", "cy", time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), store.KindQuote, 5, "GB", "savesheikhjarrah"),
	}
	if _, err := db.Append(p, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rows := fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"day"}})
	if len(rows) != 1 || rows[0].Day != "2026-11-29" {
		t.Fatalf("days=%+v, want only 2026-11-29", rows)
	}
	want := store.Figures{Posts: 3, Originals: 1, Reposts: 1, Replies: 1, Participants: 2, NewParticipants: 2, Reach: 130}
	if rows[0].Figures != want {
		t.Fatalf("afp 2026-11-29 = %+v, want %+v", rows[0].Figures, want)
	}
	// Campaign "both" is in UTC: post 1 is on the 28th.
	rows = fig(t, a, aggregator.Query{Campaign: "both", By: []string{"day", "country"}})
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Day+" "+r.Country] = r.Posts
	}
	wantC := map[string]int64{"2026-11-28 PS": 1, "2026-11-29 PS": 1, "2026-11-29 ZZ": 1, "2026-11-29 GB": 1}
	if fmt.Sprint(got) != fmt.Sprint(wantC) {
		t.Fatalf("both by day,country = %v, want %v", got, wantC)
	}
	// amal is new on the 28th in "both", not on the 29th.
	rows = fig(t, a, aggregator.Query{Campaign: "both", By: []string{"day"}})
	if len(rows) != 3 || rows[1].NewParticipants != 2 || rows[1].Participants != 3 || rows[2].Posts != 0 {
		t.Fatalf("both by day = %+v, want 3 days, 29th with 3 participants of whom 2 new, 30th empty", rows)
	}

	// An earlier post by ben arrives late: ben becomes new on the 27th
	// (outside "both"'s window, so only afp moves).
	more := []store.Post{post("5", "ben", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC), store.KindOriginal, 11, "", "allforpalestine")}
	if _, err := db.Append(more, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rows = fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"day"}})
	if len(rows) != 3 || rows[0].Day != "2026-11-27" || rows[0].NewParticipants != 1 || rows[2].NewParticipants != 1 || rows[2].Participants != 2 {
		t.Fatalf("afp by day after late post = %+v", rows)
	}
	tot, err := a.Totals("afp")
	if err != nil {
		t.Fatal(err)
	}
	// Reach counts each author once at their latest follower count: amal 120, ben 10 (post 3 is later than post 5).
	if tot.Posts != 4 || tot.Participants != 2 || tot.Reach != 130 {
		t.Fatalf("afp totals = %+v", tot)
	}
	diffs, _, err := a.Check(ctx)
	if err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}

// randomPosts makes posts whose times, authors, follower counts and
// duplicates are shuffled, to exercise order independence.
func randomPosts(r *rand.Rand, n int) []store.Post {
	base := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tags := [][]string{{"allforpalestine"}, {"savesheikhjarrah"}, {"allforpalestine", "savesheikhjarrah"}, {"other"}}
	countries := []string{"PS", "GB", "", "US", "uk", "ZA"}
	var out []store.Post
	for i := 0; i < n; i++ {
		id := fmt.Sprint(r.IntN(n * 3 / 2)) // some duplicates
		author := fmt.Sprint("u", r.IntN(n/4+1))
		at := base.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)
		p := post(id, author, at, store.Kinds[r.IntN(4)], int64(r.IntN(1000)), countries[r.IntN(len(countries))], tags[r.IntN(len(tags))]...)
		p.Lang = []string{"en", "ar", "", "fr-CA"}[r.IntN(4)]
		p.Engagement = int64(r.IntN(50))
		out = append(out, p)
	}
	return out
}

func TestIncrementalEqualsRecount(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			db := storetest.Open(t)
			a := aggregator.New(db, campaigns(t), aggregator.Options{BatchSize: 1 + r.IntN(40), TopN: 5})
			posts := randomPosts(r, 600)
			ctx := context.Background()
			for len(posts) > 0 {
				n := min(len(posts), 1+r.IntN(80))
				if _, err := db.Append(posts[:n], nil); err != nil {
					t.Fatal(err)
				}
				posts = posts[n:]
				if r.IntN(2) == 0 {
					if _, err := a.CatchUp(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := a.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			diffs, checked, err := a.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if checked == 0 || len(diffs) > 0 {
				t.Fatalf("checked %d posts, %d differences:\n%v", checked, len(diffs), diffs[:min(len(diffs), 10)])
			}
			before := fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"hour", "country"}})
			if err := a.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			after := fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"hour", "country"}})
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatal("rebuild changed the hourly figures")
			}
		})
	}
}

func TestCheckFindsTampering(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	posts := randomPosts(rand.New(rand.NewPCG(9, 9)), 200)
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := a.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	k := store.CellKey{Campaign: "afp", Grain: store.GrainTotal, Dim: store.DimAll}
	err := db.UpdateRollups(func(tx *store.RollupTx) error {
		f, _, err := tx.Cell(k)
		if err != nil {
			return err
		}
		f.Posts++
		return tx.PutCell(k, f)
	})
	if err != nil {
		t.Fatal(err)
	}
	diffs, _, err := a.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 {
		t.Fatalf("diffs = %v, want exactly the tampered total", diffs)
	}
}

func TestReportErrors(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	for _, q := range []aggregator.Query{
		{Campaign: "nope"},
		{Campaign: "afp", By: []string{"day", "hour"}},
		{Campaign: "afp", By: []string{"country", "kind"}},
		{Campaign: "afp", By: []string{"country"}, From: "2026-11-01"},
		{Campaign: "afp", By: []string{"day"}, From: "2026-11-31"},
		{Campaign: "afp", By: []string{"day"}, From: "2026-11-20", To: "2026-11-10"},
	} {
		if _, err := a.Report(q); err == nil {
			t.Errorf("Report(%+v) succeeded, want an error", q)
		}
	}
}

// TestSoFar: participants of a day "so far" count each author from the hour
// of their first post that day, and move when an earlier post arrives.
func TestSoFar(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	ctx := context.Background()
	at := func(h, m int) time.Time { return time.Date(2026, 11, 29, h, m, 0, 0, time.UTC) } // Gaza is UTC+2
	add := func(p ...store.Post) {
		t.Helper()
		if _, err := db.Append(p, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	soFar := func(until time.Time) (int64, int64) {
		t.Helper()
		p, r, err := a.SoFar("afp", "2026-11-29", until)
		if err != nil {
			t.Fatal(err)
		}
		return p, r
	}
	add(post("1", "amal", at(8, 0), store.KindOriginal, 100, "", "allforpalestine"),
		post("2", "amal", at(12, 0), store.KindOriginal, 150, "", "allforpalestine"),
		post("3", "ben", at(10, 0), store.KindOriginal, 10, "", "allforpalestine"))
	if p, r := soFar(at(9, 0)); p != 1 || r != 150 {
		t.Fatalf("so far at 09:00 UTC = %d participants, %d reach; want amal alone at her latest 150", p, r)
	}
	if p, _ := soFar(at(10, 30)); p != 2 {
		t.Fatalf("so far at 10:30 UTC = %d, want 2", p)
	}
	add(post("4", "ben", at(7, 30), store.KindOriginal, 12, "", "allforpalestine"))
	if p, r := soFar(at(9, 0)); p != 2 || r != 150+10 {
		t.Fatalf("after ben's earlier post: %d participants, %d reach; want 2 and 160 (ben at his latest, 10)", p, r)
	}
	if diffs, _, err := a.Check(ctx); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}

// TestSubscribeFollowsACampaign: a subscriber to one campaign is woken only
// when that campaign's figures change; a subscriber to all, by any change.
func TestSubscribeFollowsACampaign(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	afp, stopAFP := a.Subscribe("afp")
	defer stopAFP()
	india, stopIndia := a.Subscribe("india")
	defer stopIndia()
	all, stopAll := a.Subscribe("")
	defer stopAll()
	woken := func(ch <-chan struct{}) bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
	// #allforpalestine on 1 Dec (outside "both"'s window): afp only.
	if _, err := db.Append([]store.Post{{Platform: "x", ID: "1", Source: store.SourceX, Kind: store.KindOriginal,
		CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "a"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if wa, wi, wl := woken(afp), woken(india), woken(all); !wa || wi || !wl {
		t.Errorf("after an afp post: afp, india, all woken = %v, %v, %v; want true, false, true", wa, wi, wl)
	}
	// A post of no campaign changes no figures: nobody is woken.
	if _, err := db.Append([]store.Post{{Platform: "x", ID: "2", Source: store.SourceX, Kind: store.KindOriginal,
		CreatedAt: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Hashtags: []string{"cats"}, Author: store.Author{ID: "a"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if woken(afp) || woken(india) || woken(all) {
		t.Error("a post of no campaign woke a subscriber")
	}
	// A reset changes every campaign's figures.
	if err := a.Reset(); err != nil {
		t.Fatal(err)
	}
	if !woken(afp) || !woken(india) || !woken(all) {
		t.Error("a reset did not wake every subscriber")
	}
}

// TestHostileFieldsDoNotStopAggregation: a post whose ID, author ID or
// language tag is far longer than any real one (bbolt refuses keys over
// 32 KB; Bluesky's langs are the poster's to write) is stored, deduplicated
// and counted like any other, and the posts after it too.
func TestHostileFieldsDoNotStopAggregation(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	huge := strings.Repeat("x", 40_000)
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	posts := []store.Post{
		{Platform: "bluesky", ID: "at://did:plc:a/app.bsky.feed.post/" + huge, Source: store.SourceBluesky, Kind: store.KindOriginal,
			CreatedAt: at, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "did:plc:" + huge}, Lang: huge},
		{Platform: "bluesky", ID: "2", Source: store.SourceBluesky, Kind: store.KindOriginal,
			CreatedAt: at, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "did:plc:b"}, Lang: "=HYPERLINK(\"x\")"},
		{Platform: "bluesky", ID: "3", Source: store.SourceBluesky, Kind: store.KindOriginal,
			CreatedAt: at, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "did:plc:c"}, Lang: "ar-PS"},
	}
	for range 2 { // the second time, every post is a duplicate
		if _, err := db.Append(posts, nil); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	if _, err := a.CatchUp(t.Context()); err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	if db.PostCount() != 3 {
		t.Errorf("%d posts stored, want 3", db.PostCount())
	}
	if p, err := db.Get("bluesky", posts[0].ID); err != nil || p.ID != posts[0].ID {
		t.Errorf("get the long-ID post: %v", err)
	}
	rows, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{aggregator.ByLang}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Lang] = r.Posts
	}
	if fmt.Sprint(got) != "map[ar:1 und:2]" {
		t.Errorf("posts by lang %v, want ar:1 und:2", got)
	}
	tot, err := a.Totals("afp")
	if err != nil || tot.Posts != 3 || tot.Participants != 3 {
		t.Errorf("totals %+v %v, want 3 posts by 3 participants", tot, err)
	}
	if diffs, _, err := a.Check(t.Context()); err != nil || len(diffs) > 0 {
		t.Errorf("check: %v %v", diffs, err)
	}
}

// TestDaySeriesHasNoGaps: a campaign without a window whose posts span
// sixteen years gets every day in between (the fill stopped after ten
// years and jumped); a span the query asks for is at most 3,660 days.
func TestDaySeriesHasNoGaps(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{})
	first, last := time.Date(2010, 1, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, err := db.Append([]store.Post{
		{Platform: "x", ID: "1", Source: store.SourceX, Kind: store.KindOriginal, CreatedAt: first, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "a"}},
		{Platform: "x", ID: "2", Source: store.SourceX, Kind: store.KindOriginal, CreatedAt: last, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "a"}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{aggregator.ByDay}})
	if err != nil {
		t.Fatal(err)
	}
	want := int(last.Sub(first).Hours()/24) + 1
	if len(rows) != want {
		t.Fatalf("%d rows, want %d", len(rows), want)
	}
	for i := 1; i < len(rows); i++ {
		prev, _ := time.Parse("2006-01-02", rows[i-1].Day)
		if next := prev.AddDate(0, 0, 1).Format("2006-01-02"); rows[i].Day != next {
			t.Fatalf("row %d is %s after %s", i, rows[i].Day, rows[i-1].Day)
		}
	}
	if _, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{aggregator.ByDay}, From: "2000-01-01", To: "2010-01-08"}); !errors.Is(err, aggregator.ErrBadQuery) {
		t.Errorf("3,661 days asked for: %v, want a bad query", err)
	}
	if rows, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{aggregator.ByDay}, From: "2000-01-01", To: "2010-01-07"}); err != nil || len(rows) != 3660 {
		t.Errorf("3,660 days asked for: %d rows, %v", len(rows), err)
	}
}

// stopAfter is a context that is cancelled after Err has been asked n
// times: CatchUp asks once per transaction, so it stops a catch-up after n
// transactions, deterministically.
type stopAfter struct {
	context.Context
	n int
}

func (c *stopAfter) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

// TestPassesEqualRecount: a backlog larger than PassPosts is folded in
// passes over ranges of authors; the figures equal a recount and those of
// an aggregator that folds the same posts in small batches, also when the
// catch-up stops between passes (Check is exact then too) and more posts
// arrive before it goes on.
func TestPassesEqualRecount(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 11))
			posts := randomPosts(r, 900)
			db, ref := storetest.Open(t), storetest.Open(t)
			a := aggregator.New(db, campaigns(t), aggregator.Options{PassPosts: 20 + r.IntN(200), BatchSize: 1 + r.IntN(300), TopN: 5})
			b := aggregator.New(ref, campaigns(t), aggregator.Options{PassPosts: 1 << 30, BatchSize: 1 + r.IntN(40), TopN: 5})
			cut := 600 + r.IntN(200)
			for _, db := range []*store.DB{db, ref} {
				if _, err := db.Append(posts[:cut], nil); err != nil {
					t.Fatal(err)
				}
			}
			stopped := &stopAfter{Context: t.Context(), n: 1 + r.IntN(2)}
			if _, err := a.CatchUp(stopped); err == nil {
				t.Fatal("catch-up did not stop between passes")
			}
			if lag, err := a.Lag(); err != nil || lag == 0 {
				t.Fatalf("lag %d after a stopped catch-up (%v): it folded everything in one pass", lag, err)
			}
			diffs, checked, err := a.Check(t.Context())
			if err != nil || checked == 0 || len(diffs) > 0 {
				t.Fatalf("check between passes: checked %d, %v, %d differences: %v", checked, err, len(diffs), diffs[:min(len(diffs), 5)])
			}
			for _, db := range []*store.DB{db, ref} {
				if _, err := db.Append(posts[cut:], nil); err != nil {
					t.Fatal(err)
				}
			}
			for _, x := range []*aggregator.Aggregator{a, b} {
				if _, err := x.CatchUp(t.Context()); err != nil {
					t.Fatal(err)
				}
				diffs, checked, err := x.Check(t.Context())
				if err != nil || checked == 0 || len(diffs) > 0 {
					t.Fatalf("check: checked %d, %v, %d differences: %v", checked, err, len(diffs), diffs[:min(len(diffs), 5)])
				}
			}
			for _, by := range [][]string{{"hour", "country"}, {"day", "lang"}, {"source"}} {
				got, want := fig(t, a, aggregator.Query{Campaign: "afp", By: by}), fig(t, b, aggregator.Query{Campaign: "afp", By: by})
				if len(got) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("by %v: in passes %v\nin batches %v", by, got, want)
				}
			}
			if err := a.Rebuild(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got, want := fig(t, a, aggregator.Query{Campaign: "afp", By: []string{"hour", "kind"}}), fig(t, b, aggregator.Query{Campaign: "afp", By: []string{"hour", "kind"}}); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatal("rebuild in passes changed the hourly figures")
			}
		})
	}
}
