package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary builds the real tagpulse binary once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tagpulse")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// bigArchive writes n v1.1 statuses, 11 s apart, with repeat authors,
// every kind, and duplicates. They lie in the past (a post dated more than a
// day after its collection counts nowhere), 200,000 of them over 25 days.
func bigArchive(t *testing.T, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	kinds := []string{"original", "repost", "reply", "quote", "original"}
	countries := []string{"PS", "", "GB", "", "US", ""}
	for i := 0; i < n; i++ {
		id := i
		if i%50 == 49 {
			id = i - 7 // a duplicate of an earlier post
		}
		b.WriteString(tw{id: fmt.Sprint(id + 1), user: fmt.Sprint(id % 997), at: base.Add(time.Duration(id*11) * time.Second),
			kind: kinds[id%len(kinds)], followers: id % 997 * 3, country: countries[id%len(countries)], tags: []string{"AllForPalestine"}, lang: "en"}.json())
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringImport kills an import with SIGKILL while it writes, runs
// the same import again, and expects the very figures of an import that was
// never interrupted.
func TestKillDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 200,000 posts")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	archive := filepath.Join(dir, "big.jsonl")
	bigArchive(t, archive, 200_000)

	cfgFor := func(name string) string {
		return writeFile(t, filepath.Join(dir, name+".yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    hashtags: [AllForPalestine]
    timezone: Asia/Gaza
`, filepath.Join(dir, name+".db")))
	}
	tagpulse := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tagpulse %v: %v\n%s", args, err, out)
		}
		return string(out)
	}

	clean := cfgFor("clean")
	tagpulse("import", "-q", "-config", clean, archive)
	want := tagpulse("report", "-config", clean, "-by", "hour,kind", "-format", "json")

	crashed := cfgFor("crashed")
	killed := 0
	for attempt := 0; attempt < 3 && killed == 0; attempt++ {
		cmd := exec.Command(bin, "import", "-q", "-config", crashed, archive)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the import has committed some batches (the file grows
		// past its empty size), then kill it mid-flight.
		db := filepath.Join(dir, "crashed.db")
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if fi, err := os.Stat(db); err == nil && fi.Size() > 1<<20 {
				break
			}
			time.Sleep(5 * time.Millisecond) // polling a condition, not synchronising on time
		}
		cmd.Process.Kill()
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			killed++ // it was still running: a real crash
		}
	}
	if killed == 0 {
		t.Fatal("the import finished before it could be killed; make the archive bigger")
	}
	out := tagpulse("import", "-config", crashed, archive)
	if !strings.Contains(out, "already stored") {
		t.Errorf("second import summary: %s", out)
	}
	got := tagpulse("report", "-config", crashed, "-by", "hour,kind", "-format", "json")
	if got != want {
		t.Fatalf("figures after kill -9 and re-import differ from an uninterrupted import")
	}
	if out := tagpulse("check", "-config", crashed); !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check: %s", out)
	}
}
