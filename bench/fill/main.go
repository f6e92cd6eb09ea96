// Command fill builds a benchmark store: one campaign of N synthetic posts
// (default 1,000,000) over 15 days, with 100,000 authors, 40 countries,
// every source, kind and language, folded into the rollups. With -serve it
// then serves the dashboard and API over that store, for bench/api.sh.
//
//	go run ./bench/fill -db /tmp/tagpulse-bench.db -posts 1000000 -serve 127.0.0.1:8089
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// Campaign is the benchmark's campaign; Now is its fixed clock (day 8 of 15).
var (
	gaza, _  = time.LoadLocation("Asia/Gaza")
	Campaign = store.Campaign{Name: "bench", Title: "#Bench", Hashtags: []string{"bench"}, Timezone: "Asia/Gaza", From: "2026-11-22", To: "2026-12-06", Location: gaza}
	Now      = time.Date(2026, 11, 29, 18, 0, 0, 0, gaza)
)

var countries = []string{"", "", "", "PS", "GB", "US", "FR", "DE", "ES", "IT", "IE", "ZA", "TR", "MY", "ID", "PK", "IN", "BR", "AR", "MX", "CL", "CA", "AU", "NZ", "NL", "BE", "SE", "NO", "DK", "JO", "LB", "EG", "MA", "DZ", "TN", "QA", "KW", "SA", "AE", "JP", "KR", "NG"}

func main() {
	dbPath := flag.String("db", "tagpulse-bench.db", "store file (created, or reused when it already holds the posts)")
	n := flag.Int("posts", 1_000_000, "posts to store")
	serve := flag.String("serve", "", "after filling, serve the dashboard on this address until interrupted")
	flag.Parse()
	if err := run(*dbPath, *n, *serve); err != nil {
		fmt.Fprintln(os.Stderr, "fill:", err)
		os.Exit(1)
	}
}

func run(path string, n int, addr string) error {
	db, err := store.Open(path, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	clock := func() time.Time { return Now }
	agg := aggregator.New(db, []store.Campaign{Campaign}, aggregator.Options{Now: clock, BatchSize: 20000})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if have := db.PostCount(); have < n {
		start := time.Now()
		rng := rand.New(rand.NewPCG(1, uint64(have)))
		first := time.Date(2026, 11, 22, 0, 0, 0, 0, gaza)
		span := Now.Sub(first)
		batch := make([]store.Post, 0, 10000)
		for i := have; i < n; i++ {
			a := rng.IntN(100_000)
			at := first.Add(time.Duration(rng.Int64N(int64(span))))
			batch = append(batch, store.Post{
				Platform: []string{store.PlatformX, store.PlatformMastodon, store.PlatformBluesky}[i%3], ID: fmt.Sprintf("b%d", i),
				Source: []string{store.SourceX, store.SourceMastodon, store.SourceBluesky}[i%3], Kind: store.Kinds[rng.IntN(4)],
				CreatedAt: at.UTC(), CollectedAt: at.UTC(), URL: fmt.Sprintf("https://example.org/%d", i),
				Text: "Post for #bench", Lang: []string{"en", "ar", "fr", "es", "de", "tr", "und"}[rng.IntN(7)], Hashtags: []string{"bench"},
				Author:     store.Author{ID: fmt.Sprintf("a%d", a), Handle: fmt.Sprintf("user%d", a), Followers: int64(a % 5000)},
				Signals:    store.Signals{PlaceCountry: countries[a%len(countries)]},
				Engagement: rng.Int64N(1000),
			})
			if len(batch) == cap(batch) || i == n-1 {
				if _, err := db.Append(batch, nil); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		fmt.Fprintf(os.Stderr, "fill: %d posts appended in %s\n", n-have, time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	read, err := agg.CatchUp(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fill: %d posts aggregated in %s; store %d MB\n", read, time.Since(start).Round(time.Millisecond), db.Size()>>20)
	if addr == "" {
		return nil
	}
	h, err := dashboard.NewHandler(dashboard.Options{Aggregator: agg, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(os.Stderr, "fill: serving http://%s/\n", addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
