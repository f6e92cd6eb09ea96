package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/config"
	"github.com/tagpulse/tagpulse/store"
)

// lockedBuffer is an io.Writer safe for the goroutines of a running command.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningCmd is a 'tagpulse run' started by a test.
type runningCmd struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	log    *lockedBuffer
}

// startRun runs the command in the background and waits (bounded) until
// it serves; the test's cleanup stops it if the test did not.
func startRun(t *testing.T, getenv func(string) string, args ...string) *runningCmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningCmd{cancel: cancel, done: make(chan error, 1), log: &lockedBuffer{}}
	ready := make(chan string, 1)
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: r.log, Stderr: r.log,
		Getenv: getenv, Now: time.Now,
		Ready: func(addr string) { ready <- addr },
	}
	go func() { r.done <- run(ctx, env, append([]string{"run", "-log-level", "debug"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Errorf("run did not stop")
		}
	})
	select {
	case r.addr = <-ready:
	case err := <-r.done:
		r.done <- err // for the cleanup
		t.Fatalf("run ended before serving: %v\n%s", err, r.log)
	case <-time.After(15 * time.Second):
		t.Fatalf("run did not serve within 15s\n%s", r.log)
	}
	return r
}

// stop cancels the command (as SIGINT/SIGTERM do) and returns how long it
// took to return and its error.
func (r *runningCmd) stop(t *testing.T) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return time.Since(start), err
	case <-time.After(30 * time.Second):
		t.Fatalf("run did not stop within 30s\n%s", r.log)
		return 0, nil
	}
}

// getJSON fetches an API path into v.
func (r *runningCmd) getJSON(path string, v any) error {
	resp, err := http.Get("http://" + r.addr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// sourceTotals returns the campaign's posts by source, through the API.
func (r *runningCmd) sourceTotals(campaign string) (map[string]int64, error) {
	var rows []aggregator.Row
	if err := r.getJSON("/api/v1/campaigns/"+campaign+"/totals?by=source", &rows); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, row := range rows {
		out[row.Source] = row.Posts
	}
	return out, nil
}

// waitFor polls cond until it holds, failing the test after a bound.
// cond returns a description of what it last saw, for the failure.
func waitFor(t *testing.T, r *runningCmd, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		var ok bool
		if ok, last = cond(); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last saw %s\n--- log ---\n%s", what, last, r.log)
		}
		select {
		case <-tick.C:
		case err := <-r.done:
			r.done <- err // for the cleanup
			t.Fatalf("run ended while waiting for %s: %v\n%s", what, err, r.log)
		}
	}
}

// waitTotals waits until the API shows exactly want posts per source.
func waitTotals(t *testing.T, r *runningCmd, campaign string, want map[string]int64) {
	t.Helper()
	waitFor(t, r, fmt.Sprintf("posts by source %v", want), func() (bool, string) {
		got, err := r.sourceTotals(campaign)
		if err != nil {
			return false, err.Error()
		}
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprint(got)
	})
}

// fakes are the four platforms on loopback: X (v2 and v1.1 on one server),
// two Mastodon instances and Jetstream.
type fakes struct {
	x          *platformtest.XServer
	mastA      *platformtest.Mastodon
	mastB      *platformtest.Mastodon
	jet        *platformtest.Jetstream
	av         *platformtest.AppView
	hour       time.Time // a whole hour before now: X tweets are dated in it, for completeness
	tootN      int
	skeetMatch int
}

const e2eToken = "e2e-secret-token-1234"

func startFakes(t *testing.T) *fakes {
	f := &fakes{
		x:     platformtest.NewX(t),
		mastA: platformtest.NewMastodon(),
		mastB: platformtest.NewMastodon(),
		jet:   platformtest.NewJetstream(),
		av:    platformtest.NewAppView(),
		hour:  time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour),
	}
	f.x.RequireToken(e2eToken)
	t.Cleanup(f.mastA.Close)
	t.Cleanup(f.mastB.Close)
	t.Cleanup(f.jet.Close)
	t.Cleanup(f.av.Close)
	return f
}

// tweets adds n tweets carrying the campaign tag (and one hidden from
// search, which only the platform's counts see, when hidden is set).
func (f *fakes) tweets(n int, hidden bool) {
	for i := range n {
		f.x.Add(platformtest.Tweet{
			Username: fmt.Sprintf("user%d", i%3), Text: "Solidarity today #AllForPalestine",
			CreatedAt: f.hour.Add(time.Duration(f.tootN*7+i) * time.Second),
		})
	}
	if hidden {
		f.x.Add(platformtest.Tweet{Text: "#AllForPalestine", Hidden: true, CreatedAt: f.hour.Add(30 * time.Minute)})
	}
	f.x.Add(platformtest.Tweet{Text: "nothing to see #SomethingElse", CreatedAt: f.hour.Add(31 * time.Minute)})
}

// toot builds a status with a URI of its own: both fake instances are
// 127.0.0.1, so their default URIs would collide.
func (f *fakes) toot(acct string) platformtest.Toot {
	f.tootN++
	return platformtest.Toot{
		URI:  fmt.Sprintf("https://origin.example/users/%s/statuses/%d", acct, f.tootN),
		Acct: acct + "@origin.example", Text: "#AllForPalestine", Tags: []string{"AllForPalestine"},
	}
}

// skeets adds n matching posts and one that does not match.
func (f *fakes) skeets(n int) {
	for range n {
		f.skeetMatch++
		f.jet.Add(platformtest.Skeet{DID: fmt.Sprintf("did:plc:p%d", f.skeetMatch%4), Text: "Free Palestine #AllForPalestine", Tags: []string{"AllForPalestine"}})
	}
	f.jet.Add(platformtest.Skeet{Text: "an unrelated post #cats", Tags: []string{"cats"}})
}

// configOptions vary the configuration written by config.
type configOptions struct {
	noTwitter bool   // leave v1.1 out (it would fetch what v2 is waiting for)
	x         string // extra keys of sources.x, e.g. "max_results: 10"
	mastodon  string // extra keys of sources.mastodon
}

// config writes a configuration with every source pointed at the fakes.
func (f *fakes) config(t *testing.T, dir string) string {
	return f.configWith(t, dir, configOptions{})
}

func (f *fakes) configWith(t *testing.T, dir string, o configOptions) string {
	t.Helper()
	twitter := fmt.Sprintf(`
  twitter:
    bearer_token: ${TAGPULSE_X_BEARER_TOKEN}
    base_url: %s
    every: 100ms`, f.x.URL)
	if o.noTwitter {
		twitter = ""
	}
	extra := func(keys string) string {
		if keys == "" {
			return ""
		}
		return "\n    " + keys
	}
	cfg := fmt.Sprintf(`db: %s
listen: 127.0.0.1:8080
campaigns:
  - name: allforpalestine
    title: "#AllForPalestine"
    hashtags: [AllForPalestine, كلنا_لفلسطين]
    timezone: Asia/Gaza
sources:
  x:
    bearer_token: ${TAGPULSE_X_BEARER_TOKEN}
    base_url: %s
    every: 100ms%s%s
  mastodon:
    instances: [%s, %s]
    every: 100ms%s
  bluesky:
    jetstream: %s
    appview: %s
  poll_timeout: 10s
`, filepath.Join(dir, "tagpulse.db"), f.x.URL, extra(o.x), twitter, f.mastA.URL, f.mastB.URL, extra(o.mastodon), f.jet.URL(), f.av.URL)
	path := filepath.Join(dir, "tagpulse.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func e2eGetenv(name string) string {
	if name == "TAGPULSE_X_BEARER_TOKEN" {
		return e2eToken
	}
	return ""
}

// TestE2ERunAllPlatforms runs 'tagpulse run' against fakes of all four
// platforms at once, stops it midway, adds posts while it is down, starts it
// again on the same store, and checks the exact counts per source, the
// health view and that the figures equal a recount.
func TestE2ERunAllPlatforms(t *testing.T) {
	f := startFakes(t)
	dir := t.TempDir()
	cfgPath := f.config(t, dir)
	const campaign = "allforpalestine"

	// Phase 1. X: 4 tweets (+1 only the counts see); Mastodon: 3 on A, 2 on
	// B plus one that federated to both (one post); Bluesky: 3.
	f.tweets(4, true)
	shared := f.toot("carol")
	f.mastA.Add(f.toot("alice"), f.toot("alice"), shared)
	f.mastB.Add(f.toot("bob"), shared, f.toot("bob"))
	f.skeets(1)

	r := startRun(t, e2eGetenv, "-config", cfgPath, "-addr", "127.0.0.1:0")
	f.skeets(2) // while running: the stream brings them live
	waitTotals(t, r, campaign, map[string]int64{"bluesky": 3, "mastodon": 5, "x": 4})

	var health []aggregator.SourceStatus
	waitFor(t, r, "every source to have succeeded", func() (bool, string) {
		if err := r.getJSON("/api/v1/sources", &health); err != nil {
			return false, err.Error()
		}
		ok := len(health) == 7 // with Bluesky's profiles and engagement
		for _, h := range health {
			ok = ok && h.LastSuccess != nil
		}
		return ok, fmt.Sprintf("%+v", health)
	})
	names := map[string]aggregator.SourceStatus{}
	for _, h := range health {
		names[h.Name] = h
	}
	for name, source := range map[string]string{"x:" + campaign: "x", "twitter:" + campaign: "x", "bluesky": "bluesky"} {
		if h, ok := names[name]; !ok || h.Source != source {
			t.Errorf("health has no %s of source %s: %+v", name, source, health)
		}
	}

	if took, err := r.stop(t); err != nil {
		t.Fatalf("run: %v (after %s)\n%s", err, took, r.log)
	}

	// Down time: posts keep coming.
	f.tweets(2, false)
	f.mastA.Add(f.toot("alice"), f.toot("dave"))
	f.mastB.Add(f.toot("erin"))
	f.skeets(2)

	// Phase 2: the same store; every source resumes from its cursor.
	r = startRun(t, e2eGetenv, "-config", cfgPath, "-addr", "127.0.0.1:0")
	want := map[string]int64{"bluesky": 5, "mastodon": 8, "x": 6}
	waitTotals(t, r, campaign, want)
	waitFor(t, r, "the X completeness figure", func() (bool, string) {
		if err := r.getJSON("/api/v1/sources", &health); err != nil {
			return false, err.Error()
		}
		for _, h := range health {
			if h.Name == "x:"+campaign && h.Completeness != nil {
				c := h.Completeness
				return c.Platform == 7 && c.Held == 6 && !c.From.After(f.hour) && c.To.After(f.hour), fmt.Sprintf("%+v", *c)
			}
		}
		return false, fmt.Sprintf("%+v", health)
	})
	var metrics string
	waitFor(t, r, "collector metrics", func() (bool, string) {
		resp, err := http.Get("http://" + r.addr + "/metrics")
		if err != nil {
			return false, err.Error()
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		metrics = string(b)
		return strings.Contains(metrics, `tagpulse_collector_requests_total{poller="x:allforpalestine",result="ok",source="x"}`), "no ok requests for x yet"
	})
	for _, name := range []string{"tagpulse_collector_request_duration_seconds_bucket", "tagpulse_collector_last_success_timestamp_seconds",
		"tagpulse_collector_rate_limit_remaining", "tagpulse_collector_posts_fetched_total", "tagpulse_collector_posts_duplicate_total",
		"tagpulse_collector_posts_malformed_total", "tagpulse_posts_total"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if strings.Contains(metrics, e2eToken) || strings.Contains(r.log.String(), e2eToken) {
		t.Errorf("the bearer token appears in /metrics or the log")
	}
	if _, err := r.stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, r.log)
	}

	assertStore(t, cfgPath, campaign, want, 19)
}

// TestE2ERunStopsPromptly cancels run (as SIGTERM does) while a Mastodon
// request and an X request hang and the Jetstream stream is connected: it
// must return well within the sources' own time-outs.
func TestE2ERunStopsPromptly(t *testing.T) {
	f := startFakes(t)
	cfgPath := f.config(t, t.TempDir())
	f.mastA.Fail(platformtest.Slow)
	f.x.StallNext()
	f.skeets(1)
	r := startRun(t, e2eGetenv, "-config", cfgPath, "-addr", "127.0.0.1:0")
	waitFor(t, r, "requests in flight on every platform", func() (bool, string) {
		a, x, j := len(f.mastA.Requests()), len(f.x.Requests()), len(f.jet.Cursors())
		return a > 0 && x > 0 && j > 0, fmt.Sprintf("mastodon %d, x %d, jetstream %d", a, x, j)
	})
	took, err := r.stop(t)
	if err != nil {
		t.Errorf("run: %v", err)
	}
	if took > 3*time.Second {
		t.Errorf("run took %s to stop, want under 3s", took)
	}
}

// assertStore opens the store a stopped run left and checks the exact
// posts per source, that nothing was left to aggregate, and that the
// figures equal a recount (and 'tagpulse check' says so).
func assertStore(t *testing.T, cfgPath, campaign string, want map[string]int64, total int) {
	t.Helper()
	cfg, err := config.Load(cfgPath, e2eGetenv)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(cfg.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	agg := aggregator.New(db, cfg.Campaigns, aggregator.Options{})
	if n, err := agg.CatchUp(t.Context()); err != nil || n != 0 {
		t.Errorf("posts left to aggregate after run stopped: %d (%v)", n, err)
	}
	rows, err := agg.Report(aggregator.Query{Campaign: campaign, By: []string{aggregator.BySource}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, row := range rows {
		got[row.Source] = row.Posts
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored posts by source = %v, want %v", got, want)
	}
	if n := db.PostCount(); n != total {
		t.Errorf("store holds %d posts, want %d", n, total)
	}
	diffs, checked, err := agg.Check(t.Context())
	if err != nil || len(diffs) > 0 || checked != total {
		t.Errorf("check: %d posts, differences %v, err %v", checked, diffs, err)
	}
	db.Close()

	var out lockedBuffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: e2eGetenv, Now: time.Now}
	if err := run(t.Context(), env, []string{"check", "-config", cfgPath}); err != nil {
		t.Errorf("tagpulse check: %v\n%s", err, out.String())
	}
}

// TestE2ERestartWhileRateLimited stops run while X is half-way through a
// catch-up and waiting for its rate-limit reset (its cursor holds a
// next_token), with a server error and a truncated Mastodon page on the way,
// and restarts it after the reset: nothing is missed, nothing counted twice.
func TestE2ERestartWhileRateLimited(t *testing.T) {
	f := startFakes(t)
	cfgPath := f.configWith(t, t.TempDir(), configOptions{noTwitter: true, x: "max_results: 10", mastodon: "max_pages: 1"})
	const campaign = "allforpalestine"
	f.x.SetRateLimit(platformtest.PathV2Search, 3)
	f.x.FailNext(http.StatusServiceUnavailable) // the first search: retried after 1s
	f.tweets(45, false)
	f.mastA.Add(f.toot("alice"), f.toot("alice"))
	f.skeets(1)

	r := startRun(t, e2eGetenv, "-config", cfgPath, "-addr", "127.0.0.1:0")
	// Three pages of ten, then the window is spent.
	waitTotals(t, r, campaign, map[string]int64{"bluesky": 1, "mastodon": 2, "x": 30})
	waitFor(t, r, "X to wait for its rate-limit reset", func() (bool, string) {
		var health []collector.SourceHealth
		if err := r.getJSON("/api/v1/sources", &health); err != nil {
			return false, err.Error()
		}
		for _, h := range health {
			if h.Name == "x:"+campaign {
				ok := h.State == collector.StateWaitingForReset && h.WaitingForResetUntil != nil &&
					h.WaitingForResetUntil.After(time.Now().Add(10*time.Minute)) && h.LastError != nil && h.RateLimit != nil && h.RateLimit.Remaining == 0
				return ok, fmt.Sprintf("%+v", h)
			}
		}
		return false, "no x source"
	})
	if took, err := r.stop(t); err != nil || took > 5*time.Second {
		t.Fatalf("run: %v, stopped in %s", err, took)
	}

	// While down: more everywhere, and X's window resets.
	f.tweets(5, false)
	for range 100 {
		f.mastA.Add(f.toot("crowd"))
	}
	f.mastA.Fail(platformtest.Truncated) // the first request after the restart
	f.skeets(3)
	later := time.Now().Add(16 * time.Minute)
	f.x.SetNow(func() time.Time { return later })

	r = startRun(t, e2eGetenv, "-config", cfgPath, "-addr", "127.0.0.1:0")
	want := map[string]int64{"bluesky": 4, "mastodon": 102, "x": 50}
	waitTotals(t, r, campaign, want)
	if _, err := r.stop(t); err != nil {
		t.Fatalf("run: %v\n%s", err, r.log)
	}
	assertStore(t, cfgPath, campaign, want, 156)
}
