package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// TestSpillRunsInLogOrder: posts spilled by three writers over ranges of
// the log, small enough that each run takes many chunks, read back from
// each run in log order, each the post the log holds, only those of the
// buckets asked for; the spill's file is in no directory, even open.
func TestSpillRunsInLogOrder(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var posts []store.Post
	for i := range 3000 {
		posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(i + 1), Source: "x", Kind: store.KindOriginal,
			Author: store.Author{ID: fmt.Sprint(i % 97), Handle: fmt.Sprint("h", i%97)},
			Text:   strings.Repeat("text ", i%50), CreatedAt: time.Unix(int64(1e9+i), 0)})
		// fields some posts have and the next have not
		if p := &posts[len(posts)-1]; i%3 == 0 {
			p.Lang, p.RefID, p.Kind, p.Hashtags, p.Engagement = "en", fmt.Sprint(i), store.KindReply, []string{"allforpalestine"}, int64(i)
			p.Signals = store.Signals{PlaceCountry: "PS", ProfileLocation: "Gaza"}
		}
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	const runs = 5
	run := func(bucket int) int {
		if bucket < 10 {
			return -1 // a pass done already
		}
		return bucket % runs
	}
	sp, err := db.NewSpill(runs)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	store.SetSpillChunk(sp, 4<<10)
	bounds := []uint64{0, 700, 1900, 3000}
	for g := range 3 {
		w := sp.Writer(g)
		err := db.ViewRollups(func(tx *store.RollupTx) error {
			if err := tx.SpillPosts(w, bounds[g], bounds[g+1], run); err != nil {
				return err
			}
			return w.Flush()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sp.Seal()
	if sp.Bytes() < 4<<10*runs*3*4 {
		t.Fatalf("spill of %d bytes: too few for many chunks a run", sp.Bytes())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d files in the store's directory, want only the store", len(ents))
	}
	seen := 0
	for r := range runs {
		for _, odd := range []bool{false, true} {
			want := func(bucket int) bool { return bucket%2 == 1 == odd }
			var got []uint64
			err := db.ViewRollups(func(tx *store.RollupTx) error {
				return tx.SpilledPosts(sp, r, want, func(seq uint64, p *store.Post) error {
					q := posts[seq-1]
					b := store.AuthorBucket(q.Author.Key(q.Platform))
					if p.ID != q.ID || p.Text != q.Text || p.Author != q.Author {
						t.Errorf("post %d: got %q by %v, want %q by %v", seq, p.ID, p.Author, q.ID, q.Author)
					}
					// decoded into the Post of the one before: nothing of it stays
					if stored, err := db.Get(q.Platform, q.ID); err != nil || !reflect.DeepEqual(*p, stored) {
						t.Errorf("post %d: got %+v, stored %+v (%v)", seq, *p, stored, err)
					}
					if run(b) != r || !want(b) {
						t.Errorf("post %d of bucket %d in run %d", seq, b, r)
					}
					got = append(got, seq)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSorted(got) {
				t.Errorf("run %d: posts out of log order", r)
			}
			seen += len(got)
		}
	}
	wantSeen := 0
	for _, q := range posts {
		if run(store.AuthorBucket(q.Author.Key(q.Platform))) >= 0 {
			wantSeen++
		}
	}
	if seen != wantSeen || seen == 0 {
		t.Fatalf("read %d posts from the runs, want %d", seen, wantSeen)
	}
}
