package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/collector/platformtest"
)

// TestRunBlueskyBackfillKillNine backfills 450 posts by 90 authors through
// a logged-in searchPosts (five pages), kills 'tagpulse run' with SIGKILL
// while the third page is in flight, starts it again on the same store and
// waits for the API to show every post once and the reach of every
// author's follower count; then check equals a recount. The app password
// never reaches the logs.
func TestRunBlueskyBackfillKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	const password = "app-pass-e2e-secret-7777"
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	jet := platformtest.NewJetstream()
	t.Cleanup(jet.Close)
	av.SetAccount("tagpulse.bsky.social", password)
	now := time.Now().UTC()
	const authors, perAuthor = 90, 5
	var reach int64
	for a := range authors {
		did := fmt.Sprintf("did:plc:bf%03d", a)
		av.AddProfiles(platformtest.BskyProfile{DID: did, Handle: fmt.Sprintf("bf%03d.bsky.social", a), Followers: int64(a + 1)})
		reach += int64(a + 1)
		for i := range perAuthor {
			av.AddSearchPost(platformtest.Skeet{DID: did, RKey: fmt.Sprintf("3bf%03d%d", a, i), Text: "#AllForPalestine", Tags: []string{"AllForPalestine"},
				CreatedAt: now.Add(-time.Duration(a*perAuthor+i+1) * time.Minute)})
		}
	}
	killPoint := av.Hold("app.bsky.feed.searchPosts", 3)
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: UTC
sources:
  bluesky:
    jetstream: %s
    appview: %s
    pds: %s
    handle: tagpulse.bsky.social
    app_password: ${TAGPULSE_BLUESKY_APP_PASSWORD}
    backfill: 24h
`, filepath.Join(dir, "tagpulse.db"), jet.URL(), av.URL, av.URL))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := func(logName string) (*exec.Cmd, chan error, string) {
		cmd := exec.Command(bin, "run", "-config", cfg, "-addr", addr)
		cmd.Env = append(os.Environ(), "TAGPULSE_BLUESKY_APP_PASSWORD="+password)
		f, err := os.Create(filepath.Join(dir, logName))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, done, f.Name()
	}
	first, firstDone, firstLog := start("first.log")
	select {
	case <-killPoint:
	case err := <-firstDone:
		b, _ := os.ReadFile(firstLog)
		t.Fatalf("run ended (%v) before the third page:\n%s", err, b)
	case <-time.After(2 * time.Minute):
		first.Process.Kill()
		t.Fatal("the third page was never asked")
	}
	first.Process.Kill() // SIGKILL
	if err := <-firstDone; err == nil {
		t.Fatal("run exited by itself before the kill")
	}
	second, secondDone, secondLog := start("second.log")
	defer func() {
		second.Process.Kill()
		<-secondDone
	}()
	var last string
	deadline := time.Now().Add(90 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond) // polling another process's API
	defer tick.Stop()
	for {
		var rows []aggregator.Row
		resp, err := http.Get("http://" + addr + "/api/v1/campaigns/afp/totals")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(b)
			if json.Unmarshal(b, &rows) == nil && len(rows) == 1 && rows[0].Posts == authors*perAuthor && rows[0].Reach == reach && rows[0].Participants == authors {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(secondLog)
			t.Fatalf("totals never reached %d posts, reach %d: %s\n%s", authors*perAuthor, reach, last, b)
		}
		<-tick.C
	}
	second.Process.Signal(syscall.SIGTERM)
	if err := <-secondDone; err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
	secondDone <- nil // for the deferred wait
	if out, err := exec.Command(bin, "check", "-config", cfg).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "ok:") {
		t.Fatalf("check: %v %s", err, out)
	}
	if logins := av.Calls("com.atproto.server.createSession"); logins != 2 {
		t.Errorf("logins = %d, want one per start", logins)
	}
	for _, f := range []string{firstLog, secondLog} {
		if b, _ := os.ReadFile(f); strings.Contains(string(b), password) {
			t.Errorf("%s carries the app password", f)
		}
	}
}
