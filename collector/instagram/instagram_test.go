package instagram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/instagram"
	"github.com/tagpulse/tagpulse/collector/internal/meta"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

const (
	userID = "17841405309211844"
	token  = "IGQVJ-test-token-secret"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openStore(t *testing.T) (*store.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tagpulse.db")
	db, err := store.Open(path, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func posts(t *testing.T, db *store.DB) []store.Post {
	t.Helper()
	var out []store.Post
	if err := db.Posts(0, func(_ uint64, p *store.Post) error { out = append(out, *p); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// clock is a test clock both the fake and the poller read.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, cfg instagram.Config, tags ...string) (*platformtest.Instagram, *instagram.Poller, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t0}
	fake := platformtest.NewInstagram(t, userID)
	fake.RequireToken(token)
	fake.SetNow(c.now)
	p, logs := newPoller(t, fake, cfg, c, tags...)
	return fake, p, c, logs
}

func newPoller(t *testing.T, fake *platformtest.Instagram, cfg instagram.Config, c *clock, tags ...string) (*instagram.Poller, *bytes.Buffer) {
	t.Helper()
	cfg.UserID, cfg.AccessToken, cfg.BaseURL = userID, token, fake.BaseURL()
	var logs bytes.Buffer
	p, err := instagram.New(cfg, tags, fake.Client(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p.Now = c.now
	return p, &logs
}

// poll runs one Poll and its Ingest, as the scheduler does.
func poll(t *testing.T, db *store.DB, p *instagram.Poller, tags ...string) (collector.Page, collector.IngestResult, error) {
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

// TestContractPayloads reads the documented payloads: media objects,
// the error objects and the usage headers.
func TestContractPayloads(t *testing.T) {
	var body struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(readTestdata(t, "recent_media.json"), &body); err != nil {
		t.Fatal(err)
	}
	var got []store.Post
	for _, raw := range body.Data {
		p, err := instagram.ParseMedia(raw, "allforpalestine", t0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != 3 {
		t.Fatalf("parsed %d media, want 3", len(got))
	}
	p := got[0]
	if p.Platform != store.PlatformInstagram || p.Source != store.SourceInstagram || p.ID != "17880997618081620" || p.Kind != store.KindOriginal {
		t.Errorf("identity: %+v", p)
	}
	if !p.CreatedAt.Equal(time.Date(2026, 11, 29, 10, 15, 0, 0, time.UTC)) || p.URL != "https://www.instagram.com/p/C1a2b3c4d5E/" {
		t.Errorf("created %v url %q", p.CreatedAt, p.URL)
	}
	if p.Engagement != 134 {
		t.Errorf("engagement %d, want like_count+comments_count = 134", p.Engagement)
	}
	if p.Author != (store.Author{}) {
		t.Errorf("author %+v: Instagram does not name it", p.Author)
	}
	if !slices.Equal(p.Hashtags, []string{"allforpalestine", "gaza"}) {
		t.Errorf("hashtags %v", p.Hashtags)
	}
	// The second has no like_count (hidden by its owner) and its caption
	// lacks the hashtag it was found under: the hashtag is still its own.
	if got[1].Engagement != 3 || !slices.Contains(got[1].Hashtags, "allforpalestine") {
		t.Errorf("second media: engagement %d hashtags %v", got[1].Engagement, got[1].Hashtags)
	}

	var hs struct {
		Data []struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(readTestdata(t, "ig_hashtag_search.json"), &hs); err != nil || len(hs.Data) != 1 || hs.Data[0].ID != "17843853986012965" {
		t.Fatalf("ig_hashtag_search: %v %+v", err, hs)
	}

	exp := meta.ParseError(400, readTestdata(t, "error_expired_token.json"))
	if exp == nil || !exp.TokenInvalid() || exp.RateLimited() || exp.Subcode != 463 {
		t.Errorf("expired token: %+v", exp)
	}
	for _, f := range []string{"error_rate_limit.json", "error_user_limit.json"} {
		e := meta.ParseError(400, readTestdata(t, f))
		if e == nil || !e.RateLimited() || e.TokenInvalid() {
			t.Errorf("%s: %+v", f, e)
		}
	}

	var hdr map[string]string
	if err := json.Unmarshal(readTestdata(t, "headers_throttled.json"), &hdr); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	u, ok := meta.UsageFromHeaders(h)
	if !ok || u.Percent != 100 || u.Regain != 19*time.Minute {
		t.Errorf("usage %+v ok %v, want 100%% and 19m", u, ok)
	}
	if until := meta.RetryUntil(h, u, t0); !until.Equal(t0.Add(19 * time.Minute)) {
		t.Errorf("retry until %v", until)
	}
	rl := u.RateLimit(t0)
	if rl.Limit != 100 || rl.Remaining != 0 || !rl.Reset.Equal(t0.Add(19*time.Minute)) {
		t.Errorf("rate limit %+v", rl)
	}
}

// TestFakeMatchesDocumentedShape checks that the fake answers with the
// fields the documented payloads carry, so the poller's tests against the
// fake say something about Instagram.
func TestFakeMatchesDocumentedShape(t *testing.T) {
	fake, _, _, _ := setup(t, instagram.Config{}, "AllForPalestine")
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine", Likes: 3, Comments: 1})
	get := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", fake.BaseURL()+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := fake.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if resp.Header.Get("X-Business-Use-Case-Usage") == "" || resp.Header.Get("X-App-Usage") == "" {
			t.Errorf("%s: no usage headers", path)
		}
		var m map[string]any
		json.Unmarshal(b, &m)
		return m
	}
	hs := get("/ig_hashtag_search?user_id=" + userID + "&q=allforpalestine")
	id := hs["data"].([]any)[0].(map[string]any)["id"].(string)
	got := get("/" + id + "/recent_media?user_id=" + userID + "&fields=" + instagram.Fields)
	var doc map[string]any
	json.Unmarshal(readTestdata(t, "recent_media.json"), &doc)
	keys := func(m any) []string {
		var k []string
		for key := range m.(map[string]any) {
			k = append(k, key)
		}
		sort.Strings(k)
		return k
	}
	want := keys(doc["data"].([]any)[0])
	if g := keys(got["data"].([]any)[0]); !slices.Equal(g, want) {
		t.Errorf("fake media fields %v, documented %v", g, want)
	}
}

func TestPollStoresRecentMedia(t *testing.T) {
	fake, p, c, _ := setup(t, instagram.Config{}, "AllForPalestine")
	db, _ := openStore(t)
	fake.Add(
		platformtest.IGMedia{Caption: "march #AllForPalestine", Likes: 10, Comments: 2, Timestamp: t0.Add(-time.Hour)},
		platformtest.IGMedia{Caption: "#allforpalestine", HideLikes: true, Likes: 99, Comments: 5, Timestamp: t0.Add(-2 * time.Hour)},
		platformtest.IGMedia{Caption: "#AllForPalestine yesterday", Timestamp: t0.Add(-25 * time.Hour)}, // outside the 24 hours
		platformtest.IGMedia{Caption: "#other", Timestamp: t0.Add(-time.Hour)},
	)
	_, res, err := poll(t, db, p, "allforpalestine")
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || res.Malformed != 0 {
		t.Fatalf("first poll: %+v, want 2 added", res)
	}
	got := posts(t, db)
	eng := map[int64]bool{}
	for _, p := range got {
		eng[p.Engagement] = true
		if p.Author.ID != "" || p.Source != store.SourceInstagram {
			t.Errorf("post %+v", p)
		}
	}
	if !eng[12] || !eng[5] {
		t.Errorf("engagements %v, want 12 and 5 (hidden likes left out)", eng)
	}
	// Nothing new: nothing added, nothing doubled.
	c.t = c.t.Add(5 * time.Minute)
	_, res, err = poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 0 {
		t.Fatalf("second poll: %+v %v", res, err)
	}
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine new", Timestamp: c.t})
	_, res, err = poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 1 || db.PostCount() != 3 {
		t.Fatalf("third poll: %+v %v, %d stored", res, err, db.PostCount())
	}
	if n := fake.Searched(); n != 1 {
		t.Errorf("the account searched %d hashtags, want 1", n)
	}
	// The hashtag is resolved once: ig_hashtag_search is not asked again.
	searches := 0
	for _, r := range fake.Requests() {
		if strings.HasSuffix(r.Path, "/ig_hashtag_search") {
			searches++
		}
		if r.Auth != "bearer" {
			t.Errorf("%s sent without the bearer token", r.Path)
		}
	}
	if searches != 1 {
		t.Errorf("%d hashtag searches, want 1", searches)
	}
}

func TestPagingAcrossPollsAndRestart(t *testing.T) {
	fake, p, c, _ := setup(t, instagram.Config{MaxPages: 2}, "AllForPalestine")
	db, _ := openStore(t)
	for i := range 130 {
		fake.Add(platformtest.IGMedia{Caption: fmt.Sprintf("#AllForPalestine %d", i), Timestamp: t0.Add(-time.Duration(i+1) * time.Minute)})
	}
	page, res, err := poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 100 || !page.More {
		t.Fatalf("first poll: %+v more=%v %v", res, page.More, err)
	}
	// A restart: a new poller resumes from the stored after cursor.
	p2, _ := newPoller(t, fake, instagram.Config{MaxPages: 2}, c, "AllForPalestine")
	page, res, err = poll(t, db, p2, "allforpalestine")
	if err != nil || res.Added != 30 || res.Duplicates != 0 || page.More {
		t.Fatalf("after restart: %+v more=%v %v", res, page.More, err)
	}
	if db.PostCount() != 130 {
		t.Fatalf("%d stored, want 130", db.PostCount())
	}
}

func TestCursorLostStartsAgainWithoutDoubling(t *testing.T) {
	fake, p, c, logs := setup(t, instagram.Config{MaxPages: 1}, "AllForPalestine")
	db, _ := openStore(t)
	for i := range 10 {
		fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine old", Timestamp: t0.Add(-time.Duration(i+1) * time.Minute)})
	}
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 10 {
		t.Fatalf("first sweep: %+v %v", res, err)
	}
	// A burst of 200 later: the sweep is interrupted by a lost cursor after
	// its first page, and must still reach everything down to the old ones.
	c.t = t0.Add(220 * time.Minute)
	for i := range 200 {
		fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine new", Timestamp: c.t.Add(-time.Duration(i+1) * time.Minute)})
	}
	page, res, err := poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 50 || !page.More {
		t.Fatalf("first page of the burst: %+v more=%v %v", res, page.More, err)
	}
	fake.Fail(platformtest.MetaCursorLost())
	page, res, err = poll(t, db, p, "allforpalestine")
	if err != nil || !page.More || res.Added != 0 {
		t.Fatalf("cursor lost: %+v more=%v %v", res, page.More, err)
	}
	if !strings.Contains(logs.String(), "page cursor") {
		t.Errorf("no warning logged: %s", logs)
	}
	for i := 0; page.More && i < 10; i++ {
		if page, _, err = poll(t, db, p, "allforpalestine"); err != nil {
			t.Fatal(err)
		}
	}
	if page.More || db.PostCount() != 210 {
		t.Fatalf("more=%v, %d stored, want 210", page.More, db.PostCount())
	}
	// The next sweep ends at the first page wholly older than the hour
	// before what the finished sweep reached: the third (minutes 70–119 of the burst).
	n := len(fake.Requests())
	added := 0
	for page.More = true; page.More; {
		if page, res, err = poll(t, db, p, "allforpalestine"); err != nil {
			t.Fatal(err)
		}
		added += res.Added
	}
	if added != 0 || len(fake.Requests()) != n+3 {
		t.Fatalf("quiet sweep: %d added, %d requests; want 0 and 3", added, len(fake.Requests())-n)
	}
}

func TestRateLimitWaitsForRegain(t *testing.T) {
	fake, p, _, _ := setup(t, instagram.Config{}, "AllForPalestine")
	db, _ := openStore(t)
	fake.Fail(platformtest.MetaRateLimit(19 * time.Minute))
	page, _, err := poll(t, db, p, "allforpalestine")
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(t0.Add(19*time.Minute)) {
		t.Fatalf("err %v, want rate limited until +19m", err)
	}
	if page.RateLimit == nil || page.RateLimit.Remaining != 0 {
		t.Errorf("rate limit state %+v", page.RateLimit)
	}
	if cur, _ := db.Cursor(p.Name()); cur != nil {
		t.Errorf("cursor moved on a refused poll: %s", cur)
	}
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine", Timestamp: t0.Add(-time.Minute)})
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 {
		t.Fatalf("after the wait: %+v %v", res, err)
	}
}

func TestExpiredTokenIsClearAndSecretFree(t *testing.T) {
	fake, p, _, _ := setup(t, instagram.Config{}, "AllForPalestine")
	db, _ := openStore(t)
	fake.ExpireToken(true)
	_, _, err := poll(t, db, p, "allforpalestine")
	if err == nil || !strings.Contains(err.Error(), "access token") || !strings.Contains(err.Error(), "code 190") {
		t.Fatalf("err %v", err)
	}
	var rl *collector.RateLimitedError
	if errors.As(err, &rl) {
		t.Errorf("an expired token is not a rate limit")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error carries the token: %v", err)
	}
	fake.ExpireToken(false)
	fake.Fail(platformtest.MetaServerError())
	if _, _, err := poll(t, db, p, "allforpalestine"); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("server error: %v", err)
	}
}

func TestHashtagLimitCountedAndRemembered(t *testing.T) {
	var many []string
	for i := range 31 {
		many = append(many, fmt.Sprintf("tag%d", i))
	}
	_, err := instagram.New(instagram.Config{UserID: userID, AccessToken: token}, many, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "31 distinct hashtags") || !strings.Contains(err.Error(), "at most 30") {
		t.Fatalf("31 hashtags: %v", err)
	}

	// Another tool used 28 of the account's 30 this week.
	fake, p, c, logs := setup(t, instagram.Config{}, "AllForPalestine", "Gaza", "FreePalestine")
	var others []string
	for i := range 28 {
		others = append(others, fmt.Sprintf("other%d", i))
	}
	fake.MarkSearched(t0.Add(-24*time.Hour), others...)
	db, path := openStore(t)
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine #Gaza #FreePalestine", Timestamp: t0.Add(-time.Minute)})
	_, res, err := poll(t, db, p, "allforpalestine", "gaza", "freepalestine")
	if err != nil || res.Added != 1 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if r := p.Refused(); !slices.Equal(r, []string{"gaza"}) {
		t.Fatalf("refused %v, want [gaza] (allforpalestine and freepalestine took the last two slots)", r)
	}
	if fake.Searched() != 30 {
		t.Errorf("the account searched %d, want 30", fake.Searched())
	}
	if !strings.Contains(logs.String(), "#gaza") || !strings.Contains(logs.String(), "Instagram allows 30") {
		t.Errorf("refusal not logged clearly: %s", logs)
	}
	cur, _ := db.Cursor(p.Name())
	dec, err := instagram.DecodeCursor(cur)
	if err != nil || len(dec.Tags) != 2 || dec.Tags["allforpalestine"] == nil || !dec.Tags["allforpalestine"].FirstQueried.Equal(t0) {
		t.Fatalf("cursor %s (%v)", cur, err)
	}

	// Restart against a platform that has forgotten (its list is empty):
	// the store remembers the two this account queried. With a limit of 2
	// a third hashtag is refused, and with nothing else to poll it is an error.
	db.Close()
	db2, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	fake2 := platformtest.NewInstagram(t, userID)
	fake2.SetNow(c.now)
	p2, _ := newPoller(t, fake2, instagram.Config{HashtagLimit: 2}, c, "Gaza")
	_, _, err = poll(t, db2, p2, "gaza")
	var le *instagram.LimitError
	if !errors.As(err, &le) || le.Queried != 2 || !le.NextSlot.Equal(t0.Add(7*24*time.Hour)) {
		t.Fatalf("err %v, want a limit error with 2 queried and a slot at +7d", err)
	}
	if !strings.Contains(err.Error(), "#gaza") || !strings.Contains(err.Error(), "the next slot frees at 2026-12-06T12:00:00Z") {
		t.Errorf("message: %v", err)
	}
	// Seven days on, the slots free and the hashtag is searched.
	c.t = t0.Add(7*24*time.Hour + time.Minute)
	fake2.Add(platformtest.IGMedia{ID: "18000000000000001", Caption: "#Gaza", Timestamp: c.t.Add(-time.Minute)})
	if _, res, err := poll(t, db2, p2, "gaza"); err != nil || res.Added != 1 {
		t.Fatalf("after 7 days: %+v %v", res, err)
	}
}

// TestOneHashtagRefused: Instagram refuses one hashtag (a generic error,
// as for hashtags it deems sensitive); the others are still collected.
func TestOneHashtagRefused(t *testing.T) {
	fake, p, _, logs := setup(t, instagram.Config{}, "AllForPalestine", "Blocked")
	db, _ := openStore(t)
	fake.Block("blocked")
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine #Blocked", Timestamp: t0.Add(-time.Minute)})
	if _, res, err := poll(t, db, p, "allforpalestine", "blocked"); err != nil || res.Added != 1 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	if !strings.Contains(logs.String(), "hashtag skipped") || !strings.Contains(logs.String(), "blocked") {
		t.Errorf("not logged: %s", logs)
	}
	// Alone, the refusal is the poll's error.
	p2, _ := newPoller(t, fake, instagram.Config{}, &clock{t0}, "Blocked")
	if _, _, err := poll(t, db, p2, "blocked"); err == nil || !strings.Contains(err.Error(), "#blocked") {
		t.Fatalf("alone: %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  instagram.Config
		want string
	}{
		{instagram.Config{AccessToken: token}, "user_id is required"},
		{instagram.Config{UserID: "@me", AccessToken: token}, "digits only"},
		{instagram.Config{UserID: userID}, "access_token is required"},
		{instagram.Config{UserID: userID, AccessToken: token, BaseURL: "ftp://x"}, "not an http(s) URL"},
		{instagram.Config{UserID: userID, AccessToken: token, HashtagLimit: 31}, "1 to 30"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	cfg := instagram.Config{UserID: userID, AccessToken: token}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, token) {
		t.Errorf("config prints its token: %s", s)
	}
}

// stopAfterPoll cancels a scheduler's run after one poll; embedding the
// poller itself keeps its Warnings for the health view.
type stopAfterPoll struct {
	*instagram.Poller
	cancel context.CancelFunc
}

func (s stopAfterPoll) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	defer s.cancel()
	return s.Poller.Poll(ctx, cursor)
}

// TestRefusedHashtagWarnsInHealth: a hashtag past the 7-day limit shows in
// the source's health as a warning while the other hashtags poll and the
// source counts as working (no error); Meta's list of the account's
// searched hashtags is read again at most hourly while at the limit, and
// once nothing is refused the warning goes.
func TestRefusedHashtagWarnsInHealth(t *testing.T) {
	fake, p, c, _ := setup(t, instagram.Config{}, "AllForPalestine", "Gaza")
	var others []string
	for i := range 29 {
		others = append(others, fmt.Sprintf("other%d", i))
	}
	fake.MarkSearched(t0.Add(-24*time.Hour), others...)
	fake.Add(platformtest.IGMedia{Caption: "#AllForPalestine #Gaza", Timestamp: t0.Add(-time.Minute)})
	db, _ := openStore(t)
	run := func(p *instagram.Poller) store.SourceHealth {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"allforpalestine", "gaza"}, Timezone: "UTC"}})
		sched := collector.NewScheduler(db, m, collector.SchedulerOptions{Now: c.now, Secrets: []string{token}})
		sched.Add(stopAfterPoll{p, cancel}, time.Hour)
		sched.Run(ctx)
		h := sched.Health()
		if len(h) != 1 {
			t.Fatalf("health %+v", h)
		}
		return h[0]
	}
	h := run(p)
	if h.LastError != nil || h.PostsAdded != 1 || h.LastSuccess == nil {
		t.Fatalf("the source should be working: added %d, last error %+v", h.PostsAdded, h.LastError)
	}
	if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "#gaza") || !strings.Contains(h.Warnings[0], "Instagram allows 30") ||
		!strings.Contains(h.Warnings[0], "next slot frees at 2026-12-06") {
		t.Fatalf("warnings %q", h.Warnings)
	}
	if !slices.Equal(h.NotAvailable, []string{store.NotAvailableAuthors, store.NotAvailableFollowers, store.NotAvailableLocation}) {
		t.Errorf("not available: %v", h.NotAvailable)
	}
	b, err := json.Marshal(h)
	if err != nil || !strings.Contains(string(b), `"warnings":["instagram: not searching #gaza`) {
		t.Errorf("JSON %s (%v)", b, err)
	}
	lists := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if strings.HasSuffix(r.Path, "/recently_searched_hashtags") {
				n++
			}
		}
		return n
	}
	// Half an hour on, still at the limit: Meta's list is not read again
	// yet, and the warning stays.
	c.t = t0.Add(30 * time.Minute)
	if h := run(p); len(h.Warnings) != 1 || lists() != 1 {
		t.Fatalf("after 30 minutes: warnings %q, %d reads of Meta's list; want the warning and 1", h.Warnings, lists())
	}
	// Six days on the other tool's hashtags leave Meta's list (this
	// account's own still counts): the same poller reads the list again,
	// searches #gaza, and the warning is gone.
	c.t = t0.Add(6*24*time.Hour + time.Minute)
	h = run(p)
	if len(h.Warnings) != 0 || h.LastError != nil || lists() != 2 {
		t.Fatalf("after 6 days: warnings %q, error %+v, %d reads of Meta's list", h.Warnings, h.LastError, lists())
	}
	if r := p.Refused(); len(r) != 0 {
		t.Errorf("still refused: %v", r)
	}
}
