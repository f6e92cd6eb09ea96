package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// TestPublicLinkSources: a public link's /api/v1/sources shows the
// collectors of its campaign and the shared ones, nothing that names or
// measures another campaign; the private view still shows everything, with
// the completeness figure of the collectors that record platform counts.
func TestPublicLinkSources(t *testing.T) {
	at := gazaNow.Add(-time.Minute)
	all := []store.SourceHealth{
		{Name: "bluesky", Source: "bluesky", Kind: "stream", State: "streaming", PostsMatched: 7},
		{Name: "demo", Source: "demo", Kind: "poll", State: "ok"},
		{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: "poll", State: "backoff", PostsFetched: 40, PostsMatched: 12,
			LastError: &store.ErrorInfo{Message: "mastodon:mastodon.social: GET /api/v1/timelines/tag/secretplan: 503 Service Unavailable", At: at}},
		{Name: "twitter:afp", Campaign: "afp", Source: "x", Kind: "poll", State: "ok", PostsMatched: 3},
		{Name: "twitter:afp2025", Campaign: "afp2025", Source: "x", Kind: "poll", State: "ok"},
		{Name: "x:afp", Campaign: "afp", RecordsCounts: true, Source: "x", Kind: "poll", State: "ok", PostsMatched: 5,
			CountsError: &store.ErrorInfo{Message: "x:afp: counts: HTTP 429", At: at}},
		{Name: "x:afp2025", Campaign: "afp2025", RecordsCounts: true, Source: "x", Kind: "poll", State: "ok"},
		{Name: "x:secretplan", Campaign: "secretplan", Source: "x", Kind: "poll", State: "ok"},
	}
	const secret = "public-secret-0123456789"
	f := newFixture(t, func(o *Options) {
		o.Public = map[string]string{"afp": secret}
		o.Sources = healthFor(all)
	})
	// Posts from x in the hours the platform counted: 3 of the platform's 4
	// for afp, all 2 for afp2025.
	var posts []store.Post
	for i := range 3 {
		p := f.post("allforpalestine", time.Date(2026, 11, 29, 9, 10+i, 0, 0, time.UTC))
		p.Source = store.SourceX
		posts = append(posts, p)
	}
	for i := range 2 {
		p := f.post("allforpalestine2025", time.Date(2025, 11, 29, 9, 10+i, 0, 0, time.UTC))
		p.Source = store.SourceX
		posts = append(posts, p)
	}
	f.add(t, posts...)
	if err := f.db.PutPlatformCounts("afp", store.SourceX, map[time.Time]int64{time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC): 4}); err != nil {
		t.Fatal(err)
	}

	var priv []aggregator.SourceStatus
	f.getJSON(t, "/api/v1/sources", &priv)
	if len(priv) != len(all) {
		t.Errorf("private view: %d sources, want all %d", len(priv), len(all))
	}
	for _, s := range priv {
		switch s.Name {
		case "x:afp":
			want := aggregator.Completeness{Campaign: "afp", From: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
				Hours: 1, Platform: 4, Held: 3, Ratio: 0.75}
			if s.Completeness == nil || !s.Completeness.From.Equal(want.From) || !s.Completeness.To.Equal(want.To) ||
				s.Completeness.Hours != want.Hours || s.Completeness.Platform != want.Platform || s.Completeness.Held != want.Held || s.Completeness.Ratio != want.Ratio {
				t.Errorf("x:afp completeness %+v, want %+v", s.Completeness, want)
			}
		default: // no counts recorded (afp2025's window is a year ago), or none kept
			if s.Completeness != nil {
				t.Errorf("%s: completeness %+v, want none", s.Name, s.Completeness)
			}
		}
	}

	w := f.get(t, "/p/"+secret+"/api/v1/sources")
	if w.Code != http.StatusOK {
		t.Fatalf("public sources: %d %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, leak := range []string{"afp2025", "secretplan", "other:thing"} {
		if strings.Contains(body, leak) {
			t.Errorf("public sources mention %q", leak)
		}
	}
	if t.Failed() {
		t.Logf("public sources: %s", body)
	}
	var pub []aggregator.SourceStatus
	if err := json.Unmarshal(w.Body.Bytes(), &pub); err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]aggregator.SourceStatus{}
	for _, s := range pub {
		names = append(names, s.Name)
		byName[s.Name] = s
	}
	if want := []string{"bluesky", "demo", "mastodon:mastodon.social", "twitter:afp", "x:afp"}; !slices.Equal(names, want) {
		t.Fatalf("public sources %v, want %v", names, want)
	}
	// The campaign's own collector keeps everything, its completeness included.
	if x := byName["x:afp"]; x.Completeness == nil || x.Completeness.Platform != 4 || x.PostsMatched != 5 || x.CountsError == nil {
		t.Errorf("x:afp lost its own figures: %+v", x)
	}
	// A shared collector keeps its state and when it failed, but not what
	// it counted or said for every campaign.
	m := byName["mastodon:mastodon.social"]
	if m.State != "backoff" || m.LastError == nil || !m.LastError.At.Equal(at) || m.LastError.Message != "" || m.PostsFetched != 0 || m.PostsMatched != 0 {
		t.Errorf("shared mastodon collector: %+v", m)
	}
	if b := byName["bluesky"]; b.Completeness != nil || b.State != "streaming" || b.PostsMatched != 0 {
		t.Errorf("bluesky: %+v", b)
	}
}

// defaultDayCampaigns cover each case of the default day.
func defaultDayCampaigns(loc *time.Location) []store.Campaign {
	cs := campaigns(loc)
	for _, c := range []store.Campaign{
		{Name: "ended", Hashtags: []string{"ended"}, From: "2024-05-15", To: "2024-05-22"},
		{Name: "future", Hashtags: []string{"future"}, From: "2027-01-01", To: "2027-01-10"},
		{Name: "archive", Hashtags: []string{"archive"}},
		{Name: "ongoing", Hashtags: []string{"ongoing"}},
		{Name: "fresh", Hashtags: []string{"fresh"}},
		{Name: "started", Hashtags: []string{"started"}, From: "2026-11-01"},
	} {
		c.Timezone, c.Location = "Asia/Gaza", loc
		cs = append(cs, c)
	}
	return cs
}

// fillDefaultDay adds fill's posts and, for the extra campaigns, posts years
// ago (archive), yesterday only (ongoing) and early in an open window (started).
func (f *fixture) fillDefaultDay(tb testing.TB) {
	tb.Helper()
	f.fill(tb)
	var posts []store.Post
	for i := 0; i < 3; i++ {
		posts = append(posts, f.post("archive", time.Date(2019, 12, 28, 10, i, 0, 0, f.gaza)))
	}
	for i := 0; i < 4; i++ {
		posts = append(posts, f.post("archive", time.Date(2020, 1, 5, 10, i, 0, 0, f.gaza)))
	}
	posts = append(posts, f.post("ongoing", time.Date(2026, 11, 28, 20, 0, 0, 0, f.gaza)))
	posts = append(posts, f.post("started", time.Date(2026, 11, 3, 20, 0, 0, 0, f.gaza)))
	f.add(tb, posts...)
}

// TestDefaultDay: without ?day= the page and the API open on today while
// the campaign runs, and on its last day with posts once it is over.
func TestDefaultDay(t *testing.T) {
	f := newFixtureWith(t, defaultDayCampaigns(gazaNow.Location()), nil)
	f.fillDefaultDay(t)
	for _, c := range []struct{ campaign, day string }{
		{"afp", "2026-11-29"},     // today, inside its window
		{"afp2025", "2025-11-29"}, // finished: its last day with posts
		{"ended", "2024-05-22"},   // finished without posts: its last day
		{"future", "2026-11-29"},  // not begun: today
		{"archive", "2020-01-05"}, // no window, posts years ago
		{"ongoing", "2026-11-29"}, // no window, posts until yesterday: live
		{"fresh", "2026-11-29"},   // no window, no posts
		{"started", "2026-11-29"}, // open window that includes today
	} {
		base := "/api/v1/campaigns/" + c.campaign
		var v struct {
			Today      string `json:"today"`
			DefaultDay string `json:"default_day"`
		}
		f.getJSON(t, base, &v)
		if v.Today != "2026-11-29" || v.DefaultDay != c.day {
			t.Errorf("%s: today %s default_day %s, want 2026-11-29 and %s", c.campaign, v.Today, v.DefaultDay, c.day)
		}
		var hl aggregator.Headline
		f.getJSON(t, base+"/headline", &hl)
		if hl.Day != c.day || hl.IsToday != (c.day == "2026-11-29") {
			t.Errorf("%s: headline of %s (today %v), want %s", c.campaign, hl.Day, hl.IsToday, c.day)
		}
		for _, p := range []string{"/top", "/crosscheck"} {
			var d struct {
				Day string `json:"day"`
			}
			f.getJSON(t, base+p, &d)
			if d.Day != c.day {
				t.Errorf("%s%s: day %s, want %s", c.campaign, p, d.Day, c.day)
			}
		}
		page := f.get(t, "/c/"+c.campaign+"?lang=en").Body.String()
		mustContain(t, c.campaign+" page", page, `data-day="`+c.day+`"`, `id="day" name="day" value="`+c.day+`"`)
	}

	// The headline of a finished campaign has its figures, not today's zeros.
	var hl aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp2025/headline", &hl)
	if hl.Figures.Posts != 8+3*7 {
		t.Errorf("afp2025 headline: %d posts, want %d", hl.Figures.Posts, 8+3*7)
	}
	f.getJSON(t, "/api/v1/campaigns/archive/headline", &hl)
	if hl.Figures.Posts != 4 || hl.Previous.Posts != 0 {
		t.Errorf("archive headline: %+v", hl)
	}
	// Hours without a day: the default day's.
	var hours []aggregator.Row
	f.getJSON(t, "/api/v1/campaigns/afp2025/hours", &hours)
	if len(hours) == 0 {
		t.Fatal("afp2025 hours: none")
	}
	for _, h := range hours {
		if !strings.HasPrefix(h.Hour, "2025-11-29T") {
			t.Errorf("afp2025 hours without a day: %s is not on 2025-11-29", h.Hour)
		}
	}
	// The share card too.
	card := f.get(t, "/api/v1/campaigns/afp2025/card.svg?lang=en").Body.String()
	mustContain(t, "afp2025 card", card, "November 29, 2025")
	// Asking for a day still gives that day.
	f.getJSON(t, "/api/v1/campaigns/afp2025/headline?day=2025-11-24", &hl)
	if hl.Day != "2025-11-24" || hl.Figures.Posts != 8+3*2 {
		t.Errorf("afp2025 ?day=2025-11-24: %s %d", hl.Day, hl.Figures.Posts)
	}
}

// TestAPIStrictness: a format or list the endpoint does not have is a 400
// that names what it has, in JSON.
func TestAPIStrictness(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Sources = healthFor(nil) })
	f.fill(t)
	for _, c := range []struct {
		target string
		want   []string // named in the error
	}{
		{"/api/v1/campaigns/afp/headline?format=xml", []string{`"json"`}},
		{"/api/v1/campaigns/afp/headline?format=csv", []string{`"json"`}},
		{"/api/v1/campaigns?format=csv", []string{`"json"`}},
		{"/api/v1/campaigns/afp?format=csv", []string{`"json"`}},
		{"/api/v1/campaigns/afp/days?format=xml", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/totals?format=xlsx", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/hours?day=2026-11-29&format=xml", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/top?format=xml", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/top?list=bogus", []string{`"posts"`, `"participants"`, `"loudest"`, `"new_voices"`}},
		{"/api/v1/campaigns/afp/top?list=bogus&format=csv", []string{`"posts"`, `"participants"`, `"loudest"`, `"new_voices"`}},
		{"/api/v1/campaigns/afp/crosscheck?format=xml", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/card.svg?format=png", []string{`"svg"`}},
		{"/api/v1/sources?format=csv", []string{`"json"`}},
		// by= is one dimension; the endpoint says day or hour itself.
		{"/api/v1/campaigns/afp/days?by=day", []string{`"country"`, `"source"`, `"kind"`, `"lang"`, `"method"`, `"arrival"`}},
		{"/api/v1/campaigns/afp/hours?day=2026-11-29&by=hour", []string{`"country"`, `"source"`, `"kind"`, `"lang"`, `"method"`, `"arrival"`}},
		{"/api/v1/campaigns/afp/hours?day=2026-11-29&by=bogus", []string{`"country"`, `"source"`, `"kind"`, `"lang"`, `"method"`, `"arrival"`}},
		{"/api/v1/campaigns/afp/totals?by=day", []string{`"country"`, `"source"`, `"kind"`, `"lang"`, `"method"`, `"arrival"`, `"source_kind"`}},
		{"/api/v1/campaigns/afp/days?by=country,lang", []string{`"country"`, `"source"`, `"kind"`, `"lang"`, `"method"`, `"arrival"`}},
	} {
		w := f.get(t, c.target)
		if w.Code != http.StatusBadRequest || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s %.200s", c.target, w.Code, w.Header().Get("Content-Type"), w.Body)
			continue
		}
		var e struct {
			Error   string   `json:"error"`
			Allowed []string `json:"allowed"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Errorf("%s: not a JSON error: %.200s (%v)", c.target, w.Body, err)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(e.Error, s) || !slices.Contains(e.Allowed, strings.Trim(s, `"`)) {
				t.Errorf("%s: error %q / allowed %v does not name %s", c.target, e.Error, e.Allowed, s)
			}
		}
		if len(e.Allowed) != len(c.want) {
			t.Errorf("%s: allowed %v, want %v", c.target, e.Allowed, c.want)
		}
	}
	// What each endpoint does have still works, json spelled out included.
	for _, target := range []string{
		"/api/v1/campaigns/afp/headline?format=json",
		"/api/v1/campaigns/afp/days?format=csv",
		"/api/v1/campaigns/afp/top?list=participants",
		"/api/v1/campaigns/afp/top?list=posts&format=csv",
		"/api/v1/campaigns/afp/card.svg?format=svg",
		"/api/v1/sources?format=json",
	} {
		if w := f.get(t, target); w.Code != http.StatusOK {
			t.Errorf("%s: %d %.200s", target, w.Code, w.Body)
		}
	}
	// Other API errors are JSON too.
	for target, code := range map[string]int{
		"/api/v1/campaigns/nope/headline":           http.StatusNotFound,
		"/api/v1/campaigns/afp/headline?day=junk":   http.StatusBadRequest,
		"/api/v1/campaigns/afp/totals?by=continent": http.StatusBadRequest,
	} {
		w := f.get(t, target)
		var e struct {
			Error string `json:"error"`
		}
		if w.Code != code || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %q, want %d with a JSON error", target, w.Code, w.Body, code)
		}
	}
}

// TestCampaignWindowFields: from and to are always in a campaign's JSON,
// null when the campaign has no window.
func TestCampaignWindowFields(t *testing.T) {
	f := newFixtureWith(t, defaultDayCampaigns(gazaNow.Location()), nil)
	var list []map[string]json.RawMessage
	f.getJSON(t, "/api/v1/campaigns", &list)
	want := map[string][2]string{
		"afp":     {`"2026-11-22"`, `"2026-12-06"`},
		"archive": {`null`, `null`},
		"started": {`"2026-11-01"`, `null`},
	}
	seen := 0
	for _, c := range list {
		var name string
		json.Unmarshal(c["name"], &name)
		for _, k := range []string{"name", "title", "hashtags", "timezone", "from", "to", "today", "default_day", "totals"} {
			if _, ok := c[k]; !ok {
				t.Errorf("%s: no %q", name, k)
			}
		}
		if w, ok := want[name]; ok {
			seen++
			if string(c["from"]) != w[0] || string(c["to"]) != w[1] {
				t.Errorf("%s: from %s to %s, want %s %s", name, c["from"], c["to"], w[0], w[1])
			}
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of the %d campaigns", seen, len(want))
	}
}

// TestSourcesWarnings: a source's warnings (an Instagram hashtag refused
// past the 7-day limit) and its lasting tally are in /api/v1/sources; a
// public link shows its own campaign's collectors' but not a shared
// collector's, which name other campaigns' hashtags and count their posts;
// what a platform does not give is shown for every collector.
func TestSourcesWarnings(t *testing.T) {
	warn := "instagram: not searching #secretplan: this account has queried 30 distinct hashtags in the last 7 days and Instagram allows 30"
	all := []store.SourceHealth{
		{Name: "instagram:17841405309211844", Source: "instagram", Kind: "poll", State: "ok", Warnings: []string{warn}, Stored: store.SourceTally{Added: 5, Duplicate: 2},
			NotAvailable: []string{store.NotAvailableAuthors, store.NotAvailableFollowers}},
		{Name: "x:afp", Campaign: "afp", Source: "x", Kind: "poll", State: "ok", Warnings: []string{"own warning"}, Stored: store.SourceTally{Added: 9}},
	}
	const secret = "public-secret-0123456789"
	f := newFixture(t, func(o *Options) {
		o.Public = map[string]string{"afp": secret}
		o.Sources = healthFor(all)
	})
	var priv []map[string]any
	f.getJSON(t, "/api/v1/sources", &priv)
	if len(priv) != 2 || fmt.Sprint(priv[0]["warnings"]) != "["+warn+"]" || fmt.Sprint(priv[1]["warnings"]) != "[own warning]" ||
		fmt.Sprint(priv[0]["stored"]) != "map[added:5 duplicate:2]" || fmt.Sprint(priv[1]["stored"]) != "map[added:9 duplicate:0]" {
		t.Errorf("private view: %v", priv)
	}
	var pub []map[string]any
	if err := json.Unmarshal(f.get(t, "/p/"+secret+"/api/v1/sources").Body.Bytes(), &pub); err != nil {
		t.Fatal(err)
	}
	if len(pub) != 2 || pub[0]["warnings"] != nil || fmt.Sprint(pub[1]["warnings"]) != "[own warning]" ||
		pub[0]["stored"] != nil || fmt.Sprint(pub[1]["stored"]) != "map[added:9 duplicate:0]" ||
		fmt.Sprint(pub[0]["not_available"]) != "[authors followers]" {
		t.Errorf("public view: %v", pub)
	}
}
