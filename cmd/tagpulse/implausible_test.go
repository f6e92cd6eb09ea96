package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Posts dated before their platform existed or far in the future are
// stored but counted nowhere: the import says so, the day series spans only
// the plausible days (also for a configured window of 0001 to 9999), and
// check agrees.
func TestImplausibleDatesCountNowhere(t *testing.T) {
	dir := t.TempDir()
	for _, window := range []string{"", "    from: 1900-01-01\n    to: 9998-12-31\n"} {
		cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\n%s",
			filepath.Join(t.TempDir(), "tagpulse.db"), window))
		lines := []string{
			tw{id: "1", user: "a", at: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), kind: "original", followers: 5, tags: []string{"AllForPalestine"}}.json(),
			tw{id: "2", user: "b", at: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), kind: "original", followers: 5, tags: []string{"AllForPalestine"}}.json(),
			tw{id: "3", user: "c", at: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), kind: "original", followers: 5, tags: []string{"AllForPalestine"}}.json(),
			tw{id: "4", user: "d", at: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), kind: "original", followers: 5, tags: []string{"AllForPalestine"}}.json(),
		}
		archive := writeFile(t, filepath.Join(dir, "a.jsonl"), strings.Join(lines, "\n")+"\n")
		out, errs, code := runCmd(t, "import", "-config", cfg, archive)
		if code != 0 || !strings.Contains(out, "4 added") || !strings.Contains(out, "2 dated before their platform existed or more than a day ahead, stored but not counted") {
			t.Fatalf("import exit %d:\n%s%s", code, out, errs)
		}
		out, errs, code = runCmd(t, "report", "-config", cfg, "-by", "day", "-format", "csv")
		if code != 0 {
			t.Fatal(errs)
		}
		rows := strings.Split(strings.TrimSpace(out), "\n")
		if len(rows) != 3 || !strings.HasPrefix(rows[1], "2026-11-29,1,") || !strings.HasPrefix(rows[2], "2026-11-30,1,") {
			t.Errorf("window %q: days =\n%s\nwant the two plausible days only", window, out)
		}
		if out, _, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
			t.Errorf("check: %d %s", code, out)
		}
	}
}

// A window outside the days tagpulse answers for is refused at its line.
func TestWindowOutsideTheDaysIsRefused(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf("db: %s\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: UTC\n    from: 0001-01-01\n", filepath.Join(dir, "t.db")))
	_, errs, code := runCmd(t, "report", "-config", cfg)
	if code == 0 || !strings.Contains(errs, "tagpulse.yml:6: campaigns[0].from:") || !strings.Contains(errs, "1900-01-01") {
		t.Errorf("exit %d: %s", code, errs)
	}
}
