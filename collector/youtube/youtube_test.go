package youtube_test

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
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/collector/youtube"
	"github.com/tagpulse/tagpulse/store"
)

const key = "AIzaSy-test-key-secret"

// t0 is 04:00 Pacific time: the quota day began at 08:00 UTC.
var (
	t0       = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	dayStart = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	dayEnd   = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
)

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

func setup(t *testing.T, cfg youtube.Config, tags ...string) (*platformtest.YouTube, *youtube.Poller, *clock, *bytes.Buffer) {
	t.Helper()
	c := &clock{t0}
	fake := platformtest.NewYouTube(t, key)
	fake.SetNow(c.now)
	p, logs := newPoller(t, fake, cfg, c, tags...)
	return fake, p, c, logs
}

func newPoller(t *testing.T, fake *platformtest.YouTube, cfg youtube.Config, c *clock, tags ...string) (*youtube.Poller, *bytes.Buffer) {
	t.Helper()
	cfg.APIKey, cfg.BaseURL = key, fake.BaseURL()
	var logs bytes.Buffer
	p, err := youtube.New(cfg, tags, fake.Client(), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	p.Now = c.now
	return p, &logs
}

func poll(t *testing.T, db *store.DB, p *youtube.Poller, tags ...string) (collector.Page, collector.IngestResult, error) {
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

func storedCursor(t *testing.T, db *store.DB) youtube.Cursor {
	t.Helper()
	b, _ := db.Cursor("youtube")
	c, err := youtube.DecodeCursor(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContractPayloads(t *testing.T) {
	chans, err := youtube.ParseChannels(readTestdata(t, "channels_list.json"))
	if err != nil || len(chans) != 2 {
		t.Fatalf("channels: %v %v", chans, err)
	}
	if c := chans["UCa1b2C3d4E5f6G7h8I9j0Kl"]; c.Subscribers != 184000 || c.Handle != "streetreports" || c.Country != "GB" {
		t.Errorf("channel %+v", c)
	}
	if c := chans["UCz9Y8x7W6v5U4t3S2r1Q0pO"]; c.Subscribers != 0 || c.Handle != "nablusnow" {
		t.Errorf("hidden subscribers: %+v", c)
	}
	var vr struct{ Items []json.RawMessage }
	if err := json.Unmarshal(readTestdata(t, "videos_list.json"), &vr); err != nil {
		t.Fatal(err)
	}
	var got []store.Post
	for _, raw := range vr.Items {
		var probe struct {
			Snippet struct{ ChannelID string } `json:"snippet"`
		}
		json.Unmarshal(raw, &probe)
		p, err := youtube.ParseVideo(raw, chans[probe.Snippet.ChannelID], t0)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	p := got[0]
	want := store.Author{ID: "UCa1b2C3d4E5f6G7h8I9j0Kl", Handle: "streetreports", Name: "Street Reports", Followers: 184000}
	if p.Platform != store.PlatformYouTube || p.Source != store.SourceYouTube || p.ID != "dQ7a1B2c3D4" || p.Author != want {
		t.Errorf("first: %+v", p)
	}
	if p.Engagement != 3522 || p.Lang != "en-GB" || p.URL != "https://www.youtube.com/watch?v=dQ7a1B2c3D4" || p.Signals.ProfileLocation != "GB" {
		t.Errorf("first: engagement %d lang %q url %q location %q", p.Engagement, p.Lang, p.URL, p.Signals.ProfileLocation)
	}
	if !slices.Equal(p.Hashtags, []string{"allforpalestine", "gaza"}) || !p.CreatedAt.Equal(time.Date(2026, 11, 29, 10, 20, 31, 0, time.UTC)) {
		t.Errorf("first: hashtags %v created %v", p.Hashtags, p.CreatedAt)
	}
	if got[1].Engagement != 12 || got[1].Lang != "ar" || got[1].Author.Followers != 0 {
		t.Errorf("second (likes and subscribers hidden): %+v", got[1])
	}
	var sr struct {
		NextPageToken string
		Items         []struct {
			ID struct{ VideoID string } `json:"id"`
		}
	}
	if err := json.Unmarshal(readTestdata(t, "search_list.json"), &sr); err != nil || sr.NextPageToken == "" || sr.Items[0].ID.VideoID != "dQ7a1B2c3D4" {
		t.Fatalf("search: %+v %v", sr, err)
	}
	for file, reason := range map[string]string{
		"error_quota_exceeded.json": "quotaExceeded", "error_invalid_page_token.json": "invalidPageToken",
		"error_key_invalid.json": "API_KEY_INVALID", "error_rate_limit.json": "rateLimitExceeded",
	} {
		if e := youtube.ParseError(readTestdata(t, file)); e == nil || e.Reason() != reason {
			t.Errorf("%s: %+v, want reason %s", file, e, reason)
		}
	}
}

func TestPollFindsVideosWithReach(t *testing.T) {
	fake, p, _, _ := setup(t, youtube.Config{}, "AllForPalestine", "Gaza")
	db := openStore(t)
	fake.AddChannel(platformtest.YTChannel{ID: "UCstreet000000000000000a", Title: "Street Reports", Handle: "streetreports", Country: "GB", Subscribers: 184000})
	fake.AddChannel(platformtest.YTChannel{ID: "UChidden000000000000000b", Title: "Quiet", Hidden: true, Subscribers: 999})
	fake.Add(
		platformtest.YTVideo{ChannelID: "UCstreet000000000000000a", Title: "London #AllForPalestine", Likes: 10, Comments: 2, PublishedAt: t0.Add(-time.Hour)},
		platformtest.YTVideo{ChannelID: "UChidden000000000000000b", Title: "Gaza today", Description: "#Gaza", HideLikes: true, Likes: 50, Comments: 4, PublishedAt: t0.Add(-2 * time.Hour)},
		platformtest.YTVideo{ChannelID: "UCstreet000000000000000a", Title: "#AllForPalestine last week", PublishedAt: t0.Add(-30 * time.Hour)},
		platformtest.YTVideo{Title: "cooking #recipes", PublishedAt: t0.Add(-time.Hour)},
	)
	page, res, err := poll(t, db, p, "allforpalestine", "gaza")
	if err != nil || res.Added != 2 {
		t.Fatalf("poll: %+v %v", res, err)
	}
	byEng := map[int64]store.Post{}
	db.Posts(0, func(_ uint64, p *store.Post) error { byEng[p.Engagement] = *p; return nil })
	if a := byEng[12].Author; a.Followers != 184000 || a.Handle != "streetreports" || byEng[12].Signals.ProfileLocation != "GB" {
		t.Errorf("street: %+v", byEng[12])
	}
	if a := byEng[4].Author; a.Followers != 0 || a.Name != "Quiet" {
		t.Errorf("hidden: %+v", byEng[4])
	}
	reqs := fake.Requests()
	if len(reqs) != 3 || !strings.HasSuffix(reqs[0].Path, "/search") || !strings.HasSuffix(reqs[1].Path, "/videos") || !strings.HasSuffix(reqs[2].Path, "/channels") {
		t.Fatalf("requests %+v", reqs)
	}
	q := reqs[0].Query
	if q.Get("q") != "#allforpalestine|#gaza" || q.Get("type") != "video" || q.Get("order") != "date" ||
		q.Get("publishedAfter") != t0.Add(-24*time.Hour).Format(time.RFC3339) || q.Get("publishedBefore") != t0.Format(time.RFC3339) {
		t.Errorf("search query %v", q)
	}
	// Every call's cost is counted: search 100, videos 1, channels 1.
	if c := storedCursor(t, db); c.Used != 102 || fake.Used() != 102 || c.Day != "2026-11-29" {
		t.Errorf("quota used %d (day %s), the platform charged %d; want 102", c.Used, c.Day, fake.Used())
	}
	if rl := page.RateLimit; rl == nil || rl.Limit != 10000 || rl.Remaining != 9898 || !rl.Reset.Equal(dayEnd) {
		t.Errorf("quota state %+v", page.RateLimit)
	}
	// A quota so large that pacing asks nothing: a minute, never zero.
	if big, _ := newPoller(t, fake, youtube.Config{DailyUnits: 1 << 40}, &clock{t0}, "AllForPalestine"); big.Every() != youtube.DefaultMinEvery {
		t.Errorf("Every %v with a huge quota", big.Every())
	}
	// The day's pacing: a page (102 units) every 24h·102/10000.
	if e := p.Every(); e != (24 * time.Hour * 102 / 10000).Round(time.Second) {
		t.Errorf("Every %v", e)
	}
}

func TestPacingAndQuotaExceeded(t *testing.T) {
	// 1,020 units a day: ten pages; at the start of the day the bucket
	// holds three.
	fake, p, c, _ := setup(t, youtube.Config{DailyUnits: 1020, MaxPages: 1}, "AllForPalestine")
	db := openStore(t)
	c.t = dayStart.Add(time.Minute)
	fake.Add(platformtest.YTVideo{Title: "#AllForPalestine", PublishedAt: c.t.Add(-time.Hour)})
	for i := range 3 {
		if _, _, err := poll(t, db, p, "allforpalestine"); err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
	}
	n := len(fake.Requests())
	_, _, err := poll(t, db, p, "allforpalestine")
	var rl *collector.RateLimitedError
	slot := dayStart.Add(24 * time.Hour * 102 / 1020).Add(time.Second)
	if !errors.As(err, &rl) || !rl.Until.Equal(slot) {
		t.Fatalf("fourth poll: %v, want paced until %v", err, slot)
	}
	if len(fake.Requests()) != n {
		t.Errorf("a paced poll sent requests")
	}
	if e := p.Every(); e != 24*time.Hour*102/1020 {
		t.Errorf("Every %v", e)
	}
	// The project's real quota is smaller (another user of the project):
	// YouTube says quotaExceeded; the poller waits for midnight Pacific.
	c.t = slot
	fake.SetQuota(350)
	_, _, err = poll(t, db, p, "allforpalestine")
	if !errors.As(err, &rl) || !rl.Until.Equal(dayEnd) {
		t.Fatalf("quota exceeded: %v, want waiting until %v", err, dayEnd)
	}
	n = len(fake.Requests())
	c.t = c.t.Add(time.Hour)
	if _, _, err := poll(t, db, p, "allforpalestine"); !errors.As(err, &rl) || len(fake.Requests()) != n {
		t.Fatalf("after quotaExceeded: %v, %d requests more", err, len(fake.Requests())-n)
	}
	// A new Pacific day: the quota is back.
	c.t = dayEnd.Add(time.Minute)
	fake.Add(platformtest.YTVideo{Title: "#AllForPalestine next day", PublishedAt: c.t.Add(-time.Minute)})
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 {
		t.Fatalf("next day: %+v %v", res, err)
	}
	if cur := storedCursor(t, db); cur.Day != "2026-11-30" || cur.Used != 102 {
		t.Errorf("cursor day %s used %d", cur.Day, cur.Used)
	}
}

func TestPagingRestartAndPageTokenLost(t *testing.T) {
	fake, p, c, _ := setup(t, youtube.Config{MaxPages: 1}, "AllForPalestine")
	db := openStore(t)
	for i := range 120 {
		fake.Add(platformtest.YTVideo{Title: fmt.Sprint("#AllForPalestine ", i), PublishedAt: t0.Add(-time.Duration(i+1) * time.Minute)})
	}
	page, res, err := poll(t, db, p, "allforpalestine")
	if err != nil || res.Added != 50 || !page.More {
		t.Fatalf("first: %+v more=%v %v", res, page.More, err)
	}
	c.t = c.t.Add(time.Minute)
	p2, logs := newPoller(t, fake, youtube.Config{MaxPages: 1}, c, "AllForPalestine")
	if page, res, err = poll(t, db, p2, "allforpalestine"); err != nil || res.Added != 50 || res.Duplicates != 0 {
		t.Fatalf("after restart: %+v %v", res, err)
	}
	fake.Fail(platformtest.YTPageTokenLost)
	if page, res, err = poll(t, db, p2, "allforpalestine"); err != nil || !page.More || res.Added != 0 {
		t.Fatalf("token lost: %+v more=%v %v", res, page.More, err)
	}
	if !strings.Contains(logs.String(), "page token") {
		t.Errorf("not logged: %s", logs)
	}
	for i := 0; page.More && i < 5; i++ {
		c.t = c.t.Add(time.Minute)
		if page, _, err = poll(t, db, p2, "allforpalestine"); err != nil {
			t.Fatal(err)
		}
	}
	if page.More || db.PostCount() != 120 {
		t.Fatalf("more=%v, %d stored, want 120", page.More, db.PostCount())
	}
	// The quota the platform charged is the one the cursor holds.
	if cur := storedCursor(t, db); cur.Used != fake.Used() {
		t.Errorf("cursor counts %d units, the platform charged %d", cur.Used, fake.Used())
	}
}

func TestFaults(t *testing.T) {
	fake, p, _, _ := setup(t, youtube.Config{}, "AllForPalestine")
	db := openStore(t)
	fake.Add(platformtest.YTVideo{Title: "#AllForPalestine", PublishedAt: t0.Add(-time.Hour)})
	fake.Fail(platformtest.YTRateLimited)
	_, _, err := poll(t, db, p, "allforpalestine")
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) || !rl.Until.Equal(t0.Add(30*time.Second)) {
		t.Fatalf("429: %v, want until +30s (Retry-After)", err)
	}
	fake.ExpireKey(true)
	_, _, err = poll(t, db, p, "allforpalestine")
	if err == nil || errors.As(err, &rl) || !strings.Contains(err.Error(), "API key was refused") || strings.Contains(err.Error(), key) {
		t.Fatalf("expired key: %v", err)
	}
	fake.ExpireKey(false)
	fake.Fail(platformtest.YTBackendError)
	if _, _, err := poll(t, db, p, "allforpalestine"); err == nil || !strings.Contains(err.Error(), "backendError") {
		t.Fatalf("500: %v", err)
	}
	if _, res, err := poll(t, db, p, "allforpalestine"); err != nil || res.Added != 1 {
		t.Fatalf("recovered: %+v %v", res, err)
	}
	// The units of the failed polls are remembered in the process.
	if cur := storedCursor(t, db); cur.Used != fake.Used() {
		t.Errorf("cursor counts %d units, the platform charged %d", cur.Used, fake.Used())
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  youtube.Config
		want string
	}{
		{youtube.Config{}, "api_key is required"},
		{youtube.Config{APIKey: key, DailyUnits: 50}, "does not pay for one search page"},
		{youtube.Config{APIKey: key, BaseURL: "www.googleapis.com"}, "not an http(s) URL"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	cfg := youtube.Config{APIKey: key}
	if s := fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg); strings.Contains(s, key) {
		t.Errorf("config prints its key: %s", s)
	}
}
