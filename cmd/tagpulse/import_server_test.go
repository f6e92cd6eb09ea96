package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const testImportToken = "import-token-0123456789abcdef"

// runServer starts the real binary's 'run' on a free port and returns its
// address; stop ends it with SIGTERM (graceful) or SIGKILL.
func runServer(t *testing.T, bin, cfg string) (addr string, cmd *exec.Cmd) {
	t.Helper()
	cmd = exec.Command(bin, "run", "-config", cfg, "-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), importTokenEnv+"="+testImportToken)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	re := regexp.MustCompile(`open http://([^/]+)/`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return m[1], cmd
		}
	}
	t.Fatalf("run printed no address")
	return "", nil
}

// TestImportIntoRunningServer imports through a running tagpulse with kill
// -9 of the client and then of the server midway; the same import again
// gives the figures of one clean offline import, and check passes.
func TestImportIntoRunningServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 200,000 posts twice")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	arch := filepath.Join(dir, "big.jsonl")
	bigArchive(t, arch, 200_000) // stores are compact: enough posts that a second attempt still grows the file by a 16 MB chunk
	cfgFor := func(name string) string {
		return writeFile(t, filepath.Join(dir, name+".yml"), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: Asia/Gaza\n", filepath.Join(dir, name+".db")))
	}
	tagpulse := func(args ...string) string {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Env = append(os.Environ(), importTokenEnv+"="+testImportToken)
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("tagpulse %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	clean := cfgFor("clean")
	tagpulse("import", "-q", "-config", clean, arch)
	want := tagpulse("report", "-config", clean, "-by", "hour,kind", "-format", "json")

	live := cfgFor("live")
	db := filepath.Join(dir, "live.db")
	waitGrown := func(than int64) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if fi, err := os.Stat(db); err == nil && fi.Size() > than {
				return
			}
			time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
		}
		t.Fatalf("the store did not grow past %d bytes", than)
	}
	// 1. the client is killed midway
	addr, srv := runServer(t, bin, live)
	fi, _ := os.Stat(db)
	client := exec.Command(bin, "import", "-q", "-server", addr, arch)
	client.Env = append(os.Environ(), importTokenEnv+"="+testImportToken)
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	waitGrown(fi.Size() + 1<<20)
	client.Process.Kill()
	if err := client.Wait(); !killedBySignal(err) {
		t.Fatalf("the client finished before it could be killed (%v); make the archive bigger", err)
	}
	// 2. the server is killed midway through the next attempt
	fi, _ = os.Stat(db)
	client = exec.Command(bin, "import", "-q", "-server", addr, arch)
	client.Env = append(os.Environ(), importTokenEnv+"="+testImportToken)
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	waitGrown(fi.Size() + 1<<20)
	srv.Process.Kill()
	if err := srv.Wait(); !killedBySignal(err) {
		t.Fatalf("the server was not killed: %v", err)
	}
	if err := client.Wait(); err == nil {
		t.Errorf("import -server exited 0 although the server died under it")
	}
	// 3. restart and import once more, whole
	addr, srv = runServer(t, bin, live)
	out := tagpulse("import", "-server", addr, arch)
	if !strings.Contains(out, "already stored") || !strings.Contains(out, "folds the posts into its figures") {
		t.Errorf("import -server summary: %s", out)
	}
	srv.Process.Signal(syscall.SIGTERM) // graceful: the aggregator folds in the last posts
	if err := srv.Wait(); err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
	if got := tagpulse("report", "-config", live, "-by", "hour,kind", "-format", "json"); got != want {
		t.Fatalf("figures after kill -9 of client and server and a re-import differ from one clean import")
	}
	if out := tagpulse("check", "-config", live); !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check: %s", out)
	}
}

// Without the token the server refuses, and says which variable to set.
func TestImportServerNeedsToken(t *testing.T) {
	_, errs, code := runCmd(t, "import", "-server", "127.0.0.1:1", "x.jsonl")
	if code != 2 || !strings.Contains(errs, importTokenEnv) {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func killedBySignal(err error) bool {
	ee, ok := err.(*exec.ExitError)
	return ok && !ee.Exited()
}

// Malformed records sent to a running tagpulse are reported with file and
// line, as offline.
func TestImportServerReportsMalformed(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "t.yml"), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\n", filepath.Join(dir, "t.db")))
	getenv := func(k string) string {
		if k == importTokenEnv {
			return testImportToken
		}
		return ""
	}
	r := startRun(t, getenv, "-config", cfg, "-addr", "127.0.0.1:0")
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	file := writeFile(t, filepath.Join(dir, "a.jsonl"), tw{id: "1", user: "a", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n{broken\n"+
		tw{id: "2", user: "b", at: at, kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n")
	env, out, errb := testEnv()
	env.Getenv = getenv
	code := exitCode(env, run(t.Context(), env, []string{"import", "-server", r.addr, file}))
	if code != 0 || !strings.Contains(errb.String(), "a.jsonl:2: skipped") || !strings.Contains(out.String(), "2 added, 0 already stored, 1 malformed skipped") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errb)
	}
	env, _, errb = testEnv()
	env.Getenv = func(k string) string {
		if k == importTokenEnv {
			return "wrong-token-0123456789abcdef"
		}
		return ""
	}
	if code := exitCode(env, run(t.Context(), env, []string{"import", "-server", r.addr, file})); code != 1 || !strings.Contains(errb.String(), "401") {
		t.Errorf("wrong token: exit %d: %s", code, errb)
	}
}
