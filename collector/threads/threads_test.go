package threads_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/internal/meta"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/collector/threads"
	"github.com/tagpulse/tagpulse/store"
)

const token = "THAA-test-token-secret"

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "tagpulse.db"), &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func setup(t *testing.T, cfg threads.Config, tags ...string) (*platformtest.Threads, *threads.Poller, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t0}
	fake := platformtest.NewThreads(t)
	fake.RequireToken(token)
	fake.SetNow(c.now)
	p, logs := newPoller(t, fake, cfg, c, tags...)
	return fake, p, c, logs
}

func newPoller(t *testing.T, fake *platformtest.Threads, cfg threads.Config, c *clock, tags ...string) (*threads.Poller, *bytes.Buffer) {
	t.Helper()
	cfg.AccessToken, cfg.BaseURL = token, fake.BaseURL()
	var logs bytes.Buffer
	p, err := threads.New(cfg, tags, fake.Client(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p.Now = c.now
	return p, &logs
}

func poll(t *testing.T, db *store.DB, p *threads.Poller, tags ...string) (collector.Page, collector.IngestResult, error) {
	t.Helper()
	cur, err := db.Cursor(p.Name())
	if err != nil {
		t.Fatal(err)
	}
	page, err := p.Poll(context.Background(), cur)
	if err != nil {
		return page, collector.IngestResult{}, err
	}
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: tags, Timezone: "UTC"}})
	res, err := collector.Ingest(db, m, p.Name(), page)
	if err != nil {
		t.Fatal(err)
	}
	return page, res, nil
}

func TestContractPayloads(t *testing.T) {
	var body struct {
		Data   []json.RawMessage `json:"data"`
		Paging struct {
			Cursors struct{ After string } `json:"cursors"`
		} `json:"paging"`
	}
	if err := json.Unmarshal(readTestdata(t, "keyword_search.json"), &body); err != nil {
		t.Fatal(err)
	}
	var got []store.Post
	for _, raw := range body.Data {
		p, err := threads.ParsePost(raw, "allforpalestine", t0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != 3 || body.Paging.Cursors.After == "" {
		t.Fatalf("%d posts, after %q", len(got), body.Paging.Cursors.After)
	}
	p := got[0]
	if p.Platform != store.PlatformThreads || p.Source != store.SourceThreads || p.Kind != store.KindOriginal ||
		p.Author != (store.Author{ID: "amal.k", Handle: "amal.k"}) || !p.CreatedAt.Equal(time.Date(2026, 11, 29, 10, 42, 3, 0, time.UTC)) {
		t.Errorf("first: %+v", p)
	}
	if !slices.Equal(p.Hashtags, []string{"allforpalestine"}) || p.Engagement != 0 || p.Author.Followers != 0 {
		t.Errorf("first: hashtags %v engagement %d followers %d", p.Hashtags, p.Engagement, p.Author.Followers)
	}
	if got[1].Kind != store.KindReply || got[1].RefID != "18050206876707110" || !slices.Contains(got[1].Hashtags, "allforpalestine") {
		t.Errorf("reply: %+v", got[1])
	}
	if got[2].Kind != store.KindRepost || got[2].RefID != "18050206876707110" {
		t.Errorf("repost: %+v", got[2])
	}
	if e := meta.ParseError(400, readTestdata(t, "error_expired_token.json")); e == nil || !e.TokenInvalid() {
		t.Errorf("expired: %+v", e)
	}
	for _, f := range []string{"error_user_limit.json", "error_rate_limit_613.json"} {
		if e := meta.ParseError(400, readTestdata(t, f)); e == nil || !e.RateLimited() {
			t.Errorf("%s: %+v", f, e)
		}
	}
}

func TestPollTagSearch(t *testing.T) {
	fake, p, c, _ := setup(t, threads.Config{}, "AllForPalestine")
	db := openStore(t)
	fake.Add(
		platformtest.ThreadsPost{Username: "amal", TopicTag: "AllForPalestine", Text: "today #AllForPalestine", Timestamp: t0.Add(-time.Hour)},
		platformtest.ThreadsPost{Username: "sipho", TopicTag: "AllForPalestine", Text: "me too", Reply: true, Timestamp: t0.Add(-50 * time.Minute)},
		platformtest.ThreadsPost{Username: "lena", TopicTag: "AllForPalestine", Repost: true, Timestamp: t0.Add(-40 * time.Minute)},
		platformtest.ThreadsPost{Username: "old", TopicTag: "AllForPalestine", Timestamp: t0.Add(-30 * time.Hour)}, // before the backfill
		platformtest.ThreadsPost{Username: "x", TopicTag: "Other", Timestamp: t0.Add(-time.Hour)},
	)
	page, res, err := poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 3 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	kinds := map[store.Kind]int{}
	var stored []store.Post
	db.Posts(0, func(_ uint64, p *store.Post) error { stored = append(stored, *p); kinds[p.Kind]++; return nil })
	if kinds[store.KindOriginal] != 1 || kinds[store.KindReply] != 1 || kinds[store.KindRepost] != 1 {
		t.Errorf("kinds %v", kinds)
	}
	if page.RateLimit == nil || page.RateLimit.Limit != 2200 || page.RateLimit.Remaining != 2199 {
		t.Errorf("budget %+v, want 2199 of 2200 left", page.RateLimit)
	}
	reqs := fake.Requests()
	q := reqs[0].Query
	if reqs[0].Auth != "bearer" || q.Get("search_mode") != "TAG" || q.Get("search_type") != "RECENT" || q.Get("q") != "allforpalestine" ||
		q.Get("since") != fmt.Sprint(t0.Add(-24*time.Hour).Unix()) || q.Get("until") != fmt.Sprint(t0.Unix()) {
		t.Errorf("request %+v", reqs[0])
	}
	// Next poll: the window starts where the last ended (less the overlap).
	c.t = t0.Add(2 * time.Minute)
	fake.Add(platformtest.ThreadsPost{Username: "amal", TopicTag: "AllForPalestine", Timestamp: c.t.Add(-time.Minute)})
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 || res.Duplicates != 0 {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	if got := fake.Requests()[1].Query.Get("since"); got != fmt.Sprint(t0.Add(-5*time.Minute).Unix()) {
		t.Errorf("second since %s", got)
	}
	if db.PostCount() != 4 {
		t.Errorf("%d stored", db.PostCount())
	}
}

func TestKeywordMode(t *testing.T) {
	fake, p, _, _ := setup(t, threads.Config{SearchMode: "keyword"}, "AllForPalestine")
	db := openStore(t)
	fake.Add(platformtest.ThreadsPost{Text: "marching #AllForPalestine", Timestamp: t0.Add(-time.Hour)},
		platformtest.ThreadsPost{Text: "AllForPalestine without the hash", Timestamp: t0.Add(-time.Hour)})
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 || res.Fetched != 1 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if q := fake.Requests()[0].Query; q.Get("q") != "#allforpalestine" || q.Get("search_mode") != "KEYWORD" {
		t.Errorf("query %v", q)
	}
}

func TestBudgetCountedRememberedAndPaced(t *testing.T) {
	fake, p, c, _ := setup(t, threads.Config{DailyQueries: 4}, "AllForPalestine", "Gaza")
	db := openStore(t)
	fake.Add(platformtest.ThreadsPost{TopicTag: "AllForPalestine", Timestamp: t0.Add(-time.Hour)})
	// #gaza finds nothing: that query does not count.
	if _, _, err := poll(t, db, p, "allforpalestine", "gaza"); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Hour)
	fake.Add(platformtest.ThreadsPost{TopicTag: "Gaza", Timestamp: c.t.Add(-time.Minute)})
	fake.Add(platformtest.ThreadsPost{TopicTag: "AllForPalestine", Timestamp: c.t.Add(-time.Minute)})
	if _, _, err := poll(t, db, p, "allforpalestine", "gaza"); err != nil {
		t.Fatal(err)
	}
	cur, _ := db.Cursor(p.Name())
	dec, _ := threads.DecodeCursor(cur)
	if used := dec.Used(c.t); used != 3 || fake.Counted() != 3 {
		t.Fatalf("used %d, the platform counted %d; want 3 and 3", used, fake.Counted())
	}
	// A restart remembers: 3 used, and a poll of 2 hashtags would pass 4.
	p2, _ := newPoller(t, fake, threads.Config{DailyQueries: 4}, c, "AllForPalestine", "Gaza")
	page, _, err := poll(t, db, p2, "allforpalestine", "gaza")
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(t0.Add(25*time.Hour)) {
		t.Fatalf("err %v, want rate limited until the first hour leaves the 24 hours", err)
	}
	if page.RateLimit == nil || page.RateLimit.Remaining != 1 {
		t.Errorf("budget %+v", page.RateLimit)
	}
	n := len(fake.Requests())
	if _, _, err := poll(t, db, p2, "allforpalestine", "gaza"); err == nil || len(fake.Requests()) != n {
		t.Errorf("a refused poll sent requests")
	}
	c.t = t0.Add(25 * time.Hour)
	if _, _, err := poll(t, db, p2, "allforpalestine", "gaza"); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	// Pacing: one query per hashtag per poll within 90% of the budget.
	if e := p.Every(); e != 24*time.Hour*2*10/(9*4) {
		t.Errorf("Every %v with 2 hashtags and 4 queries a day", e)
	}
	big, _ := newPoller(t, fake, threads.Config{}, c, "AllForPalestine", "Gaza")
	if e := big.Every(); e != threads.DefaultEvery {
		t.Errorf("Every %v with 2 hashtags and 2,200 queries, want the default", e)
	}
}

func TestPagingRestartAndCursorLost(t *testing.T) {
	fake, p, c, _ := setup(t, threads.Config{MaxPages: 1}, "AllForPalestine")
	db := openStore(t)
	for i := range 250 {
		fake.Add(platformtest.ThreadsPost{Username: fmt.Sprint("u", i), TopicTag: "AllForPalestine", Timestamp: t0.Add(-time.Duration(i+1) * time.Minute)})
	}
	page, res, err := poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 100 || !page.More {
		t.Fatalf("first: %+v more=%v %v", res, page.More, err)
	}
	// Posts arriving while paging back do not shift the window.
	c.t = c.t.Add(time.Minute)
	fake.Add(platformtest.ThreadsPost{Username: "late", TopicTag: "AllForPalestine", Timestamp: c.t})
	p2, logs := newPoller(t, fake, threads.Config{MaxPages: 1}, c, "AllForPalestine")
	if page, res, err = poll(t, db, p2, "allforpalestine"); err != nil || res.Added != 100 || !page.More {
		t.Fatalf("after restart: %+v more=%v %v", res, page.More, err)
	}
	fake.Fail(platformtest.MetaCursorLost())
	if page, res, err = poll(t, db, p2, "allforpalestine"); err != nil || res.Added != 0 || !page.More {
		t.Fatalf("cursor lost: %+v more=%v %v", res, page.More, err)
	}
	if !strings.Contains(logs.String(), "page cursor") {
		t.Errorf("the lost cursor was not logged: %s", logs)
	}
	for i := 0; page.More && i < 10; i++ {
		if page, _, err = poll(t, db, p2, "allforpalestine"); err != nil {
			t.Fatal(err)
		}
	}
	if page.More {
		t.Fatal("still catching up")
	}
	if _, _, err = poll(t, db, p2, "allforpalestine"); err != nil {
		t.Fatal(err)
	}
	if db.PostCount() != 251 {
		t.Fatalf("%d stored, want 251", db.PostCount())
	}
}

func TestFaults(t *testing.T) {
	fake, p, _, _ := setup(t, threads.Config{}, "AllForPalestine")
	db := openStore(t)
	fake.Add(platformtest.ThreadsPost{TopicTag: "AllForPalestine", Timestamp: t0.Add(-time.Hour)})

	fake.Fail(platformtest.MetaRateLimit(0))
	_, _, err := poll(t, db, p, "allforpalestine")
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(t0.Add(meta.DefaultRateLimitWait)) {
		t.Fatalf("code 17: %v", err)
	}
	// Another app of the same user spent the budget: the platform says 613.
	fake.SetBudget(0)
	if _, _, err := poll(t, db, p, "allforpalestine"); !errors.As(err, &rl) {
		t.Fatalf("code 613: %v", err)
	}
	fake.SetBudget(2200)
	fake.ExpireToken(true)
	_, _, err = poll(t, db, p, "allforpalestine")
	if err == nil || errors.As(err, &rl) || !strings.Contains(err.Error(), "access token") || strings.Contains(err.Error(), token) {
		t.Fatalf("expired: %v", err)
	}
	fake.ExpireToken(false)
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 {
		t.Fatalf("recovered: %+v %v", res, err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  threads.Config
		want string
	}{
		{threads.Config{}, "access_token is required"},
		{threads.Config{AccessToken: token, SearchMode: "top"}, "want tag or keyword"},
		{threads.Config{AccessToken: token, DailyQueries: 5000}, "1 to 2200"},
		{threads.Config{AccessToken: token, BaseURL: "graph.threads.net"}, "not an http(s) URL"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	cfg := threads.Config{AccessToken: token}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, token) {
		t.Errorf("config prints its token: %s", s)
	}
}

// TestHealthSaysWhatIsNotAvailable: the health view says Threads gives no
// follower counts, engagement or location, and the stored posts bear it
// out (no followers, no engagement, no signals).
func TestHealthSaysWhatIsNotAvailable(t *testing.T) {
	fake, p, c, _ := setup(t, threads.Config{}, "AllForPalestine")
	fake.Add(platformtest.ThreadsPost{Username: "amal", TopicTag: "AllForPalestine", Timestamp: c.t.Add(-time.Minute)})
	db := openStore(t)
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	var stored []store.Post
	db.Posts(0, func(_ uint64, p *store.Post) error { stored = append(stored, *p); return nil })
	if len(stored) != 1 || stored[0].Author.Handle != "amal" || stored[0].Author.Followers != 0 || stored[0].Engagement != 0 || stored[0].Signals != (store.Signals{}) {
		t.Fatalf("stored %+v", stored)
	}
	sched := collector.NewScheduler(db, collector.NewMatcher(nil), collector.SchedulerOptions{})
	sched.Add(p, time.Hour)
	h := sched.Health()
	want := []string{store.NotAvailableFollowers, store.NotAvailableEngagement, store.NotAvailableLocation}
	if len(h) != 1 || !slices.Equal(h[0].NotAvailable, want) {
		t.Fatalf("health %+v, want not_available %v", h, want)
	}
	if b, _ := json.Marshal(h[0]); !strings.Contains(string(b), `"not_available":["followers","engagement","location"]`) {
		t.Errorf("JSON %s", b)
	}
}
