package store_test

import (
	"path/filepath"
	"testing"

	"github.com/tagpulse/tagpulse/store"
)

// TestViewRollupsNSeesOneState: the transactions ViewRollupsN gives all
// read the same state while another goroutine keeps committing, and a
// store opened read-only gives them too.
func TestViewRollupsNSeesOneState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := store.CellKey{Campaign: "afp", Grain: store.GrainTotal, Dim: store.DimAll}
	bump := func() error {
		return db.UpdateRollups(func(tx *store.RollupTx) error {
			f, _, err := tx.Cell(k)
			if err != nil {
				return err
			}
			f.Posts++
			return tx.PutCell(k, f)
		})
	}
	read := func(db *store.DB, n int) []int64 {
		t.Helper()
		var got []int64
		err := db.ViewRollupsN(n, func(txs []*store.RollupTx) error {
			if len(txs) != n {
				t.Fatalf("%d transactions, want %d", len(txs), n)
			}
			for _, tx := range txs {
				f, _, err := tx.Cell(k)
				if err != nil {
					return err
				}
				got = append(got, f.Posts)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	stop, done := make(chan struct{}), make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := bump(); err != nil {
				done <- err
				return
			}
		}
	}()
	var last int64
	distinct := 0
	for i := 0; i < 100000 && distinct < 20; i++ {
		got := read(db, 4)
		for _, v := range got[1:] {
			if v != got[0] {
				t.Fatalf("the transactions read %v: not one state", got)
			}
		}
		if got[0] < last {
			t.Fatalf("read %d after %d", got[0], last)
		}
		if got[0] != last {
			distinct++
		}
		last = got[0]
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if distinct < 2 {
		t.Fatalf("the writer committed %d times while the reads ran: nothing was tested", distinct)
	}
	want := read(db, 1)[0]
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := store.Open(path, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, v := range read(ro, 3) {
		if v != want {
			t.Fatalf("read-only store: read %d, want %d", v, want)
		}
	}
}
