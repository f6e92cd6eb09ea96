package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/collector/instagram"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/threads"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/collector/youtube"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/dashboard"
	"github.com/tagpulse/tagpulse/store"
)

// Quick-start defaults: the sources that need no credentials.
var quickStartMastodon = []string{"https://mastodon.social", "https://mastodon.online", "https://mstdn.social"}

const (
	defaultMastodonEvery = time.Minute
	// finalCatchUpTimeout bounds the aggregator's last pass at shutdown.
	finalCatchUpTimeout = 10 * time.Second
	// aggregateEvery is the aggregator's fallback interval; ingests wake it sooner.
	aggregateEvery = 2 * time.Second
)

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func cmdRun(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "run", "-config F | -tag TAG [-tag TAG…] [-tz ZONE]\n\n"+
		"Collects posts from the configured sources, keeps the figures up to date and serves the\n"+
		"dashboard, API and /metrics until interrupted (SIGINT/SIGTERM), then stops gracefully.\n"+
		"Without -config, -tag starts a quick campaign from the sources that need no credentials:\n"+
		"Bluesky (Jetstream) and "+strings.Join(quickStartMastodon, ", ")+".")
	sf := storeFlags{serving: true}
	sf.register(fs)
	addr := fs.String("addr", "", "address to serve on, host:port (overrides the config's listen)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	var tags, mastodon stringsFlag
	fs.Var(&tags, "tag", "quick start: a campaign hashtag (repeatable); the campaign is named after the first")
	tz := fs.String("tz", "UTC", "quick start: the campaign's time zone (IANA name, e.g. Asia/Gaza)")
	fs.Var(&mastodon, "mastodon", "quick start: a Mastodon instance URL (repeatable; replaces the default instances)")
	jetstream := fs.String("jetstream", bluesky.DefaultJetstream, "quick start: the Bluesky Jetstream subscribe URL")
	appview := fs.String("appview", bluesky.DefaultAppView, "quick start: the Bluesky AppView (profiles and engagement)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	log, err := newLogger(env, *logFormat, *logLevel)
	if err != nil {
		return err
	}

	var a *app
	switch {
	case sf.config != "" && len(tags) > 0:
		return fmt.Errorf("%w: give -config or -tag, not both", errUsage)
	case sf.config != "":
		var quick []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "tz" || f.Name == "mastodon" || f.Name == "jetstream" || f.Name == "appview" {
				quick = append(quick, "-"+f.Name)
			}
		})
		if len(quick) > 0 {
			return fmt.Errorf("%w: %s only go with -tag (the quick start); set sources in the configuration", errUsage, strings.Join(quick, ", "))
		}
		if a, err = sf.open(env, log); err != nil {
			return err
		}
	case len(tags) > 0:
		cfg, err := quickStartConfig(tags, *tz, mastodon, *jetstream)
		if err == nil {
			cfg.Sources.Bluesky.AppView = *appview
		}
		if err != nil {
			return err
		}
		path := sf.db
		if path == "" {
			path = cfg.DB
		}
		if a, err = openApp(cfg, path, log, false); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: give -config FILE, or -tag HASHTAG for a quick start", errUsage)
	}
	defer a.Close()
	if err := a.rebuildIfChanged(ctx, func(m string) { log.Info(m) }); err != nil {
		return err
	}
	listen := a.cfg.Listen
	if *addr != "" {
		listen = *addr
	}
	if d := a.cfg.Dashboard; d.Access != (config.Access{}) && d.Metrics == (config.Access{}) {
		log.Warn("the dashboard needs credentials but /metrics does not: it names every campaign and its figures (set dashboard.metrics, or keep the address private)")
	}
	return runCollect(ctx, env, a, listen, sf.config, log)
}

// searchWindow is how far back X's recent search reaches.
const searchWindow = 7 * 24 * time.Hour

// searchIsPast reports, and logs, that a campaign's window ended before
// anything X's recent search can return: polling it would spend quota on
// posts that count nowhere.
func searchIsPast(c store.Campaign, log *slog.Logger, platform string) bool {
	if c.To == "" {
		return false
	}
	end, err := c.DayStart(c.To)
	if err != nil || time.Since(end.AddDate(0, 0, 1)) < searchWindow {
		return false
	}
	log.Info("not polled: the campaign's window ended more than 7 days ago, beyond recent search", "source", platform+":"+c.Name, "to", c.To)
	return true
}

// quickStartConfig is the configuration of 'run -tag …': one campaign,
// sources that need no credentials.
func quickStartConfig(tags []string, tz string, instances []string, jetstream string) (*config.Config, error) {
	c := store.Campaign{Timezone: tz}
	for _, t := range tags {
		if err := hashtag.ValidateTag(t); err != nil {
			return nil, fmt.Errorf("%w: -tag %q: %v", errUsage, t, err)
		}
		if n := hashtag.NormalizeTag(t); !slices.Contains(c.Hashtags, n) {
			c.Hashtags = append(c.Hashtags, n)
		}
	}
	c.Name = campaignName(c.Hashtags[0])
	c.Title = "#" + strings.TrimLeft(strings.TrimSpace(tags[0]), "#＃")
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" || tz == "Local" {
		return nil, fmt.Errorf("%w: -tz %q: not an IANA time zone such as Asia/Gaza or UTC", errUsage, tz)
	}
	c.Location = loc
	if len(instances) == 0 {
		instances = quickStartMastodon
	}
	return &config.Config{
		DB:        config.DefaultDB,
		Listen:    config.DefaultListen,
		Campaigns: []store.Campaign{c},
		Sources: config.Sources{
			Mastodon: &config.Mastodon{Instances: instances},
			Bluesky:  &config.Bluesky{Jetstream: jetstream},
		},
		Path: "(quick start)",
	}, nil
}

// campaignName makes a URL-safe campaign name from a normalised hashtag:
// lower-case ASCII letters, digits, '-' and '_'; "campaign" when nothing of
// it is left (a hashtag in another script).
func campaignName(tag string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(tag) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	name := strings.TrimLeft(b.String(), "_-")
	if name == "" {
		return "campaign"
	}
	return name
}

// runCollect runs the scheduler, the aggregator and the HTTP server until
// ctx ends, then stops them in order: collection first, then the
// aggregator (after folding in the last posts), then the server.
func runCollect(ctx context.Context, env *Env, a *app, listen, cfgFile string, log *slog.Logger) error {
	matcher := collector.NewMatcher(a.agg.Campaigns())
	reg := dashboard.NewRegistry(a.agg)
	wake := make(chan struct{}, 1)
	node, err := startCluster(ctx, env, a, reg, log, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer node.Close()
	sched := collector.NewScheduler(a.db, matcher, collector.SchedulerOptions{
		Sink:        node.sink(),
		Logger:      log,
		Registerer:  reg,
		PollTimeout: a.cfg.Sources.PollTimeout,
		Secrets:     a.cfg.Sources.Secrets(),
		OnIngest: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		},
	})
	n, err := addSources(node.adder(sched), a.cfg, a.agg.Campaigns(), matcher, node.keeper(a.db), node.lookups(sched, a.db), log)
	if err != nil {
		return err
	}
	if n == 0 && node == nil {
		log.Warn("no sources configured: serving the stored figures only (add a 'sources:' section)")
	}

	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	aggCtx, cancelAgg := context.WithCancel(context.Background())
	defer cancelAgg()
	srvCtx, cancelSrv := context.WithCancel(context.Background())
	defer cancelSrv()

	env2 := *env
	env2.Ready = func(addr string) {
		if n == 0 {
			fmt.Fprintf(env.Stdout, "tagpulse run: open http://%s/ — serving the stored figures (no sources to collect from); Ctrl-C stops it\n", addr)
		} else {
			sources := fmt.Sprintf("%d sources", n)
			if n == 1 {
				sources = "1 source"
			}
			fmt.Fprintf(env.Stdout, "tagpulse run: open http://%s/ — collecting from %s; Ctrl-C stops it\n", addr, sources)
		}
		printLinks(env.Stdout, addr, a.cfg, cfgFile)
		if env.Ready != nil {
			env.Ready(addr)
		}
	}
	srvDone := make(chan error, 1)
	go func() {
		err := serve(srvCtx, &env2, a.agg, serveOptions{
			Addr: listen, Registry: reg, Logger: log, Dashboard: a.cfg.Dashboard,
			Sources:     sched.HealthFor,
			BackupToken: env.Getenv(backupTokenEnv),
			Ready:       node.ready,
			Import: &importTarget{DB: cmp.Or[collector.Sink](node.sink(), a.db), Matcher: matcher, Campaign: a.agg.Campaign, Token: env.Getenv(importTokenEnv), Now: env.Now,
				Wake: func() {
					select {
					case wake <- struct{}{}:
					default:
					}
				}},
		})
		srvDone <- err
		cancelRun() // a server that cannot listen stops everything
	}()
	aggDone := make(chan error, 1)
	go func() { aggDone <- a.agg.Run(aggCtx, wake, aggregateEvery) }()
	nodeDone := make(chan error, 1)
	go func() {
		err := node.run(runCtx)
		nodeDone <- err
		if err != nil {
			cancelRun() // a serve node that cannot apply the stream stops
		}
	}()

	for _, h := range sched.Health() {
		log.Info("source", "name", h.Name, "kind", h.Kind, "every", h.Every)
	}
	log.Info("collecting", "campaigns", len(a.agg.Campaigns()), "sources", n, "store", a.db.Path())
	sched.Run(runCtx)
	// With no sources the scheduler returns at once: serve the stored
	// figures until stopped all the same.
	<-runCtx.Done()
	nodeErr := <-nodeDone

	// Stop in order: collectors have stopped; fold in what they stored last,
	// then stop serving.
	cancelAgg()
	aggErr := <-aggDone
	fctx, cancel := context.WithTimeout(context.Background(), finalCatchUpTimeout)
	if _, err := a.agg.CatchUp(fctx); err != nil && aggErr == nil {
		aggErr = fmt.Errorf("aggregate: %w", err)
	}
	cancel()
	cancelSrv()
	srvErr := <-srvDone
	if srvErr != nil {
		return srvErr
	}
	if aggErr != nil {
		return aggErr
	}
	if nodeErr != nil {
		return nodeErr
	}
	log.Info("stopped")
	return nil
}

// addSources builds the configured sources and adds them to sched. It
// returns how many it added.
func addSources(sched sourceAdder, cfg *config.Config, campaigns []store.Campaign, m *collector.Matcher, db postKeeper, lk *lookupSite, log *slog.Logger) (int, error) {
	src := cfg.Sources
	// Sorted, so that sources that group hashtags (Mastodon) group them the
	// same way on every start: their cursors are kept per group.
	tags := m.Tags()
	slices.Sort(tags)
	n := 0
	if src.X != nil {
		xc := xConfig(*src.X)
		for _, c := range campaigns {
			if err := xc.CheckQuery(c); err != nil {
				return 0, cfg.At("sources.x", err)
			}
		}
		for _, c := range campaigns {
			if searchIsPast(c, log, "x") {
				continue
			}
			v2 := x.NewV2(xc, c, nil, log)
			sched.Add(v2, v2.Every())
			n++
		}
	}
	if src.Twitter != nil {
		t := twitterConfig(*src.Twitter)
		for _, c := range campaigns {
			if err := t.CheckQuery(c); err != nil {
				return 0, cfg.At("sources.twitter", err)
			}
		}
		for _, c := range campaigns {
			if searchIsPast(c, log, "twitter") {
				continue
			}
			v := x.NewTwitterV1(t, c, nil, log)
			sched.Add(v, v.Every())
			n++
		}
	}
	if src.Mastodon != nil {
		mc := mastodonConfig(*src.Mastodon)
		every := mc.Every
		if every <= 0 {
			every = defaultMastodonEvery
		}
		for i, inst := range mc.Instances {
			p, err := mastodon.New(mc, inst, tags, nil, log)
			if err != nil {
				return 0, cfg.At(fmt.Sprintf("sources.mastodon.instances[%d]", i), err)
			}
			p.Since = windowsStart(campaigns)
			sched.Add(p, every)
			n++
		}
	}
	if src.Bluesky != nil {
		j, err := bluesky.NewJetstream(blueskyConfig(*src.Bluesky), tags, db.Get, db.Redact, log)
		if err != nil {
			return 0, cfg.At("sources.bluesky", err)
		}
		sched.AddStream(j)
		n++
		// The AppView: authors' profiles and posts' engagement, written as
		// amendments. They read the posts of a store: in a cluster they run
		// on serve nodes, one at a time under a lease, and publish their
		// amendments to the stream for every serve node to apply.
		if lk != nil {
			av := appViewConfig(*src.Bluesky)
			prof, err := bluesky.NewProfiles(av, lk.db, log)
			if err != nil {
				return 0, cfg.At("sources.bluesky.appview", err)
			}
			eng, err := bluesky.NewEngagement(av, lk.db, log)
			if err != nil {
				return 0, cfg.At("sources.bluesky.appview", err)
			}
			prof.Sink, eng.Sink = lk.sink, lk.sink
			lk.add(prof, prof.Every())
			lk.add(eng, eng.Every())
			n += 2
		} else {
			log.Info("Bluesky profiles and engagement are looked up by the cluster's serve nodes, not by this collect-only node", "source", "bluesky")
		}
		if bc, ok := backfillConfig(*src.Bluesky); ok {
			bs, err := bluesky.NewBackfills(bc, tags, log)
			if err != nil {
				return 0, cfg.At("sources.bluesky.handle", err)
			}
			for _, b := range bs {
				sched.Add(b, b.Every())
				n++
			}
		}
	}
	// Instagram, Threads and YouTube: one poller each, for every campaign's
	// hashtags (their limits are the account's, the user's, the project's).
	if src.Instagram != nil {
		p, err := instagram.New(instagramConfig(*src.Instagram), tags, nil, log)
		if err != nil {
			return 0, cfg.At("sources.instagram", err)
		}
		sched.Add(p, p.Every())
		n++
	}
	if src.Threads != nil {
		p, err := threads.New(threadsConfig(*src.Threads), tags, nil, log)
		if err != nil {
			return 0, cfg.At("sources.threads", err)
		}
		sched.Add(p, p.Every())
		n++
	}
	if src.YouTube != nil {
		p, err := youtube.New(youtubeConfig(*src.YouTube), tags, nil, log)
		if err != nil {
			return 0, cfg.At("sources.youtube", err)
		}
		sched.Add(p, p.Every())
		n++
	}
	return n, nil
}

// windowsStart is the start of the earliest campaign window, where a first
// poll's backfill may stop; zero when a campaign has no start (from).
func windowsStart(campaigns []store.Campaign) time.Time {
	var start time.Time
	for i := range campaigns {
		c := &campaigns[i]
		if c.From == "" {
			return time.Time{}
		}
		t, err := c.DayStart(c.From)
		if err != nil {
			return time.Time{}
		}
		if start.IsZero() || t.Before(start) {
			start = t
		}
	}
	return start
}
