package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// startDemoServer runs `tagpulse demo` on a free port and returns its base URL.
func startDemoServer(t *testing.T, args ...string) string {
	t.Helper()
	return startDemoServerEnv(t, nil, args...)
}

// startDemoServerEnv is startDemoServer with an environment (nil: empty).
func startDemoServerEnv(t *testing.T, getenv func(string) string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	env, _, errb := testEnv()
	if getenv != nil {
		env.Getenv = getenv
	}
	env.Ready = func(a string) { addr <- a }
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, env, append([]string{"demo", "-addr", "127.0.0.1:0", "-log-level", "warn"}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v\n%s", err, errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("demo did not stop within 20s of cancel")
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case err := <-done:
		t.Fatalf("demo exited: %v\n%s", err, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("demo did not start listening")
	}
	return ""
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func demoTotalPosts(t *testing.T, base string) int64 {
	t.Helper()
	_, body := getBody(t, base+"/api/v1/campaigns")
	var cs []struct {
		Name   string
		Totals struct{ Posts int64 }
	}
	if err := json.Unmarshal([]byte(body), &cs); err != nil || len(cs) != 1 {
		t.Fatalf("campaigns: %v %s", err, body)
	}
	return cs[0].Totals.Posts
}

// TestDemoGrows: the demo's numbers grow at the API within seconds, its page
// and metrics are served, and it stops cleanly.
func TestDemoGrows(t *testing.T) {
	base := startDemoServer(t, "-speed", "600")
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond) // polling a condition
		}
	}
	var first int64
	waitFor("the backfilled history", func() bool { first = demoTotalPosts(t, base); return first > 1000 })
	waitFor("live posts", func() bool { return demoTotalPosts(t, base) > first })

	code, body := getBody(t, base+"/api/v1/campaigns/allforpalestine/days?by=country")
	if code != 200 || !strings.Contains(body, `"country":"PS"`) || !strings.Contains(body, `"country":"ZZ"`) {
		t.Fatalf("days by country: %d %.300s", code, body)
	}
	code, body = getBody(t, base+"/metrics")
	if code != 200 || !strings.Contains(body, `tagpulse_posts_total{campaign="allforpalestine",kind="original",source="demo"}`) {
		t.Fatalf("metrics: %d %.300s", code, body)
	}
	code, body = getBody(t, base+"/")
	if code != 200 || !strings.Contains(body, "AllForPalestine") {
		t.Fatalf("page: %d %.300s", code, body)
	}
	code, body = getBody(t, base+"/api/v1/sources")
	if code != 200 || !strings.Contains(body, `"posts_malformed"`) {
		t.Fatalf("sources: %d %.300s", code, body)
	}
}

// TestBackupFromRunningServer: `backup -server` copies the store of a
// running demo when both have the same TAGPULSE_BACKUP_TOKEN, and the copy
// holds its posts and passes check. Without the token, or with another, the
// server gives nothing; a server started without one has backups off.
func TestBackupFromRunningServer(t *testing.T) {
	const token = "backup-token-0123456789"
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == backupTokenEnv {
				return v
			}
			return ""
		}
	}
	base := startDemoServerEnv(t, env(token), "-speed", "600")
	deadline := time.Now().Add(30 * time.Second)
	for demoTotalPosts(t, base) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the demo stored no posts")
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	dir := t.TempDir()
	backup := func(getenv func(string) string, server, dest string) (string, int) {
		e, out, errb := testEnv()
		e.Getenv = getenv
		code := exitCode(e, run(t.Context(), e, []string{"backup", "-server", server, dest}))
		return out.String() + errb.String(), code
	}

	if out, code := backup(env(""), base, dir+"/none.db"); code == 0 || !strings.Contains(out, "-server needs "+backupTokenEnv) {
		t.Errorf("backup without a token: exit %d %s", code, out)
	}
	if out, code := backup(env("another-token-0123456789"), base, dir+"/wrong.db"); code == 0 || !strings.Contains(out, "401") {
		t.Errorf("backup with another token: exit %d %s", code, out)
	}
	if code, _ := getBody(t, base+"/backup"); code != http.StatusUnauthorized {
		t.Errorf("GET /backup without credentials: %d", code)
	}
	for _, f := range []string{"none.db", "wrong.db", "wrong.db.tmp"} {
		if _, err := os.Stat(dir + "/" + f); !os.IsNotExist(err) {
			t.Errorf("%s left behind: %v", f, err)
		}
	}

	// The address alone, as an operator may type it, does too.
	dest := dir + "/copy.db"
	out, code := backup(env(token), strings.TrimPrefix(base, "http://"), dest)
	if code != 0 {
		t.Fatalf("backup: %d %s", code, out)
	}
	out, errs, code := runCmd(t, "check", "-db", dest)
	if code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check of the copy: %d %s%s", code, out, errs)
	}
	if strings.HasPrefix(out, "ok: every figure equals a recount of 0 posts") {
		t.Fatalf("the copy holds no posts: %s", out)
	}

	// A token too short to be a secret stops the server before it serves.
	e, _, _ := testEnv()
	e.Getenv = env("short")
	e.Ready = func(string) { t.Error("served with a short backup token") }
	if err := run(t.Context(), e, []string{"demo", "-addr", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), backupTokenEnv+" is 5 characters") {
		t.Errorf("short token: %v", err)
	}

	// A server started without a token serves no backups at all.
	off := startDemoServer(t)
	if code, body := getBody(t, off+"/backup"); code != http.StatusNotFound || !strings.Contains(body, "backups over HTTP are off") {
		t.Errorf("GET /backup with backups off: %d %s", code, body)
	}
}
