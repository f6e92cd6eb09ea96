package bluesky_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

var avNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// skeetPost is a post as Jetstream gives it: the author by DID alone.
func skeetPost(did, rkey string, at time.Time) store.Post {
	uri := "at://" + did + "/app.bsky.feed.post/" + rkey
	return store.Post{Platform: store.PlatformBluesky, ID: uri, Source: store.SourceBluesky, Kind: store.KindOriginal,
		CreatedAt: at, CollectedAt: at, Hashtags: []string{"allforpalestine"}, Author: store.Author{ID: did}}
}

func newProfiles(t *testing.T, av *platformtest.AppView, db *store.DB, now *time.Time) *bluesky.Profiles {
	t.Helper()
	p, err := bluesky.NewProfiles(bluesky.AppViewConfig{BaseURL: av.URL}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return *now }
	return p
}

// TestProfilesResolveInBatchesAndCache: 30 authors are asked in two calls
// (25 + 5); each of their posts gets the profile as an amendment; a later
// post by a known author is served from the cache; after a day the profile
// is fetched again; an author the AppView does not know is left as it was.
func TestProfilesResolveInBatchesAndCache(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	now := avNow
	var posts []store.Post
	for i := 0; i < 30; i++ {
		did := fmt.Sprintf("did:plc:author%02d", i)
		av.AddProfiles(platformtest.BskyProfile{DID: did, Handle: fmt.Sprintf("a%02d.bsky.social", i), Name: fmt.Sprint("A ", i), Followers: int64(100 + i)})
		posts = append(posts, skeetPost(did, "p1", now.Add(-time.Minute)))
	}
	posts = append(posts, skeetPost("did:plc:gone", "p1", now), skeetPost("did:plc:author03", "p2", now))
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	p := newProfiles(t, av, db, &now)
	page, err := p.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := av.ProfileCalls()
	if len(calls) != 2 || len(calls[0]) != 25 || len(calls[1]) != 6 || page.Fetched != 30 {
		t.Fatalf("getProfiles calls %d (%v), fetched %d; want 25+6 actors, 30 profiles", len(calls), calls, page.Fetched)
	}
	if page.RateLimit == nil || page.RateLimit.Limit != 3000 || page.RateLimit.Remaining != 2998 {
		t.Errorf("rate limit = %+v", page.RateLimit)
	}
	for seq, want := range map[uint64]string{1: "a00.bsky.social/100", 4: "a03.bsky.social/103", 32: "a03.bsky.social/103"} {
		am, ok, err := db.PostAmend(seq)
		if err != nil || !ok || am.Author == nil || fmt.Sprintf("%s/%d", am.Author.Handle, am.Author.Followers) != want {
			t.Errorf("post %d amendment = %+v %v %v, want %s", seq, am, ok, err, want)
		}
	}
	if _, ok, _ := db.PostAmend(31); ok {
		t.Error("the unknown author's post was amended")
	}

	// A new post by a known author: the cache, no call.
	if _, err := db.Append([]store.Post{skeetPost("did:plc:author05", "p3", now)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(av.ProfileCalls()); n != 2 {
		t.Errorf("getProfiles calls = %d after a cached author's post, want 2", n)
	}
	if am, ok, _ := db.PostAmend(33); !ok || am.Author.Followers != 105 {
		t.Errorf("cached amendment = %+v", am)
	}

	// A day later the profile is fetched again, with its new count.
	now = now.Add(25 * time.Hour)
	av.AddProfiles(platformtest.BskyProfile{DID: "did:plc:author05", Handle: "a05.bsky.social", Followers: 999})
	if _, err := db.Append([]store.Post{skeetPost("did:plc:author05", "p4", now)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(av.ProfileCalls()); n != 3 {
		t.Errorf("getProfiles calls = %d after a day, want 3", n)
	}
	if am, ok, _ := db.PostAmend(34); !ok || am.Author.Followers != 999 {
		t.Errorf("refreshed amendment = %+v", am)
	}
	if am, _, _ := db.PostAmend(33); am.Author.Followers != 105 {
		t.Errorf("an earlier post's amendment changed to %+v: it keeps the count of its time", am)
	}
}

// TestProfilesWaitForTheRateLimitReset: with the AppView's window spent,
// the resolver asks nothing, says until when, and leaves its cursor, so the
// posts are resolved after the reset.
func TestProfilesWaitForTheRateLimitReset(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	now := time.Now().UTC()
	av.AddProfiles(platformtest.BskyProfile{DID: "did:plc:amal", Handle: "amal.bsky.social", Followers: 42})
	if _, err := db.Append([]store.Post{skeetPost("did:plc:amal", "p1", now)}, nil); err != nil {
		t.Fatal(err)
	}
	reset := now.Add(3 * time.Minute).Truncate(time.Second)
	av.SetRateLimit(3000, 0, reset)
	p := newProfiles(t, av, db, &now)
	page, err := p.Poll(context.Background(), nil)
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(reset) {
		t.Fatalf("poll = %v, want rate limited until %s", err, reset)
	}
	if page.RateLimit == nil || page.RateLimit.Remaining != 0 || !page.RateLimit.Reset.Equal(reset) {
		t.Errorf("rate limit = %+v", page.RateLimit)
	}
	if _, err := p.Poll(context.Background(), nil); !errors.As(err, &rl) {
		t.Fatalf("second poll = %v, want refused without asking", err)
	}
	if n := av.Calls("app.bsky.actor.getProfiles"); n != 1 {
		t.Errorf("getProfiles calls = %d while spent, want 1 (the 429)", n)
	}
	if _, ok, _ := db.PostAmend(1); ok {
		t.Fatal("amended while rate limited")
	}
	av.SetRateLimit(3000, 3000, now.Add(5*time.Minute))
	now = reset.Add(time.Second)
	if _, err := p.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if am, ok, _ := db.PostAmend(1); !ok || am.Author.Handle != "amal.bsky.social" || am.Author.Followers != 42 {
		t.Errorf("after the reset: %+v %v", am, ok)
	}
}

// TestEngagementRefreshesWithinBudget: the refresher asks getPosts for at
// most its budget of posts, never-seen first, reposts never, and records
// engagement that grew.
func TestEngagementRefreshesWithinBudget(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	var posts []store.Post
	for i := 0; i < 60; i++ {
		posts = append(posts, skeetPost("did:plc:amal", fmt.Sprint("p", i), avNow.Add(time.Duration(i)*time.Minute)))
	}
	rp := skeetPost("did:plc:basel", "r1", avNow)
	rp.ID, rp.Kind, rp.RefID = "at://did:plc:basel/app.bsky.feed.repost/r1", store.KindRepost, posts[0].ID
	posts = append(posts, rp)
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	av.SetEngagement(posts[59].ID, platformtest.BskyEngagement{Likes: 10, Reposts: 2, Replies: 1, Quotes: 1})
	av.SetEngagement(posts[0].ID, platformtest.BskyEngagement{Likes: 3})
	e, err := bluesky.NewEngagement(bluesky.AppViewConfig{BaseURL: av.URL, EngagementCalls: 2}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := avNow.Add(2 * time.Hour)
	e.Now = func() time.Time { return now }
	page, err := e.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := av.Calls("app.bsky.feed.getPosts"); n != 2 || page.Fetched != 50 {
		t.Fatalf("getPosts calls %d, fetched %d; want 2 calls, 50 posts (the budget)", n, page.Fetched)
	}
	if am, ok, _ := db.PostAmend(60); !ok || am.Engagement != 14 {
		t.Errorf("newest post: %+v %v, want engagement 14", am, ok)
	}
	if _, ok, _ := db.PostAmend(1); ok {
		t.Error("the oldest post was asked before the budget reached it")
	}
	// At once, nothing is due but the 10 never asked.
	av.SetEngagement(posts[59].ID, platformtest.BskyEngagement{Likes: 20, Reposts: 2, Replies: 1, Quotes: 1})
	if page, err := e.Poll(context.Background(), nil); err != nil || page.Fetched != 10 {
		t.Fatalf("second round fetched %d, %v; want the 10 never asked", page.Fetched, err)
	}
	if am, _, _ := db.PostAmend(60); am.Engagement != 14 {
		t.Errorf("newest post looked up again within EngagementEvery: %d", am.Engagement)
	}
	// Ten minutes on, all are due: the most engaged first.
	now = now.Add(10 * time.Minute)
	if page, err := e.Poll(context.Background(), nil); err != nil || page.Fetched != 50 {
		t.Fatalf("third round fetched %d, %v; want the budget", page.Fetched, err)
	}
	if am, ok, _ := db.PostAmend(1); !ok || am.Engagement != 3 {
		t.Errorf("oldest post: %+v %v, want engagement 3", am, ok)
	}
	if am, _, _ := db.PostAmend(60); am.Engagement != 24 {
		t.Errorf("newest post refreshed to %d, want 24", am.Engagement)
	}
}

// TestBackfillSearchesTheHoursBefore: searchPosts with a logged-in
// session, page by page, restarting with an earlier until when the cursor
// gives out; an expired token logs in again; every post is found once.
func TestBackfillSearchesTheHoursBefore(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	av.SearchDepth = 150
	av.SetAccount("tagpulse.bsky.social", "app-pass-1234")
	av.AddProfiles(platformtest.BskyProfile{DID: "did:plc:amal", Handle: "amal.bsky.social", Name: "Amal"})
	start := avNow
	for i := 0; i < 400; i++ {
		av.AddSearchPost(platformtest.Skeet{DID: "did:plc:amal", RKey: fmt.Sprint("s", i), Text: "#AllForPalestine day", Tags: []string{"AllForPalestine"},
			CreatedAt: start.Add(-time.Duration(i+1) * time.Minute)})
	}
	av.AddSearchPost(platformtest.Skeet{DID: "did:plc:amal", RKey: "old", Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}, CreatedAt: start.Add(-30 * time.Hour)})
	db := storetest.Open(t)
	bs, err := bluesky.NewBackfills(bluesky.BackfillConfig{PDS: av.URL, Handle: "tagpulse.bsky.social", AppPassword: "app-pass-1234", Hours: 24 * time.Hour}, []string{"allforpalestine"}, nil)
	if err != nil || len(bs) != 1 {
		t.Fatal(bs, err)
	}
	b := bs[0]
	b.Now = func() time.Time { return start }
	m := collector.NewMatcher([]store.Campaign{{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "UTC"}})
	polls := 0
	for more := true; more; polls++ {
		if polls == 2 {
			av.ExpireTokens()
		}
		if polls > 20 {
			t.Fatal("backfill does not end")
		}
		cur, _ := db.Cursor(b.Name())
		page, err := b.Poll(context.Background(), cur)
		if err != nil {
			t.Fatalf("poll %d: %v", polls, err)
		}
		if _, err := collector.Ingest(db, m, b.Name(), page); err != nil {
			t.Fatal(err)
		}
		more = page.More
	}
	if n := db.PostCount(); n != 400 {
		t.Errorf("stored %d posts, want the 400 of the last 24 hours", n)
	}
	if n := av.Calls("com.atproto.server.createSession"); n != 2 {
		t.Errorf("logins = %d, want 2 (the second after the token expired)", n)
	}
	restarts := map[string]bool{}
	for _, q := range av.SearchQueries() {
		v, _ := url.ParseQuery(q)
		if v.Get("tag") != "allforpalestine" || v.Get("q") != "#allforpalestine" || v.Get("since") != "2026-11-28T12:00:00Z" {
			t.Fatalf("query %s", q)
		}
		restarts[v.Get("until")] = true
	}
	if len(restarts) < 3 {
		t.Errorf("searches with %d distinct until values, want a restart per 150 results: %v", len(restarts), restarts)
	}
	p, err := db.Get(store.PlatformBluesky, "at://did:plc:amal/app.bsky.feed.post/s0")
	if err != nil || p.Author.Handle != "amal.bsky.social" || !strings.Contains(p.URL, "amal.bsky.social") {
		t.Errorf("backfilled post = %+v, %v", p, err)
	}
	// Done: later polls ask nothing.
	n := av.Calls("app.bsky.feed.searchPosts")
	cur, _ := db.Cursor(b.Name())
	if page, err := b.Poll(context.Background(), cur); err != nil || page.More || len(page.Posts) > 0 || av.Calls("app.bsky.feed.searchPosts") != n {
		t.Errorf("after done: %+v %v", page, err)
	}
	if _, err := bluesky.NewBackfills(bluesky.BackfillConfig{Handle: "x.bsky.social"}, []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), bluesky.AppPasswordEnv) {
		t.Errorf("no app password: %v", err)
	}
}

// TestEngagementLeavesTheWindowToProfiles: with less than a quarter of the
// AppView's window left, an engagement round asks nothing.
func TestEngagementLeavesTheWindowToProfiles(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	if _, err := db.Append([]store.Post{skeetPost("did:plc:amal", "p1", avNow), skeetPost("did:plc:amal", "p2", avNow)}, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	av.SetRateLimit(100, 20, now.Add(4*time.Minute))
	e, err := bluesky.NewEngagement(bluesky.AppViewConfig{BaseURL: av.URL, EngagementCalls: 1}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return avNow.Add(time.Hour) }
	// The first round learns the window (one call: 19 left of 100).
	if _, err := e.Poll(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Append([]store.Post{skeetPost("did:plc:amal", "p3", avNow)}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := e.Poll(context.Background(), nil)
	if err != nil || page.Fetched != 0 || av.Calls("app.bsky.feed.getPosts") != 1 {
		t.Errorf("round with 19 of 100 left: fetched %d, %d calls, %v; want none", page.Fetched, av.Calls("app.bsky.feed.getPosts"), err)
	}
}

// TestEngagementReadsRealPostViews: the engagement poller reads real
// AppView post views (the shared fixtures), served as getPosts answers:
// each post's engagement is its like, repost, reply and quote counts.
func TestEngagementReadsRealPostViews(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t, "bluesky"), "postviews_array_twitwi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var views []json.RawMessage
	if err := json.Unmarshal(raw, &views); err != nil {
		t.Fatal(err)
	}
	byURI := map[string]json.RawMessage{}
	want := map[string]int64{}
	db := storetest.Open(t)
	now := time.Now().UTC()
	var posts []store.Post
	for _, v := range views[:60] {
		var m struct {
			URI                                            string
			LikeCount, RepostCount, ReplyCount, QuoteCount int64
		}
		if err := json.Unmarshal(v, &m); err != nil {
			t.Fatal(err)
		}
		p, err := bluesky.ParseView(v, store.SourceBluesky, now)
		if err != nil {
			t.Fatal(err)
		}
		p.Engagement = 0 // as Jetstream gives it
		if _, dup := byURI[m.URI]; dup || m.URI == "" || p.Kind == store.KindRepost {
			continue // the same post again, or a feed item (repost) rather than a post view
		}
		posts = append(posts, p)
		byURI[m.URI], want[m.URI] = v, m.LikeCount+m.RepostCount+m.ReplyCount+m.QuoteCount
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/xrpc/app.bsky.feed.getPosts" || len(r.URL.Query()["uris"]) > 25 {
			http.Error(w, `{"error":"InvalidRequest"}`, 400)
			return
		}
		var out []json.RawMessage
		for _, u := range r.URL.Query()["uris"] {
			out = append(out, byURI[u])
		}
		w.Header().Set("RateLimit-Limit", "3000")
		w.Header().Set("RateLimit-Remaining", "2999")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(now.Add(time.Minute).Unix(), 10))
		json.NewEncoder(w).Encode(map[string]any{"posts": out})
	}))
	t.Cleanup(srv.Close)
	e, err := bluesky.NewEngagement(bluesky.AppViewConfig{BaseURL: srv.URL}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.Poll(context.Background(), nil)
	if err != nil || page.Fetched != len(posts) || len(page.Malformed) > 0 {
		t.Fatalf("poll: fetched %d of %d, %v, %v", page.Fetched, len(posts), page.Malformed, err)
	}
	nonzero := 0
	for i, p := range posts {
		am, ok, _ := db.PostAmend(uint64(i + 1))
		switch {
		case want[p.ID] == 0 && ok:
			t.Errorf("%s: amended with %d, want nothing", p.ID, am.Engagement)
		case want[p.ID] > 0 && (!ok || am.Engagement != want[p.ID]):
			t.Errorf("%s: engagement %d, want %d", p.ID, am.Engagement, want[p.ID])
		case want[p.ID] > 0:
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("no fixture post has engagement: the test proves nothing")
	}
}

// TestProfilesPassOverAnActorTheAppViewRefuses: an author ID that is no
// DID (from a hostile archive) makes getProfiles refuse the whole call with
// 400 InvalidRequest; the others are asked one by one and resolved, the
// refused one is counted malformed, and the cursor moves on.
func TestProfilesPassOverAnActorTheAppViewRefuses(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	av.AddProfiles(platformtest.BskyProfile{DID: "did:plc:amal", Handle: "amal.bsky.social", Followers: 7},
		platformtest.BskyProfile{DID: "did:plc:basel", Handle: "basel.bsky.social", Followers: 9})
	bad := skeetPost("did:plc:amal", "x", avNow)
	bad.ID, bad.Author.ID = "at://not-a-did/app.bsky.feed.post/x", "not-a-did"
	if _, err := db.Append([]store.Post{skeetPost("did:plc:amal", "p1", avNow), bad, skeetPost("did:plc:basel", "p1", avNow)}, nil); err != nil {
		t.Fatal(err)
	}
	now := avNow
	p := newProfiles(t, av, db, &now)
	page, err := p.Poll(context.Background(), nil)
	if err != nil || len(page.Malformed) != 1 || !strings.Contains(page.Malformed[0].Error(), "not-a-did") || page.Fetched != 2 {
		t.Fatalf("poll: %+v, %v", page, err)
	}
	for seq, want := range map[uint64]int64{1: 7, 3: 9} {
		if am, ok, _ := db.PostAmend(seq); !ok || am.Author.Followers != want {
			t.Errorf("post %d: %+v %v", seq, am, ok)
		}
	}
	if c, _ := db.Cursor(bluesky.ProfilesName); string(c) != "3" {
		t.Errorf("cursor = %q, want 3 (past every post)", c)
	}
	if _, err := p.Poll(context.Background(), nil); err != nil || av.Calls("app.bsky.actor.getProfiles") != 4 {
		t.Errorf("a second poll asked again: %d calls, %v", av.Calls("app.bsky.actor.getProfiles"), err)
	}
}

// TestEngagementPassesOverAURITheAppViewRefuses: a post whose at-URI the
// AppView refuses (400) fails its whole getPosts call; its batch is asked
// one by one, the refused post is dropped and counted malformed.
func TestEngagementPassesOverAURITheAppViewRefuses(t *testing.T) {
	av := platformtest.NewAppView()
	t.Cleanup(av.Close)
	db := storetest.Open(t)
	good := skeetPost("did:plc:amal", "p1", avNow)
	bad := skeetPost("did:plc:amal", "x", avNow)
	bad.ID = "at://not-a-did/app.bsky.feed.post/x"
	if _, err := db.Append([]store.Post{good, bad}, nil); err != nil {
		t.Fatal(err)
	}
	av.SetEngagement(good.ID, platformtest.BskyEngagement{Likes: 4})
	e, err := bluesky.NewEngagement(bluesky.AppViewConfig{BaseURL: av.URL}, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return avNow.Add(time.Hour) }
	page, err := e.Poll(context.Background(), nil)
	if err != nil || len(page.Malformed) != 1 || page.Fetched != 1 {
		t.Fatalf("poll: %+v, %v", page, err)
	}
	if am, ok, _ := db.PostAmend(1); !ok || am.Engagement != 4 {
		t.Errorf("good post: %+v %v", am, ok)
	}
	if n := av.Calls("app.bsky.feed.getPosts"); n != 3 {
		t.Errorf("getPosts calls = %d, want 3 (the batch, then each)", n)
	}
}
