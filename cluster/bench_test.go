package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/cluster"
	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/demo"
	"github.com/tagpulse/tagpulse/store"
)

func benchPosts(from, n int) []store.Post {
	posts := make([]store.Post, n)
	for i := range posts {
		posts[i] = samplePost(from + i)
		posts[i].Author.ID = fmt.Sprintf("u%d", (from+i)%5000)
	}
	return posts
}

// BenchmarkPublish is a collect node's publish rate: posts through the
// sink into a file-backed stream on a local server, acknowledged, in pages
// of 100 (a poll's page) with a cursor moved per page.
func BenchmarkPublish(b *testing.B) {
	srv := natsServer(b)
	c := connect(b, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleCollect, Node: "bench"})
	pub := c.NewPublisher(nil)
	const page = 100
	if _, err := pub.Cursor("bench"); err != nil {
		b.Fatal(err)
	}
	posts := benchPosts(0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(posts); i += page {
		if _, err := pub.Append(posts[i:min(i+page, len(posts))], map[string][]byte{"bench": fmt.Appendf(nil, "%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "posts/s")
}

// BenchmarkCatchUp is a serve node's catch-up rate: posts from the stream
// into a fresh bbolt store (fsync on every transaction, as in production).
func BenchmarkCatchUp(b *testing.B) {
	srv := natsServer(b)
	c := connect(b, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleServe, Node: "bench"})
	pub := c.NewPublisher(nil)
	for i := 0; i < b.N; i += 1000 {
		if _, err := pub.Append(benchPosts(i, min(1000, b.N-i)), nil); err != nil {
			b.Fatal(err)
		}
	}
	db := openStore(b, filepath.Join(b.TempDir(), "catchup.db"))
	defer db.Close()
	ap := c.NewApplier(db, cluster.ApplierOptions{MaxWait: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- ap.Run(ctx) }()
	for ap.Applied() < uint64(b.N) {
		select {
		case err := <-done:
			b.Fatal("applier stopped:", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	if n := db.PostCount(); n != b.N {
		b.Fatalf("store has %d posts, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "posts/s")
}

// BenchmarkDemoLag runs a both-role node on the demo's simulated campaign
// (polled every second, as 'tagpulse demo' does, at 10× its default
// speed so the load is ten times a peak day's): after the history backfill
// has been applied it samples the serve side's lag for five seconds and
// reports the largest and the mean, in stream messages.
func BenchmarkDemoLag(b *testing.B) {
	srv := natsServer(b)
	c := connect(b, cluster.Config{NATS: srv.ClientURL(), Role: cluster.RoleBoth, Node: "bench", Lease: 3 * time.Second})
	leases := c.NewLeases(nil)
	pub := c.NewPublisher(leases)
	local := openStore(b, filepath.Join(b.TempDir(), "collect.db"))
	defer local.Close()
	serve := openStore(b, filepath.Join(b.TempDir(), "serve.db"))
	defer serve.Close()
	campaigns := []store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine", "كلنا_لفلسطين"}, Timezone: "UTC"}}
	sched := collector.NewScheduler(local, collector.NewMatcher(campaigns), collector.SchedulerOptions{Sink: pub})
	sched.Add(leases.Guard(demo.New(demo.Options{Seed: 1, Speed: 600, History: time.Hour}), pub), time.Second)
	ap := c.NewApplier(serve, cluster.ApplierOptions{MaxWait: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go leases.Run(ctx)
	go sched.Run(ctx)
	go ap.Run(ctx)
	b.ResetTimer()
	for range b.N {
		for !ap.CaughtUp() || serve.PostCount() == 0 {
			time.Sleep(10 * time.Millisecond) // sampling, not synchronisation
		}
		var maxLag, sum, n uint64
		end := time.Now().Add(5 * time.Second)
		for time.Now().Before(end) {
			if last, err := c.StreamLastSeq(ctx); err == nil && last > ap.Applied() {
				l := last - ap.Applied()
				maxLag = max(maxLag, l)
				sum += l
			}
			n++
			time.Sleep(20 * time.Millisecond)
		}
		b.ReportMetric(float64(maxLag), "max-lag-msgs")
		b.ReportMetric(float64(sum)/float64(n), "mean-lag-msgs")
		added, _ := pub.Published()
		b.ReportMetric(float64(added), "published")
	}
}
