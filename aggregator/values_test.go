package aggregator_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator"
)

// TestManyValuesFoldTheSame: a batch holds the cells of a dimension's
// first values in slices by period and the rest in maps (past 256 values);
// posts with 600 countries and 600 languages, in no time order (earlier
// posts arriving late), folded in passes by one worker and by four (each
// worker's share of a pass still holding more than 256), and in batches,
// give the recount's figures and the same bytes.
func TestManyValuesFoldTheSame(t *testing.T) {
	for seed := uint64(1); seed <= 1; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 23))
			posts := workerPosts(r, 6000)
			for i := range posts {
				c := r.IntN(600)
				posts[i].Signals.PlaceCountry = string(rune('A'+c/26)) + string(rune('A'+c%26))
				l := r.IntN(600)
				posts[i].Lang = "l" + string(rune('a'+l/26)) + string(rune('a'+l%26))
			}
			cuts := []int{3000 + r.IntN(300), 5000 + r.IntN(300), len(posts)}
			var dumps []map[string]string
			for _, o := range []aggregator.Options{
				{PassPosts: 2500, BatchSize: 5000, Workers: 1},
				{PassPosts: 2500, BatchSize: 5000, Workers: 4},
				{PassPosts: 1 << 20, BatchSize: 1500 + r.IntN(500), Workers: 1}, // no passes: batches
			} {
				o.TopN = 5
				db := openStore(t, filepath.Join(t.TempDir(), "tagpulse.db"))
				a := aggregator.New(db, campaigns(t), o)
				foldInCutsAndCheck(t, db, a, posts, cuts, fmt.Sprintf("%+v", o))
				rows, err := a.Report(aggregator.Query{Campaign: "afp", By: []string{"country"}})
				if err != nil || len(rows) < 500 {
					t.Fatalf("%d countries (%v): the posts did not reach the map past the slices", len(rows), err)
				}
				dumps = append(dumps, dumpStore(t, db))
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			}
			// the same cells, member records and top lists (the posts'
			// compression dictionary, trained on a sample, may differ;
			// batches write no pass records)
			rollups := func(d map[string]string) map[string]string {
				out := map[string]string{}
				for k, v := range d {
					if b, _, _ := strings.Cut(k, "/"); b == "cells" || b == "members" || b == "tops" {
						out[k] = v
					}
				}
				return out
			}
			want := rollups(dumps[0])
			if len(want) < 1000 {
				t.Fatalf("only %d rollup keys", len(want))
			}
			sameStores(t, rollups(dumps[1]), want)
			sameStores(t, rollups(dumps[2]), want)
		})
	}
}
