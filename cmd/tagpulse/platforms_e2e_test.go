package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector/platformtest"
)

// TestRunNewPlatformsKillNine runs, for YouTube, Instagram and Threads, the real binary ('tagpulse run') against a
// fake YouTube, kills it with SIGKILL while a poll is in flight (search
// answered, videos.list held), runs it again on the same store until it
// has caught up, and expects every video counted once: report totals,
// reach from the channel's subscribers, and check equal to a recount.
func TestRunNewPlatformsKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	t.Run("youtube", func(t *testing.T) { runYouTubeKillNine(t, bin) })
	t.Run("instagram", func(t *testing.T) { runInstagramKillNine(t, bin) })
	t.Run("threads", func(t *testing.T) { runThreadsKillNine(t, bin) })
}

func runYouTubeKillNine(t *testing.T, bin string) {
	dir := t.TempDir()
	const key = "AIzaSy-e2e-key-secret"
	fake := platformtest.NewYouTube(t, key)
	fake.AddChannel(platformtest.YTChannel{ID: "UCstreet000000000000000a", Title: "Street Reports", Handle: "streetreports", Country: "GB", Subscribers: 5000})
	now := time.Now().UTC()
	const n = 400 // eight pages of 50
	for i := range n {
		fake.Add(platformtest.YTVideo{ChannelID: "UCstreet000000000000000a", Title: fmt.Sprint("#AllForPalestine ", i), Likes: 1,
			PublishedAt: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	killPoint := fake.Hold("videos", 4)
	// Four searches before the kill, five after it (the fourth page again,
	// then the rest): the tenth is the next poll, once all is stored.
	caughtUp := fake.Hold("search", 10)
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: UTC
sources:
  youtube:
    api_key: "${TAGPULSE_YOUTUBE_API_KEY}"
    base_url: %s
    max_pages: 1
    daily_units: 100000000
    every: 1s
`, filepath.Join(dir, "tagpulse.db"), fake.BaseURL()))
	runKilled(t, bin, dir, cfg, "TAGPULSE_YOUTUBE_API_KEY="+key, key, killPoint, caughtUp)

	tagpulse := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tagpulse %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	got := tagpulse("report", "-config", cfg, "-campaign", "afp", "-by", "source", "-format", "csv")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 {
		t.Fatalf("report:\n%s", got)
	}
	head, row := strings.Split(lines[0], ","), strings.Split(lines[1], ",")
	fields := map[string]string{}
	for i, h := range head {
		if i < len(row) {
			fields[h] = row[i]
		}
	}
	if fields["source"] != "youtube" || fields["posts"] != fmt.Sprint(n) || fields["participants"] != "1" || fields["reach"] != "5000" {
		t.Errorf("report: %v\n%s", fields, got)
	}
	if out := tagpulse("check", "-config", cfg); !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check: %s", out)
	}
}

// runInstagramKillNine is the same for Instagram: the kill while a
// recent_media page is held; Instagram names no authors, so only posts and
// check are compared, and the hashtag must be searched once.
func runInstagramKillNine(t *testing.T, bin string) {
	dir := t.TempDir()
	const userID, token = "17841405309211844", "IGQVJ-e2e-token-secret"
	fake := platformtest.NewInstagram(t, userID)
	fake.RequireToken(token)
	now := time.Now().UTC()
	const n = 200 // four pages of 50
	for i := range n {
		fake.Add(platformtest.IGMedia{Caption: fmt.Sprint("#AllForPalestine ", i), Likes: 2, Comments: 1, Timestamp: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	killPoint := fake.Hold("/recent_media", 3)
	// Pages 1–3 before the kill, 3 and 4 after: the sixth is the next sweep.
	caughtUp := fake.Hold("/recent_media", 6)
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: UTC
sources:
  instagram:
    user_id: "%s"
    access_token: "${TAGPULSE_INSTAGRAM_TOKEN}"
    base_url: %s
    max_pages: 1
    every: 1s
`, filepath.Join(dir, "tagpulse.db"), userID, fake.BaseURL()))
	runKilled(t, bin, dir, cfg, "TAGPULSE_INSTAGRAM_TOKEN="+token, token, killPoint, caughtUp)
	out, err := exec.Command(bin, "report", "-config", cfg, "-campaign", "afp", "-by", "source", "-format", "csv").CombinedOutput()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], fmt.Sprintf("instagram,%d,%d,0,0,0,", n, n)) {
		t.Errorf("report:\n%s", out)
	}
	if out, err := exec.Command(bin, "check", "-config", cfg).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "ok:") {
		t.Fatalf("check: %v %s", err, out)
	}
	searches := 0
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/ig_hashtag_search") {
			searches++
		}
	}
	if searches != 1 || fake.Searched() != 1 {
		t.Errorf("%d hashtag searches, %d hashtags counted; want 1 and 1", searches, fake.Searched())
	}
}

// runThreadsKillNine is the same for Threads: the kill while the third
// keyword_search page is held. Every post must be stored once, with its
// username as the author (37 of them, no reach: search gives no followers),
// and the query budget in the cursor must equal what the platform counted.
func runThreadsKillNine(t *testing.T, bin string) {
	dir := t.TempDir()
	const token = "THAAG-e2e-token-secret"
	fake := platformtest.NewThreads(t)
	fake.RequireToken(token)
	now := time.Now().UTC()
	const n, users = 400, 37 // four pages of 100
	for i := range n {
		fake.Add(platformtest.ThreadsPost{Username: fmt.Sprint("u", i%users), TopicTag: "AllForPalestine",
			Timestamp: now.Add(-time.Duration(i+1) * time.Minute)})
	}
	killPoint := fake.Hold("/keyword_search", 3)
	// Pages 1–3 before the kill, 3 and 4 after: the sixth is the next poll
	// (paced to the budget: about 44 s after the fifth).
	caughtUp := fake.Hold("/keyword_search", 6)
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: UTC
sources:
  threads:
    access_token: "${TAGPULSE_THREADS_TOKEN}"
    base_url: %s
    max_pages: 1
    every: 1s
`, filepath.Join(dir, "tagpulse.db"), fake.BaseURL()))
	runKilled(t, bin, dir, cfg, "TAGPULSE_THREADS_TOKEN="+token, token, killPoint, caughtUp)
	out, err := exec.Command(bin, "report", "-config", cfg, "-campaign", "afp", "-by", "source", "-format", "csv").CombinedOutput()
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	// source, posts, originals, reposts, replies, quotes, participants,
	// new participants, reach.
	if len(lines) != 2 || lines[1] != fmt.Sprintf("threads,%d,%d,0,0,0,%d,%d,0", n, n, users, users) {
		t.Errorf("report:\n%s", out)
	}
	if out, err := exec.Command(bin, "check", "-config", cfg).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "ok:") {
		t.Fatalf("check: %v %s", err, out)
	}
	// Each page asked once, but the third twice (the kill cut the first
	// off unanswered, so it did not count), and the held sixth.
	if r, c := len(fake.Requests()), fake.Counted(); r != 6 || c != 4 {
		t.Errorf("%d requests, %d counted against the budget; want 6 and 4", r, c)
	}
}

// runKilled starts 'tagpulse run -config cfg' with env, kills it with
// SIGKILL when killPoint closes, starts it again and stops it with SIGTERM
// when caughtUp closes; neither log may carry secret.
func runKilled(t *testing.T, bin, dir, cfg, env, secret string, killPoint, caughtUp <-chan struct{}) {
	t.Helper()
	type proc struct {
		cmd  *exec.Cmd
		done chan error
		log  string
	}
	start := func(logName string) proc {
		cmd := exec.Command(bin, "run", "-config", cfg, "-addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), env)
		f, err := os.Create(filepath.Join(dir, logName))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := proc{cmd, make(chan error, 1), f.Name()}
		go func() { p.done <- cmd.Wait() }()
		return p
	}
	wait := func(ch <-chan struct{}, p proc, what string) {
		t.Helper()
		select {
		case <-ch:
			return
		case err := <-p.done:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("run ended (%v) before %s:\n%s", err, what, b)
		case <-time.After(2 * time.Minute):
			p.cmd.Process.Kill()
			<-p.done
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s never came:\n%s", what, b)
		}
	}
	first := start("first.log")
	wait(killPoint, first, "the kill point")
	first.cmd.Process.Kill() // SIGKILL
	if err := <-first.done; err == nil {
		t.Fatal("run exited by itself before the kill")
	}
	second := start("second.log")
	wait(caughtUp, second, "the poll after catching up")
	second.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-second.done; err != nil {
		b, _ := os.ReadFile(second.log)
		t.Fatalf("run after SIGTERM: %v\n%s", err, b)
	}
	for _, p := range []proc{first, second} {
		if b, _ := os.ReadFile(p.log); strings.Contains(string(b), secret) {
			t.Errorf("%s carries the secret", p.log)
		}
	}
}
