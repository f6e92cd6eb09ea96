// Package storetest opens real stores in a test's temporary directory.
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
