package dashboard

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// health mirrors the JSON shape of collector.SourceHealth (the dashboard
// does not import the collector): a typed value, as the run command gives.
type health struct {
	Name         string        `json:"name"`
	Source       string        `json:"source"`
	Kind         string        `json:"kind"`
	State        string        `json:"state"`
	LastError    *healthError  `json:"last_error,omitempty"`
	CountsError  *healthError  `json:"counts_error,omitempty"`
	PostsFetched int64         `json:"posts_fetched"`
	PostsMatched int64         `json:"posts_matched"`
	Completeness *completeness `json:"completeness,omitempty"`
}

type healthError struct {
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

type completeness struct {
	Campaign string  `json:"campaign"`
	Platform int64   `json:"platform"`
	Held     int64   `json:"held"`
	Ratio    float64 `json:"ratio"`
}

// TestPublicLinkSources: a public link's /api/v1/sources shows the
// collectors of its campaign and the shared ones, nothing that names or
// measures another campaign; the private view still shows everything.
func TestPublicLinkSources(t *testing.T) {
	at := gazaNow.Add(-time.Minute)
	all := []health{
		{Name: "bluesky", Source: "bluesky", Kind: "stream", State: "streaming", PostsMatched: 7,
			Completeness: &completeness{Campaign: "afp2025", Platform: 10, Held: 9, Ratio: 0.9}},
		{Name: "demo", Source: "demo", Kind: "poll", State: "ok"},
		{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: "poll", State: "backoff", PostsFetched: 40, PostsMatched: 12,
			LastError: &healthError{Message: "mastodon:mastodon.social: GET /api/v1/timelines/tag/secretplan: 503 Service Unavailable", At: at}},
		{Name: "other:thing", Source: "other", Kind: "poll", State: "ok"},
		{Name: "twitter:afp", Source: "x", Kind: "poll", State: "ok", PostsMatched: 3},
		{Name: "twitter:afp2025", Source: "x", Kind: "poll", State: "ok"},
		{Name: "x:afp", Source: "x", Kind: "poll", State: "ok", PostsMatched: 5,
			CountsError:  &healthError{Message: "x:afp: counts: HTTP 429", At: at},
			Completeness: &completeness{Campaign: "afp", Platform: 100, Held: 98, Ratio: 0.98}},
		{Name: "x:afp2025", Source: "x", Kind: "poll", State: "ok",
			Completeness: &completeness{Campaign: "afp2025", Platform: 50, Held: 50, Ratio: 1}},
		{Name: "x:secretplan", Source: "x", Kind: "poll", State: "ok"},
	}
	const secret = "public-secret-0123456789"
	f := newFixture(t, func(o *Options) {
		o.Public = map[string]string{"afp": secret}
		o.Sources = func() any { return all }
	})

	var priv []health
	f.getJSON(t, "/api/v1/sources", &priv)
	if len(priv) != len(all) {
		t.Errorf("private view: %d sources, want all %d", len(priv), len(all))
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
	var pub []health
	if err := json.Unmarshal(w.Body.Bytes(), &pub); err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]health{}
	for _, s := range pub {
		names = append(names, s.Name)
		byName[s.Name] = s
	}
	if want := []string{"bluesky", "demo", "mastodon:mastodon.social", "twitter:afp", "x:afp"}; !slices.Equal(names, want) {
		t.Fatalf("public sources %v, want %v", names, want)
	}
	// The campaign's own collector keeps everything, its completeness included.
	if x := byName["x:afp"]; x.Completeness == nil || x.Completeness.Platform != 100 || x.PostsMatched != 5 || x.CountsError == nil {
		t.Errorf("x:afp lost its own figures: %+v", x)
	}
	// A shared collector keeps its state and when it failed, but not what
	// it counted or said for every campaign, nor another's completeness.
	m := byName["mastodon:mastodon.social"]
	if m.State != "backoff" || m.LastError == nil || !m.LastError.At.Equal(at) || m.LastError.Message != "" || m.PostsFetched != 0 || m.PostsMatched != 0 {
		t.Errorf("shared mastodon collector: %+v", m)
	}
	if b := byName["bluesky"]; b.Completeness != nil || b.State != "streaming" {
		t.Errorf("bluesky: %+v", b)
	}

	// A value that is not a list of collectors shows nothing publicly.
	f2 := newFixture(t, func(o *Options) {
		o.Public = map[string]string{"afp": secret}
		o.Sources = func() any { return map[string]any{"x:afp2025": "ok"} }
	})
	if body := f2.get(t, "/p/"+secret+"/api/v1/sources").Body.String(); strings.TrimSpace(body) != "[]" {
		t.Errorf("unknown health shape under a public link: %s", body)
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

// TestAPIStrictness: a format or list the endpoint does not have is a 400
// that names what it has, in JSON.
func TestAPIStrictness(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Sources = func() any { return []health{} } })
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
		{"/api/v1/campaigns/afp/top?list=bogus", []string{`"posts"`, `"participants"`}},
		{"/api/v1/campaigns/afp/top?list=bogus&format=csv", []string{`"posts"`, `"participants"`}},
		{"/api/v1/campaigns/afp/crosscheck?format=xml", []string{`"json"`, `"csv"`}},
		{"/api/v1/campaigns/afp/card.svg?format=png", []string{`"svg"`}},
		{"/api/v1/sources?format=csv", []string{`"json"`}},
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
		for _, k := range []string{"name", "title", "hashtags", "timezone", "from", "to", "today", "totals"} {
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
