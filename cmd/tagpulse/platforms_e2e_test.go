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

// TestRunYouTubeKillNine runs the real binary ('tagpulse run') against a
// fake YouTube, kills it with SIGKILL while a poll is in flight (search
// answered, videos.list held), runs it again on the same store until it
// has caught up, and expects every video counted once: report totals,
// reach from the channel's subscribers, and check equal to a recount.
func TestRunYouTubeKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
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
	type proc struct {
		cmd  *exec.Cmd
		done chan error
	}
	start := func(logName string) proc {
		cmd := exec.Command(bin, "run", "-config", cfg, "-addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "TAGPULSE_YOUTUBE_API_KEY="+key)
		f, err := os.Create(filepath.Join(dir, logName))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		p := proc{cmd, make(chan error, 1)}
		go func() { p.done <- cmd.Wait() }()
		return p
	}
	wait := func(ch <-chan struct{}, p proc, what, logName string) {
		select {
		case <-ch:
			return
		case err := <-p.done:
			b, _ := os.ReadFile(filepath.Join(dir, logName))
			t.Fatalf("run ended (%v) before %s:\n%s", err, what, b)
		case <-time.After(2 * time.Minute):
			p.cmd.Process.Kill()
			<-p.done
			b, _ := os.ReadFile(filepath.Join(dir, logName))
			t.Fatalf("%s never came:\n%s", what, b)
		}
	}
	first := start("first.log")
	wait(killPoint, first, "the fourth videos.list", "first.log")
	first.cmd.Process.Kill() // SIGKILL
	if err := <-first.done; err == nil {
		t.Fatal("run exited by itself before the kill")
	}

	second := start("second.log")
	wait(caughtUp, second, "the poll after catching up", "second.log")
	second.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-second.done; err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "second.log"))
		t.Fatalf("run after SIGTERM: %v\n%s", err, b)
	}
	for _, l := range []string{"first.log", "second.log"} {
		if b, _ := os.ReadFile(filepath.Join(dir, l)); strings.Contains(string(b), key) {
			t.Errorf("%s carries the API key", l)
		}
	}

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
