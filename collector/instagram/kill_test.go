package instagram_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/instagram"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

// The kill test runs the collector in a child process (this test binary,
// re-run with TAGPULSE_INSTAGRAM_CHILD set): a real scheduler, a real store
// file, the fake Instagram in the parent.

func TestMain(m *testing.M) {
	if os.Getenv("TAGPULSE_INSTAGRAM_CHILD") != "" {
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
	base, err := strconv.ParseInt(os.Getenv("TAGPULSE_INSTAGRAM_BASE_TIME"), 10, 64)
	if err != nil {
		return err
	}
	start := time.Now()
	now := func() time.Time { return time.Unix(base, 0).Add(time.Since(start)) }
	db, err := store.Open(os.Getenv("TAGPULSE_INSTAGRAM_DB"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := instagram.Config{UserID: userID, AccessToken: token, BaseURL: os.Getenv("TAGPULSE_INSTAGRAM_URL"), MaxPages: 1}
	p, err := instagram.New(cfg, []string{"AllForPalestine"}, nil, nil)
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

// TestKillNineAndRestart kills a collecting process with SIGKILL while it
// waits for a recent_media page, starts it again on the same store, and
// expects every media object exactly once, the stored pages not asked for
// again, and the hashtag counted once against the 30 (not searched again).
func TestKillNineAndRestart(t *testing.T) {
	base := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	start := time.Now()
	fake := platformtest.NewInstagram(t, userID)
	fake.RequireToken(token)
	fake.SetNow(func() time.Time { return base.Add(time.Since(start)) })
	const n = 200 // four pages of 50
	want := map[string]bool{}
	for i := range n {
		m := fake.Add(platformtest.IGMedia{Caption: fmt.Sprint("#AllForPalestine ", i), Likes: int64(i), Timestamp: base.Add(-time.Duration(i+1) * time.Minute)})
		want[m[0].ID] = true
	}
	held := fake.Hold("/recent_media", 3)
	dbPath := filepath.Join(t.TempDir(), "tagpulse.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TAGPULSE_INSTAGRAM_CHILD=1", "TAGPULSE_INSTAGRAM_DB="+dbPath,
			"TAGPULSE_INSTAGRAM_URL="+fake.BaseURL(), fmt.Sprint("TAGPULSE_INSTAGRAM_BASE_TIME=", base.Unix()))
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
		t.Fatalf("the third recent_media request never came:\n%s", b)
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
	var engagement int64
	db.Posts(0, func(_ uint64, p *store.Post) error { seen[p.ID]++; engagement += p.Engagement; return nil })
	if len(seen) != n || db.PostCount() != n {
		t.Fatalf("%d distinct posts, %d in the log; want %d", len(seen), db.PostCount(), n)
	}
	for id, c := range seen {
		if c != 1 || !want[id] {
			t.Errorf("post %s stored %d times (known: %v)", id, c, want[id])
		}
	}
	if engagement != n*(n-1)/2 {
		t.Errorf("engagement adds up to %d, want %d", engagement, n*(n-1)/2)
	}
	counts := map[string]int{}
	for _, r := range fake.Requests() {
		counts[r.Path[strings.LastIndex(r.Path, "/")+1:]]++
	}
	// Three pages before the kill (two stored, the third in flight), two
	// after: the third again and the last. The hashtag is searched once.
	if counts["recent_media"] != 5 || counts["ig_hashtag_search"] != 1 || fake.Searched() != 1 {
		t.Errorf("requests %v, %d hashtags counted; want 5 recent_media, 1 ig_hashtag_search, 1 hashtag", counts, fake.Searched())
	}
}
