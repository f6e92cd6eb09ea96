package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector/platformtest"
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
