package aggregator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// benchPosts makes n posts of a two-week campaign: 200,000 authors, 60
// countries, every kind, profile-only signals for most.
func benchPosts(n int, seed uint64) []store.Post {
	r := rand.New(rand.NewPCG(seed, 1))
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	posts := make([]store.Post, n)
	for i := range posts {
		cc := ""
		if r.IntN(10) < 4 {
			cc = string(rune('A'+r.IntN(6))) + string(rune('A'+r.IntN(10)))
		}
		a := r.IntN(200_000)
		posts[i] = store.Post{Platform: "x", ID: fmt.Sprint(seed, "-", i), Source: store.Sources[r.IntN(3)], Kind: store.Kinds[r.IntN(4)],
			CreatedAt: base.Add(time.Duration(r.IntN(14*24*3600)) * time.Second), Lang: []string{"en", "ar", "fr", "es", "de"}[r.IntN(5)],
			Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: fmt.Sprint(a), Handle: fmt.Sprint("u", a), Followers: int64(a % 5000)},
			Signals: store.Signals{PlaceCountry: cc}, Engagement: int64(r.IntN(100)), Text: "Solidarity #AllForPalestine"}
	}
	return posts
}

func benchCampaigns() []store.Campaign {
	loc, _ := time.LoadLocation("Asia/Gaza")
	return []store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Gaza", Location: loc}}
}

// BenchmarkAggregate measures folding posts into the rollups (store writes
// included), in posts per second and CPU time per post (robust when the
// machine is shared). Posts arrive in time order with jitter, as archives
// and live collection deliver them; BenchmarkAggregateShuffled is the worst
// case of no order at all.
func BenchmarkAggregate(b *testing.B) {
	posts := benchPosts(100_000, 1)
	slices.SortFunc(posts, func(x, y store.Post) int { return x.CreatedAt.Compare(y.CreatedAt) })
	benchAggregate(b, posts)
}

func BenchmarkAggregateShuffled(b *testing.B) { benchAggregate(b, benchPosts(100_000, 1)) }

func benchAggregate(b *testing.B, posts []store.Post) {
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "b.db"), &store.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Append(posts, nil); err != nil {
			b.Fatal(err)
		}
		a := aggregator.New(db, benchCampaigns(), aggregator.Options{})
		b.StartTimer()
		cpu0 := cpuTime()
		if _, err := a.CatchUp(context.Background()); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - cpu0
		b.StopTimer()
		db.Close()
	}
	b.ReportMetric(float64(len(posts)*b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(len(posts)*b.N), "cpu-µs/post")
}

var (
	millionOnce sync.Once
	millionAgg  *aggregator.Aggregator
	millionErr  error
)

// million returns an aggregator over a store of 1,000,000 posts, built once
// per benchmark process (it takes a while).
func million(b *testing.B) *aggregator.Aggregator {
	millionOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			millionErr = err
			return
		}
		db, err := store.Open(filepath.Join(dir, "million.db"), &store.Options{NoSync: true})
		if err != nil {
			millionErr = err
			return
		}
		a := aggregator.New(db, benchCampaigns(), aggregator.Options{})
		for i := 0; i < 10; i++ {
			if _, err := db.Append(benchPosts(100_000, uint64(i)), nil); err != nil {
				millionErr = err
				return
			}
			if _, err := a.CatchUp(context.Background()); err != nil {
				millionErr = err
				return
			}
		}
		millionAgg = a
	})
	if millionErr != nil {
		b.Fatal(millionErr)
	}
	return millionAgg
}

// BenchmarkReportDayCountry is `report -by day,country` (and the matching
// API call) over a store of 1,000,000 posts: it reads rollups only.
func BenchmarkReportDayCountry(b *testing.B) {
	a := million(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{"day", "country"}})
		if err != nil || len(rows) == 0 {
			b.Fatal(err, len(rows))
		}
	}
}

// BenchmarkReportHourOneDay is one day's hours, as the dashboard asks.
func BenchmarkReportHourOneDay(b *testing.B) {
	a := million(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{"hour"}, From: "2026-11-29", To: "2026-11-29"}); err != nil {
			b.Fatal(err)
		}
	}
}
