package aggregator_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestAmendedPostsCountAsIfCollectedSo: posts stored without their
// author's profile or engagement (as Jetstream gives them), amended later in
// random batches interleaved with folding, end with the figures and top
// lists of the same posts stored already amended; Check agrees and Rebuild
// changes nothing.
func TestAmendedPostsCountAsIfCollectedSo(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 13))
			ctx := context.Background()
			posts := randomPosts(r, 500)
			seen := map[string]bool{}
			var uniq []store.Post
			for i, p := range posts {
				if seen[p.ID] {
					continue
				}
				seen[p.ID] = true
				p.CreatedAt = p.CreatedAt.Add(time.Duration(i)) // no two posts at one instant
				uniq = append(uniq, p)
			}
			// What the platform says of each author and post, learnt later.
			follows := map[string]int64{}
			type truth struct {
				author     store.Author
				engagement int64
			}
			final := make([]truth, len(uniq))
			for i, p := range uniq {
				if _, ok := follows[p.Author.ID]; !ok {
					follows[p.Author.ID] = int64(r.IntN(5000))
				}
				final[i] = truth{store.Author{ID: p.Author.ID, Handle: p.Author.ID + ".bsky.social", Name: "N " + p.Author.ID, Followers: follows[p.Author.ID]}, p.Engagement + int64(r.IntN(100))}
			}

			// Store A: raw posts, amended afterwards in pieces.
			dbA := storetest.Open(t)
			aggA := aggregator.New(dbA, campaigns(t), aggregator.Options{BatchSize: 1 + r.IntN(30), PassPosts: 20 + r.IntN(200), TopN: 5})
			raw := make([]store.Post, len(uniq))
			for i, p := range uniq {
				p.Author = store.Author{ID: p.Author.ID}
				p.Engagement = 0
				raw[i] = p
			}
			var pending []int // indexes of stored posts not yet amended
			next := 0
			for next < len(raw) || len(pending) > 0 {
				if next < len(raw) && (len(pending) == 0 || r.IntN(2) == 0) {
					n := min(len(raw)-next, 1+r.IntN(60))
					if _, err := dbA.Append(raw[next:next+n], nil); err != nil {
						t.Fatal(err)
					}
					for i := next; i < next+n; i++ {
						pending = append(pending, i)
					}
					next += n
				} else {
					r.Shuffle(len(pending), func(i, j int) { pending[i], pending[j] = pending[j], pending[i] })
					n := min(len(pending), 1+r.IntN(50))
					var am []store.Amend
					for _, i := range pending[:n] {
						a := store.Amend{Seq: uint64(i + 1), Platform: raw[i].Platform, ID: raw[i].ID, At: time.Now()}
						switch r.IntN(3) {
						case 0: // profile first, engagement in a later round
							au := final[i].author
							a.Author = &au
							a.Engagement = final[i].engagement / 2
							pending = append(pending, i)
						default:
							au := final[i].author
							a.Author, a.Engagement = &au, final[i].engagement
						}
						am = append(am, a)
					}
					pending = pending[n:]
					if _, err := dbA.Amend(am, nil, nil); err != nil {
						t.Fatal(err)
					}
				}
				if r.IntN(3) == 0 {
					if _, err := aggA.CatchUp(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := aggA.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}

			// Store B: the same posts, stored as the platform finally described them.
			dbB := storetest.Open(t)
			aggB := aggregator.New(dbB, campaigns(t), aggregator.Options{TopN: 5})
			done := make([]store.Post, len(uniq))
			for i, p := range raw {
				p.Author, p.Engagement = final[i].author, final[i].engagement
				done[i] = p
			}
			if _, err := dbB.Append(done, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := aggB.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}

			diffs, checked, err := aggA.Check(ctx)
			if err != nil || checked != len(uniq) || len(diffs) > 0 {
				t.Fatalf("check: %v, %d posts, %d differences:\n%v", err, checked, len(diffs), diffs[:min(len(diffs), 10)])
			}
			for _, c := range []string{"afp", "both", "india"} {
				q := aggregator.Query{Campaign: c, By: []string{"day", "country"}}
				if a, b := fig(t, aggA, q), fig(t, aggB, q); fmt.Sprint(a) != fmt.Sprint(b) {
					t.Fatalf("%s: amended\n%v\nwant\n%v", c, a, b)
				}
				tot, err := aggA.Totals(c)
				if err != nil || tot.Reach == 0 {
					t.Fatalf("%s: totals %+v, %v: reach should come from the amendments", c, tot, err)
				}
				for d := 27; d <= 31; d++ {
					day := fmt.Sprintf("2026-11-%02d", d)
					ta, _ := aggA.Top(c, day)
					tb, _ := aggB.Top(c, day)
					if fmt.Sprint(ta) != fmt.Sprint(tb) {
						t.Fatalf("%s %s top lists:\n%v\nwant\n%v", c, day, ta, tb)
					}
				}
			}
			before := fig(t, aggA, aggregator.Query{Campaign: "afp", By: []string{"hour"}})
			if err := aggA.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			if after := fig(t, aggA, aggregator.Query{Campaign: "afp", By: []string{"hour"}}); fmt.Sprint(before) != fmt.Sprint(after) {
				t.Fatal("rebuild changed the hourly figures")
			}

			// A backlog larger than PassPosts, by the same authors, folded
			// in passes over the amended rollups: Check is exact between
			// passes (the finished passes hold the new posts of their
			// authors, whose earlier posts are amended) and after.
			var more []store.Post
			for i, p := range randomPosts(r, 300) {
				p.ID = fmt.Sprintf("late%d", i)
				p.CreatedAt = p.CreatedAt.Add(time.Duration(len(uniq) + i))
				p.Author, p.Engagement = store.Author{ID: p.Author.ID}, 0
				more = append(more, p)
			}
			if _, err := dbA.Append(more, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := aggA.CatchUp(&stopAfter{Context: ctx, n: 1}); err == nil {
				t.Fatal("catch-up did not stop between passes")
			}
			if lag, err := aggA.Lag(); err != nil || lag == 0 {
				t.Fatalf("lag %d after a stopped catch-up (%v): it folded everything in one pass", lag, err)
			}
			for step := range 2 {
				diffs, checked, err := aggA.Check(ctx)
				if err != nil || len(diffs) > 0 || (step == 1 && checked != len(uniq)+len(more)) {
					t.Fatalf("check %d: %v, %d posts, %d differences:\n%v", step, err, checked, len(diffs), diffs[:min(len(diffs), 10)])
				}
				if _, err := aggA.CatchUp(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestAmendRefusesAPostThatIsNotThere: an amendment names its post by
// sequence number and ID, both checked.
func TestAmendRefusesAPostThatIsNotThere(t *testing.T) {
	db := storetest.Open(t)
	p := post("1", "amal", time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), store.KindOriginal, 0, "", "allforpalestine")
	if _, err := db.Append([]store.Post{p}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Amend([]store.Amend{{Seq: 2, Platform: "x", ID: "1", Engagement: 3}}, nil, nil); err == nil {
		t.Error("amendment of post 2 accepted")
	}
	if _, err := db.Amend([]store.Amend{{Seq: 1, Platform: "x", ID: "2", Engagement: 3}}, nil, nil); err == nil {
		t.Error("amendment naming another post accepted")
	}
	res, err := db.Amend([]store.Amend{{Seq: 1, Platform: "x", ID: "1", Engagement: 3}, {Seq: 1, Platform: "x", ID: "1", Engagement: 2}}, nil, nil)
	if err != nil || res.Amended != 1 || res.Unchanged != 1 {
		t.Errorf("amend = %+v, %v; want the lower engagement dropped", res, err)
	}
	// By platform and ID alone.
	if res, err := db.Amend([]store.Amend{{Platform: "x", ID: "1", Engagement: 9}}, nil, nil); err != nil || res.Amended != 1 {
		t.Errorf("amend by ID = %+v, %v", res, err)
	}
	if am, ok, _ := db.PostAmend(1); !ok || am.Engagement != 9 || am.Seq != 1 {
		t.Errorf("amendment by ID = %+v", am)
	}
	if _, err := db.Amend([]store.Amend{{Platform: "x", ID: "nope", Engagement: 9}}, nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("amend of an unknown ID: %v", err)
	}
}
