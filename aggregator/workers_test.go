package aggregator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// workerPosts are randomPosts with a few authorless (Instagram) posts among
// them, which count in cells and top posts but have no member record.
func workerPosts(r *rand.Rand, n int) []store.Post {
	posts := randomPosts(r, n)
	for i := range posts {
		if r.IntN(30) == 0 {
			p := &posts[i]
			p.Platform, p.Source, p.Author = store.PlatformInstagram, store.SourceInstagram, store.Author{}
			p.Engagement += 100
		}
	}
	return posts
}

// openStore opens a store the test closes itself (to reopen it).
func openStore(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// dumpStore is every key and value of every bucket of db (nested buckets
// too), from a backup, as "bucket/…/key" → value.
func dumpStore(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dump.db")
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	out := map[string]string{}
	var walk func(prefix string, bk *bolt.Bucket) error
	walk = func(prefix string, bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"/", bk.Bucket(k))
			}
			out[prefix+string(k)] = string(v)
			return nil
		})
	}
	err = b.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error { return walk(string(name)+"/", bk) })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameStores fails the test at the first key where two dumps differ.
func sameStores(t *testing.T, got, want map[string]string) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		g, gok := got[k]
		w, wok := want[k]
		if g != w || gok != wok {
			t.Fatalf("key %q: got %q (present %v), want %q (present %v)", k, g, gok, w, wok)
		}
	}
	if len(want) < 100 {
		t.Fatalf("only %d keys in the store: the test folded next to nothing", len(want))
	}
}

// TestWorkersFoldTheSame: a pass folded by four workers writes the same
// bytes, in every cell, member record, top list and the meta, as one
// worker does, over several catch-ups in passes (the later ones on top of
// stored figures, with earlier posts arriving late) and a small batch; and
// so do passes that read their posts from the log rather than from a
// spill (aggregator.NoSpill), with one worker and with three.
func TestWorkersFoldTheSame(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 17))
			posts := workerPosts(r, 1500)
			cuts := []int{600 + r.IntN(200), 1400 + r.IntN(50), len(posts)}
			passPosts, batch := 30+r.IntN(120), 1+r.IntN(300)
			var dumps []map[string]string
			for _, run := range []struct {
				workers int
				noSpill bool
			}{{1, false}, {4, false}, {1, true}, {3, true}} {
				workers := run.workers
				dir := t.TempDir()
				db := openStore(t, filepath.Join(dir, "tagpulse.db"))
				a := aggregator.New(db, campaigns(t), aggregator.Options{PassPosts: passPosts, BatchSize: batch, TopN: 5, Workers: workers})
				if run.noSpill {
					aggregator.NoSpill(a)
				}
				foldInCutsAndCheck(t, db, a, posts, cuts, fmt.Sprintf("workers %d", workers))
				onlyStore(t, dir)
				dumps = append(dumps, dumpStore(t, db))
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range dumps[1:] {
				sameStores(t, d, dumps[0])
			}
		})
	}
}

// TestWorkersResumeAPass: a catch-up in passes by four workers that stops
// between passes (as at a crash: the store is closed and opened again)
// and is finished by a new aggregator with another number of workers
// leaves the same store as one worker folding without a stop.
func TestWorkersResumeAPass(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 19))
			posts := workerPosts(r, 1200)
			opts := aggregator.Options{PassPosts: 40 + r.IntN(100), BatchSize: 1 + r.IntN(300), TopN: 5}

			ref := openStore(t, filepath.Join(t.TempDir(), "ref.db"))
			defer ref.Close()
			if _, err := ref.Append(posts, nil); err != nil {
				t.Fatal(err)
			}
			o := opts
			o.Workers = 1
			if _, err := aggregator.New(ref, campaigns(t), o).CatchUp(t.Context()); err != nil {
				t.Fatal(err)
			}

			path := filepath.Join(t.TempDir(), "tagpulse.db")
			db := openStore(t, path)
			if _, err := db.Append(posts, nil); err != nil {
				t.Fatal(err)
			}
			o.Workers = 4
			stopped := &stopAfter{Context: t.Context(), n: 1 + r.IntN(3)}
			if _, err := aggregator.New(db, campaigns(t), o).CatchUp(stopped); err == nil {
				t.Fatal("catch-up did not stop between passes")
			}
			onlyStore(t, filepath.Dir(path)) // its spill is open, but in no directory
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db = openStore(t, path)
			defer db.Close()
			o.Workers = 3
			a := aggregator.New(db, campaigns(t), o)
			if lag, err := a.Lag(); err != nil || lag == 0 {
				t.Fatalf("lag %d after a stopped catch-up (%v): it folded everything in one pass", lag, err)
			}
			if _, err := a.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			diffs, checked, err := a.Check(t.Context())
			if err != nil || checked == 0 || len(diffs) > 0 {
				t.Fatalf("check: checked %d, %v, %d differences: %v", checked, err, len(diffs), diffs[:min(len(diffs), 5)])
			}
			sameStores(t, dumpStore(t, db), dumpStore(t, ref))
		})
	}
}

// onlyStore fails the test unless dir holds nothing but the store
// tagpulse.db: a catch-up's spill is never left behind.
func onlyStore(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "tagpulse.db" {
			t.Errorf("%s in the store's directory", e.Name())
		}
	}
}

// foldInCutsAndCheck appends posts to db in the batches cuts end, catching a
// up after each, and fails the test (naming what) unless Check then finds
// every figure equal to a recount.
func foldInCutsAndCheck(t *testing.T, db *store.DB, a *aggregator.Aggregator, posts []store.Post, cuts []int, what string) {
	t.Helper()
	from := 0
	for _, cut := range cuts {
		if _, err := db.Append(posts[from:cut], nil); err != nil {
			t.Fatal(err)
		}
		from = cut
		if _, err := a.CatchUp(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	diffs, checked, err := a.Check(t.Context())
	if err != nil || checked == 0 || len(diffs) > 0 {
		t.Fatalf("%s: check: checked %d, %v, %d differences: %v", what, checked, err, len(diffs), diffs[:min(len(diffs), 5)])
	}
}
