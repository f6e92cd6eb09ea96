package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// TestCampaignZoneNeverFallsBackToUTC: a campaign's days are in its zone
// however it was built. 23:30 UTC on 28 November is 01:30 on the 29th in
// Gaza; a Campaign written without a resolved Location once put it on the
// 28th (UTC).
func TestCampaignZoneNeverFallsBackToUTC(t *testing.T) {
	at := time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC)
	literal := store.Campaign{Name: "afp", Hashtags: []string{"allforpalestine"}, Timezone: "Asia/Gaza"}
	if got := literal.Day(at); got != "2026-11-29" {
		t.Errorf("literal campaign: day of %s = %s, want 2026-11-29", at, got)
	}
	c, err := store.NewCampaign(literal)
	if err != nil {
		t.Fatal(err)
	}
	if c.Location == nil || c.Location.String() != "Asia/Gaza" {
		t.Fatalf("NewCampaign: location %v, want Asia/Gaza", c.Location)
	}
	if got := c.Day(at); got != "2026-11-29" {
		t.Errorf("resolved campaign: day of %s = %s, want 2026-11-29", at, got)
	}
	if got := c.HourStart(at).In(c.Loc()).Format(time.RFC3339); got != "2026-11-29T01:00:00+02:00" {
		t.Errorf("hour start %s, want 2026-11-29T01:00:00+02:00", got)
	}
	// A zone that does not load is refused at construction, and a literal
	// with one panics rather than count in UTC.
	if _, err := store.NewCampaign(store.Campaign{Name: "x", Hashtags: []string{"t"}, Timezone: "Asia/Nowhere"}); err == nil || !strings.Contains(err.Error(), "Asia/Nowhere") {
		t.Errorf("unknown zone: err %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Day of a campaign whose zone does not load did not panic")
			}
		}()
		bad := store.Campaign{Name: "x", Timezone: "Asia/Nowhere"}
		t.Errorf("Day = %s", bad.Day(at))
	}()
}

// TestNewCampaignRefuses names what is wrong with each refused campaign.
func TestNewCampaignRefuses(t *testing.T) {
	ok := store.Campaign{Name: "c", Hashtags: []string{"t"}, Timezone: "UTC", From: "2026-11-22", To: "2026-12-06"}
	if _, err := store.NewCampaign(ok); err != nil {
		t.Fatalf("valid campaign: %v", err)
	}
	gaza, _ := time.LoadLocation("Asia/Gaza")
	for _, c := range []struct {
		mod  func(*store.Campaign)
		want string
	}{
		{func(c *store.Campaign) { c.Name = "" }, "no name"},
		{func(c *store.Campaign) { c.Hashtags = nil }, "no hashtags"},
		{func(c *store.Campaign) { c.Timezone = "" }, `time zone ""`},
		{func(c *store.Campaign) { c.Timezone = "Local" }, `time zone "Local"`},
		{func(c *store.Campaign) { c.Location = gaza }, "location Asia/Gaza is not its time zone UTC"},
		{func(c *store.Campaign) { c.From = "2026-11-31" }, `"2026-11-31" is not a day`},
		{func(c *store.Campaign) { c.To = "0000-01-01"; c.From = "" }, `"0000-01-01" is outside the days`},
		{func(c *store.Campaign) { c.From, c.To = "2026-12-07", "2026-12-06" }, "ends (2026-12-06) before it begins (2026-12-07)"},
	} {
		bad := ok
		c.mod(&bad)
		if _, err := store.NewCampaign(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", bad, err, c.want)
		}
	}
}

// TestDayOf: the one membership rule, with explicit answers: a post counts
// when it carries one of the campaign's hashtags and its campaign day (in
// the campaign's zone) is inside the window.
func TestDayOf(t *testing.T) {
	c, err := store.NewCampaign(store.Campaign{Name: "afp", Hashtags: []string{"allforpalestine", "كلنا_لفلسطين"}, Timezone: "Asia/Gaza", From: "2026-11-29", To: "2026-11-30"})
	if err != nil {
		t.Fatal(err)
	}
	utc := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	for _, x := range []struct {
		tags            []string
		at              time.Time
		day             string
		counts, carries bool
	}{
		{[]string{"allforpalestine"}, utc(28, 21, 59), "2026-11-28", false, true}, // 23:59 in Gaza: the day before the window
		{[]string{"allforpalestine"}, utc(28, 22, 0), "2026-11-29", true, true},   // midnight in Gaza: the first day
		{[]string{"gaza", "كلنا_لفلسطين"}, utc(30, 21, 59), "2026-11-30", true, true},
		{[]string{"كلنا_لفلسطين"}, utc(30, 22, 0), "2026-12-01", false, true}, // after the window
		{[]string{"allforpalestine2021"}, utc(29, 12, 0), "", false, false},
		{nil, utc(29, 12, 0), "", false, false},
	} {
		day, counts, carries := c.DayOf(x.tags, x.at)
		if day != x.day || counts != x.counts || carries != x.carries {
			t.Errorf("DayOf(%v, %s) = %q %v %v, want %q %v %v", x.tags, x.at, day, counts, carries, x.day, x.counts, x.carries)
		}
	}
}

func TestHashtagSet(t *testing.T) {
	s := store.NewHashtagSet([]string{"b", "a"}, []string{"a", "c"})
	if got := strings.Join(s.Tags(), ","); got != "a,b,c" {
		t.Errorf("tags %s", got)
	}
	if !s.Matches([]string{"x", "c"}) || s.Matches([]string{"x", "A"}) || s.Matches(nil) {
		t.Error("Matches wrong")
	}
}

// TestCheckDay: days from 1900-01-01 to 9998-12-31, written YYYY-MM-DD.
func TestCheckDay(t *testing.T) {
	for day, ok := range map[string]bool{
		store.MinDay: true, store.MaxDay: true, "2026-11-29": true,
		"1899-12-31": false, "9999-01-01": false, "0000-01-01": false, "2026-02-29": false, "2026-1-5": false, "": false,
	} {
		if err := store.CheckDay(day); (err == nil) != ok {
			t.Errorf("CheckDay(%q) = %v, want ok %v", day, err, ok)
		}
	}
}
