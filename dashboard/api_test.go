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
	f := newFixture(t, func(o *Options) { o.Sources = func() any { return []any{} } })
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
