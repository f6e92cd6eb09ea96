package mastodon_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/platformtest"
)

// addToots adds n statuses tagged #AllForPalestine, a second apart from
// 2026-11-29T10:00Z, and returns their times.
func addToots(srv *platformtest.Mastodon, from, n int) []time.Time {
	var at []time.Time
	for i := from; i < from+n; i++ {
		t := time.Date(2026, 11, 29, 10, 0, i, 0, time.UTC)
		srv.Add(platformtest.Toot{Text: fmt.Sprintf("post %d #AllForPalestine", i), Tags: []string{"AllForPalestine"}, CreatedAt: t, Acct: fmt.Sprintf("u%d@far.example", i)})
		at = append(at, t)
	}
	return at
}

// TestMastodonFirstPollPagesBack: 100 statuses (2.5 pages) before the first
// poll are all collected (it used to take the newest page only), and the
// poller says the backfill reached the start of the timeline.
func TestMastodonFirstPollPagesBack(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	at := addToots(srv, 0, 100)
	src := newMastodonPoller(t, srv, mastodon.Config{MaxPages: 2}, "allforpalestine")
	if src.Backfill() != nil {
		t.Fatalf("backfill before any poll = %+v", src.Backfill())
	}
	if _, added := mbPoll(t, db, m, src); added != 100 {
		t.Fatalf("first polls added %d, want 100", added)
	}
	b := src.Backfill()
	if b == nil || !b.Done || b.Stopped != mastodon.BackfillTimelineStart || b.Reached == nil || !b.Reached.Equal(at[0]) {
		t.Fatalf("backfill = %+v, want done at the timeline's start %v", b, at[0])
	}
	paged := false
	for _, r := range srv.Requests() {
		paged = paged || strings.Contains(r, "max_id=")
	}
	if !paged {
		t.Errorf("no max_id request: %v", srv.Requests())
	}
	// Later polls page forward only.
	addToots(srv, 100, 3)
	n := len(srv.Requests())
	if _, added := mbPoll(t, db, m, src); added != 3 {
		t.Fatalf("next poll added %d, want 3", added)
	}
	for _, r := range srv.Requests()[n:] {
		if strings.Contains(r, "max_id=") {
			t.Errorf("a later poll paged back: %s", r)
		}
	}
}

// TestMastodonBackfillStopsAtWindowAndLimit: the backfill stops once a page
// reaches the window's start, or after BackfillPages pages.
func TestMastodonBackfillStopsAtWindowAndLimit(t *testing.T) {
	t.Run("window", func(t *testing.T) {
		srv := platformtest.NewMastodon()
		defer srv.Close()
		db := mbOpenStore(t)
		at := addToots(srv, 0, 200)
		src := newMastodonPoller(t, srv, mastodon.Config{}, "allforpalestine")
		src.Since = at[150]
		if _, added := mbPoll(t, db, mbMatcher("allforpalestine"), src); added < 50 || added >= 200 {
			t.Fatalf("added %d, want the 50 since the window's start and at most a page more", added)
		}
		if b := src.Backfill(); b == nil || b.Stopped != mastodon.BackfillWindowStart || b.Reached.After(at[150]) {
			t.Fatalf("backfill = %+v, want stopped at the window's start", b)
		}
	})
	t.Run("limit", func(t *testing.T) {
		srv := platformtest.NewMastodon()
		defer srv.Close()
		db := mbOpenStore(t)
		at := addToots(srv, 0, 200)
		src := newMastodonPoller(t, srv, mastodon.Config{BackfillPages: 2}, "allforpalestine")
		if _, added := mbPoll(t, db, mbMatcher("allforpalestine"), src); added != 80 {
			t.Fatalf("added %d, want 80 (2 pages)", added)
		}
		if b := src.Backfill(); b == nil || b.Stopped != mastodon.BackfillLimit || !b.Reached.Equal(at[120]) {
			t.Fatalf("backfill = %+v, want stopped by the limit at %v", b, at[120])
		}
	})
}

// TestMastodonKillBeforeFirstCursor: a process killed after its first
// poll's request but before the cursor was stored, restarted after more than
// a page arrived, still collects every status (it lost the oldest before).
func TestMastodonKillBeforeFirstCursor(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	addToots(srv, 0, 12)
	first := newMastodonPoller(t, srv, mastodon.Config{}, "allforpalestine")
	if _, err := first.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	// kill -9: the page is never stored. Then 45 more statuses arrive.
	addToots(srv, 12, 45)
	restarted := newMastodonPoller(t, srv, mastodon.Config{}, "allforpalestine")
	if _, added := mbPoll(t, db, m, restarted); added != 57 {
		t.Fatalf("after the restart stored %d, want all 57", added)
	}
	var _ collector.Poller = restarted
}
