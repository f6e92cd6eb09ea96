package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/demo"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// demoDays is how many campaign days the simulated campaign spans.
const demoDays = 7

func cmdDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "demo", "[-addr 127.0.0.1:8080] [-speed 60] [-seed N] [-db FILE] [-log-level L] [-log-format F]\n\nServes a simulated #AllForPalestine campaign — dashboard, API and /metrics — driven through\nthe real pipeline (collector → store → aggregator → HTTP). No network, no credentials.")
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve on (port 0 picks a free one)")
	dbPath := fs.String("db", "", "store file (default: a temporary file, removed on exit)")
	speed := fs.Float64("speed", 60, "simulated seconds per real second")
	seed := fs.Uint64("seed", 1, "seed of the simulation: the same seed gives the same campaign")
	logFormat := fs.String("log-format", "text", "text or json")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *speed <= 0 {
		return fmt.Errorf("%w: -speed must be positive", errUsage)
	}
	log, err := newLogger(env, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	path := *dbPath
	if path == "" {
		dir, err := os.MkdirTemp("", "tagpulse-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "demo.db")
	}
	db, err := store.Open(path, &store.Options{NoSync: *dbPath == ""})
	if err != nil {
		return err
	}
	defer db.Close()

	sim := demo.New(demo.Options{Seed: *seed, Speed: *speed, RealNow: env.Now})
	gaza, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		return err
	}
	first := sim.FirstDay(gaza)
	campaign := store.Campaign{
		Name:     "allforpalestine",
		Title:    "#AllForPalestine — International Day of Solidarity (simulated)",
		Hashtags: []string{hashtag.Normalize("AllForPalestine"), hashtag.Normalize("كلنا_لفلسطين")},
		Timezone: "Asia/Gaza",
		From:     first.Format(store.DayLayout),
		To:       first.AddDate(0, 0, demoDays-1).Format(store.DayLayout),
		Location: gaza,
	}
	campaigns := []store.Campaign{campaign}
	stored, err := db.Campaigns()
	if err != nil {
		return err
	}
	if stored != nil && !sameCampaigns(stored, campaigns) {
		// A kept demo store from another day: keep its campaign, so figures stay whole.
		campaigns = stored
	}
	agg := newAggregatorGeo(db, geo.Options{}, campaigns, log, sim.Now)
	var built string
	if _, err := db.Setting("derivation", &built); err != nil {
		return err
	}
	if built != derivation() {
		if stored != nil {
			// A kept store whose figures an earlier tagpulse derived: the
			// aggregator derives them afresh as it starts.
			log.Info("the figures were derived by an earlier tagpulse: rebuilding them")
			if err := agg.Reset(); err != nil {
				return err
			}
		}
		if err := saveDefinitions(db, campaigns, geo.Options{}); err != nil {
			return err
		}
	}
	reg := dashboard.NewRegistry(agg)
	wake := make(chan struct{}, 1)
	sched := collector.NewScheduler(db, collector.NewMatcher(campaigns), collector.SchedulerOptions{
		Logger: log, Registerer: reg,
		OnIngest: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		},
	})
	sched.Add(sim, time.Second)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 2)
	go func() { done <- agg.Run(ctx, wake, time.Second) }()
	go func() { done <- sched.Run(ctx) }()

	ready := env.Ready
	env2 := *env
	env2.Ready = func(a string) {
		fmt.Fprintf(env.Stdout, "tagpulse demo: open http://%s/ — a simulated campaign, 1 real second = %s simulated; Ctrl-C stops it\n", a, time.Duration(float64(time.Second)**speed))
		if ready != nil {
			ready(a)
		}
	}
	err = serve(ctx, &env2, agg, serveOptions{Addr: *addr, Registry: reg, Logger: log, Sources: sched.HealthFor,
		BackupToken: env.Getenv(backupTokenEnv)})
	cancel()
	<-done
	<-done
	return err
}
