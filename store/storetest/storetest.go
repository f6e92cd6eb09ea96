// Package storetest opens real stores in a test's temporary directory, and
// leaves them as older tagpulses did.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/tagpulse/tagpulse/store"
)

// Open opens a fresh store file in t.TempDir(). At cleanup it runs bbolt's
// page consistency check and closes the store.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(filepath.Join(tb.TempDir(), "tagpulse.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil {
			tb.Errorf("store consistency: %v", err)
		}
		db.Close()
	})
	return db
}

// WritePassCellsToCells leaves a store whose catch-up in passes is in
// progress as a tagpulse that wrote the cells in every pass (one from
// before store.RollupTx.PutPassCells) left it: each finished pass's
// recorded changes added to the cells, and no records. It returns how many
// records it applied.
func WritePassCellsToCells(db *store.DB) (n int, err error) {
	err = db.UpdateRollups(func(t *store.RollupTx) error {
		var changes []*store.CellChanges
		if err := t.PassCells(func(_ int, c *store.CellChanges) error {
			changes = append(changes, c)
			return nil
		}); err != nil {
			return err
		}
		for _, c := range changes {
			for i := range c.Len() {
				k, err := c.CellKey(i)
				if err != nil {
					return err
				}
				f, _, err := t.Cell(k)
				if err != nil {
					return err
				}
				f.Add(*c.Figures(i))
				if err := t.PutCell(k, f); err != nil {
					return err
				}
			}
		}
		n = len(changes)
		return t.ClearPassCells()
	})
	return n, err
}

// ClearPassOnly forgets the catch-up in passes in progress but not the
// changes its passes recorded, as a tagpulse from before
// store.RollupTx.PutPassCells finishing the catch-up would.
func ClearPassOnly(db *store.DB) error {
	return db.UpdateRollups(func(t *store.RollupTx) error { return t.ClearPass() })
}
