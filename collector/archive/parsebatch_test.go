package archive

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// TestParseBatchKeepsOrder: whatever the number of workers (each takes a
// run of consecutive records), every record's posts and errors come back
// at its place, through Parse and through AppendParse, for records with
// no post, one, several and an error, and batches smaller than the
// workers.
func TestParseBatchKeepsOrder(t *testing.T) {
	// Record "n" holds n%4 posts, named after it; n%5 == 0 is also bad.
	parse := func(posts []store.Post, rec []byte, _ time.Time) ([]store.Post, []error) {
		n, _ := strconv.Atoi(string(rec))
		for j := range n % 4 {
			posts = append(posts, store.Post{Platform: store.PlatformX, ID: fmt.Sprintf("%d.%d", n, j)})
		}
		if n%5 == 0 {
			return posts, []error{errors.New(string(rec))}
		}
		return posts, nil
	}
	formats := map[string]*collector.Format{
		"Parse":       {Parse: func(rec []byte, now time.Time) ([]store.Post, []error) { return parse(nil, rec, now) }},
		"AppendParse": {AppendParse: parse},
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for name, f := range formats {
		for _, procs := range []int{1, 2, 3, 7} {
			runtime.GOMAXPROCS(procs)
			for _, size := range []int{1, 2, 5, 101} {
				batch := make([]record, size)
				for i := range batch {
					batch[i] = record{line: i + 1, data: []byte(strconv.Itoa(i))}
				}
				out := parseBatch(f, batch, time.Time{})
				if len(out) != size {
					t.Fatalf("%s, %d procs, %d records: %d results", name, procs, size, len(out))
				}
				for i, pr := range out {
					if len(pr.posts) != i%4 || (i%5 == 0) != (len(pr.bad) == 1) {
						t.Fatalf("%s, %d procs, %d records: record %d has %d posts, %v", name, procs, size, i, len(pr.posts), pr.bad)
					}
					for j, p := range pr.posts {
						if want := fmt.Sprintf("%d.%d", i, j); p.ID != want || p.Arrival != store.ArrivalImport {
							t.Fatalf("%s, %d procs, %d records: record %d post %d is %q (%q), want %q", name, procs, size, i, j, p.ID, p.Arrival, want)
						}
					}
				}
			}
		}
	}
}
