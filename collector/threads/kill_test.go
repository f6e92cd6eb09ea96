package threads_test

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
	"github.com/tagpulse/tagpulse/collector/threads"
	"github.com/tagpulse/tagpulse/store"
)

// The kill test runs the collector in a child process (this test binary,
// re-run with TAGPULSE_THREADS_CHILD set): a real scheduler, a real store
// file, the fake Threads in the parent.

func TestMain(m *testing.M) {
	if os.Getenv("TAGPULSE_THREADS_CHILD") != "" {
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
	base, err := strconv.ParseInt(os.Getenv("TAGPULSE_THREADS_BASE_TIME"), 10, 64)
	if err != nil {
		return err
	}
	start := time.Now()
	now := func() time.Time { return time.Unix(base, 0).Add(time.Since(start)) }
	db, err := store.Open(os.Getenv("TAGPULSE_THREADS_DB"), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg := threads.Config{AccessToken: token, BaseURL: os.Getenv("TAGPULSE_THREADS_URL"), MaxPages: 1}
	p, err := threads.New(cfg, []string{"AllForPalestine"}, nil, nil)
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
// waits for a keyword_search page, starts it again on the same store, and
// expects every post exactly once, the stored pages not asked for again,
// and the query budget counted exactly as the platform counted it.
func TestKillNineAndRestart(t *testing.T) {
	base := time.Date(2026, 11, 29, 20, 0, 0, 0, time.UTC)
	start := time.Now()
	fake := platformtest.NewThreads(t)
	fake.RequireToken(token)
	fake.SetNow(func() time.Time { return base.Add(time.Since(start)) })
	const n = 400 // four pages of 100
	want := map[string]bool{}
	for i := range n {
		p := fake.Add(platformtest.ThreadsPost{Username: fmt.Sprint("u", i%37), TopicTag: "AllForPalestine", Timestamp: base.Add(-time.Duration(i+1) * time.Minute)})
		want[p[0].ID] = true
	}
	held := fake.Hold("/keyword_search", 3)
	dbPath := filepath.Join(t.TempDir(), "tagpulse.db")
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "TAGPULSE_THREADS_CHILD=1", "TAGPULSE_THREADS_DB="+dbPath,
			"TAGPULSE_THREADS_URL="+fake.BaseURL(), fmt.Sprint("TAGPULSE_THREADS_BASE_TIME=", base.Unix()))
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
		t.Fatalf("the third keyword_search never came:\n%s", b)
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
	authors := map[string]bool{}
	db.Posts(0, func(_ uint64, p *store.Post) error { seen[p.ID]++; authors[p.Author.ID] = true; return nil })
	if len(seen) != n || db.PostCount() != n || len(authors) != 37 {
		t.Fatalf("%d distinct posts, %d in the log, %d authors; want %d, %d, 37", len(seen), db.PostCount(), len(authors), n, n)
	}
	for id, c := range seen {
		if c != 1 || !want[id] {
			t.Errorf("post %s stored %d times (known: %v)", id, c, want[id])
		}
	}
	// Three pages before the kill (two stored, the third in flight), two
	// after: the third again and the last.
	if r := len(fake.Requests()); r != 5 {
		t.Errorf("%d requests, want 5", r)
	}
	b, _ := db.Cursor("threads")
	cur, err := threads.DecodeCursor(b)
	if err != nil {
		t.Fatal(err)
	}
	if used := cur.Used(base.Add(time.Since(start))); used != fake.Counted() || used != 4 {
		t.Errorf("cursor counts %d queries, the platform %d; want 4 and 4", used, fake.Counted())
	}
}
