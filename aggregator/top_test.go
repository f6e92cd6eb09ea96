package aggregator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// TestTopVoices: on a day where almost everyone posted once, the top
// participants break ties by followers (not by account id), the loudest
// voices are ranked by followers with their share of the potential reach,
// and the new voices are those whose first campaign post was that day.
func TestTopVoices(t *testing.T) {
	db := storetest.Open(t)
	a := aggregator.New(db, campaigns(t), aggregator.Options{TopN: 3})
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	var posts []store.Post
	// Yesterday: "aaron" takes part first.
	posts = append(posts, post("y1", "aaron", at(28, 10), store.KindOriginal, 50, "", "allforpalestine"))
	// Today: aaron twice, ten accounts once with few followers, zz_tagesschau once with many.
	posts = append(posts, post("t1", "aaron", at(29, 8), store.KindOriginal, 50, "", "allforpalestine"),
		post("t2", "aaron", at(29, 9), store.KindOriginal, 60, "", "allforpalestine"))
	for i := range 10 {
		posts = append(posts, post(fmt.Sprintf("s%d", i), fmt.Sprintf("a%02d", i), at(29, 10), store.KindOriginal, int64(i), "", "allforpalestine"))
	}
	posts = append(posts, post("big", "zz_tagesschau", at(29, 11), store.KindOriginal, 3_090_000, "", "allforpalestine"))
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	top, err := a.Top("both", "2026-11-29")
	if err != nil {
		t.Fatal(err)
	}
	handles := func(l []store.TopParticipant) []string {
		var out []string
		for _, p := range l {
			out = append(out, p.Handle)
		}
		return out
	}
	voices := func(l []aggregator.Voice) []string {
		var out []string
		for _, v := range l {
			out = append(out, v.Handle)
		}
		return out
	}
	if got := fmt.Sprint(handles(top.Participants)); got != "[@aaron @zz_tagesschau @a09]" {
		t.Errorf("top participants = %s, want aaron (2 posts), then by followers", got)
	}
	if got := fmt.Sprint(voices(top.Loudest)); got != "[@zz_tagesschau @aaron @a09]" {
		t.Errorf("loudest = %s", got)
	}
	reach := int64(3_090_000 + 60 + 45)
	if len(top.Loudest) == 0 || top.Loudest[0].ReachShare != float64(3_090_000)/float64(reach) {
		t.Errorf("loudest share = %+v, want 3.09M of %d", top.Loudest, reach)
	}
	if got := fmt.Sprint(voices(top.NewVoices)); got != "[@zz_tagesschau @a09 @a08]" {
		t.Errorf("new voices = %s, want today's first-timers (not aaron)", got)
	}
	if diffs, _, err := a.Check(context.Background()); err != nil || len(diffs) > 0 {
		t.Fatalf("check: %v %v", err, diffs)
	}
}
