package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tagpulse/tagpulse/bench/v11gen"
)

// TestImportCompressedCheckRebuild: an import large enough for the store to
// train its dictionary (store/codec_s2.go) leaves most posts compressed;
// check finds every figure equal to a recount of them, and so it does after
// a rebuild from them, and export gives every post back.
func TestImportCompressedCheckRebuild(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.jsonl")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v11gen.Write(f, 12000, v11gen.Options{Seed: 11}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dbPath := filepath.Join(dir, "tagpulse.db")
	cfg := writeFile(t, filepath.Join(dir, "c.yml"), "db: "+dbPath+"\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine, كلنا_لفلسطين]\n    timezone: Asia/Gaza\n")
	if _, errs, code := runCmd(t, "import", "-q", "-config", cfg, archive); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	formats := map[byte]int{}
	b, err := bolt.Open(dbPath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	b.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("posts")).ForEach(func(k, v []byte) error { formats[v[0]]++; return nil })
	})
	b.Close()
	if formats[4]+formats[5] < formats[3] {
		t.Fatalf("post formats %v: want most compressed (postS2 4, postS2Head 5)", formats)
	}
	want, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day,country", "-format", "csv")
	if code != 0 || strings.Count(want, "\n") < 5 {
		t.Fatalf("report: %d %s %s", code, want, errs)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check: %d %s%s", code, out, errs)
	}
	if _, errs, code := runCmd(t, "rebuild", "-config", cfg); code != 0 {
		t.Fatalf("rebuild: %d %s", code, errs)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check after rebuild: %d %s%s", code, out, errs)
	}
	if got, _, _ := runCmd(t, "report", "-config", cfg, "-by", "day,country", "-format", "csv"); got != want {
		t.Fatalf("rebuild changed the figures:\n%s\nwant\n%s", got, want)
	}
	n := formats[3] + formats[4] + formats[5]
	if out, errs, code := runCmd(t, "export", "-config", cfg); code != 0 || strings.Count(out, "\n") != n {
		t.Fatalf("export: %d, %d lines for %d posts %s", code, strings.Count(out, "\n"), n, errs)
	}
}
