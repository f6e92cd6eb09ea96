package x_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

const xTestToken = "sekrit-bearer-0123456789"

var xCampaign = store.Campaign{Name: "afp", Hashtags: []string{"allforpalestine", "كلنا_لفلسطين"}}

func xOpenStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "x.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTestXv2(srv *platformtest.XServer, cfg x.Config, logger *slog.Logger) *x.V2 {
	cfg.BaseURL = srv.URL
	if cfg.BearerToken == "" {
		cfg.BearerToken = xTestToken
	}
	return x.NewV2(cfg, xCampaign, srv.Client(), logger)
}

// xAddTagged adds n tweets carrying a campaign hashtag (alternating the two
// spellings) and m that carry none, and returns the tagged ones.
func xAddTagged(srv *platformtest.XServer, n, m int) []platformtest.Tweet {
	var tagged []platformtest.Tweet
	for i := range n {
		tag := "AllForPalestine"
		if i%2 == 1 {
			tag = "كلنا_لفلسطين"
		}
		tagged = append(tagged, platformtest.Tweet{Username: fmt.Sprintf("u%d", i%7), Text: fmt.Sprintf("post %d #%s", i, tag)})
		if i < m {
			tagged = append(tagged, platformtest.Tweet{Username: "other", Text: fmt.Sprintf("unrelated %d #Football", i)})
		}
	}
	var out []platformtest.Tweet
	for _, t := range srv.Add(tagged...) {
		if !strings.Contains(t.Text, "Football") {
			out = append(out, t)
		}
	}
	return out
}

type drained struct {
	polls, added, dups, malformed, fetched int
	cursor                                 []byte
}

// xDrain polls p from the stored cursor until it has nothing more, ingesting
// each page, and fails the test on an error.
func xDrain(t *testing.T, ctx context.Context, p collector.Poller, db *store.DB) drained {
	t.Helper()
	m := collector.NewMatcher([]store.Campaign{xCampaign})
	var d drained
	for d.polls < 50 {
		cur, err := db.Cursor(p.Name())
		if err != nil {
			t.Fatal(err)
		}
		page, err := p.Poll(ctx, cur)
		if err != nil {
			t.Fatalf("poll %d: %v", d.polls+1, err)
		}
		d.polls++
		res, err := collector.Ingest(db, m, p.Name(), page)
		if err != nil {
			t.Fatal(err)
		}
		d.added += res.Added
		d.dups += res.Duplicates
		d.malformed += res.Malformed
		d.fetched += res.Fetched
		d.cursor = page.Cursor
		if !page.More {
			return d
		}
	}
	t.Fatal("poller never caught up")
	return d
}

func xCursor(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var c map[string]string
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("cursor %q: %v", raw, err)
	}
	return c
}

func TestXv2Request(t *testing.T) {
	srv := platformtest.NewX(t)
	srv.RequireToken(xTestToken)
	xAddTagged(srv, 3, 0)
	v2 := newTestXv2(srv, x.Config{}, nil)
	if v2.Name() != "x:afp" {
		t.Errorf("Name = %q, want x:afp", v2.Name())
	}
	page, err := v2.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 3 || page.More {
		t.Fatalf("posts=%d more=%v, want 3, false", len(page.Posts), page.More)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	q := reqs[0].Query
	want := map[string]string{
		"query":        "#allforpalestine OR #كلنا_لفلسطين",
		"max_results":  "100",
		"expansions":   "author_id,geo.place_id,referenced_tweets.id,referenced_tweets.id.author_id",
		"user.fields":  "location,public_metrics,username,name",
		"place.fields": "country_code,full_name,geo",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	for _, f := range []string{"created_at", "lang", "public_metrics", "referenced_tweets", "entities", "geo", "conversation_id"} {
		if !strings.Contains(q.Get("tweet.fields"), f) {
			t.Errorf("tweet.fields %q lacks %s", q.Get("tweet.fields"), f)
		}
	}
	if q.Has("since_id") || q.Has("next_token") {
		t.Errorf("first poll sent since_id/next_token: %v", q)
	}
	if reqs[0].Auth != "bearer" {
		t.Errorf("auth = %q, want bearer", reqs[0].Auth)
	}
	if page.RateLimit == nil || page.RateLimit.Limit != 450 || page.RateLimit.Remaining != 449 || page.RateLimit.Reset.IsZero() {
		t.Errorf("RateLimit = %+v, want limit 450 remaining 449 with a reset", page.RateLimit)
	}
	for _, p := range page.Posts {
		if p.Platform != store.PlatformX || p.Source != store.SourceX {
			t.Errorf("post %s platform/source = %s/%s, want x/x", p.ID, p.Platform, p.Source)
		}
	}

	t.Run("StartTime", func(t *testing.T) {
		now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		gaza, err := time.LoadLocation("Asia/Gaza")
		if err != nil {
			t.Skip(err)
		}
		for _, c := range []struct{ from, want string }{
			{"2026-11-27", "2026-11-26T22:00:00Z"}, // the campaign day starts in Gaza time
			{"2026-11-01", ""},                     // older than 7 days: X's default window
			{"", ""},
		} {
			camp := xCampaign
			camp.From, camp.Location = c.from, gaza
			v2 := x.NewV2(x.Config{BaseURL: srv.URL, BearerToken: xTestToken}, camp, srv.Client(), nil)
			v2.Now = func() time.Time { return now }
			if _, err := v2.Poll(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			reqs := srv.Requests()
			if got := reqs[len(reqs)-1].Query.Get("start_time"); got != c.want {
				t.Errorf("from %q: start_time = %q, want %q", c.from, got, c.want)
			}
			if _, err := v2.Poll(context.Background(), []byte(`{"since_id":"1"}`)); err != nil {
				t.Fatal(err)
			}
			reqs = srv.Requests()
			if reqs[len(reqs)-1].Query.Has("start_time") {
				t.Errorf("from %q: start_time sent beside since_id", c.from)
			}
		}
	})
	t.Run("WrongToken", func(t *testing.T) {
		bad := newTestXv2(srv, x.Config{BearerToken: "wrong"}, nil)
		_, err := bad.Poll(context.Background(), nil)
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err = %v, want an HTTP 401 error", err)
		}
	})
}

func TestXv2Mapping(t *testing.T) {
	srv := platformtest.NewX(t)
	long := "A long day of action across the world, marches in every city and a final word #AllForPalestine"
	added := srv.Add(
		platformtest.Tweet{Username: "gaza_voice", Name: "Gaza Voice", Followers: 1200, Location: "Gaza City",
			Text: long, PlaceID: "p1", PlaceCountry: "PS", PlaceName: "Gaza", Coordinates: &[2]float64{34.45, 31.5}, Likes: 4, Lang: "en"},
	)
	orig := added[0]
	more := srv.Add(
		platformtest.Tweet{Username: "retweeter", Followers: 10, Location: "Dublin", RetweetOf: orig.ID},
		platformtest.Tweet{Username: "replier", Text: "yes #allforpalestine", ReplyTo: orig.ID},
		platformtest.Tweet{Username: "quoter", Text: "look #AllForPalestine", Quotes: orig.ID},
	)
	v2 := newTestXv2(srv, x.Config{}, nil)
	page, err := v2.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.Post{}
	for _, p := range page.Posts {
		got[p.ID] = p
	}
	if len(got) != 4 {
		t.Fatalf("%d posts, want 4", len(got))
	}
	o := got[orig.ID]
	if o.Kind != store.KindOriginal || o.Signals.PlaceCountry != "PS" || o.Signals.ProfileLocation != "Gaza City" ||
		o.Author.Followers != 1200 || o.Author.Handle != "gaza_voice" || o.Author.Name != "Gaza Voice" || o.Engagement != 4 {
		t.Errorf("original = %+v", o)
	}
	if c := o.Signals.Coordinates; c == nil || c.Lat != 31.5 || c.Lon != 34.45 {
		t.Errorf("coordinates = %+v, want lat 31.5 lon 34.45", c)
	}
	if o.URL != "https://x.com/gaza_voice/status/"+orig.ID || !o.CreatedAt.Equal(orig.CreatedAt) {
		t.Errorf("url %s created %s", o.URL, o.CreatedAt)
	}
	rt := got[more[0].ID]
	if rt.Kind != store.KindRepost || rt.RefID != orig.ID {
		t.Errorf("retweet kind/ref = %s/%s, want repost/%s", rt.Kind, rt.RefID, orig.ID)
	}
	// The fake cuts the retweet's text before the hashtag, as X does: the
	// tag must come from the retweeted tweet in includes.
	if len(rt.Hashtags) != 1 || rt.Hashtags[0] != "allforpalestine" {
		t.Errorf("retweet hashtags = %v, want [allforpalestine] from the original", rt.Hashtags)
	}
	if rt.Signals.PlaceCountry != "" || rt.Signals.ProfileLocation != "Dublin" {
		t.Errorf("retweet signals = %+v, want the retweeter's own (Dublin, no place)", rt.Signals)
	}
	if !strings.HasPrefix(rt.Text, "RT @gaza_voice: ") || !strings.HasSuffix(rt.Text, "#AllForPalestine") {
		t.Errorf("retweet text = %q, want the full original", rt.Text)
	}
	if r := got[more[1].ID]; r.Kind != store.KindReply || r.RefID != orig.ID {
		t.Errorf("reply = %s/%s", r.Kind, r.RefID)
	}
	if q := got[more[2].ID]; q.Kind != store.KindQuote || q.RefID != orig.ID {
		t.Errorf("quote = %s/%s", q.Kind, q.RefID)
	}
}

func TestXv2PagingCatchesUp(t *testing.T) {
	srv := platformtest.NewX(t)
	tagged := xAddTagged(srv, 250, 40)
	db := xOpenStore(t)
	v2 := newTestXv2(srv, x.Config{}, nil)
	d := xDrain(t, context.Background(), v2, db)
	if d.polls != 3 || d.added != 250 || d.dups != 0 {
		t.Fatalf("polls=%d added=%d dups=%d, want 3, 250, 0", d.polls, d.added, d.dups)
	}
	newest := tagged[len(tagged)-1].ID
	if c := xCursor(t, d.cursor); c["since_id"] != newest || c["next_token"] != "" {
		t.Fatalf("cursor = %v, want since_id %s and no token", c, newest)
	}
	reqs := srv.Requests()
	if reqs[1].Query.Get("next_token") == "" || reqs[2].Query.Get("next_token") == "" {
		t.Errorf("catch-up pages did not send next_token: %v / %v", reqs[1].Query, reqs[2].Query)
	}

	// Later: only what is new, from since_id.
	more := xAddTagged(srv, 5, 5)
	d = xDrain(t, context.Background(), v2, db)
	if d.polls != 1 || d.added != 5 || d.dups != 0 {
		t.Fatalf("second round polls=%d added=%d dups=%d, want 1, 5, 0", d.polls, d.added, d.dups)
	}
	if got := srv.Requests()[3].Query.Get("since_id"); got != newest {
		t.Errorf("since_id = %q, want %s", got, newest)
	}
	if c := xCursor(t, d.cursor); c["since_id"] != more[len(more)-1].ID {
		t.Errorf("cursor = %v, want since_id %s", c, more[len(more)-1].ID)
	}
	if n := db.PostCount(); n != 255 {
		t.Errorf("store holds %d posts, want 255", n)
	}
}

func TestXv2ResumeAfterRestart(t *testing.T) {
	for _, overlap := range []int{0, 7} {
		t.Run(fmt.Sprintf("Overlap%d", overlap), func(t *testing.T) {
			srv := platformtest.NewX(t)
			srv.SetOverlap(overlap)
			xAddTagged(srv, 230, 10)
			db := xOpenStore(t)
			m := collector.NewMatcher([]store.Campaign{xCampaign})

			// First process: one page, then it dies.
			first := newTestXv2(srv, x.Config{}, nil)
			page, err := first.Poll(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !page.More {
				t.Fatal("first page of 230 says no more")
			}
			if _, err := collector.Ingest(db, m, first.Name(), page); err != nil {
				t.Fatal(err)
			}
			token := xCursor(t, page.Cursor)["next_token"]
			if token == "" {
				t.Fatalf("cursor %s holds no next_token", page.Cursor)
			}
			// Posts arrive while it is down.
			late := xAddTagged(srv, 12, 0)

			// Second process, same store.
			second := newTestXv2(srv, x.Config{}, nil)
			d := xDrain(t, context.Background(), second, db)
			if got := srv.Requests()[1].Query.Get("next_token"); got != token {
				t.Errorf("restart sent next_token %q, want %q from the stored cursor", got, token)
			}
			d2 := xDrain(t, context.Background(), second, db)
			if n := db.PostCount(); n != 242 {
				t.Fatalf("store holds %d posts, want 242 (no gap)", n)
			}
			if d.added+d2.added+len(page.Posts) != 242 {
				t.Errorf("added %d+%d+%d, want 242 in all (no double)", len(page.Posts), d.added, d2.added)
			}
			if overlap > 0 && d.dups == 0 {
				t.Error("overlapping pages produced no duplicates: the fake's overlap is not exercised")
			}
			if c := xCursor(t, d2.cursor); c["since_id"] != late[len(late)-1].ID {
				t.Errorf("final cursor %v, want since_id %s", c, late[len(late)-1].ID)
			}
		})
	}
}

func TestXv2DuplicatePage(t *testing.T) {
	srv := platformtest.NewX(t)
	xAddTagged(srv, 150, 0)
	db := xOpenStore(t)
	v2 := newTestXv2(srv, x.Config{}, nil)
	page, err := v2.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := collector.NewMatcher([]store.Campaign{xCampaign})
	collector.Ingest(db, m, v2.Name(), page)
	srv.DuplicateNext() // the same first page again
	d := xDrain(t, context.Background(), v2, db)
	if db.PostCount() != 150 || d.dups != 100 {
		t.Fatalf("store %d posts, %d duplicates; want 150 and 100", db.PostCount(), d.dups)
	}
}

func TestXv2Failures(t *testing.T) {
	clock := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) (*platformtest.XServer, *x.V2, *bytes.Buffer, []byte) {
		srv := platformtest.NewX(t)
		srv.SetNow(func() time.Time { return clock })
		xAddTagged(srv, 120, 0)
		var logs bytes.Buffer
		v2 := newTestXv2(srv, x.Config{}, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
		v2.Now = func() time.Time { return clock }
		page, err := v2.Poll(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return srv, v2, &logs, page.Cursor
	}
	noSecret := func(t *testing.T, err error, logs *bytes.Buffer) {
		t.Helper()
		if err != nil && strings.Contains(err.Error(), xTestToken) || strings.Contains(logs.String(), xTestToken) {
			t.Fatalf("the bearer token leaked: err=%v logs=%s", err, logs)
		}
	}

	t.Run("RateLimitReset", func(t *testing.T) {
		srv, v2, logs, cur := setup(t)
		reset := clock.Add(7 * time.Minute)
		srv.RateLimitNext(reset, 0)
		page, err := v2.Poll(context.Background(), cur)
		var rl *collector.RateLimitedError
		if !errors.As(err, &rl) {
			t.Fatalf("err = %v, want *RateLimitedError", err)
		}
		if !rl.Until.Equal(reset) || rl.Source != "x:afp" {
			t.Errorf("Until=%s Source=%s, want %s x:afp", rl.Until, rl.Source, reset)
		}
		if page.Cursor != nil || page.RateLimit == nil || page.RateLimit.Remaining != 0 {
			t.Errorf("page = %+v, want no cursor and remaining 0", page)
		}
		noSecret(t, err, logs)
	})
	t.Run("RetryAfter", func(t *testing.T) {
		srv, v2, _, cur := setup(t)
		srv.RateLimitNext(clock.Add(time.Hour), 90*time.Second)
		_, err := v2.Poll(context.Background(), cur)
		var rl *collector.RateLimitedError
		if !errors.As(err, &rl) || !rl.Until.Equal(clock.Add(90*time.Second)) {
			t.Fatalf("err = %v, want rate limited until %s (Retry-After wins)", err, clock.Add(90*time.Second))
		}
	})
	t.Run("WindowExhausted", func(t *testing.T) {
		srv, v2, _, cur := setup(t)
		srv.SetRateLimit(platformtest.PathV2Search, 1)
		if _, err := v2.Poll(context.Background(), cur); err != nil {
			t.Fatal(err)
		}
		_, err := v2.Poll(context.Background(), cur)
		var rl *collector.RateLimitedError
		if !errors.As(err, &rl) || !rl.Until.Equal(clock.Add(15*time.Minute)) {
			t.Fatalf("err = %v, want rate limited until the window's reset %s", err, clock.Add(15*time.Minute))
		}
	})
	for _, status := range []int{500, 502, 503} {
		t.Run(fmt.Sprintf("HTTP%d", status), func(t *testing.T) {
			srv, v2, logs, cur := setup(t)
			srv.FailNext(status)
			page, err := v2.Poll(context.Background(), cur)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprint(status)) {
				t.Fatalf("err = %v, want an HTTP %d error", err, status)
			}
			if page.Cursor != nil || len(page.Posts) != 0 {
				t.Fatalf("a failed poll returned cursor %s and %d posts", page.Cursor, len(page.Posts))
			}
			noSecret(t, err, logs)
			// The same cursor works once the platform is back.
			page, err = v2.Poll(context.Background(), cur)
			if err != nil || len(page.Posts) != 20 {
				t.Fatalf("retry: %d posts, %v; want the remaining 20", len(page.Posts), err)
			}
		})
	}
	t.Run("TruncatedBody", func(t *testing.T) {
		srv, v2, logs, cur := setup(t)
		srv.TruncateNext()
		page, err := v2.Poll(context.Background(), cur)
		if err == nil || page.Cursor != nil {
			t.Fatalf("truncated body: err=%v cursor=%s, want an error and no cursor", err, page.Cursor)
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
		noSecret(t, err, logs)
	})
	t.Run("MalformedItem", func(t *testing.T) {
		srv, v2, _, cur := setup(t)
		srv.MalformedNext()
		page, err := v2.Poll(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Malformed) != 1 || len(page.Posts) != 20 || page.Fetched != 21 {
			t.Fatalf("malformed=%d posts=%d fetched=%d, want 1, 20, 21", len(page.Malformed), len(page.Posts), page.Fetched)
		}
		if !strings.Contains(page.Malformed[0].Error(), "x:afp") {
			t.Errorf("malformed item does not say where: %v", page.Malformed[0])
		}
	})
	t.Run("ContextDeadline", func(t *testing.T) {
		srv, v2, logs, cur := setup(t)
		srv.StallNext()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := v2.Poll(ctx, cur)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("poll returned after %s", d)
		}
		noSecret(t, err, logs)
	})
	t.Run("ConfigTimeout", func(t *testing.T) {
		srv := platformtest.NewX(t)
		v2 := newTestXv2(srv, x.Config{Timeout: 100 * time.Millisecond}, nil)
		srv.StallNext()
		_, err := v2.Poll(context.Background(), nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the configured request deadline to fire", err)
		}
	})
	t.Run("ExpiredNextToken", func(t *testing.T) {
		_, v2, _, _ := setup(t)
		page, err := v2.Poll(context.Background(), []byte(`{"since_id":"42","next_token":"bogus","newest":"99"}`))
		if err != nil {
			t.Fatal(err)
		}
		if c := xCursor(t, page.Cursor); !page.More || c["since_id"] != "42" || c["next_token"] != "" {
			t.Fatalf("more=%v cursor=%v, want a restart from since_id 42", page.More, c)
		}
	})
	t.Run("SinceIDTooOld", func(t *testing.T) {
		srv, v2, logs, _ := setup(t)
		srv.RejectSinceIDBelow("2000000000000000000")
		page, err := v2.Poll(context.Background(), []byte(`{"since_id":"1500000000000000000"}`))
		if err != nil {
			t.Fatal(err)
		}
		if c := xCursor(t, page.Cursor); !page.More || len(c) != 0 {
			t.Fatalf("more=%v cursor=%v, want an empty cursor and more", page.More, c)
		}
		if !strings.Contains(logs.String(), "older than recent search") {
			t.Errorf("no warning: %s", logs)
		}
		page, err = v2.Poll(context.Background(), page.Cursor)
		if err != nil || len(page.Posts) != 100 {
			t.Fatalf("after the reset: %d posts, %v; want the window again", len(page.Posts), err)
		}
	})
	t.Run("PartialErrors", func(t *testing.T) {
		srv, v2, _, cur := setup(t)
		// The fake does send the array.
		srv.PartialErrorsNext()
		resp, err := srv.Client().Get(srv.URL + platformtest.PathV2Search + "?query=%23allforpalestine")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(raw, []byte(`"errors":[{`)) || !bytes.Contains(raw, []byte(`"data":[{`)) {
			t.Fatalf("fake sent no errors array beside data: %.200s", raw)
		}
		srv.PartialErrorsNext()
		page, err := v2.Poll(context.Background(), cur)
		if err != nil || len(page.Posts) != 20 || len(page.Malformed) != 0 {
			t.Fatalf("page with an errors array: %d posts, %d malformed, %v; want 20, 0, nil", len(page.Posts), len(page.Malformed), err)
		}
	})
	t.Run("UnreadableCursor", func(t *testing.T) {
		_, v2, logs, _ := setup(t)
		page, err := v2.Poll(context.Background(), []byte("{not json"))
		if err != nil || len(page.Posts) != 100 {
			t.Fatalf("posts=%d err=%v, want a fresh start", len(page.Posts), err)
		}
		if !strings.Contains(logs.String(), "unreadable cursor") {
			t.Errorf("no warning logged: %s", logs)
		}
	})
}

func TestXConfigRedacts(t *testing.T) {
	cfg := x.Config{BearerToken: xTestToken, BaseURL: "http://127.0.0.1:1"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "x", cfg)
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logs.String()} {
		if strings.Contains(s, xTestToken) {
			t.Errorf("token in %q", s)
		}
		if !strings.Contains(s, "redacted") {
			t.Errorf("%q does not say the token is redacted", s)
		}
	}
	v1 := x.TwitterV1Config{ConsumerKey: "ck-123", ConsumerSecret: "cs-456", AccessToken: "at-789", AccessSecret: "as-000", BearerToken: xTestToken}
	logs.Reset()
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "twitter", v1)
	for _, s := range []string{fmt.Sprintf("%v", v1), fmt.Sprintf("%#v", v1), logs.String()} {
		for _, secret := range []string{"ck-123", "cs-456", "at-789", "as-000", xTestToken} {
			if strings.Contains(s, secret) {
				t.Errorf("secret %s in %q", secret, s)
			}
		}
	}
}

func TestXv2PollCounts(t *testing.T) {
	clock := time.Date(2026, 11, 29, 12, 20, 30, 0, time.UTC)
	now := func() time.Time { return clock }
	srv := platformtest.NewX(t)
	srv.SetNow(now)
	h := func(i int) time.Time { return clock.Truncate(time.Hour).Add(time.Duration(i) * time.Hour) }
	srv.Add(
		platformtest.Tweet{Text: "#AllForPalestine", CreatedAt: h(-2).Add(5 * time.Minute)},
		platformtest.Tweet{Text: "#AllForPalestine", CreatedAt: h(-2).Add(50 * time.Minute), Hidden: true},
		platformtest.Tweet{Text: "#كلنا_لفلسطين", CreatedAt: h(0).Add(time.Minute)},
		platformtest.Tweet{Text: "#Football", CreatedAt: h(0).Add(2 * time.Minute)},
		platformtest.Tweet{Text: "#AllForPalestine", CreatedAt: clock.Add(-7*24*time.Hour + 10*time.Second)}, // in the partial first bucket
	)
	db := xOpenStore(t)
	v2 := newTestXv2(srv, x.Config{}, nil)
	v2.Now = now
	if err := v2.PollCounts(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	got, err := db.PlatformCounts("afp", store.SourceX, h(-200), h(1))
	if err != nil {
		t.Fatal(err)
	}
	// 7 days of whole hours plus the current one; the partial first bucket is left out.
	if len(got) != 7*24 {
		t.Errorf("%d hours stored, want %d", len(got), 7*24)
	}
	if got[h(-2)] != 2 || got[h(0)] != 1 || got[h(-1)] != 0 {
		t.Errorf("counts h-2=%d h-1=%d h0=%d, want 2 (one hidden from search), 0, 1", got[h(-2)], got[h(-1)], got[h(0)])
	}
	if _, ok := got[h(-7*24)]; ok {
		t.Errorf("the partial first bucket %s was stored", h(-7*24))
	}
	q := srv.Requests()[0].Query
	if srv.Requests()[0].Path != platformtest.PathV2Counts || q.Get("granularity") != "hour" || q.Get("query") != "#allforpalestine OR #كلنا_لفلسطين" {
		t.Errorf("counts request %+v", srv.Requests()[0])
	}

	// Within 15 minutes: no request.
	clock = clock.Add(14 * time.Minute)
	if err := v2.PollCounts(context.Background(), db); err != nil || len(srv.Requests()) != 1 {
		t.Fatalf("second call after 14m: err=%v requests=%d, want no request", err, len(srv.Requests()))
	}
	clock = clock.Add(time.Minute)
	srv.Add(platformtest.Tweet{Text: "#AllForPalestine", CreatedAt: clock.Add(-time.Second)})
	if err := v2.PollCounts(context.Background(), db); err != nil || len(srv.Requests()) != 2 {
		t.Fatalf("call after 15m: err=%v requests=%d, want a second request", err, len(srv.Requests()))
	}
	got, _ = db.PlatformCounts("afp", store.SourceX, h(0), h(1))
	if got[h(0)] != 2 {
		t.Errorf("current hour = %d after update, want 2", got[h(0)])
	}

	// A 429 holds counts until its reset, without touching search.
	clock = clock.Add(15 * time.Minute)
	srv.RateLimitNext(clock.Add(40*time.Minute), 0)
	err = v2.PollCounts(context.Background(), db)
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitedError", err)
	}
	clock = clock.Add(20 * time.Minute)
	n := len(srv.Requests())
	if err := v2.PollCounts(context.Background(), db); err != nil || len(srv.Requests()) != n {
		t.Fatalf("during the reset wait: err=%v, %d new requests; want none", err, len(srv.Requests())-n)
	}

	t.Run("ServerError", func(t *testing.T) {
		clock = clock.Add(time.Hour)
		srv.FailNext(http.StatusServiceUnavailable)
		if err := v2.PollCounts(context.Background(), db); err == nil {
			t.Fatal("503 from counts gave no error")
		}
		// Failure does not wait 15 minutes: the next call tries again.
		if err := v2.PollCounts(context.Background(), db); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Forbidden", func(t *testing.T) {
		clock = clock.Add(time.Hour)
		srv.FailNext(http.StatusForbidden) // a tier without counts
		if err := v2.PollCounts(context.Background(), db); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("err = %v, want HTTP 403", err)
		}
		n := len(srv.Requests())
		clock = clock.Add(time.Minute)
		if err := v2.PollCounts(context.Background(), db); err != nil || len(srv.Requests()) != n {
			t.Fatalf("a minute after a 403: err=%v, %d new requests; want none before the interval", err, len(srv.Requests())-n)
		}
	})
}

// TestXCheckQuery: the query limit counts characters, not bytes, and holds
// at exactly the limit.
func TestXCheckQuery(t *testing.T) {
	// "#كلنا_لفلسطين OR #AllForPalestine": 13 + 4 + 16 = 33 characters, 44 bytes.
	c := store.Campaign{Name: "afp", Hashtags: []string{"كلنا_لفلسطين", "AllForPalestine"}}
	if q := x.Query(c.Hashtags); len([]rune(q)) != 33 {
		t.Fatalf("query %q is %d characters, the test expects 33", q, len([]rune(q)))
	}
	if err := (x.Config{MaxQueryLength: 33}).CheckQuery(c); err != nil {
		t.Errorf("limit 33: %v", err)
	}
	err := (x.Config{MaxQueryLength: 32}).CheckQuery(c)
	if err == nil || !strings.Contains(err.Error(), `campaign "afp": its 2 hashtags make a search query of 33 characters`) {
		t.Errorf("limit 32: error = %v", err)
	}
	if err := (x.Config{}).CheckQuery(c); err != nil {
		t.Errorf("default limit: %v", err)
	}
}
