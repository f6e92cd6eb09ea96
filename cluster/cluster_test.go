package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/store"
)

func samplePost(i int) store.Post {
	return store.Post{
		Platform: store.PlatformMastodon, ID: fmt.Sprintf("https://m.example/users/u%d/statuses/%d", i%7, i),
		Source: store.SourceMastodon, Kind: store.KindOriginal,
		CreatedAt:   time.Date(2026, 11, 29, 10, 0, i, 0, time.UTC),
		CollectedAt: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC),
		Text:        fmt.Sprintf("post %d #gaza", i), Lang: "en", Hashtags: []string{"gaza"},
		Author: store.Author{ID: fmt.Sprintf("u%d", i%7), Handle: fmt.Sprintf("u%d@m.example", i%7), Followers: int64(10 * (i % 7))},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	full := store.Post{
		Platform: "x", ID: "1234", Source: "import", Kind: store.KindQuote,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), CollectedAt: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC),
		URL: "https://x.com/a/status/1234", Text: "نص #غزة", Lang: "ar", Hashtags: []string{"غزة", "gaza"}, RefID: "99",
		Author:     store.Author{ID: "7", Handle: "a", Name: "A", Followers: 1 << 40},
		Signals:    store.Signals{PlaceCountry: "PS", Coordinates: &store.LatLon{Lat: 31.5, Lon: 34.47}, ProfileLocation: "Gaza", InstanceDomain: "d"},
		Engagement: -3, Redacted: true,
	}
	for name, p := range map[string]store.Post{"full": full, "minimal": {Platform: "demo", ID: "1", Hashtags: []string{"t"}}} {
		t.Run(name, func(t *testing.T) {
			b := cluster.EncodePost(&p)
			if b[0] != 1 {
				t.Fatalf("version byte %d, want 1", b[0])
			}
			got, err := cluster.DecodePost(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
			}
			for n := range len(b) {
				if _, err := cluster.DecodePost(b[:n]); err == nil {
					t.Fatalf("decoding the first %d of %d bytes: no error", n, len(b))
				}
			}
			if _, err := cluster.DecodePost(append([]byte{2}, b[1:]...)); err == nil {
				t.Fatal("unknown version decoded")
			}
		})
	}
}

func TestKeysAndSubjects(t *testing.T) {
	if got := cluster.Subject("mastodon"); got != "tagpulse.posts.mastodon" {
		t.Errorf("Subject = %q", got)
	}
	if got := cluster.Subject("a.b*>"); got != "tagpulse.posts.a_b__" {
		t.Errorf("Subject of a bad platform = %q", got)
	}
	p := samplePost(1)
	if got, want := cluster.MsgID(&p), "mastodon:"+p.ID; got != want {
		t.Errorf("MsgID = %q, want %q", got, want)
	}
}

// TestPublishApplyResume publishes through the collect role's sink, applies
// through the serve role into a bbolt store, and restarts the serve side:
// it resumes at the applied sequence, re-publications are dropped by the
// stream, and an undecodable message is counted and skipped.
func TestPublishApplyResume(t *testing.T) {
	srv := natsServer(t)
	cfg := cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleBoth, Node: "n1", Lease: 2 * time.Second}
	c := connect(t, cfg)
	pub := c.NewPublisher(nil)

	posts := make([]store.Post, 300)
	for i := range posts {
		posts[i] = samplePost(i)
	}
	res, err := pub.Append(posts[:200], nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 200 || res.Duplicates != 0 || res.LastSeq != 200 {
		t.Fatalf("first publish: %+v, want 200 added up to seq 200", res)
	}
	res, err = pub.Append(posts[100:200], nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Duplicates != 100 {
		t.Fatalf("publishing again: %+v, want 100 duplicates", res)
	}
	// A message this tagpulse cannot read (another writer, a newer version).
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish(cluster.Subject("x"), []byte{9, 9, 9}); err != nil {
		t.Fatal(err)
	}
	nc.Flush()

	path := filepath.Join(t.TempDir(), "serve.db")
	db := openStore(t, path)
	ap := c.NewApplier(db, cluster.ApplierOptions{Batch: 64, MaxWait: 100 * time.Millisecond})
	if ap.CaughtUp() {
		t.Fatal("caught up before running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ap.Run(ctx) }()
	waitFor(t, 20*time.Second, "the first applier to catch up", func() (bool, string) {
		return ap.CaughtUp() && ap.Applied() == 201, fmt.Sprintf("applied %d, lag %d", ap.Applied(), ap.Lag())
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := db.PostCount(); n != 200 {
		t.Fatalf("store has %d posts, want 200", n)
	}
	if ap.Skipped() != 1 || ap.Lag() != 0 {
		t.Fatalf("skipped %d, lag %d; want 1 and 0", ap.Skipped(), ap.Lag())
	}
	seq, err := cluster.AppliedSeq(db, c.Config().Stream)
	if err != nil || seq != 201 {
		t.Fatalf("applied cursor %d, %v; want 201", seq, err)
	}

	// More posts while the serve side is down, some already sent.
	if _, err := pub.Append(posts[150:300], nil); err != nil {
		t.Fatal(err)
	}
	ap2 := c.NewApplier(db, cluster.ApplierOptions{Batch: 64, MaxWait: 100 * time.Millisecond})
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- ap2.Run(ctx) }()
	waitFor(t, 20*time.Second, "the restarted applier to catch up", func() (bool, string) {
		return ap2.CaughtUp() && ap2.Applied() == 301, fmt.Sprintf("applied %d", ap2.Applied())
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	added, dups := ap2.Stored()
	if n := db.PostCount(); n != 300 || added != 100 || dups != 0 {
		t.Fatalf("after resume: %d posts, %d added, %d duplicates; want 300, 100, 0", n, added, dups)
	}
	for _, p := range []store.Post{posts[0], posts[299]} {
		got, err := db.Get(p.Platform, p.ID)
		if err != nil || got.Text != p.Text || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Fatalf("stored %s: %+v, %v", p.ID, got, err)
		}
	}
}

// TestCursorFencing: a node whose view of a cursor is stale (it lost the
// lease without knowing) cannot move the cursor.
func TestCursorFencing(t *testing.T) {
	srv := natsServer(t)
	a := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: "a"}).NewPublisher(nil)
	b := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: "b"}).NewPublisher(nil)
	const src = "mastodon:m.example#gaza"
	for _, p := range []*cluster.Publisher{a, b} {
		if c, err := p.Cursor(src); err != nil || c != nil {
			t.Fatalf("fresh cursor %q, %v", c, err)
		}
	}
	if _, err := b.Append([]store.Post{samplePost(1)}, map[string][]byte{src: []byte("b1")}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Append([]store.Post{samplePost(2)}, map[string][]byte{src: []byte("a-stale")})
	if !errors.Is(err, cluster.ErrLeaseLost) {
		t.Fatalf("stale append: %v, want ErrLeaseLost", err)
	}
	if c, err := b.Cursor(src); err != nil || string(c) != "b1" {
		t.Fatalf("cursor %q, %v; want b1", c, err)
	}
	// Having read it afresh, a may move it.
	if c, _ := a.Cursor(src); string(c) != "b1" {
		t.Fatalf("a reads %q", c)
	}
	if _, err := a.Append(nil, map[string][]byte{src: []byte("a2")}); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseTakeover: one node holds a source; when its connection dies
// without releasing, the other takes over within the lease period; when a
// node stops cleanly, it releases at once.
func TestLeaseTakeover(t *testing.T) {
	srv := natsServer(t)
	const lease = 1500 * time.Millisecond
	const src = "bluesky:jetstream"
	conns := map[string]*cluster.Conn{}
	leases := map[string]*cluster.Leases{}
	cancels := map[string]context.CancelFunc{}
	for _, n := range []string{"a", "b"} {
		conns[n] = connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: n, Lease: lease})
		leases[n] = conns[n].NewLeases([]string{src})
		ctx, cancel := context.WithCancel(context.Background())
		cancels[n] = cancel
		defer cancel()
		go leases[n].Run(ctx)
	}
	holder := func() string {
		h, _ := conns["a"].LeaseHolder(context.Background(), src)
		if h == "" {
			h, _ = conns["b"].LeaseHolder(context.Background(), src)
		}
		return h
	}
	var first string
	waitFor(t, 10*time.Second, "a holder", func() (bool, string) {
		first = holder()
		return first != "" && leases[first].Held(src), "none"
	})
	other := map[string]string{"a": "b", "b": "a"}[first]
	if leases[other].Held(src) {
		t.Fatal("both nodes hold the lease")
	}

	// The holder's connection dies: no release, its entry expires.
	conns[first].Close()
	died := time.Now()
	waitFor(t, 3*lease, "the other node to take over", func() (bool, string) {
		return leases[other].Held(src), "holder " + holder()
	})
	t.Logf("takeover after %s (lease %s)", time.Since(died).Round(time.Millisecond), lease)
	waitFor(t, lease, "the dead node to stop counting its lease", func() (bool, string) {
		return !leases[first].Held(src), "still held"
	})
	cancels[first]()

	// A clean stop releases: a third node gets it at its next round.
	c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: "c", Lease: lease})
	lc := c.NewLeases([]string{src})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go lc.Run(ctx)
	cancels[other]()
	waitFor(t, lease, "the third node after a release", func() (bool, string) {
		return lc.Held(src), "holder " + holder()
	})
}

// TestRedaction: a collect node's redaction reaches every serve node's
// store in stream order, between the posts around it.
func TestRedaction(t *testing.T) {
	srv := natsServer(t)
	c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleBoth, Node: "n1"})
	pub := c.NewPublisher(nil)
	p1, p2 := samplePost(1), samplePost(2)
	if _, err := pub.Append([]store.Post{p1}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := pub.Get(p1.Platform, p1.ID); err != nil || got.Text != p1.Text {
		t.Fatalf("Get of a published post: %+v, %v", got, err)
	}
	if _, err := pub.Get(p2.Platform, p2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of an unpublished post: %v", err)
	}
	for _, id := range []string{p1.ID, "never-published"} {
		if err := pub.Redact(p1.Platform, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pub.Append([]store.Post{p2}, nil); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	ap := c.NewApplier(db, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ap.Run(ctx) }()
	waitFor(t, 20*time.Second, "the applier", func() (bool, string) {
		return ap.CaughtUp() && ap.Applied() == 4, fmt.Sprint("applied ", ap.Applied())
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(p1.Platform, p1.ID)
	if err != nil || !got.Redacted || got.Text != "" || got.URL != "" {
		t.Fatalf("redacted post: %+v, %v", got, err)
	}
	if got, err := db.Get(p2.Platform, p2.ID); err != nil || got.Redacted || got.Text != p2.Text {
		t.Fatalf("later post: %+v, %v", got, err)
	}
	if n := db.PostCount(); n != 2 || ap.Skipped() != 0 {
		t.Fatalf("%d posts, %d skipped; want 2, 0", n, ap.Skipped())
	}
}

func TestRedactionCodec(t *testing.T) {
	b := cluster.EncodeRedaction("bluesky", "at://did:plc:x/app.bsky.feed.post/1")
	platform, id, err := cluster.DecodeRedaction(b)
	if err != nil || platform != "bluesky" || id != "at://did:plc:x/app.bsky.feed.post/1" {
		t.Fatalf("round trip: %q %q %v", platform, id, err)
	}
	for n := range len(b) {
		if _, _, err := cluster.DecodeRedaction(b[:n]); err == nil {
			t.Fatalf("decoding %d of %d bytes: no error", n, len(b))
		}
	}
	if _, err := cluster.DecodePost(b); err == nil {
		t.Fatal("a redaction decoded as a post")
	}
}

// TestMetrics: the node's figures at scrape time, with the node label,
// named as promtool wants them.
func TestMetrics(t *testing.T) {
	srv := natsServer(t)
	c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleBoth, Node: "n1", Stream: "m"})
	leases := c.NewLeases(nil)
	pub := c.NewPublisher(leases)
	if _, err := pub.Append([]store.Post{samplePost(1), samplePost(2), samplePost(1)}, nil); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	ap := c.NewApplier(db, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
	m := cluster.NewMetrics(c, ap, pub, leases)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	want := `
# HELP tagpulse_cluster_consumer_lag_messages Stream messages this serve node has not applied to its store yet (stream last sequence minus applied).
# TYPE tagpulse_cluster_consumer_lag_messages gauge
tagpulse_cluster_consumer_lag_messages{node="n1"} %d
# HELP tagpulse_cluster_caught_up 1 once this serve node has applied everything the stream had (readiness).
# TYPE tagpulse_cluster_caught_up gauge
tagpulse_cluster_caught_up{node="n1"} %d
# HELP tagpulse_cluster_published_posts_total Posts this collect node published, by how the stream took them (added, duplicate).
# TYPE tagpulse_cluster_published_posts_total counter
tagpulse_cluster_published_posts_total{node="n1",result="added"} 2
tagpulse_cluster_published_posts_total{node="n1",result="duplicate"} 1
`
	names := []string{"tagpulse_cluster_consumer_lag_messages", "tagpulse_cluster_caught_up", "tagpulse_cluster_published_posts_total"}
	// Before the applier ran: nothing applied, the lag unknown until it
	// reads the stream; not caught up.
	if err := testutil.GatherAndCompare(reg, strings.NewReader(fmt.Sprintf(want, 0, 0)), names...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ap.Run(ctx)
	waitFor(t, 20*time.Second, "the applier", func() (bool, string) { return ap.CaughtUp(), "" })
	if err := testutil.GatherAndCompare(reg, strings.NewReader(fmt.Sprintf(want, 0, 1)), names...); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil || len(problems) > 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
}
