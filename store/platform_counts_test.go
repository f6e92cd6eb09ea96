package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

func openCountsStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPlatformCounts(t *testing.T) {
	db := openCountsStore(t)
	h0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	h := func(i int) time.Time { return h0.Add(time.Duration(i) * time.Hour) }

	t.Run("EmptyStore", func(t *testing.T) {
		got, err := db.PlatformCounts("c", "x", h(-100), h(100))
		if err != nil || len(got) != 0 {
			t.Fatalf("PlatformCounts on a fresh store = %v, %v; want empty, nil", got, err)
		}
	})

	gaza := time.FixedZone("EET", 2*3600)
	if err := db.PutPlatformCounts("c", "x", map[time.Time]int64{
		h(0):                       5,
		h(1).Add(25 * time.Minute): 7,       // truncated to its hour
		h(2).In(gaza):              9,       // any zone, stored as UTC
		h(3):                       0,       // a zero is a count too
		h(-1):                      1 << 40, // big values survive
	}); err != nil {
		t.Fatal(err)
	}
	// Another campaign and another source do not mix in.
	if err := db.PutPlatformCounts("c2", "x", map[time.Time]int64{h(0): 99}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutPlatformCounts("c", "xx", map[time.Time]int64{h(0): 98}); err != nil {
		t.Fatal(err)
	}

	t.Run("Range", func(t *testing.T) {
		got, err := db.PlatformCounts("c", "x", h(0).Add(30*time.Minute), h(3))
		if err != nil {
			t.Fatal(err)
		}
		want := map[time.Time]int64{h(0): 5, h(1): 7, h(2): 9}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("hour %s = %d, want %d", k, got[k], v)
			}
			if k.Location() != time.UTC {
				t.Errorf("hour %s not UTC", k)
			}
		}
	})
	t.Run("All", func(t *testing.T) {
		got, err := db.PlatformCounts("c", "x", h(-10), h(10))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 5 || got[h(-1)] != 1<<40 || got[h(3)] != 0 {
			t.Fatalf("got %v", got)
		}
		if _, ok := got[h(3)]; !ok {
			t.Fatal("a reported zero must be present")
		}
	})
	t.Run("Overwrite", func(t *testing.T) {
		if err := db.PutPlatformCounts("c", "x", map[time.Time]int64{h(2): 12}); err != nil {
			t.Fatal(err)
		}
		got, _ := db.PlatformCounts("c", "x", h(2), h(3))
		if got[h(2)] != 12 || len(got) != 1 {
			t.Fatalf("after overwrite got %v, want {%s:12}", got, h(2))
		}
		other, _ := db.PlatformCounts("c2", "x", h(-10), h(10))
		if other[h(0)] != 99 || len(other) != 1 {
			t.Fatalf("campaign c2 = %v, want {%s:99}", other, h(0))
		}
	})
	t.Run("Rejects", func(t *testing.T) {
		if err := db.PutPlatformCounts("", "x", nil); err == nil {
			t.Error("empty campaign accepted")
		}
		if err := db.PutPlatformCounts("c", "x", map[time.Time]int64{h(0): -1}); err == nil {
			t.Error("negative count accepted")
		}
		got, _ := db.PlatformCounts("c", "x", h(0), h(1))
		if got[h(0)] != 5 {
			t.Errorf("a rejected write changed hour 0 to %d", got[h(0)])
		}
	})
	t.Run("SurvivesReopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "r.db")
		db, err := store.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PutPlatformCounts("c", "x", map[time.Time]int64{h(0): 3}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		ro, err := store.Open(path, &store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Close()
		got, err := ro.PlatformCounts("c", "x", h(0), h(1))
		if err != nil || got[h(0)] != 3 {
			t.Fatalf("read-only reopen: %v, %v", got, err)
		}
	})
}
