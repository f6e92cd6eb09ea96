package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenCommands are the report and export outputs the golden files hold,
// written before the read model moved into the aggregator: they prove the
// figures the command line gives did not change.
var goldenCommands = [][]string{
	{"report", "-by", "day", "-format", "json"},
	{"report", "-by", "day", "-format", "csv"},
	{"report", "-by", "day,country", "-format", "csv"},
	{"report", "-by", "country", "-format", "json"},
	{"report", "-by", "hour,kind", "-from", "2026-11-29", "-to", "2026-11-29", "-format", "csv"},
	{"report", "-by", "day,source", "-from", "2026-11-27", "-to", "2026-11-30", "-format", "json"},
	{"report", "-by", "lang", "-format", "csv"},
	{"report", "-by", "day,method", "-format", "csv"},
	{"export", "-format", "csv"},
	{"export", "-format", "ndjson"},
}

// TestGoldenCommands imports a fixed archive at a fixed clock and compares
// report and export with testdata/golden (rewrite with -update).
func TestGoldenCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "tagpulse.yml"), fmt.Sprintf(`db: %s
campaigns:
  - name: afp
    title: "#AllForPalestine"
    hashtags: [AllForPalestine, كلنا_لفلسطين]
    timezone: Asia/Gaza
    from: 2026-11-26
    to: 2026-11-30
`, filepath.Join(dir, "tagpulse.db")))
	countries := []string{"PS", "GB", "", "FR", "uk", "ZA", ""}
	kinds := []string{"original", "repost", "reply", "quote", "original"}
	tags := [][]string{{"AllForPalestine"}, {"كلنا_لفلسطين"}, {"allforpalestine", "gaza"}, {"AllForPalestine2021"}}
	start := time.Date(2026, 11, 25, 20, 17, 0, 0, time.UTC)
	var lines []string
	for i := 0; i < 90; i++ {
		lines = append(lines, tw{id: fmt.Sprint(1000 + i), user: fmt.Sprint(i % 23), at: start.Add(time.Duration(i*97) * time.Minute),
			kind: kinds[i%len(kinds)], followers: 10 + 31*(i%23), country: countries[i%len(countries)], tags: tags[i%len(tags)],
			lang: []string{"en", "ar", "fr"}[i%3]}.json())
	}
	archive := writeFile(t, filepath.Join(dir, "tweets.jsonl"), strings.Join(lines, "\n")+"\n")
	clock := func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }
	runAt := func(args ...string) string {
		env, out, errb := testEnv()
		env.Now = clock
		if code := exitCode(env, run(context.Background(), env, args)); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		return out.String()
	}
	runAt("import", "-config", cfg, archive)
	for _, args := range goldenCommands {
		got := runAt(append(append([]string{}, args...), "-config", cfg)...)
		name := strings.NewReplacer(",", "-", " ", "_").Replace(strings.Join(args, " "))
		path := filepath.Join("testdata", "golden", name)
		if *updateGolden {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if !bytes.Equal([]byte(got), want) {
			t.Errorf("%v differs from %s (rerun with -update if intended):\ngot:\n%s\nwant:\n%s", args, path, got, want)
		}
	}
}
