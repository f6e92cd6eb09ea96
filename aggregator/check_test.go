package aggregator_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestCheckOnWorkers: a check in many passes on several workers finds what
// one worker finds: nothing on an exact store, having read every post once,
// and exactly the cells and top list changed behind the aggregator's back.
func TestCheckOnWorkers(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(3) {
		r := rand.New(rand.NewPCG(seed, 17))
		db := storetest.Open(t)
		posts := randomPosts(r, 600+r.IntN(600))
		if _, err := db.Append(posts, nil); err != nil {
			t.Fatal(err)
		}
		opts := aggregator.Options{PassPosts: 30 + r.IntN(100), TopN: 5, Workers: 1}
		if _, err := aggregator.New(db, campaigns(t), opts).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		var stored int
		if err := db.ViewRollups(func(tx *store.RollupTx) error { stored = int(tx.Watermark()); return nil }); err != nil {
			t.Fatal(err)
		}
		check := func(workers int) ([]string, int) {
			t.Helper()
			o := opts
			o.Workers = workers
			diffs, checked, err := aggregator.New(db, campaigns(t), o).Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return diffs, checked
		}
		for _, w := range []int{1, 2, 5} {
			if diffs, checked := check(w); len(diffs) > 0 || checked != stored {
				t.Fatalf("seed %d, %d workers, exact store: checked %d of %d posts, diffs %v", seed, w, checked, stored, diffs)
			}
		}

		// change three cells of different grains and dimensions, and one
		// day's top participants
		var cells []store.Cell
		err := db.ViewRollups(func(tx *store.RollupTx) error {
			return tx.AllCells(func(c store.Cell) error {
				cells = append(cells, c)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		var day string
		changed := map[int]bool{}
		topChanged := false
		err = db.UpdateRollups(func(tx *store.RollupTx) error {
			for _, i := range []int{r.IntN(len(cells)), r.IntN(len(cells)), r.IntN(len(cells))} {
				changed[i] = true
				c := cells[i]
				c.Participants += int64(1 + i%3)
				if err := tx.PutCell(c.CellKey, c.Figures); err != nil {
					return err
				}
				if c.Grain == store.GrainDay {
					day = c.Period
				}
			}
			if day == "" {
				return nil
			}
			tp, err := tx.TopParticipants("afp", day)
			if err != nil || len(tp) == 0 {
				return err
			}
			tp[0].Posts += 100
			topChanged = true
			return tx.PutTopParticipants("afp", day, tp)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := len(changed)
		if topChanged {
			want++
		}
		one, _ := check(1)
		if len(one) != want {
			t.Fatalf("seed %d: one worker found %d differences, want %d:\n%v", seed, len(one), want, one)
		}
		for _, w := range []int{2, 5} {
			if d, _ := check(w); !slices.Equal(d, one) {
				t.Fatalf("seed %d: %d workers found\n%v\none found\n%v", seed, w, d, one)
			}
		}
	}
}
