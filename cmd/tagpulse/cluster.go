package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/store"
)

// nodeEnv names this node when the configuration's cluster section does
// not (it is per machine, the configuration usually shared).
const nodeEnv = "TAGPULSE_NODE"

// clusterOf is the configuration's cluster: section as the cluster
// package takes it, nil without one (then tagpulse is a single process,
// exactly as without this file). The node's name comes from TAGPULSE_NODE
// or the host name; the lease period and replicas take their defaults.
func clusterOf(cfg *config.Config) *cluster.Config {
	if cfg == nil || cfg.Cluster == nil {
		return nil
	}
	c := cfg.Cluster
	return &cluster.Config{NATS: c.NATS, Stream: c.Stream, Role: c.Role, Credentials: string(c.Credentials)}
}

// clusterNode is this process's part in a cluster: what it collects
// through (collect role) and what it applies to its store (serve role).
type clusterNode struct {
	conn    *cluster.Conn
	cfg     cluster.Config
	leases  *cluster.Leases    // collect role, and serve role for the AppView lookups
	pub     *cluster.Publisher // collect role
	applier *cluster.Applier   // serve role
	amender *cluster.Amender   // serve role: where the AppView lookups write
	log     *slog.Logger
}

// startCluster connects to the cluster of the app's configuration and
// registers its metrics; nil, nil without a cluster section. onApply is
// called when the serve role stored posts (it wakes the aggregator).
func startCluster(ctx context.Context, env *Env, a *app, reg prometheus.Registerer, log *slog.Logger, onApply func()) (*clusterNode, error) {
	if a.cfg == nil {
		return nil, nil
	}
	cc := clusterOf(a.cfg)
	if cc == nil {
		return nil, nil
	}
	cfg := *cc
	if cfg.Node == "" {
		cfg.Node = env.Getenv(nodeEnv)
	}
	if err := cfg.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", a.cfg.Path, err)
	}
	log = log.With("node", cfg.Node)
	conn, err := cluster.Connect(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	n := &clusterNode{conn: conn, cfg: conn.Config(), log: log}
	if cfg.Collects() {
		n.leases = conn.NewLeases(nil)
		n.pub = conn.NewPublisher(n.leases)
	}
	if cfg.Serves() {
		n.applier = conn.NewApplier(a.db, cluster.ApplierOptions{Logger: log, OnApply: onApply})
		if n.leases == nil {
			n.leases = conn.NewLeases(nil) // the AppView lookups' leases
		}
		n.amender = conn.NewAmender(n.applier, n.leases)
	}
	if reg != nil {
		reg.MustRegister(cluster.NewMetrics(conn, n.applier, n.pub, n.leases))
	}
	log.Info("cluster", "role", cfg.Role, "stream", cfg.Stream, "lease", cfg.Lease)
	return n, nil
}

// sink is where the scheduler ingests: the stream on a collect node, the
// store (nil) otherwise.
func (n *clusterNode) sink() collector.Sink {
	if n == nil || n.pub == nil {
		return nil
	}
	return n.pub
}

// ready is /readyz's word on the cluster: a serve node is ready once it
// has applied the stream up to where it stood (CaughtUp).
func (n *clusterNode) ready() (bool, string) {
	if n == nil || n.applier == nil || n.applier.CaughtUp() {
		return true, ""
	}
	return false, fmt.Sprintf("catching up with the cluster's stream: %d posts behind", n.applier.Lag())
}

// postKeeper is what sources that look up and redact stored posts
// (Bluesky) use: the store, or on a collect node the cluster.
type postKeeper interface {
	Get(platform, id string) (store.Post, error)
	Redact(platform, id string) error
}

// keeper is the store without a cluster. On a collect node a lookup asks
// the posts this node published lately, then the store (on a "both" node
// it holds what the stream brought), and a redaction goes to the stream,
// so that every serve node applies it.
func (n *clusterNode) keeper(db *store.DB) postKeeper {
	if n == nil || n.pub == nil {
		return db
	}
	return clusterKeeper{pub: n.pub, db: db}
}

type clusterKeeper struct {
	pub *cluster.Publisher
	db  *store.DB
}

func (k clusterKeeper) Get(platform, id string) (store.Post, error) {
	if p, err := k.pub.Get(platform, id); err == nil {
		return p, nil
	}
	return k.db.Get(platform, id)
}

func (k clusterKeeper) Redact(platform, id string) error { return k.pub.Redact(platform, id) }

// sourceAdder is what addSources adds sources to.
type sourceAdder interface {
	Add(p collector.Poller, every time.Duration)
	AddStream(s collector.Streamer)
}

// adder wraps the scheduler: on a collect node every source runs only
// while this node holds its lease; on a serve-only node no source runs
// (the collect nodes run them).
func (n *clusterNode) adder(sched *collector.Scheduler) sourceAdder {
	switch {
	case n == nil:
		return sched
	case n.pub == nil:
		return discardSources{}
	}
	return guardedSources{sched: sched, n: n}
}

// lookupSite is where the Bluesky AppView lookups (profiles, engagement)
// run: they read db (the posts this node's store holds) and write to sink.
type lookupSite struct {
	db   *store.DB
	sink bluesky.AmendSink
	add  func(p collector.Poller, every time.Duration)
}

// lookups is the lookups' site: without a cluster, the store, read and
// written; on a serve (or both) node, this node's store read, the stream
// written (every serve node applies the amendments), run only while this
// node holds the lookup's lease, so one node at a time asks the AppView;
// nil on a collect-only node, whose store holds no posts.
func (n *clusterNode) lookups(sched *collector.Scheduler, db *store.DB) *lookupSite {
	switch {
	case n == nil:
		return &lookupSite{db: db, sink: db, add: sched.Add}
	case n.amender == nil:
		return nil
	}
	return &lookupSite{db: db, sink: n.amender, add: func(p collector.Poller, every time.Duration) {
		sched.Add(n.leases.Guard(caughtUpPoller{p, n.applier}, nil), every)
	}}
}

// caughtUpPoller polls only once the node has applied the stream as far
// as it stood: a serve node still catching up would look up authors the
// amendments already in the stream have resolved.
type caughtUpPoller struct {
	collector.Poller
	applier *cluster.Applier
}

func (c caughtUpPoller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	if !c.applier.CaughtUp() {
		return collector.Page{}, nil
	}
	return c.Poller.Poll(ctx, cursor)
}

type guardedSources struct {
	sched *collector.Scheduler
	n     *clusterNode
}

func (g guardedSources) Add(p collector.Poller, every time.Duration) {
	g.sched.Add(g.n.leases.Guard(p, g.n.pub), every)
}

func (g guardedSources) AddStream(s collector.Streamer) {
	g.sched.AddStream(g.n.leases.GuardStream(s, g.n.pub))
}

type discardSources struct{}

func (discardSources) Add(collector.Poller, time.Duration) {}
func (discardSources) AddStream(collector.Streamer)        {}

// run keeps the leases and applies the stream until ctx ends; it returns
// once both have stopped (leases released), with the applier's error.
func (n *clusterNode) run(ctx context.Context) error {
	if n == nil {
		return nil
	}
	var wg sync.WaitGroup
	if n.leases != nil {
		wg.Go(func() { n.leases.Run(ctx) })
	}
	var err error
	if n.applier != nil {
		err = n.applier.Run(ctx)
	}
	wg.Wait()
	return err
}

func (n *clusterNode) Close() {
	if n != nil {
		n.conn.Close()
	}
}

// importSink is where import writes: with a cluster, the stream (every
// serve node gets the backfill; this store gets it only through its own
// serve role); otherwise the store. done closes the connection and says
// what was published.
func importSink(ctx context.Context, env *Env, a *app) (sink collector.Sink, done func() string, err error) {
	if a.cfg == nil || clusterOf(a.cfg) == nil {
		return a.db, nil, nil
	}
	cfg := *clusterOf(a.cfg)
	if cfg.Node == "" {
		cfg.Node = env.Getenv(nodeEnv)
	}
	if cfg.Node == "" {
		cfg.Node = "import"
	}
	if err := cfg.Check(); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", a.cfg.Path, err)
	}
	conn, err := cluster.Connect(ctx, cfg, nil)
	if err != nil {
		return nil, nil, err
	}
	pub := conn.NewPublisher(nil)
	return pub, func() string {
		conn.Close()
		added, dups := pub.Published()
		return fmt.Sprintf("published to stream %s: %d posts new to it, %d it already had", cfg.Stream, added, dups)
	}, nil
}
