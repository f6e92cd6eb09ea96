package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

// The test binary is also the cluster's nodes: with TAGPULSE_CLUSTER_CHILD
// set it runs one collect or serve node until SIGTERM (a clean stop) or
// SIGKILL (kill -9: no cleanup at all).
func TestMain(m *testing.M) {
	if role := os.Getenv("TAGPULSE_CLUSTER_CHILD"); role != "" {
		if err := childMain(role); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	testStream = "tp-posts"
	testLease  = 2 * time.Second
)

var testCampaigns = []store.Campaign{{Name: "gaza", Hashtags: []string{"gaza"}, Timezone: "UTC"}}

func childConfig(role string) cluster.Config {
	cfg := cluster.Config{
		NATS: os.Getenv("TP_NATS"), Stream: testStream, Role: role, Node: os.Getenv("TP_NODE"),
		Lease: testLease, Replicas: 3,
	}
	return cfg
}

func childMain(role string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg := childConfig(role)
	if err := cfg.Check(); err != nil {
		return err
	}
	c, err := cluster.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer c.Close()
	db, err := store.Open(os.Getenv("TP_DB"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	switch role {
	case cluster.RoleCollect:
		leases := c.NewLeases(nil)
		pub := c.NewPublisher(leases)
		m := collector.NewMatcher(testCampaigns)
		sched := collector.NewScheduler(db, m, collector.SchedulerOptions{
			Logger: log, Sink: pub, PollTimeout: 4 * time.Second,
			BackoffMin: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
		})
		p, err := mastodon.New(mastodon.Config{}, os.Getenv("TP_MASTODON"), m.Tags(), nil, log)
		if err != nil {
			return err
		}
		sched.Add(leases.Guard(p, pub), 50*time.Millisecond)
		var wg sync.WaitGroup
		wg.Go(func() { leases.Run(ctx) })
		sched.Run(ctx)
		wg.Wait()
		return nil
	case cluster.RoleServe:
		agg := aggregator.New(db, testCampaigns, aggregator.Options{Logger: log})
		wake := make(chan struct{}, 1)
		ap := c.NewApplier(db, cluster.ApplierOptions{Logger: log, MaxWait: 200 * time.Millisecond, OnApply: func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}})
		aggDone := make(chan error, 1)
		go func() { aggDone <- agg.Run(ctx, wake, 200*time.Millisecond) }()
		err := ap.Run(ctx)
		<-aggDone
		return err
	}
	return fmt.Errorf("unknown role %q", role)
}

// node is a child process running one node.
type node struct {
	name, role, db, nats string
	cmd                  *exec.Cmd
	out                  *bytes.Buffer
	done                 chan error
}

func startNode(t *testing.T, role, name, db, natsURL, mastodon string) *node {
	t.Helper()
	n := &node{name: name, role: role, db: db, nats: natsURL, out: &bytes.Buffer{}, done: make(chan error, 1)}
	n.cmd = exec.Command(os.Args[0], "-test.run=^$")
	n.cmd.Env = append(os.Environ(), "TAGPULSE_CLUSTER_CHILD="+role, "TP_NATS="+natsURL, "TP_NODE="+name, "TP_DB="+db, "TP_MASTODON="+mastodon)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.done <- n.cmd.Wait() }()
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			t.Logf("--- %s (%s) output:\n%s", n.name, n.role, tail(n.out.String(), 4000))
		}
	})
	return n
}

// kill is kill -9: the node gets no chance to release its lease, ack or
// finish a transaction.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-n.done
}

// stop is a clean stop (SIGTERM); the node must exit 0.
func (n *node) stop(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-n.done:
		if err != nil {
			t.Fatalf("%s: %v\n%s", n.name, err, tail(n.out.String(), 4000))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not stop", n.name)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// toots makes n statuses of wave w: authors from a pool (some remote),
// some replies and boosts, all tagged #gaza.
func toots(w, n int) []platformtest.Toot {
	out := make([]platformtest.Toot, 0, n)
	for i := range n {
		k := w*10000 + i
		t := platformtest.Toot{
			Acct: fmt.Sprintf("user%d", k%37), Text: fmt.Sprintf("wave %d post %d #gaza", w, i),
			Tags: []string{"gaza"}, Followers: int64(k%37) * 13, Lang: []string{"en", "ar", "fr"}[k%3],
		}
		if k%5 == 0 {
			t.Acct += "@remote.example"
		}
		if k%11 == 0 {
			t.Reblog = &platformtest.Toot{Acct: "orig" + fmt.Sprint(k%5), Text: "boosted #gaza", Tags: []string{"gaza"}}
		}
		out = append(out, t)
	}
	return out
}

// figures is everything the dashboard and API show of a store, as JSON.
func figures(t *testing.T, db *store.DB) string {
	t.Helper()
	agg := aggregator.New(db, testCampaigns, aggregator.Options{})
	if _, err := agg.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	diffs, _, err := agg.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("check %s: %d differences, first: %s", db.Path(), len(diffs), diffs[0])
	}
	out := map[string]any{}
	tot, err := agg.Totals("gaza")
	if err != nil {
		t.Fatal(err)
	}
	out["totals"] = tot
	for _, by := range [][]string{{aggregator.ByDay}, {aggregator.ByHour}, {aggregator.ByCountry}, {aggregator.BySource}, {aggregator.ByKind}, {aggregator.ByLang}, {aggregator.ByDay, aggregator.ByKind}} {
		rows, err := agg.Report(aggregator.Query{Campaign: "gaza", By: by})
		if err != nil {
			t.Fatal(err)
		}
		out[strings.Join(by, "+")] = rows
	}
	days, _ := agg.Report(aggregator.Query{Campaign: "gaza", By: []string{aggregator.ByDay}})
	for _, d := range days {
		top, err := agg.Top("gaza", d.Day)
		if err != nil {
			t.Fatal(err)
		}
		out["top "+d.Day] = top
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestThreeNodeCluster runs a three-server JetStream cluster (replicas 3),
// two collect nodes against a fake Mastodon and two serve nodes, each node
// its own process. It kills -9 the collect node holding the source's lease
// while it publishes, and a serve node; the other collect node takes over;
// both are restarted; a third serve node starts at the end. Every serve node
// ends with the figures of a single-process run over the same posts, check
// passes on each, and nothing is doubled or lost.
func TestThreeNodeCluster(t *testing.T) {
	servers := natsCluster(t)
	masto := platformtest.NewMastodon()
	defer masto.Close()
	all := urls(servers...)
	obs := connect(t, cluster.Config{NATS: all, Stream: testStream, Role: cluster.RoleServe, Node: "observer", Lease: testLease, Replicas: 3})
	nc, err := nats.Connect(all)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	stream, err := js.Stream(ctx, testStream)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := stream.Info(ctx); info.Config.Replicas != 3 {
		t.Fatalf("stream replicas %d, want 3", info.Config.Replicas)
	}
	msgs := func() uint64 {
		info, err := stream.Info(ctx)
		if err != nil {
			return 0
		}
		return info.State.Msgs
	}
	applied := func(n *node) uint64 {
		c, err := stream.Consumer(ctx, "tagpulse-serve-"+n.name)
		if err != nil {
			return 0
		}
		info, err := c.Info(ctx)
		if err != nil {
			return 0
		}
		return info.AckFloor.Stream
	}

	// The source starts from the beginning of the tag's timeline in the
	// cluster and in the single-process reference alike.
	probe, err := mastodon.New(mastodon.Config{}, masto.URL, []string{"gaza"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	source := probe.Name()
	seed := []byte(`{"gaza":"1"}`)
	seeder := obs.NewPublisher(nil)
	if _, err := seeder.Cursor(source); err != nil {
		t.Fatal(err)
	}
	if _, err := seeder.Append(nil, map[string][]byte{source: seed}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	db := func(name string) string { return filepath.Join(dir, name+".db") }
	// Each node speaks first to a different server.
	rot := func(i int) string { return urls(servers[i%3], servers[(i+1)%3], servers[(i+2)%3]) }
	collect := map[string]*node{
		"collect-a": startNode(t, cluster.RoleCollect, "collect-a", db("collect-a"), rot(0), masto.URL),
		"collect-b": startNode(t, cluster.RoleCollect, "collect-b", db("collect-b"), rot(1), masto.URL),
	}
	serve1 := startNode(t, cluster.RoleServe, "serve-1", db("serve-1"), rot(2), masto.URL)
	serve2 := startNode(t, cluster.RoleServe, "serve-2", db("serve-2"), rot(0), masto.URL)

	total := 0
	wave := func(w, n int) { masto.Add(toots(w, n)...); total += n }
	caughtUp := func(what string, nodes ...*node) {
		t.Helper()
		waitFor(t, 60*time.Second, what, func() (bool, string) {
			m := msgs()
			if m != uint64(total) {
				return false, fmt.Sprintf("stream has %d of %d", m, total)
			}
			for _, n := range nodes {
				if a := applied(n); a != m {
					return false, fmt.Sprintf("%s applied %d of %d", n.name, a, m)
				}
			}
			return true, ""
		})
	}

	wave(1, 300)
	caughtUp("wave 1 on both serve nodes", serve1, serve2)
	holder, err := obs.LeaseHolder(ctx, source)
	if err != nil || collect[holder] == nil {
		t.Fatalf("lease holder %q, %v", holder, err)
	}
	other := map[string]string{"collect-a": "collect-b", "collect-b": "collect-a"}[holder]
	t.Logf("%s holds %s", holder, source)

	// Kill -9 the holder while it publishes wave 2, and a serve node.
	wave(2, 1500)
	waitFor(t, 30*time.Second, "wave 2 to start", func() (bool, string) { return msgs() > 300, fmt.Sprint(msgs()) })
	collect[holder].kill(t)
	atKill := msgs()
	serve2.kill(t)
	t.Logf("killed %s with %d of %d posts in the stream; serve-2 had applied %d", holder, atKill, total, applied(serve2))

	// A lease lapses testLease after its last renewal; on a loaded machine
	// the R3 key-value writes of the takeover can take several more.
	waitFor(t, 15*testLease, "the other collect node to take the lease", func() (bool, string) {
		h, err := obs.LeaseHolder(ctx, source)
		return h == other, fmt.Sprintf("holder %q, %v", h, err)
	})
	caughtUp("wave 2 on serve-1", serve1)
	wave(3, 200)
	caughtUp("wave 3 on serve-1", serve1)

	// Restart both; the collect node stands by, serve-2 resumes from its store.
	collect[holder] = startNode(t, cluster.RoleCollect, holder, db(holder), rot(2), masto.URL)
	serve2 = startNode(t, cluster.RoleServe, "serve-2", db("serve-2"), rot(1), masto.URL)
	wave(4, 100)
	caughtUp("wave 4 on both serve nodes", serve1, serve2)
	if h, _ := obs.LeaseHolder(ctx, source); h != other {
		t.Fatalf("lease moved to %q after the restart, want %q to keep it", h, other)
	}

	// A serve node started later catches up from the stream.
	serve3 := startNode(t, cluster.RoleServe, "serve-3", db("serve-3"), rot(2), masto.URL)
	caughtUp("the late serve node", serve1, serve2, serve3)

	for _, n := range []*node{collect["collect-a"], collect["collect-b"], serve1, serve2, serve3} {
		n.stop(t)
	}
	if h, _ := obs.LeaseHolder(ctx, source); h != "" {
		t.Errorf("lease still held by %q after a clean stop", h)
	}

	// The single-process reference: the same source polled into one store.
	ref := openStore(t, filepath.Join(dir, "ref.db"))
	defer ref.Close()
	m := collector.NewMatcher(testCampaigns)
	cursor := seed
	for {
		page, err := probe.Poll(ctx, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := collector.Ingest(ref, m, source, page); err != nil {
			t.Fatal(err)
		}
		if page.Cursor != nil {
			cursor = page.Cursor
		}
		if len(page.Posts) == 0 && !page.More {
			break
		}
	}
	if n := ref.PostCount(); n != total {
		t.Fatalf("reference has %d posts, want %d", n, total)
	}
	want := figures(t, ref)

	for _, n := range []string{"serve-1", "serve-2", "serve-3"} {
		sdb := openStore(t, db(n))
		if c := sdb.PostCount(); c != total {
			t.Errorf("%s has %d posts, want %d", n, c, total)
		}
		if got := figures(t, sdb); got != want {
			t.Errorf("%s figures differ from the single-process run:\n%s", n, firstDiff(got, want))
		}
		seq, err := cluster.AppliedSeq(sdb, testStream)
		if err != nil || seq != uint64(total) {
			t.Errorf("%s applied %d, %v; want %d", n, seq, err, total)
		}
		sdb.Close()
	}
	if m := msgs(); m != uint64(total) {
		t.Errorf("stream has %d messages for %d posts", m, total)
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: got %s, want %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}
