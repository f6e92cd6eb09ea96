package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/bench/v11gen"
	"github.com/tagpulse/tagpulse/store"
)

// TestOldLayoutStoreRebuilds: a store an earlier tagpulse wrote (rules 2:
// member records keyed campaign \0 day \0 author, in the earlier encoding)
// still opens; the first command rebuilds its figures, which check then
// finds exact, and no record of the earlier layout is left.
func TestOldLayoutStoreRebuilds(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "a.jsonl")
	f, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v11gen.Write(f, 3000, v11gen.Options{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dbPath := filepath.Join(dir, "tagpulse.db")
	cfg := writeFile(t, filepath.Join(dir, "c.yml"), "db: "+dbPath+"\ncampaigns:\n  - name: afp\n    hashtags: [AllForPalestine]\n    timezone: Asia/Gaza\n")
	if _, errs, code := runCmd(t, "import", "-q", "-config", cfg, archive); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	want, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day,country", "-format", "csv")
	if code != 0 || strings.Count(want, "\n") < 5 {
		t.Fatalf("report: %d %s %s", code, want, errs)
	}

	// Turn it into the earlier layout: every member record moved to its
	// old key, in the old encoding (no format byte), and the old rules.
	b, err := bolt.Open(dbPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	err = b.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("members")); err != nil {
			return err
		}
		mb, err := tx.CreateBucket([]byte("members"))
		if err != nil {
			return err
		}
		for i := range 500 {
			key := []byte("afp\x002026-11-2" + string(rune('3'+i%7)) + "\x00x:" + string(rune('a'+i%26)) + strings.Repeat("1", i/26))
			// First, then one total period: grain, period "", times, followers, posts, handle, no cells.
			if err := mb.Put(key, []byte{0x80, 0x80, 0x80, 0x80, 0x10, 1, 't', 0, 2, 2, 4, 2, 0, 0}); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dbPath, nil)
	if err != nil {
		t.Fatalf("the old store does not open: %v", err)
	}
	if err := db.SaveSetting("derivation", "rules 2, geo "+geo.Version); err != nil {
		t.Fatal(err)
	}
	db.Close()

	got, errs, code := runCmd(t, "report", "-config", cfg, "-by", "day,country", "-format", "csv")
	if code != 0 || !strings.Contains(errs, "rebuilding them") {
		t.Fatalf("report over the old store: exit %d, stderr %q", code, errs)
	}
	if got != want {
		t.Fatalf("figures after the rebuild:\n%s\nbefore:\n%s", got, want)
	}
	if out, errs, code := runCmd(t, "check", "-config", cfg); code != 0 || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("check after the rebuild: exit %d %s %s", code, out, errs)
	}
	b, err = bolt.Open(dbPath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.View(func(tx *bolt.Tx) error {
		n := 0
		err := tx.Bucket([]byte("members")).ForEach(func(k, v []byte) error {
			n++
			// 3 is memberV3, the format the store writes now.
			if bytes.HasPrefix(k, []byte("afp\x002026")) || len(v) == 0 || v[0] != 3 {
				t.Errorf("a record of the earlier layout is left: %q", k)
			}
			return nil
		})
		if n == 0 {
			t.Error("no member records after the rebuild")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d old records replaced", moved)
}
