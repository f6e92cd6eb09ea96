package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

var avPosted = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)

// skeets are Bluesky posts as Jetstream gives them (authors by DID alone),
// some by authors the AppView does not know.
func skeets(n int) []store.Post {
	out := make([]store.Post, 0, n)
	for i := range n {
		did := fmt.Sprintf("did:plc:author%02d", i%13)
		at := avPosted.Add(time.Duration(i) * time.Minute)
		out = append(out, store.Post{Platform: store.PlatformBluesky, ID: fmt.Sprintf("at://%s/app.bsky.feed.post/p%03d", did, i),
			Source: store.SourceBluesky, Kind: store.KindOriginal, CreatedAt: at, CollectedAt: at,
			Text: fmt.Sprintf("day of action %d #gaza", i), Lang: "en", Hashtags: []string{"gaza"}, Author: store.Author{ID: did}})
	}
	return out
}

func fakeAppView(t *testing.T, posts []store.Post) *platformtest.AppView {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	for i := range 12 { // author12 is unknown to the AppView
		av.AddProfiles(platformtest.BskyProfile{DID: fmt.Sprintf("did:plc:author%02d", i), Handle: fmt.Sprintf("a%02d.bsky.social", i),
			Name: fmt.Sprint("Author ", i), Followers: int64(100*i + 7)})
	}
	for i := range posts {
		if i%3 == 0 {
			av.SetEngagement(posts[i].ID, platformtest.BskyEngagement{Likes: int64(i), Reposts: int64(i % 5), Replies: 1, Quotes: int64(i % 2)})
		}
	}
	return av
}

// lookups are the two AppView pollers over db, writing to sink.
func lookups(t *testing.T, av *platformtest.AppView, db *store.DB, sink bluesky.AmendSink) []collector.Poller {
	t.Helper()
	cfg := bluesky.AppViewConfig{BaseURL: av.URL}
	prof, err := bluesky.NewProfiles(cfg, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bluesky.NewEngagement(cfg, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return avPosted.Add(3 * time.Hour) }
	prof.Now, eng.Now = now, now
	prof.MaxPosts = 40 // several polls, so the cursor travels in the stream
	prof.Sink, eng.Sink = sink, sink
	return []collector.Poller{prof, eng}
}

// pollAll polls each poller until it has no more.
func pollAll(t *testing.T, ps []collector.Poller) {
	t.Helper()
	for _, p := range ps {
		for range 20 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			page, err := p.Poll(ctx, nil)
			cancel()
			if err != nil {
				t.Fatalf("%s: %v", p.Name(), err)
			}
			if !page.More {
				break
			}
		}
	}
}

// amended is every post of db as amended: author and engagement.
func amended(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.PostsAmended(0, func(_ uint64, p *store.Post) error {
		out[p.ID] = fmt.Sprintf("%s|%s|%d|%d", p.Author.Handle, p.Author.Name, p.Author.Followers, p.Engagement)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAppViewLookupsInACluster: two serve nodes each run the Bluesky
// profile and engagement lookups under a lease; one node at a time asks the
// AppView and publishes the amendments; both nodes end with the handles,
// follower counts and engagement, and every figure, of a single process over
// the same posts, check passing on each; the AppView was asked as often as
// by the single process (not once per node).
func TestAppViewLookupsInACluster(t *testing.T) {
	posts := skeets(150)

	// The single process.
	avSingle := fakeAppView(t, posts)
	single := openStore(t, filepath.Join(t.TempDir(), "single.db"))
	if _, err := single.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	pollAll(t, lookups(t, avSingle, single, single))
	want := amended(t, single)
	if got := want[posts[1].ID]; got != "a01.bsky.social|Author 1|107|0" {
		t.Fatalf("single process: post 1 is %q", got)
	}
	if got := want[posts[3].ID]; got != "a03.bsky.social|Author 3|307|8" {
		t.Fatalf("single process: post 3 is %q", got)
	}

	// The cluster: posts published by a collect node, two serve nodes.
	srv := natsServer(t)
	av := fakeAppView(t, posts)
	pub := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: "c1"}).NewPublisher(nil)
	for start := 0; start < len(posts); start += 50 {
		if _, err := pub.Append(posts[start:start+50], nil); err != nil {
			t.Fatal(err)
		}
	}
	type node struct {
		c       *cluster.Conn
		db      *store.DB
		ap      *cluster.Applier
		leases  *cluster.Leases
		pollers []collector.Poller
	}
	ctx, cancel := context.WithCancel(context.Background())
	var nodes []*node
	done := make(chan error, 4)
	for _, name := range []string{"s1", "s2"} {
		c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleServe, Node: name, Lease: 3 * time.Second})
		n := &node{c: c, db: openStore(t, filepath.Join(t.TempDir(), name+".db"))}
		n.ap = c.NewApplier(n.db, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
		n.leases = c.NewLeases(nil)
		for _, p := range lookups(t, av, n.db, c.NewAmender(n.ap, n.leases)) {
			n.pollers = append(n.pollers, n.leases.Guard(p, nil))
		}
		nodes = append(nodes, n)
		go func() { done <- n.ap.Run(ctx) }()
		go func() { done <- n.leases.Run(ctx) }()
	}
	for _, n := range nodes {
		waitFor(t, 20*time.Second, "posts applied", func() (bool, string) {
			return n.ap.Applied() >= uint64(len(posts)), fmt.Sprint("applied ", n.ap.Applied())
		})
	}
	for _, name := range []string{bluesky.ProfilesName, bluesky.EngagementName} {
		waitFor(t, 20*time.Second, "the lease of "+name, func() (bool, string) {
			h1, h2 := nodes[0].leases.Held(name), nodes[1].leases.Held(name)
			return h1 != h2, fmt.Sprint("held by s1 ", h1, ", s2 ", h2)
		})
	}
	for _, n := range nodes {
		pollAll(t, n.pollers)
	}
	for _, m := range []string{"app.bsky.actor.getProfiles", "app.bsky.feed.getPosts"} {
		if got, w := av.Calls(m), avSingle.Calls(m); got != w || w == 0 {
			t.Errorf("%s: the cluster asked %d times, the single process %d", m, got, w)
		}
	}
	last, err := nodes[0].c.StreamLastSeq(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		waitFor(t, 20*time.Second, "amendments applied", func() (bool, string) {
			return n.ap.Applied() >= last, fmt.Sprint("applied ", n.ap.Applied(), " of ", last)
		})
		if got := amended(t, n.db); !reflect.DeepEqual(got, want) {
			for id, w := range want {
				if got[id] != w {
					t.Fatalf("node s%d: %s is %q, the single process says %q", i+1, id, got[id], w)
				}
			}
			t.Fatalf("node s%d: %d posts, the single process %d", i+1, len(got), len(want))
		}
		if msgs, _ := n.ap.Amended(); msgs < 2 {
			t.Errorf("node s%d applied %d amendment messages, want several", i+1, msgs)
		}
		if c, err := n.db.Cursor(bluesky.ProfilesName); err != nil || string(c) != fmt.Sprint(len(posts)) {
			t.Errorf("node s%d: profiles cursor %q, %v; want %d", i+1, c, err, len(posts))
		}
	}
	if f0, f1, f2 := figures(t, single), figures(t, nodes[0].db), figures(t, nodes[1].db); f1 != f0 || f2 != f0 {
		t.Errorf("figures differ from the single process:\nsingle %s\ns1 %s\ns2 %s", f0, f1, f2)
	}
	cancel()
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestAmendmentRedelivered: amendment messages delivered again (an
// acknowledgement lost after the store committed) are not applied again:
// the second of two profiles of an author stays, the amendment log and the
// lookup cursor do not move.
func TestAmendmentRedelivered(t *testing.T) {
	srv := natsServer(t)
	c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleBoth, Node: "n1"})
	posts := skeets(3)
	if _, err := c.NewPublisher(nil).Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	ap := c.NewApplier(db, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ap.Run(ctx) }()
	am := c.NewAmender(ap, nil)
	author := func(followers int64) *store.Author {
		return &store.Author{ID: posts[0].Author.ID, Handle: "a00.bsky.social", Followers: followers}
	}
	at := avPosted.Add(time.Hour)
	for i, f := range []int64{10, 20} {
		_, err := am.Amend([]store.Amend{{Platform: store.PlatformBluesky, ID: posts[0].ID, Author: author(f), Engagement: int64(5 * (i + 1)), At: at}},
			[]store.Profile{{Platform: store.PlatformBluesky, ID: posts[0].Author.ID, Handle: "a00.bsky.social", Followers: f, FetchedAt: at}},
			map[string][]byte{bluesky.ProfilesName: []byte(fmt.Sprint(i + 1))})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Amend returned once this node applied it: no wait needed.
	check := func(when string) {
		t.Helper()
		a, ok, err := db.PostAmend(1)
		if err != nil || !ok || a.Author == nil || a.Author.Followers != 20 || a.Engagement != 10 {
			t.Fatalf("%s: amendment %+v %v %v; want 20 followers, engagement 10", when, a, ok, err)
		}
		prof, err := db.Profiles(store.PlatformBluesky, []string{posts[0].Author.ID})
		if err != nil || prof[posts[0].Author.ID].Followers != 20 {
			t.Fatalf("%s: cached profile %+v, %v", when, prof, err)
		}
		if cur, _ := db.Cursor(bluesky.ProfilesName); string(cur) != "2" {
			t.Fatalf("%s: profiles cursor %q, want 2", when, cur)
		}
		if seq, _ := cluster.AppliedSeq(db, cluster.DefaultStream); seq != 5 {
			t.Fatalf("%s: applied sequence %d in the store, want 5", when, seq)
		}
	}
	check("applied")
	var logBefore uint64
	if err := db.ViewRollups(func(tx *store.RollupTx) error { logBefore = tx.LastAmendSeq(); return nil }); err != nil {
		t.Fatal(err)
	}
	msgs, _ := ap.Amended()
	if logBefore != 2 || msgs != 2 {
		t.Fatalf("amendment log %d, messages applied %d; want 2, 2", logBefore, msgs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Everything delivered again, the amendments included (sequences 4, 5).
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	if err := ap.Redeliver(rctx, 1); err != nil {
		t.Fatal(err)
	}
	check("redelivered")
	var logAfter uint64
	if err := db.ViewRollups(func(tx *store.RollupTx) error { logAfter = tx.LastAmendSeq(); return nil }); err != nil {
		t.Fatal(err)
	}
	if msgs2, _ := ap.Amended(); logAfter != logBefore || msgs2 != msgs {
		t.Fatalf("after redelivery: amendment log %d (was %d), messages applied %d (was %d)", logAfter, logBefore, msgs2, msgs)
	}
	if n := db.PostCount(); n != 3 {
		t.Fatalf("%d posts after redelivery, want 3", n)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(cluster.NewMetrics(c, ap, nil, nil))
	want := `# HELP tagpulse_cluster_applied_amendments_total Bluesky AppView amendment messages this serve node applied to its store.
# TYPE tagpulse_cluster_applied_amendments_total counter
tagpulse_cluster_applied_amendments_total{node="n1"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tagpulse_cluster_applied_amendments_total"); err != nil {
		t.Error(err)
	}
}

// TestAmendmentCodec: an amendment message reads back as written (without
// the store's own sequence numbers); a truncated or trailing one, an
// unknown version, or a cursor of the cluster's own is refused.
func TestAmendmentCodec(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	m := cluster.Amendment{
		Amends: []store.Amend{
			{Seq: 7, Platform: store.PlatformBluesky, ID: "at://did:plc:a/app.bsky.feed.post/1", Author: &store.Author{ID: "did:plc:a", Handle: "a.bsky.social", Name: "أمل", Followers: 42}, At: at},
			{Platform: store.PlatformBluesky, ID: "at://did:plc:b/app.bsky.feed.post/2", Engagement: 9, At: at},
		},
		Profiles: []store.Profile{{Platform: store.PlatformBluesky, ID: "did:plc:a", Handle: "a.bsky.social", Name: "أمل", Followers: 42, FetchedAt: at}},
		Cursors:  map[string][]byte{bluesky.ProfilesName: []byte("12"), "z": {0, 1}},
	}
	b := cluster.EncodeAmendment(&m)
	got, err := cluster.DecodeAmendment(b)
	if err != nil {
		t.Fatal(err)
	}
	want := m
	want.Amends = append([]store.Amend(nil), m.Amends...)
	want.Amends[0].Seq = 0
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(cluster.EncodeAmendment(&got), b) {
		t.Error("encoding is not deterministic")
	}
	if e, err := cluster.DecodeAmendment(cluster.EncodeAmendment(&cluster.Amendment{})); err != nil || len(e.Amends)+len(e.Profiles)+len(e.Cursors) != 0 {
		t.Errorf("empty amendment: %+v, %v", e, err)
	}
	for i := 1; i < len(b); i++ {
		if _, err := cluster.DecodeAmendment(b[:i]); err == nil {
			t.Fatalf("truncated at %d of %d: no error", i, len(b))
		}
	}
	if _, err := cluster.DecodeAmendment(append(b, 0)); err == nil {
		t.Error("trailing byte: no error")
	}
	if _, err := cluster.DecodeAmendment(append([]byte{9}, b[1:]...)); err == nil {
		t.Error("unknown version: no error")
	}
	if _, err := cluster.DecodeAmendment(cluster.EncodeAmendment(&cluster.Amendment{Cursors: map[string][]byte{"cluster:tagpulse-posts": {1}}})); err == nil {
		t.Error("a cursor named cluster:…: no error")
	}
	if _, err := cluster.DecodePost(b); err == nil {
		t.Error("an amendment read as a post")
	}
}

// TestAmenderSplitsLargeWrites: a lookup's large write goes as several
// messages (a NATS message is at most 1 MB), the cursor in the last; every
// amendment and profile arrives, and an amendment of a post this store does
// not hold is skipped, not a failure of the node.
func TestAmenderSplitsLargeWrites(t *testing.T) {
	srv := natsServer(t)
	c := connect(t, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleServe, Node: "n1"})
	posts := skeets(600)
	if _, err := c.NewPublisher(nil).Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	db := openStore(t, filepath.Join(t.TempDir(), "s.db"))
	ap := c.NewApplier(db, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ap.Run(ctx) }()
	at := avPosted.Add(time.Hour)
	var amends []store.Amend
	var profiles []store.Profile
	for i, p := range posts {
		amends = append(amends, store.Amend{Platform: p.Platform, ID: p.ID, Engagement: int64(i + 1), At: at})
		if i < 300 {
			profiles = append(profiles, store.Profile{Platform: p.Platform, ID: fmt.Sprintf("did:plc:x%03d", i), Handle: fmt.Sprintf("x%03d.bsky.social", i), Followers: int64(i), FetchedAt: at})
		}
	}
	amends = append(amends, store.Amend{Platform: store.PlatformBluesky, ID: "at://did:plc:never/app.bsky.feed.post/1", Engagement: 5, At: at})
	if _, err := c.NewAmender(ap, nil).Amend(amends, profiles, map[string][]byte{bluesky.ProfilesName: []byte("600")}); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if msgs, n := ap.Amended(); msgs != 3 || n != 600 {
		t.Fatalf("%d messages, %d amendments applied; want 3, 600", msgs, n)
	}
	if cur, _ := db.Cursor(bluesky.ProfilesName); string(cur) != "600" {
		t.Errorf("cursor %q", cur)
	}
	got := amended(t, db)
	for i, p := range posts {
		if !strings.HasSuffix(got[p.ID], fmt.Sprintf("|%d", i+1)) {
			t.Fatalf("post %d: %q", i, got[p.ID])
		}
	}
	ids := []string{"did:plc:x000", "did:plc:x299"}
	if pr, err := db.Profiles(store.PlatformBluesky, ids); err != nil || len(pr) != 2 || pr[ids[1]].Followers != 299 {
		t.Errorf("profiles %+v, %v", pr, err)
	}
}
