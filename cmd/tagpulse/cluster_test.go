package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

// TestRunCluster runs 'tagpulse run' as a cluster node of both roles on an
// embedded JetStream server: the Mastodon source runs under its lease and
// publishes to the stream, the serve role applies the stream into the
// store and the figures follow; 'import' from another machine publishes
// to the stream and the running node gets the backfill. Metrics carry the
// node's lag. The cluster: section is the configuration's.
func TestRunCluster(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(t.TempDir(), "js"), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	mast := platformtest.NewMastodon()
	t.Cleanup(mast.Close)
	mast.Add(
		platformtest.Toot{Acct: "a", Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}},
		platformtest.Toot{Acct: "b", Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}},
		platformtest.Toot{Acct: "c", Text: "#cats", Tags: []string{"cats"}},
	)
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, string(base)+"sources:\n  mastodon:\n    instances: ["+mast.URL+"]\n    every: 50ms\n"+
		"cluster:\n  nats: "+srv.ClientURL()+"\n  role: both\n")
	env := func(k string) string {
		if k == nodeEnv {
			return "node-1"
		}
		return ""
	}
	r := startRun(t, env, "-config", cfg, "-addr", "127.0.0.1:0")
	waitTotals(t, r, "afp", map[string]int64{"mastodon": 2})

	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"),
		tw{id: "1", user: "a", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n"+
			tw{id: "2", user: "b", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n")
	// Another machine's store: the running node holds its own.
	out, errs, code := runCmd(t, "import", "-config", cfg, "-db", filepath.Join(dir, "elsewhere.db"), archive)
	if code != 0 {
		t.Fatal(errs)
	}
	if !strings.Contains(out, "published to stream tagpulse-posts: 2 posts new to it, 0 it already had") {
		t.Errorf("import output:\n%s", out)
	}
	waitTotals(t, r, "afp", map[string]int64{"mastodon": 2, "x": 2}) // imported posts keep their platform

	if resp, err := http.Get("http://" + r.addr + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz of a caught-up serve node: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	resp, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`tagpulse_cluster_consumer_lag_messages{node="node-1"} 0`,
		`tagpulse_cluster_caught_up{node="node-1"} 1`,
		`tagpulse_cluster_leases_held{node="node-1"} 1`,
		`tagpulse_cluster_published_posts_total{node="node-1",result="added"} 2`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if _, err := r.stop(t); err != nil {
		t.Errorf("run: %v\n%s", err, r.log)
	}
	// The clean stop released the lease.
	c, err := cluster.Connect(t.Context(), cluster.Config{NATS: srv.ClientURL(), Stream: cluster.DefaultStream, Role: cluster.RoleServe, Node: "probe", Lease: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if h, err := c.LeaseHolder(t.Context(), "mastodon:"+strings.TrimPrefix(mast.URL, "http://")); err != nil || h != "" {
		t.Errorf("lease holder after stop: %q, %v", h, err)
	}
}

// TestRunClusterBluesky runs 'tagpulse run' as a both-role cluster node
// with Bluesky: Jetstream's posts (authors by DID alone) go through the
// stream, and the AppView lookups run under their leases on this serve
// node and publish their amendments to the stream, so the API shows the
// authors' handles, the reach of their follower counts and the posts'
// engagement, as a single process does; check passes after the run.
func TestRunClusterBluesky(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(t.TempDir(), "js"), NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	jet := platformtest.NewJetstream()
	t.Cleanup(jet.Close)
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	av.AddProfiles(
		platformtest.BskyProfile{DID: "did:plc:amal", Handle: "amal.bsky.social", Name: "Amal", Followers: 1200},
		platformtest.BskyProfile{DID: "did:plc:basel", Handle: "basel.bsky.social", Name: "Basel", Followers: 300},
	)
	sk := jet.Add(
		platformtest.Skeet{DID: "did:plc:amal", Text: "Solidarity #AllForPalestine", Tags: []string{"AllForPalestine"}},
		platformtest.Skeet{DID: "did:plc:basel", Text: "#AllForPalestine from Gaza", Tags: []string{"AllForPalestine"}},
		platformtest.Skeet{DID: "did:plc:amal", Text: "Again #AllForPalestine", Tags: []string{"AllForPalestine"}},
	)
	av.SetEngagement(sk[0].URI(), platformtest.BskyEngagement{Likes: 50, Reposts: 7, Replies: 3, Quotes: 2})
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, string(base)+"sources:\n  bluesky:\n    jetstream: "+jet.URL()+"\n    appview: "+av.URL+"\n"+
		"cluster:\n  nats: "+srv.ClientURL()+"\n  role: both\n")
	r := startRun(t, func(k string) string {
		if k == nodeEnv {
			return "node-1"
		}
		return ""
	}, "-config", cfg, "-addr", "127.0.0.1:0")
	waitFor(t, r, "reach from the AppView's follower counts, through the stream", func() (bool, string) {
		var rows []aggregator.Row
		if err := r.getJSON("/api/v1/campaigns/afp/totals", &rows); err != nil {
			return false, err.Error()
		}
		return len(rows) == 1 && rows[0].Posts == 3 && rows[0].Participants == 2 && rows[0].Reach == 1200+300, fmt.Sprintf("%+v", rows)
	})
	var tp struct {
		Posts []store.TopPost `json:"posts"`
	}
	waitFor(t, r, "top posts with handles and engagement", func() (bool, string) {
		if err := r.getJSON("/api/v1/campaigns/afp/top?day=2026-11-29", &tp); err != nil {
			return false, err.Error()
		}
		return len(tp.Posts) == 3 && tp.Posts[0].Engagement == 62 && tp.Posts[0].Author == "amal.bsky.social", fmt.Sprintf("%+v", tp.Posts)
	})
	resp, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `tagpulse_cluster_leases_held{node="node-1"} 3`; !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s (Jetstream, profiles, engagement)", want)
	}
	if _, err := r.stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, r.log)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 {
		t.Errorf("check: %d\n%s\n%s", code, out, errs)
	}
}
