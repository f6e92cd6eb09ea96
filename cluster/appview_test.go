package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

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
		n := &node{db: openStore(t, filepath.Join(t.TempDir(), name+".db"))}
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
	last := nodes[0].ap.Applied()
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
