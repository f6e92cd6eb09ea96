package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/store"
)

// TestDayRange: a day out of range is a 400 naming the parameter and the
// value the user gave (day=0000-01-01 complained of "-0001-12-31", the day
// before, which nobody asked for); the edges are answered.
func TestDayRange(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	for _, c := range []struct{ target, param, value string }{
		{"/api/v1/campaigns/afp/headline?day=0000-01-01", "day", "0000-01-01"},
		{"/api/v1/campaigns/afp/card.svg?day=0000-01-01", "day", "0000-01-01"},
		{"/api/v1/campaigns/afp/top?day=1899-12-31", "day", "1899-12-31"},
		{"/api/v1/campaigns/afp/crosscheck?day=9999-12-31", "day", "9999-12-31"},
		{"/api/v1/campaigns/afp/days?from=0000-01-01", "from", "0000-01-01"},
		{"/api/v1/campaigns/afp/days?from=2026-11-22&to=9999-12-31", "to", "9999-12-31"},
		{"/api/v1/campaigns/afp/hours?day=-001-01-01", "day", "-001-01-01"},
		{"/api/v1/campaigns/afp/hours?day=0001-01-01", "day", "0001-01-01"},
		{"/api/v1/campaigns/afp/days?to=2026-13-01", "to", "2026-13-01"},
	} {
		w := f.get(t, c.target)
		var body struct{ Error string }
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || !strings.Contains(body.Error, fmt.Sprintf("%s %q", c.param, c.value)) || strings.Contains(body.Error, "-0001") {
			t.Errorf("%s: %d %q", c.target, w.Code, body.Error)
		}
	}
	for _, target := range []string{
		"/api/v1/campaigns/afp/headline?day=" + store.MinDay,
		"/api/v1/campaigns/afp/headline?day=" + store.MaxDay,
		"/api/v1/campaigns/afp/hours?day=" + store.MaxDay,
		"/api/v1/campaigns/afp/days?from=" + store.MinDay + "&to=1910-01-08", // 3,660 days, the longest series
		"/api/v1/campaigns/afp/days?from=9988-12-31&to=" + store.MaxDay,
	} {
		if w := f.get(t, target); w.Code != http.StatusOK {
			t.Errorf("%s: %d %s", target, w.Code, w.Body.String())
		}
	}
}
