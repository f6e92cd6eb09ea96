package collector_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// fakePoller is a Poller whose Poll is a func field.
type fakePoller struct {
	name string
	poll func(ctx context.Context, cursor []byte) (collector.Page, error)
}

func (p *fakePoller) Name() string { return p.name }
func (p *fakePoller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	return p.poll(ctx, cursor)
}

// fakeCountsPoller also records platform counts, like Xv2.
type fakeCountsPoller struct {
	fakePoller
	counts func(ctx context.Context, db *store.DB) error
}

func (p *fakeCountsPoller) PollCounts(ctx context.Context, db *store.DB) error {
	return p.counts(ctx, db)
}

// fakeStreamer is a Streamer whose Stream is a func field.
type fakeStreamer struct {
	name   string
	stream func(ctx context.Context, cursor []byte, emit func(collector.Page) error) error
}

func (s *fakeStreamer) Name() string { return s.name }
func (s *fakeStreamer) Stream(ctx context.Context, cursor []byte, emit func(collector.Page) error) error {
	return s.stream(ctx, cursor, emit)
}

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// fakeClock is the scheduler's clock in tests: Sleep moves it forward and
// records the wait, and never blocks.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
	// onSleep, when set, is called as each wait begins (from the source's goroutine).
	onSleep func()
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	f := c.onSleep
	c.mu.Unlock()
	if f != nil {
		f()
	}
	return ctx.Err()
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

func campaign() store.Campaign {
	return store.Campaign{Name: "allforpalestine", Hashtags: []string{"allforpalestine"}, Timezone: "UTC"}
}

func post(platform, id string, at time.Time, tags ...string) store.Post {
	if len(tags) == 0 {
		tags = []string{"allforpalestine"}
	}
	return store.Post{Platform: platform, ID: id, Source: platform, Kind: store.KindOriginal, CreatedAt: at, CollectedAt: at,
		Hashtags: tags, Author: store.Author{ID: "a" + id}}
}

// gather returns the value of one series from reg, -1 when absent.
func gather(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metric
				}
			}
			return value(m)
		}
	}
	return -1
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// TestSchedulerPollerLifecycle drives one poller through catching up, the
// interval, errors with backoff, a rate limit, a timeout and recovery, and
// checks every wait, every cursor handed to Poll, the health view and the
// metrics.
func TestSchedulerPollerLifecycle(t *testing.T) {
	db := storetest.Open(t)
	clock := &fakeClock{now: t0}
	reg := prometheus.NewRegistry()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var ingests atomic.Int32
	var sched *collector.Scheduler
	var cursors []string
	var health []collector.SourceHealth // snapshot taken after each step, as its wait begins
	clock.onSleep = func() { health = append(health, sched.Health()[0]) }
	errBoom := errors.New(`Get "https://user:hunter2@api.example/2/search?token=abc123": connection refused`)
	steps := []func(ctx context.Context) (collector.Page, error){
		// 0: a first page with more to come.
		func(context.Context) (collector.Page, error) {
			return collector.Page{Posts: []store.Post{post("x", "1", t0), post("x", "2", t0)}, Cursor: []byte("c1"), More: true, Fetched: 3,
				RateLimit: &collector.RateLimit{Limit: 450, Remaining: 449, Reset: t0.Add(15 * time.Minute)}}, nil
		},
		// 1: the rest, with one duplicate and one malformed item; caught up.
		func(context.Context) (collector.Page, error) {
			return collector.Page{Posts: []store.Post{post("x", "2", t0), post("x", "3", t0)}, Cursor: []byte("c2"),
				Malformed: []collector.Malformed{{Where: "page 2", Err: errors.New("bad json")}}}, nil
		},
		// 2, 3: errors back off 1s, 2s.
		func(context.Context) (collector.Page, error) { return collector.Page{}, errBoom },
		func(context.Context) (collector.Page, error) { return collector.Page{}, errBoom },
		// 4: rate limited: wait until the reset plus the margin.
		func(context.Context) (collector.Page, error) {
			return collector.Page{}, &collector.RateLimitedError{Source: "x:allforpalestine", Until: clock.Now().Add(90 * time.Second)}
		},
		// 5: the deadline passes: a timeout, backing off 4s (third failure).
		func(ctx context.Context) (collector.Page, error) {
			<-ctx.Done()
			return collector.Page{}, ctx.Err()
		},
		// 6: recovered.
		func(context.Context) (collector.Page, error) {
			return collector.Page{Posts: []store.Post{post("x", "4", t0)}, Cursor: []byte("c3")}, nil
		},
		// 7: an error again backs off from 1s.
		func(context.Context) (collector.Page, error) { return collector.Page{}, errors.New("HTTP 503") },
		// 8: rate limited without a reset time: backs off (2s) rather than hammering.
		func(context.Context) (collector.Page, error) {
			return collector.Page{}, &collector.RateLimitedError{Source: "x:allforpalestine"}
		},
	}
	step := 0
	p := &fakePoller{name: "x:allforpalestine", poll: func(pctx context.Context, cursor []byte) (collector.Page, error) {
		cursors = append(cursors, string(cursor))
		if step == len(steps) {
			cancel()
			<-pctx.Done()
			return collector.Page{}, pctx.Err()
		}
		f := steps[step]
		step++
		return f(pctx)
	}}
	sched = collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{campaign()}), collector.SchedulerOptions{
		Registerer: reg,
		OnIngest:   func() { ingests.Add(1) },
		// Step 5 waits this long, in real time, for its deadline; every
		// other step must finish inside it, ingest included, on a loaded
		// machine too (20 ms was once too short in a full test run).
		PollTimeout: 500 * time.Millisecond,
		Now:         clock.Now,
		Sleep:       clock.Sleep,
		Rand:        func() float64 { return 0.75 }, // jitter +5%
		Secrets:     []string{"hunter2"},
	})
	sched.Add(p, time.Minute)
	if err := sched.Run(ctx); err != nil {
		t.Fatal(err)
	}

	interval := 63 * time.Second // 1m +5%
	// Backoffs get the same jitter: 1s, 2s, 4s +5%.
	b1, b2, b4 := 1050*time.Millisecond, 2100*time.Millisecond, 4200*time.Millisecond
	wantWaits := []time.Duration{0, interval, b1, b2, 91 * time.Second, b4, interval, b1, b2}
	if got := clock.Waits(); fmt.Sprint(got) != fmt.Sprint(wantWaits) {
		t.Errorf("waits = %v, want %v", got, wantWaits)
	}
	wantCursors := []string{"", "c1", "c2", "c2", "c2", "c2", "c2", "c3", "c3", "c3"}
	if fmt.Sprint(cursors) != fmt.Sprint(wantCursors) {
		t.Errorf("cursors = %q, want %q", cursors, wantCursors)
	}
	if n := db.PostCount(); n != 4 {
		t.Errorf("stored %d posts, want 4", n)
	}
	if n := ingests.Load(); n != 3 {
		t.Errorf("OnIngest called %d times, want 3 (once per ingest that added posts)", n)
	}

	// Health after each step.
	h := health[1] // after the catch-up pages
	if h.State != collector.StateOK || h.LastSuccess == nil || h.PostsAdded != 3 || h.PostsDuplicate != 1 || h.PostsMalformed != 1 || h.PostsFetched != 5 {
		t.Errorf("health after catching up = %+v", h)
	}
	if h.RateLimit == nil || h.RateLimit.Remaining != 449 || h.RateLimit.Limit != 450 {
		t.Errorf("rate limit = %+v, want 449 of 450 left", h.RateLimit)
	}
	h = health[3] // after two errors
	if h.State != collector.StateBackoff || h.ConsecutiveErrors != 2 || h.LastError == nil {
		t.Fatalf("health after two errors = %+v", h)
	}
	if msg := h.LastError.Message; strings.Contains(msg, "hunter2") || strings.Contains(msg, "abc123") || strings.Contains(msg, "user") ||
		!strings.Contains(msg, "https://api.example/2/search") {
		t.Errorf("last error %q: want the URL without credentials or query", msg)
	}
	h = health[4] // rate limited
	wantUntil := t0.Add(interval + b1 + b2 + 90*time.Second)
	if h.State != collector.StateWaitingForReset || h.WaitingForResetUntil == nil || !h.WaitingForResetUntil.Equal(wantUntil) {
		t.Errorf("health while rate limited = %+v, want waiting for reset until %s", h, wantUntil)
	}
	if !strings.Contains(h.LastError.Message, "waiting for reset until "+wantUntil.Format(time.RFC3339)) {
		t.Errorf("last error while rate limited = %q", h.LastError.Message)
	}
	// The 429 said nothing of what is left: nothing is, until its reset
	// (the 449 of the first page no longer holds), of the same limit.
	if rl := h.RateLimit; rl == nil || rl.Remaining != 0 || rl.Limit != 450 || rl.Reset == nil || !rl.Reset.Equal(wantUntil) {
		t.Errorf("rate limit while rate limited = %+v, want 0 of 450 left until %s", rl, wantUntil)
	}
	h = health[5] // timed out
	if h.State != collector.StateBackoff || h.WaitingForResetUntil != nil || !strings.Contains(h.LastError.Message, "timed out") {
		t.Errorf("health after the timeout = %+v", h)
	}
	h = health[6] // recovered
	if h.State != collector.StateOK || h.ConsecutiveErrors != 0 || h.PostsAdded != 4 {
		t.Errorf("health after recovering = %+v", h)
	}
	if h := sched.Health()[0]; h.State != collector.StateStopped || h.Source != "x" || h.Kind != collector.KindPoll || h.Every != "1m0s" {
		t.Errorf("health after Run = %+v", h)
	}

	labels := func(result string) map[string]string {
		return map[string]string{"source": "x", "poller": "x:allforpalestine", "result": result}
	}
	for result, want := range map[string]float64{"ok": 3, "error": 3, "rate_limited": 2, "timeout": 1} {
		if got := gather(t, reg, "tagpulse_collector_requests_total", labels(result)); got != want {
			t.Errorf("requests_total{result=%q} = %v, want %v", result, got, want)
		}
	}
	for name, want := range map[string]float64{
		"tagpulse_collector_posts_fetched_total":            6,
		"tagpulse_collector_posts_duplicate_total":          1,
		"tagpulse_collector_posts_malformed_total":          1,
		"tagpulse_collector_posts_added_total":              4,
		"tagpulse_collector_rate_limit_remaining":           0, // the 429 of step 4; no header since
		"tagpulse_collector_request_duration_seconds":       9, // observations
		"tagpulse_collector_last_success_timestamp_seconds": float64(t0.Add(interval+b1+b2+91*time.Second+b4).UnixNano()) / 1e9,
	} {
		if got := gather(t, reg, name, labels("")); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("metric lint: %v %v", problems, err)
	}
}

// TestSchedulerSpentQuota waits for the reset when a page says the quota
// is spent, even with more pages to fetch.
func TestSchedulerSpentQuota(t *testing.T) {
	db := storetest.Open(t)
	clock := &fakeClock{now: t0}
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	p := &fakePoller{name: "mastodon:example.social", poll: func(context.Context, []byte) (collector.Page, error) {
		n++
		if n == 2 {
			cancel()
		}
		return collector.Page{More: true, Cursor: []byte("c"), RateLimit: &collector.RateLimit{Limit: 300, Remaining: 0, Reset: clock.Now().Add(time.Minute)}}, nil
	}}
	sched := collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{campaign()}), collector.SchedulerOptions{Now: clock.Now, Sleep: clock.Sleep})
	sched.Add(p, time.Hour)
	sched.Run(ctx)
	if got := clock.Waits(); len(got) != 1 || got[0] != time.Minute+time.Second {
		t.Errorf("waits = %v, want [1m1s]", got)
	}
}

// TestSchedulerStreamer restarts a stream with backoff, resuming from the
// cursor its last page stored, and resets the backoff after progress.
func TestSchedulerStreamer(t *testing.T) {
	db := storetest.Open(t)
	clock := &fakeClock{now: t0}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var ingests atomic.Int32
	var cursors []string
	calls := 0
	s := &fakeStreamer{name: "bluesky", stream: func(ctx context.Context, cursor []byte, emit func(collector.Page) error) error {
		cursors = append(cursors, string(cursor))
		calls++
		switch calls {
		case 1, 2: // refused twice: 1s, 2s
			return errors.New("dial: connection refused")
		case 3: // works, then drops: back to 1s
			if err := emit(collector.Page{Posts: []store.Post{post("bluesky", "a", t0), post("bluesky", "b", t0, "other")}, Cursor: []byte("100")}); err != nil {
				return err
			}
			return errors.New("connection lost")
		case 4: // a replay (duplicate) then a new post; runs until stopped
			emit(collector.Page{Posts: []store.Post{post("bluesky", "a", t0)}, Cursor: []byte("150")})
			emit(collector.Page{Posts: []store.Post{post("bluesky", "c", t0)}, Cursor: []byte("200")})
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}
		t.Fatalf("stream called %d times", calls)
		return nil
	}}
	reg := prometheus.NewRegistry()
	sched := collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{campaign()}), collector.SchedulerOptions{
		Now: clock.Now, Sleep: clock.Sleep, OnIngest: func() { ingests.Add(1) }, Registerer: reg,
		Rand: func() float64 { return 0.5 }, // no jitter
	})
	sched.AddStream(s)
	sched.Run(ctx)
	if got, want := clock.Waits(), []time.Duration{time.Second, 2 * time.Second, time.Second}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
	if want := []string{"", "", "", "100"}; fmt.Sprint(cursors) != fmt.Sprint(want) {
		t.Errorf("cursors = %q, want %q", cursors, want)
	}
	if c, _ := db.Cursor("bluesky"); string(c) != "200" {
		t.Errorf("stored cursor %q, want 200", c)
	}
	if n := db.PostCount(); n != 2 {
		t.Errorf("stored %d posts, want 2 (a and c; b has no campaign tag)", n)
	}
	if n := ingests.Load(); n != 2 {
		t.Errorf("OnIngest called %d times, want 2", n)
	}
	for result, want := range map[string]float64{"ok": 3, "error": 3, "rate_limited": 0, "timeout": 0} {
		l := map[string]string{"source": "bluesky", "poller": "bluesky", "result": result}
		if got := gather(t, reg, "tagpulse_collector_requests_total", l); got != want {
			t.Errorf("requests_total{result=%q} = %v, want %v (ok per batch, error per failed connection)", result, got, want)
		}
	}
	h := sched.Health()[0]
	if h.Kind != collector.KindStream || h.Source != "bluesky" || h.PostsAdded != 2 || h.PostsDuplicate != 1 || h.PostsMatched != 3 || h.LastSuccess == nil {
		t.Errorf("health = %+v", h)
	}
}

// TestSchedulerIsolationAndShutdown: a source stuck in a request does not
// hold up another, and Run returns only after every source has stopped.
func TestSchedulerIsolationAndShutdown(t *testing.T) {
	db := storetest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stuckReturned, streamReturned atomic.Bool
	stuckStarted, streamStarted := make(chan struct{}), make(chan struct{})
	stuck := &fakePoller{name: "mastodon:stuck.example", poll: func(ctx context.Context, _ []byte) (collector.Page, error) {
		close(stuckStarted)
		<-ctx.Done()
		stuckReturned.Store(true)
		return collector.Page{}, ctx.Err()
	}}
	polls := 0
	healthy := &fakePoller{name: "mastodon:ok.example", poll: func(ctx context.Context, _ []byte) (collector.Page, error) {
		<-stuckStarted
		<-streamStarted // both others are under way before this one ends the run
		polls++
		if polls == 3 {
			cancel()
		}
		return collector.Page{Posts: []store.Post{post("mastodon", fmt.Sprint(polls), t0)}, Cursor: []byte(fmt.Sprint(polls))}, nil
	}}
	stream := &fakeStreamer{name: "bluesky", stream: func(ctx context.Context, _ []byte, _ func(collector.Page) error) error {
		close(streamStarted)
		<-ctx.Done()
		streamReturned.Store(true)
		return ctx.Err()
	}}
	sched := collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{campaign()}), collector.SchedulerOptions{
		PollTimeout: time.Hour,
		Sleep:       func(ctx context.Context, d time.Duration) error { return ctx.Err() }, // no waiting between polls
	})
	sched.Add(stuck, time.Minute)
	sched.Add(healthy, time.Minute)
	sched.AddStream(stream)
	if err := sched.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !stuckReturned.Load() || !streamReturned.Load() {
		t.Errorf("Run returned before its sources: stuck poll returned %v, stream returned %v", stuckReturned.Load(), streamReturned.Load())
	}
	if polls != 3 || db.PostCount() != 3 {
		t.Errorf("healthy source polled %d times, stored %d posts; want 3 and 3 while the other was stuck", polls, db.PostCount())
	}
	for _, h := range sched.Health() {
		if h.State != collector.StateStopped {
			t.Errorf("%s: state %s after Run", h.Name, h.State)
		}
		if h.Name == "mastodon:stuck.example" && h.LastError != nil {
			t.Errorf("shutdown was recorded as the stuck source's error: %+v", h.LastError)
		}
	}
}

// TestSchedulerBackoffCap doubles the wait up to the cap.
func TestSchedulerBackoffCap(t *testing.T) {
	db := storetest.Open(t)
	clock := &fakeClock{now: t0}
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	p := &fakePoller{name: "x:c", poll: func(context.Context, []byte) (collector.Page, error) {
		n++
		if n == 12 {
			cancel()
		}
		return collector.Page{}, errors.New("HTTP 500")
	}}
	noJitter := func() float64 { return 0.5 }
	sched := collector.NewScheduler(db, collector.NewMatcher(nil), collector.SchedulerOptions{Now: clock.Now, Sleep: clock.Sleep, Rand: noJitter})
	sched.Add(p, time.Minute)
	sched.Run(ctx)
	want := "[1s 2s 4s 8s 16s 32s 1m4s 2m8s 4m16s 5m0s 5m0s]"
	if got := fmt.Sprint(clock.Waits()); got != want {
		t.Errorf("waits = %s, want %s", got, want)
	}
}

// TestSchedulerHealthFor: health is answered per campaign (a campaign's own
// sources and those that serve every campaign), and says which sources
// record the platform's own counts, for the aggregator's completeness figure.
func TestSchedulerHealthFor(t *testing.T) {
	db := storetest.Open(t)
	c := campaign()
	noop := func(context.Context, []byte) (collector.Page, error) { return collector.Page{}, nil }
	sched := collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{c}), collector.SchedulerOptions{})
	sched.Add(&fakeCountsPoller{fakePoller: fakePoller{name: "x:" + c.Name, poll: noop}}, time.Minute)
	sched.Add(&fakePoller{name: "twitter:other", poll: noop}, time.Minute)
	sched.Add(&fakePoller{name: "mastodon:mastodon.social", poll: noop}, time.Minute)
	names := func(hs []collector.SourceHealth) string {
		var out []string
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%s(%s,%v)", h.Name, h.Campaign, h.RecordsCounts))
		}
		return strings.Join(out, " ")
	}
	if got, want := names(sched.HealthFor(c.Name)), "mastodon:mastodon.social(,false) x:"+c.Name+"("+c.Name+",true)"; got != want {
		t.Errorf("HealthFor(%s) = %s, want %s", c.Name, got, want)
	}
	if got, want := names(sched.HealthFor("other")), "mastodon:mastodon.social(,false) twitter:other(other,false)"; got != want {
		t.Errorf("HealthFor(other) = %s, want %s", got, want)
	}
	if got := len(sched.Health()); got != 3 {
		t.Errorf("Health: %d sources, want 3", got)
	}
}
