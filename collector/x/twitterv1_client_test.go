package x_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

func newTestV1(srv *platformtest.XServer, cfg x.TwitterV1Config) *x.TwitterV1 {
	cfg.BaseURL = srv.URL
	if cfg.ConsumerKey == "" && cfg.BearerToken == "" {
		cfg.ConsumerKey, cfg.ConsumerSecret, cfg.AccessToken, cfg.AccessSecret = "ck", "cs", "at", "as"
	}
	return x.NewTwitterV1(cfg, xCampaign, srv.Client(), nil)
}

func TestTwitterV1Request(t *testing.T) {
	srv := platformtest.NewX(t)
	xAddTagged(srv, 4, 2)
	v := newTestV1(srv, x.TwitterV1Config{})
	if v.Name() != "twitter:afp" {
		t.Errorf("Name = %q", v.Name())
	}
	page, err := v.Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 4 || page.More {
		t.Fatalf("posts=%d more=%v, want 4, false", len(page.Posts), page.More)
	}
	for _, p := range page.Posts {
		if p.Platform != store.PlatformX || p.Source != store.SourceX {
			t.Errorf("platform/source = %s/%s, want x/x", p.Platform, p.Source)
		}
	}
	r := srv.Requests()[0]
	// Arrived at the fake: go-twitter's hard-coded base was rewritten.
	if r.Path != platformtest.PathV1Search || r.Auth != "oauth1" {
		t.Errorf("request %s auth %q, want %s with OAuth1", r.Path, r.Auth, platformtest.PathV1Search)
	}
	want := map[string]string{"q": "#allforpalestine OR #كلنا_لفلسطين", "count": "100", "tweet_mode": "extended", "result_type": "recent"}
	for k, w := range want {
		if r.Query.Get(k) != w {
			t.Errorf("%s = %q, want %q", k, r.Query.Get(k), w)
		}
	}
	if r.Query.Has("since_id") || r.Query.Has("max_id") {
		t.Errorf("first request sent since_id/max_id: %v", r.Query)
	}
	if rl := page.RateLimit; rl == nil || rl.Limit != 180 || rl.Remaining != 179 {
		t.Errorf("RateLimit = %+v, want 180/179", rl)
	}

	t.Run("Bearer", func(t *testing.T) {
		srv.RequireToken("app-token")
		defer srv.RequireToken("")
		v := newTestV1(srv, x.TwitterV1Config{BearerToken: "app-token"})
		if _, err := v.Poll(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if a := reqs[len(reqs)-1].Auth; a != "bearer" {
			t.Errorf("auth = %q, want bearer", a)
		}
		both := newTestV1(srv, x.TwitterV1Config{BearerToken: "app-token", ConsumerKey: "ck", ConsumerSecret: "cs", AccessToken: "at", AccessSecret: "as"})
		if _, err := both.Poll(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		reqs = srv.Requests()
		if a := reqs[len(reqs)-1].Auth; a != "oauth1" {
			t.Errorf("with both configured auth = %q, want oauth1", a)
		}
		bad := newTestV1(srv, x.TwitterV1Config{BearerToken: "wrong"})
		if _, err := bad.Poll(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong") {
			t.Errorf("wrong token: err = %v, want HTTP 401 without the token", err)
		}
	})
}

func TestTwitterV1Mapping(t *testing.T) {
	srv := platformtest.NewX(t)
	long := "A long day of action across the world, marches in every city and a final word #AllForPalestine"
	orig := srv.Add(platformtest.Tweet{Username: "gaza_voice", Followers: 1200, Location: "Gaza City", Text: long,
		PlaceID: "p1", PlaceCountry: "PS", Coordinates: &[2]float64{34.45, 31.5}})[0]
	rt := srv.Add(platformtest.Tweet{Username: "rt", RetweetOf: orig.ID, Location: "Dublin"})[0]
	page, err := newTestV1(srv, x.TwitterV1Config{}).Poll(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := byID(page.Posts)
	o, r := m[orig.ID], m[rt.ID]
	if o.Signals.PlaceCountry != "PS" || o.Signals.Coordinates == nil || o.Signals.Coordinates.Lat != 31.5 || o.Author.Followers != 1200 {
		t.Errorf("original = %+v", o)
	}
	if r.Kind != store.KindRepost || r.RefID != orig.ID || len(r.Hashtags) != 1 || r.Hashtags[0] != "allforpalestine" || r.Signals.ProfileLocation != "Dublin" {
		t.Errorf("retweet = %+v, want a repost tagged through retweeted_status", r)
	}
}

func TestTwitterV1PagingAndResume(t *testing.T) {
	for _, overlap := range []int{0, 5} {
		t.Run(fmt.Sprintf("Overlap%d", overlap), func(t *testing.T) {
			srv := platformtest.NewX(t)
			srv.SetOverlap(overlap)
			xAddTagged(srv, 260, 30)
			db := xOpenStore(t)
			m := collector.NewMatcher([]store.Campaign{xCampaign})

			first := newTestV1(srv, x.TwitterV1Config{})
			page, err := first.Poll(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !page.More || len(page.Posts) != 100 {
				t.Fatalf("first page: %d posts more=%v", len(page.Posts), page.More)
			}
			collector.Ingest(db, m, first.Name(), page)
			maxID := xCursor(t, page.Cursor)["max_id"]
			late := xAddTagged(srv, 9, 3) // while it is down

			second := newTestV1(srv, x.TwitterV1Config{})
			d := xDrain(t, context.Background(), second, db)
			if got := srv.Requests()[1].Query.Get("max_id"); got != maxID || maxID == "" {
				t.Errorf("restart sent max_id %q, want %q from the cursor", got, maxID)
			}
			if overlap == 0 && d.polls != 2 {
				t.Errorf("%d polls to catch up 160, want 2", d.polls)
			}
			d2 := xDrain(t, context.Background(), second, db)
			if n := db.PostCount(); n != 269 {
				t.Fatalf("store holds %d posts, want 269", n)
			}
			if d2.added != 9 || d2.polls != 1 {
				t.Errorf("after catching up: %d added in %d polls, want 9 in 1", d2.added, d2.polls)
			}
			if c := xCursor(t, d2.cursor); c["since_id"] != late[len(late)-1].ID || c["max_id"] != "" {
				t.Errorf("cursor %v, want since_id %s", c, late[len(late)-1].ID)
			}
			last := srv.Requests()[len(srv.Requests())-1]
			if last.Query.Get("since_id") == "" || last.Query.Has("max_id") {
				t.Errorf("steady-state request %v, want since_id only", last.Query)
			}
		})
	}
}

func TestTwitterV1Failures(t *testing.T) {
	clock := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	setup := func(t *testing.T) (*platformtest.XServer, *x.TwitterV1, []byte) {
		srv := platformtest.NewX(t)
		srv.SetNow(func() time.Time { return clock })
		xAddTagged(srv, 120, 0)
		v := newTestV1(srv, x.TwitterV1Config{})
		v.Now = func() time.Time { return clock }
		page, err := v.Poll(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return srv, v, page.Cursor
	}
	t.Run("RateLimited", func(t *testing.T) {
		srv, v, cur := setup(t)
		reset := clock.Add(11 * time.Minute)
		srv.RateLimitNext(reset, 0)
		page, err := v.Poll(context.Background(), cur)
		var rl *collector.RateLimitedError
		if !errors.As(err, &rl) || !rl.Until.Equal(reset) || rl.Source != "twitter:afp" {
			t.Fatalf("err = %v, want rate limited until %s", err, reset)
		}
		if page.Cursor != nil || page.RateLimit == nil || page.RateLimit.Remaining != 0 {
			t.Errorf("page = %+v", page)
		}
	})
	t.Run("HTTP503", func(t *testing.T) {
		srv, v, cur := setup(t)
		srv.FailNext(503)
		page, err := v.Poll(context.Background(), cur)
		if err == nil || !strings.Contains(err.Error(), "503") || page.Cursor != nil {
			t.Fatalf("err = %v cursor %s, want HTTP 503 and no cursor", err, page.Cursor)
		}
		page, err = v.Poll(context.Background(), cur)
		if err != nil || len(page.Posts) != 20 {
			t.Fatalf("retry: %d posts, %v; want 20", len(page.Posts), err)
		}
	})
	t.Run("TruncatedBody", func(t *testing.T) {
		srv, v, cur := setup(t)
		srv.TruncateNext()
		page, err := v.Poll(context.Background(), cur)
		if !errors.Is(err, io.ErrUnexpectedEOF) || page.Cursor != nil {
			t.Fatalf("err = %v cursor %s, want io.ErrUnexpectedEOF and no cursor", err, page.Cursor)
		}
	})
	t.Run("MalformedStatus", func(t *testing.T) {
		srv, v, cur := setup(t)
		srv.MalformedNext()
		page, err := v.Poll(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Malformed) != 1 || len(page.Posts) != 20 || page.Fetched != 21 {
			t.Fatalf("malformed=%d posts=%d fetched=%d, want 1, 20, 21", len(page.Malformed), len(page.Posts), page.Fetched)
		}
		if page.More {
			t.Error("more after the last page")
		}
	})
	t.Run("ContextDeadline", func(t *testing.T) {
		srv, v, cur := setup(t)
		srv.StallNext()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := v.Poll(ctx, cur)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("ConfigTimeout", func(t *testing.T) {
		srv := platformtest.NewX(t)
		v := newTestV1(srv, x.TwitterV1Config{Timeout: 100 * time.Millisecond})
		srv.StallNext()
		if _, err := v.Poll(context.Background(), nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the configured deadline", err)
		}
	})
}
