package store

import (
	"time"
)

// DayLayout is how a campaign day is written: YYYY-MM-DD in the campaign's zone.
const DayLayout = "2006-01-02"

// Campaign is a hashtag campaign as configured: a day or week of action.
type Campaign struct {
	Name     string         `json:"name"`            // URL-safe id
	Title    string         `json:"title,omitempty"` // for people
	Hashtags []string       `json:"hashtags"`        // normalised, without '#'
	Timezone string         `json:"timezone"`        // IANA zone; days and hours are in it
	From     string         `json:"from,omitempty"`  // first campaign day, inclusive (optional)
	To       string         `json:"to,omitempty"`    // last campaign day, inclusive (optional)
	Location *time.Location `json:"-"`               // loaded Timezone; UTC when nil
}

// Loc returns the campaign's zone.
func (c *Campaign) Loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Day is the campaign day t falls on.
func (c *Campaign) Day(t time.Time) string { return t.In(c.Loc()).Format(DayLayout) }

// InWindow reports whether a campaign day lies inside the optional From/To window.
func (c *Campaign) InWindow(day string) bool {
	if c.From != "" && day < c.From {
		return false
	}
	if c.To != "" && day > c.To {
		return false
	}
	return true
}

// Matches reports whether any of the post's normalised hashtags is one of the campaign's.
func (c *Campaign) Matches(tags []string) bool {
	for _, t := range tags {
		for _, h := range c.Hashtags {
			if t == h {
				return true
			}
		}
	}
	return false
}

// HourStart returns the instant the campaign zone's clock hour holding t
// starts at. Across a DST change the repeated clock hour is two hours.
func (c *Campaign) HourStart(t time.Time) time.Time {
	lt := t.In(c.Loc())
	return t.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second - time.Duration(lt.Nanosecond()))
}

// HoursAlignUTC reports whether the campaign's clock hours around t start on
// UTC hours (false in zones such as Asia/Kolkata, UTC+5:30). Platforms count
// by UTC hour: where hours do not align, the aggregator also counts posts by
// UTC hour (DimSourceUTCHour).
func (c *Campaign) HoursAlignUTC(t time.Time) bool { return c.HourStart(t).UTC().Minute() == 0 }

// DayStart returns the instant a campaign day begins (handles DST).
func (c *Campaign) DayStart(day string) (time.Time, error) {
	return time.ParseInLocation(DayLayout, day, c.Loc())
}
