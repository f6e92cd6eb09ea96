package youtube_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/collector/youtube"
	"github.com/tagpulse/tagpulse/store"
)

// The kill test runs the collector in a child process (this test binary,
// re-run with TAGPULSE_YOUTUBE_CHILD set): a real scheduler, a real store
// file, the fake YouTube in the parent.

func TestMain(m *testing.M) {
	if os.Getenv("TAGPULSE_YOUTUBE_CHILD") != "" {
		if err := runChild(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// stopWhenCaughtUp cancels the run once a poll says no pages remain; the
// scheduler still stores that page.
type stopWhenCaughtUp struct {
	collector.Poller
	cancel context.CancelFunc
}

func (s stopWhenCaughtUp) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	page, err := s.Poller.Poll(ctx, cursor)
	if err == nil && !page.More {
		s.cancel()
	}
	return page, err
}

func runChild() error {
	base, err := strconv.ParseInt(os.Getenv("TAGPULSE_YOUTUBE_BASE_TIME"), 10, 64)
	if err != nil {
		return err
	}
	start := time.Now()
	now := func() time.Time { return time.Unix(base, 0).Add(time.Since(start)) }
	db, err := store.Open(os.Getenv("TAGPULSE_YOUTUBE_DB"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := youtube.Config{APIKey: key, BaseURL: os.Getenv("TAGPULSE_YOUTUBE_URL"), MaxPages: 1, DailyUnits: 1_000_000}
	p, err := youtube.New(cfg, []string{"AllForPalestine"}, nil, nil)
	if err != nil {
		return err
	}
	p.Now = now
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := collector.NewMatcher([]store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "UTC"}})
	sched := collector.NewScheduler(db, m, collector.SchedulerOptions{Now: now})
	sched.Add(stopWhenCaughtUp{p, cancel}, time.Hour)
	sched.Run(ctx)
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("not caught up in a minute")
	}
	return nil
}

// TestKillNineAndRestart kills a collecting process with SIGKILL while one
// of its polls is in flight (search answered, videos.list not yet), starts
// it again on the same store, and expects every video exactly once, the
// pages already stored not asked for again, and the quota counted.
func TestKillNineAndRestart(t *testing.T) {
	base := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC) // noon Pacific
	start := time.Now()
	fake := platformtest.NewYouTube(t, key)
	fake.SetNow(func() time.Time { return base.Add(time.Since(start)) })
	fake.AddChannel(platformtest.YTChannel{ID: "UCstreet000000000000000a", Title: "Street Reports", Subscribers: 5000})
	const n = 400 // eight pages of 50
	want := map[string]bool{}
	for i := range n {
		v := fake.Add(platformtest.YTVideo{ChannelID: "UCstreet000000000000000a", Title: fmt.Sprint("#AllForPalestine ", i), PublishedAt: base.Add(-time.Duration(i+1) * time.Minute)})
		want[v[0].ID] = true
	}
	held := fake.Hold("videos", 4)
	dbPath := filepath.Join(t.TempDir(), "tagpulse.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TAGPULSE_YOUTUBE_CHILD=1", "TAGPULSE_YOUTUBE_DB="+dbPath,
			"TAGPULSE_YOUTUBE_URL="+fake.BaseURL(), fmt.Sprint("TAGPULSE_YOUTUBE_BASE_TIME=", base.Unix()))
		return cmd
	}
	first := child()
	out, err := os.CreateTemp(t.TempDir(), "child")
	if err != nil {
		t.Fatal(err)
	}
	first.Stdout, first.Stderr = out, out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-held:
	case <-time.After(time.Minute):
		first.Process.Kill()
		first.Wait()
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("the fourth videos.list never came:\n%s", b)
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	first.Wait()

	if b, err := child().CombinedOutput(); err != nil {
		t.Fatalf("restart: %v\n%s", err, b)
	}

	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seen := map[string]int{}
	db.Posts(0, func(_ uint64, p *store.Post) error {
		seen[p.ID]++
		if p.Author.Followers != 5000 {
			t.Errorf("post %s: followers %d", p.ID, p.Author.Followers)
		}
		return nil
	})
	if len(seen) != n || db.PostCount() != n {
		t.Fatalf("%d distinct posts, %d in the log; want %d", len(seen), db.PostCount(), n)
	}
	for id, c := range seen {
		if c != 1 || !want[id] {
			t.Errorf("post %s stored %d times (known: %v)", id, c, want[id])
		}
	}
	searches := 0
	for _, r := range fake.Requests() {
		if r.Path == "/youtube/v3/search" {
			searches++
		}
	}
	// Four searches before the kill (three pages stored, the fourth in
	// flight), five after: the fourth again, then the rest.
	if searches != 9 {
		t.Errorf("%d searches, want 9", searches)
	}
	b, _ := db.Cursor("youtube")
	cur, err := youtube.DecodeCursor(b)
	if err != nil {
		t.Fatal(err)
	}
	// The units of the poll killed in flight (its search) are the only
	// ones the cursor cannot know.
	if lost := fake.Used() - cur.Used; lost != youtube.SearchCost {
		t.Errorf("cursor counts %d units, the platform charged %d: want exactly the killed poll's search (%d) missing", cur.Used, fake.Used(), youtube.SearchCost)
	}
}
