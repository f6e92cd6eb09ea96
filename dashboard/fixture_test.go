package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// fixture is a real store with two campaigns, the aggregator over it and
// the dashboard handler, at a fixed "now": 29 November 2026, 14:30 in Gaza.
type fixture struct {
	db   *store.DB
	agg  *aggregator.Aggregator
	h    http.Handler
	now  time.Time
	gaza *time.Location
	seq  int
}

var gazaNow = func() time.Time {
	loc, err := time.LoadLocation("Asia/Gaza")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 11, 29, 14, 30, 0, 0, loc)
}()

func campaigns(loc *time.Location) []store.Campaign {
	return []store.Campaign{
		{Name: "afp", Title: "#AllForPalestine — Day of Solidarity", Hashtags: []string{"allforpalestine", "كلنا_لفلسطين"}, Timezone: "Asia/Gaza", From: "2026-11-22", To: "2026-12-06", Location: loc},
		{Name: "afp2025", Title: "#AllForPalestine 2025", Hashtags: []string{"allforpalestine2025"}, Timezone: "Asia/Gaza", From: "2025-11-22", To: "2025-12-06", Location: loc},
	}
}

func newFixture(tb testing.TB, mod func(*Options)) *fixture {
	tb.Helper()
	return newFixtureWith(tb, campaigns(gazaNow.Location()), mod)
}

// newFixtureWith is newFixture with other campaigns.
func newFixtureWith(tb testing.TB, cs []store.Campaign, mod func(*Options)) *fixture {
	tb.Helper()
	return newFixtureAttr(tb, cs, nil, mod)
}

// newFixtureAttr is newFixtureWith with country attribution by attribute
// (only platform places when nil).
func newFixtureAttr(tb testing.TB, cs []store.Campaign, attribute aggregator.AttributeFunc, mod func(*Options)) *fixture {
	tb.Helper()
	f := &fixture{db: storetest.Open(tb), now: gazaNow, gaza: gazaNow.Location()}
	clock := func() time.Time { return f.now }
	f.agg = aggregator.New(f.db, cs, aggregator.Options{Now: clock, Attribute: attribute})
	opts := Options{Aggregator: f.agg}
	if mod != nil {
		mod(&opts)
	}
	h, err := NewHandler(opts)
	if err != nil {
		tb.Fatal(err)
	}
	f.h = h
	return f
}

var (
	countries = []string{"PS", "GB", "FR", "", "US", "ES", "DE", "ZA", "PS", ""}
	langs     = []string{"en", "ar", "fr", "es", "de", "ar"}
	kinds     = []store.Kind{store.KindOriginal, store.KindRepost, store.KindOriginal, store.KindReply, store.KindQuote}
)

// post makes the i-th synthetic post of a campaign hashtag at t.
func (f *fixture) post(tag string, t time.Time) store.Post {
	f.seq++
	i := f.seq
	return store.Post{
		Platform: store.PlatformDemo, ID: fmt.Sprintf("p%d", i), Source: []string{store.SourceMastodon, store.SourceBluesky, store.SourceX}[i%3],
		Kind: kinds[i%len(kinds)], CreatedAt: t.UTC(), CollectedAt: t.UTC(),
		URL: fmt.Sprintf("https://example.org/@u%d/%d", i%37, i), Text: fmt.Sprintf("Post %d for #%s", i, tag), Lang: langs[i%len(langs)],
		Hashtags: []string{tag}, Author: store.Author{ID: fmt.Sprintf("u%d", i%37), Handle: fmt.Sprintf("user%d", i%37), Followers: int64(100 + 17*(i%37))},
		Signals: store.Signals{PlaceCountry: countries[i%len(countries)]}, Engagement: int64(i % 50),
	}
}

// add stores posts and folds them into the rollups.
func (f *fixture) add(tb testing.TB, posts ...store.Post) {
	tb.Helper()
	if _, err := f.db.Append(posts, nil); err != nil {
		tb.Fatal(err)
	}
	if _, err := f.agg.CatchUp(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// fill adds a week of posts to both campaigns: day k of the window has
// 10+5k posts spread over its hours, up to now on the last day.
func (f *fixture) fill(tb testing.TB) {
	tb.Helper()
	var posts []store.Post
	for k := 0; k < 8; k++ {
		day := time.Date(2026, 11, 22+k, 0, 0, 0, 0, f.gaza)
		for j := 0; j < 10+5*k; j++ {
			at := day.Add(time.Duration(j*37%24)*time.Hour + time.Duration(j)*time.Minute)
			if at.After(f.now) {
				at = f.now.Add(-time.Duration(j) * time.Minute)
			}
			posts = append(posts, f.post("allforpalestine", at))
		}
		last := time.Date(2025, 11, 22+k, 12, 0, 0, 0, f.gaza)
		for j := 0; j < 8+3*k; j++ {
			posts = append(posts, f.post("allforpalestine2025", last.Add(time.Duration(j)*time.Minute)))
		}
	}
	f.add(tb, posts...)
}

// get does a GET through the handler.
func (f *fixture) get(tb testing.TB, target string, hdr ...string) *httptest.ResponseRecorder {
	tb.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// getJSON GETs target and decodes the JSON answer into v, failing on a non-200.
func (f *fixture) getJSON(tb testing.TB, target string, v any) {
	tb.Helper()
	w := f.get(tb, target)
	if w.Code != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", target, w.Code, w.Body.String())
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		tb.Fatalf("GET %s: %v", target, err)
	}
}

func mustContain(tb testing.TB, what, body string, subs ...string) {
	tb.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			tb.Errorf("%s does not contain %q", what, s)
		}
	}
}

// newServer serves h on a loopback port until the test ends.
func newServer(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL
}
