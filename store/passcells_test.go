package store_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// randomChanges are changes to n distinct random cells, some of them with
// long shared prefixes, with figures of either sign.
func randomChanges(r *rand.Rand, n int) (*store.CellChanges, map[string]store.Figures) {
	want := map[string]store.Figures{}
	for len(want) < n {
		k := store.CellKey{Campaign: "afp", Grain: store.GrainDay, Dim: store.DimCountryMinute, Period: "2026-11-29",
			Value: fmt.Sprintf("%c%c/2026-11-29T%02d:%02dZ", 'A'+r.IntN(3), 'A'+r.IntN(26), r.IntN(24), r.IntN(60))}
		if r.IntN(5) == 0 {
			k = store.CellKey{Campaign: "c" + fmt.Sprint(r.IntN(3)), Grain: store.GrainTotal, Dim: store.DimLang, Value: fmt.Sprint(r.IntN(1000))}
		}
		f := store.Figures{Posts: r.Int64N(100), Originals: r.Int64N(9), Participants: r.Int64N(20) - 10, NewParticipants: -r.Int64N(3), Reach: r.Int64N(1<<40) - 1<<39}
		want[string(k.Bytes())] = f
	}
	keys := make([]string, 0, n)
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	c := &store.CellChanges{}
	for _, k := range keys {
		c.Append([]byte(k), want[k])
	}
	return c, want
}

func changesMap(t *testing.T, c *store.CellChanges) map[string]store.Figures {
	t.Helper()
	m := map[string]store.Figures{}
	for i := range c.Len() {
		if i > 0 && bytes.Compare(c.Key(i-1), c.Key(i)) >= 0 {
			t.Fatalf("keys out of order at %d: %q, %q", i, c.Key(i-1), c.Key(i))
		}
		if _, err := c.CellKey(i); err != nil {
			t.Fatal(err)
		}
		m[string(c.Key(i))] = *c.Figures(i)
	}
	return m
}

// TestPassCellsRoundTrip: the changes of passes recorded by PutPassCells
// read back as they were, in the order of the passes; MergeCellChanges
// sums them cell by cell; ClearPassCells and Reset delete them.
func TestPassCellsRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	r := rand.New(rand.NewPCG(3, 5))
	var recs []*store.CellChanges
	var wants []map[string]store.Figures
	sum := map[string]store.Figures{}
	for _, n := range []int{0, 1, 500, 3000} {
		c, want := randomChanges(r, n)
		recs, wants = append(recs, c), append(wants, want)
		for k, f := range want {
			g := sum[k]
			g.Add(f)
			sum[k] = g
		}
	}
	err := db.UpdateRollups(func(tx *store.RollupTx) error {
		if tx.HasPassCells() {
			t.Error("a new store has pass cells")
		}
		for i, c := range recs {
			if err := tx.PutPassCells(40*(len(recs)-i), c); err != nil { // out of order
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var firsts []int
	acc := &store.CellChanges{}
	err = db.ViewRollups(func(tx *store.RollupTx) error {
		if !tx.HasPassCells() {
			t.Error("no pass cells after PutPassCells")
		}
		return tx.PassCells(func(first int, c *store.CellChanges) error {
			firsts = append(firsts, first)
			i := len(recs) - first/40
			if got := changesMap(t, c); fmt.Sprint(got) != fmt.Sprint(wants[i]) {
				t.Errorf("the pass from %d reads back %d cells, want %d", first, len(got), len(wants[i]))
			}
			acc = store.MergeCellChanges(nil, acc, c)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(firsts, []int{40, 80, 120, 160}) {
		t.Fatalf("passes read in order %v", firsts)
	}
	if got := changesMap(t, acc); fmt.Sprint(got) != fmt.Sprint(sum) {
		t.Fatalf("merged %d cells, want %d", len(got), len(sum))
	}
	// merging into reused memory gives the same
	again := store.MergeCellChanges(nil, recs[2], recs[3])
	reused := store.MergeCellChanges(store.MergeCellChanges(nil, recs[3], recs[1]), recs[2], recs[3])
	if fmt.Sprint(changesMap(t, again)) != fmt.Sprint(changesMap(t, reused)) {
		t.Fatal("a merge into reused memory differs")
	}
	for _, clear := range []func(*store.RollupTx) error{(*store.RollupTx).ClearPassCells, (*store.RollupTx).Reset} {
		err = db.UpdateRollups(func(tx *store.RollupTx) error {
			if err := tx.PutPassCells(0, recs[2]); err != nil {
				return err
			}
			if err := clear(tx); err != nil {
				return err
			}
			if tx.HasPassCells() {
				t.Error("pass cells left after clearing")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
