package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// importTweets imports n tweets into the config's store.
func importTweets(t *testing.T, dir, cfg string, n int) {
	t.Helper()
	var lines []string
	for i := range n {
		lines = append(lines, tw{id: fmt.Sprint(i + 1), user: fmt.Sprint(i % 50), at: time.Date(2026, 11, 29, 10, 0, i, 0, time.UTC), kind: "original", followers: 10, tags: []string{"AllForPalestine"}}.json())
	}
	archive := writeFile(t, filepath.Join(dir, "a.jsonl"), strings.Join(lines, "\n")+"\n")
	if _, errs, code := runCmd(t, "import", "-config", cfg, archive); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
}

// TestTruncatedStoreIsRefusedByEveryCommand: a store cut to half crashed
// every command with SIGBUS; each now says the file is truncated.
func TestTruncatedStoreIsRefusedByEveryCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	importTweets(t, dir, cfg, 1500)
	path := filepath.Join(dir, "tagpulse.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	used := db.Size()
	db.Close()
	if err := os.Truncate(path, used/2); err != nil {
		t.Fatal(err)
	}
	more := writeFile(t, filepath.Join(dir, "b.jsonl"), tw{id: "99999", user: "z", at: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC), kind: "original", tags: []string{"AllForPalestine"}}.json()+"\n")
	want := fmt.Sprintf("the store %s is truncated (%d of %d bytes): restore from a backup", path, used/2, used)
	for _, args := range [][]string{
		{"check", "-config", cfg},
		{"report", "-config", cfg},
		{"export", "-config", cfg},
		{"import", "-config", cfg, more},
		{"rebuild", "-config", cfg},
		{"backup", "-config", cfg, filepath.Join(dir, "copy.db")},
	} {
		_, errs, code := runCmd(t, args...)
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", args[0], code, errs, want)
		}
	}
}

// TestReadOnlyCommandsOnReadOnlyMedia: report, export, check and backup
// read a store in a read-only directory and write nothing to it, not even a
// catch-up: figures behind the log are said to be behind.
func TestReadOnlyCommandsOnReadOnlyMedia(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	importTweets(t, dir, cfg, 20)
	path := filepath.Join(dir, "tagpulse.db")
	// Three posts the aggregator has not counted yet (as a collector that
	// died before the aggregator ran leaves them).
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var late []store.Post
	for i := range 3 {
		late = append(late, store.Post{Platform: "x", ID: fmt.Sprint(500 + i), Source: "x", Kind: store.KindOriginal,
			CreatedAt: time.Date(2026, 11, 29, 11, 0, i, 0, time.UTC), Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: "late"}})
	}
	if _, err := db.Append(late, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro := filepath.Join(dir, "ro")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	roPath := filepath.Join(ro, "tagpulse.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(roPath, data, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	before, _ := os.Stat(roPath)
	sum := sha256.Sum256(data)

	behind := "figures are 3 posts behind the log; run 'tagpulse rebuild' or start 'tagpulse run' to count them"
	out, errs, code := runCmd(t, "report", "-db", roPath, "-by", "day", "-format", "csv")
	if code != 0 || !strings.Contains(errs, behind) || !strings.Contains(out, "2026-11-29,20,") {
		t.Errorf("report: exit %d, stderr %q\n%s", code, errs, out)
	}
	out, errs, code = runCmd(t, "check", "-db", roPath)
	if code != 0 || !strings.Contains(errs, behind) || !strings.HasPrefix(out, "ok: every figure equals a recount of 20 posts") {
		t.Errorf("check: exit %d, stderr %q\n%s", code, errs, out)
	}
	out, errs, code = runCmd(t, "export", "-db", roPath)
	if code != 0 || strings.Count(out, "\n") != 23 {
		t.Errorf("export: exit %d, stderr %q, %d lines", code, errs, strings.Count(out, "\n"))
	}
	copyPath := filepath.Join(dir, "copy.db")
	if _, errs, code = runCmd(t, "backup", "-db", roPath, copyPath); code != 0 {
		t.Errorf("backup: exit %d, stderr %q", code, errs)
	}
	// Run as root the modes do not stop a writer: the bytes say nothing was written.
	after, _ := os.Stat(roPath)
	now, _ := os.ReadFile(roPath)
	if sha256.Sum256(now) != sum || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("the read-only store was written to (mtime %v → %v)", before.ModTime(), after.ModTime())
	}
	if entries, _ := os.ReadDir(ro); len(entries) != 1 {
		t.Errorf("files left beside the store: %v", entries)
	}
	if cdb, err := store.Open(copyPath, &store.Options{ReadOnly: true}); err != nil {
		t.Errorf("backup copy: %v", err)
	} else {
		if n := cdb.PostCount(); n != 23 {
			t.Errorf("backup copy has %d posts, want 23", n)
		}
		cdb.Close()
	}
}
