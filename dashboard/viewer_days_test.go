package dashboard

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator"
)

// TestDaysInZone: /days?zone= gives posts per day in the viewer's zone,
// the same posts as the campaign's days in all; a zone that is not an
// IANA name, a breakdown or CSV with zone= is a 400 that says why.
func TestDaysInZone(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	var campaignDays []aggregator.Row
	f.getJSON(t, "/api/v1/campaigns/afp/days", &campaignDays)
	var chicago []aggregator.ZoneDay
	f.getJSON(t, "/api/v1/campaigns/afp/days?zone=America/Chicago", &chicago)
	var all, inZone int64
	for _, d := range campaignDays {
		all += d.Posts
	}
	moved := false
	byDay := map[string]int64{}
	for _, d := range campaignDays {
		byDay[d.Day] = d.Posts
	}
	for _, d := range chicago {
		inZone += d.Posts
		if d.Posts != byDay[d.Day] {
			moved = true
		}
	}
	if all == 0 || inZone != all || !moved {
		t.Errorf("Chicago's days hold %d posts (some moved: %v), the campaign's %d", inZone, moved, all)
	}
	for target, want := range map[string]string{
		"/api/v1/campaigns/afp/days?zone=Mars/Olympus":                      `zone "Mars/Olympus"`,
		"/api/v1/campaigns/afp/days?zone=Local":                             `zone "Local"`,
		"/api/v1/campaigns/afp/days?zone=../../etc/passwd":                  `zone "../../etc/passwd"`,
		"/api/v1/campaigns/afp/days?zone=UTC&by=country":                    "by= and zone=",
		"/api/v1/campaigns/afp/days?zone=UTC&format=csv":                    `format "csv"`,
		"/api/v1/campaigns/afp/days?zone=UTC&from=2026-13-01":               `from "2026-13-01"`,
		"/api/v1/campaigns/nope/days?zone=UTC":                              "unknown campaign",
		"/api/v1/campaigns/afp/days?zone=UTC&from=2026-11-30&to=2026-11-01": "after",
	} {
		w := f.get(t, target)
		var body struct{ Error string }
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code/100 != 4 || !strings.Contains(body.Error, want) {
			t.Errorf("%s: %d %q, want a 4xx naming %s", target, w.Code, body.Error, want)
		}
	}
	if w := f.get(t, "/api/v1/campaigns/afp/days?zone=UTC&day=2026-11-29"); w.Code != http.StatusOK {
		t.Errorf("one day in UTC: %d %s", w.Code, w.Body.String())
	}
}
