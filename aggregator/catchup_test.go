package aggregator_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// only is the keys of dump in bucket name, with their values.
func only(dump map[string]string, name string) map[string]string {
	out := map[string]string{}
	for k, v := range dump {
		if strings.HasPrefix(k, name+"/") {
			out[k] = v
		}
	}
	return out
}

// mustCheck fails the test unless every figure of a equals a recount.
func mustCheck(t *testing.T, a *aggregator.Aggregator, what string) {
	t.Helper()
	diffs, checked, err := a.Check(t.Context())
	if err != nil || checked == 0 || len(diffs) > 0 {
		t.Fatalf("%s: check: checked %d, %v, %d differences: %v", what, checked, err, len(diffs), diffs[:min(len(diffs), 5)])
	}
}

// catchUpQueries are the reports TestCatchUpWritesCellsOnce compares.
var catchUpQueries = []aggregator.Query{{Campaign: "afp", By: []string{"hour", "country"}}, {Campaign: "both", By: []string{"day", "lang"}}, {Campaign: "india", By: []string{"source"}}}

func reports(t *testing.T, a *aggregator.Aggregator) string {
	t.Helper()
	var b strings.Builder
	for _, q := range catchUpQueries {
		fmt.Fprintln(&b, fig(t, a, q))
	}
	return b.String()
}

// TestCatchUpWritesCellsOnce: a catch-up in passes, on top of stored
// figures, stopped after some of its passes leaves the cells bucket as it
// was before it began (the reports too), and records each finished pass's
// changes to the cells instead; Check is exact then, adding them. Resumed
// in a new process (the store closed and opened again, a new aggregator
// with another number of workers), it leaves the same store, byte for
// byte, as a catch-up that did not stop, with no records left, and every
// figure equals a recount. Started from a store as a tagpulse that wrote
// the cells in every pass left it (mainFormat: the finished passes'
// changes in the cells bucket, no records), it resumes as exactly.
func TestCatchUpWritesCellsOnce(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		for _, mainFormat := range []bool{false, true} {
			t.Run(fmt.Sprintf("seed%d/mainFormat=%v", seed, mainFormat), func(t *testing.T) {
				r := rand.New(rand.NewPCG(seed, 23))
				posts := workerPosts(r, 1400)
				cut := 300 + r.IntN(200)
				opts := aggregator.Options{PassPosts: 60 + r.IntN(80), BatchSize: 1 + r.IntN(300), TopN: 5}
				workers := [2]int{1 + int(seed%2)*3, 1 + int(seed/2%2)*2} // before and after the stop

				ref := openStore(t, filepath.Join(t.TempDir(), "ref.db"))
				defer ref.Close()
				o := opts
				o.Workers = workers[0]
				foldInCutsAndCheck(t, ref, aggregator.New(ref, campaigns(t), o), posts, []int{cut, len(posts)}, "reference")

				path := filepath.Join(t.TempDir(), "tagpulse.db")
				db := openStore(t, path)
				a := aggregator.New(db, campaigns(t), o)
				foldInCutsAndCheck(t, db, a, posts, []int{cut}, "before the catch-up")
				before, beforeReports := dumpStore(t, db), reports(t, a)
				if len(only(before, "cells")) == 0 || len(only(before, "passcells")) > 0 {
					t.Fatalf("%d cells, %d pass records before the catch-up", len(only(before, "cells")), len(only(before, "passcells")))
				}
				if _, err := db.Append(posts[cut:], nil); err != nil {
					t.Fatal(err)
				}
				lag, err := a.Lag()
				if err != nil {
					t.Fatal(err)
				}
				passes := int((lag + uint64(opts.PassPosts) - 1) / uint64(opts.PassPosts))
				if passes < 3 {
					t.Fatalf("a backlog of %d posts in %d passes", lag, passes)
				}
				done := 1 + r.IntN(passes-2)
				if _, err := a.CatchUp(&stopAfter{Context: t.Context(), n: done}); err == nil {
					t.Fatal("catch-up did not stop between passes")
				}
				mid := dumpStore(t, db)
				if got, want := only(mid, "cells"), only(before, "cells"); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("after %d of %d passes the cells bucket changed (%d cells, %d before)", done, passes, len(got), len(want))
				}
				if got := len(only(mid, "passcells")); got != done {
					t.Fatalf("after %d passes %d records of their changes to the cells", done, got)
				}
				if got := reports(t, a); got != beforeReports {
					t.Fatalf("the reports changed before the catch-up's last pass:\n%s\nbefore:\n%s", got, beforeReports)
				}
				mustCheck(t, a, "between passes")
				if mainFormat {
					if n, err := storetest.WritePassCellsToCells(db); err != nil || n != done {
						t.Fatalf("wrote the changes of %d passes to the cells (%v), want %d", n, err, done)
					}
					if got := dumpStore(t, db); len(only(got, "passcells")) > 0 || fmt.Sprint(only(got, "cells")) == fmt.Sprint(only(before, "cells")) {
						t.Fatal("the store is not as a tagpulse that wrote the cells in every pass left it")
					}
					mustCheck(t, a, "between passes, cells written in every pass")
				}
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}

				db = openStore(t, path)
				defer db.Close()
				o.Workers = workers[1]
				a = aggregator.New(db, campaigns(t), o)
				if lag, err := a.Lag(); err != nil || lag == 0 {
					t.Fatalf("lag %d after a stopped catch-up (%v)", lag, err)
				}
				if _, err := a.CatchUp(context.Background()); err != nil {
					t.Fatal(err)
				}
				mustCheck(t, a, "resumed")
				sameStores(t, dumpStore(t, db), dumpStore(t, ref))
			})
		}
	}
}

// TestCatchUpStoppedAndRebuilt: a rebuild in the middle of a catch-up in
// passes deletes the records of its passes' changes to the cells with the
// rest of the rollups (Reset), and one in the middle of its own catch-up
// leaves only its own; finished, it leaves the store a catch-up without
// stops does. The changes of a catch-up no longer in progress (as a
// tagpulse that knew nothing of them would leave them) stop the folding
// and fail Check rather than be lost, until a rebuild.
func TestCatchUpStoppedAndRebuilt(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 29))
	posts := workerPosts(r, 1200)
	opts := aggregator.Options{PassPosts: 100, BatchSize: 200, TopN: 5, Workers: 2}
	ref := openStore(t, filepath.Join(t.TempDir(), "ref.db"))
	defer ref.Close()
	refAgg := aggregator.New(ref, campaigns(t), opts)
	foldInCutsAndCheck(t, ref, refAgg, posts, []int{len(posts)}, "reference")
	if err := refAgg.Rebuild(t.Context()); err != nil { // as db's, below
		t.Fatal(err)
	}

	db := openStore(t, filepath.Join(t.TempDir(), "tagpulse.db"))
	defer db.Close()
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	a := aggregator.New(db, campaigns(t), opts)
	if _, err := a.CatchUp(&stopAfter{Context: t.Context(), n: 3}); err == nil {
		t.Fatal("catch-up did not stop between passes")
	}
	if n := len(only(dumpStore(t, db), "passcells")); n != 3 {
		t.Fatalf("%d records of the passes' changes to the cells, want 3", n)
	}
	if err := a.Reset(); err != nil {
		t.Fatal(err)
	}
	if d := dumpStore(t, db); len(only(d, "passcells")) > 0 || len(only(d, "cells")) > 0 {
		t.Fatalf("a reset left %d records of passes and %d cells", len(only(d, "passcells")), len(only(d, "cells")))
	}
	if err := a.Rebuild(&stopAfter{Context: t.Context(), n: 2}); err == nil {
		t.Fatal("rebuild did not stop between passes")
	}
	if n := len(only(dumpStore(t, db), "passcells")); n != 2 {
		t.Fatalf("%d records of the passes' changes to the cells after two passes of a rebuild, want 2", n)
	}
	mustCheck(t, a, "a rebuild between passes")
	if err := a.Rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, a, "rebuilt")
	sameStores(t, dumpStore(t, db), dumpStore(t, ref))

	// records left without their catch-up
	if err := a.Rebuild(&stopAfter{Context: t.Context(), n: 2}); err == nil {
		t.Fatal("rebuild did not stop between passes")
	}
	if err := storetest.ClearPassOnly(db); err != nil {
		t.Fatal(err)
	}
	b := aggregator.New(db, campaigns(t), opts)
	if _, err := b.CatchUp(t.Context()); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Fatalf("a catch-up over records of passes not in progress: %v", err)
	}
	if diffs, _, err := b.Check(t.Context()); err != nil || len(diffs) == 0 {
		t.Fatalf("check over records of passes not in progress: %v, %d differences", err, len(diffs))
	}
	if err := b.Rebuild(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustCheck(t, b, "rebuilt again")
	sameStores(t, dumpStore(t, db), dumpStore(t, ref))
}

// TestCatchUpNotifiesAtItsLastPass: the subscribers of a campaign whose
// posts are all in a catch-up's first pass (their authors in its first
// author buckets) are woken when its last pass writes the cells, by the
// aggregator that folded the first pass and by one that resumed the
// catch-up in a new process (which knows only that cells changed).
func TestCatchUpNotifiesAtItsLastPass(t *testing.T) {
	for _, resume := range []bool{false, true} {
		t.Run(fmt.Sprint("resume=", resume), func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 31))
			posts := randomPosts(r, 1000)
			var india []string // authors of the first buckets
			for i := 0; len(india) < 20; i++ {
				if id := fmt.Sprint("in", i); store.AuthorBucket(store.Author{ID: id}.Key("x")) < 8 {
					india = append(india, id)
				}
			}
			for i := range posts {
				if slices.Contains(posts[i].Hashtags, "savesheikhjarrah") {
					posts[i].Hashtags = []string{"allforpalestine"}
				}
				if i%10 == 0 {
					posts[i].Hashtags, posts[i].Author.ID = []string{"savesheikhjarrah"}, india[i%len(india)]
				}
			}
			path := filepath.Join(t.TempDir(), "tagpulse.db")
			db := openStore(t, path)
			if _, err := db.Append(posts, nil); err != nil {
				t.Fatal(err)
			}
			opts := aggregator.Options{PassPosts: 100, BatchSize: 200, TopN: 5, Workers: 2}
			a := aggregator.New(db, campaigns(t), opts)
			lag, err := a.Lag()
			if err != nil {
				t.Fatal(err)
			}
			passes := int((lag + 99) / 100)
			if passes < 3 || 256/passes < 8 {
				t.Fatalf("%d passes", passes)
			}
			if _, err := a.CatchUp(&stopAfter{Context: t.Context(), n: passes - 1}); err == nil {
				t.Fatal("catch-up did not stop before its last pass")
			}
			if resume {
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
				db = openStore(t, path)
				a = aggregator.New(db, campaigns(t), opts)
			}
			defer db.Close()
			q := aggregator.Query{Campaign: "india", By: []string{"day"}}
			if rows := fig(t, a, q); len(rows) != 0 {
				t.Fatalf("figures before the last pass: %v", rows)
			}
			ch, stop := a.Subscribe("india")
			defer stop()
			if _, err := a.CatchUp(t.Context()); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ch:
			default:
				t.Fatal("the last pass did not wake the campaign's subscribers")
			}
			if rows := fig(t, a, q); len(rows) == 0 {
				t.Fatal("no figures after the catch-up")
			}
			mustCheck(t, a, "after the catch-up")
		})
	}
}
