package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DayLayout is how a campaign day is written: YYYY-MM-DD in the campaign's zone.
const DayLayout = "2006-01-02"

// The days tagpulse answers for. Figures reach a day to either side (a
// headline's day before) and the UTC hours of the days' edges in any zone;
// within these bounds all of them are dates with four-digit years, which
// the rollups' keys and their ordering rely on.
const (
	MinDay = "1900-01-01"
	MaxDay = "9998-12-31"
)

// CheckDay validates a campaign day: YYYY-MM-DD from MinDay to MaxDay. The
// error quotes the day as given, for the caller to say where it came from.
func CheckDay(day string) error {
	if _, err := time.Parse(DayLayout, day); err != nil {
		return fmt.Errorf("%q is not a day (YYYY-MM-DD)", day)
	}
	// A parsed day is YYYY-MM-DD unless its year is signed ("-001", "+999"),
	// and those sort before MinDay: comparing the text is enough.
	if day < MinDay || day > MaxDay {
		return fmt.Errorf("%q is outside the days tagpulse answers for (%s to %s)", day, MinDay, MaxDay)
	}
	return nil
}

// Campaign is a hashtag campaign as configured: a day or week of action.
// Build one with NewCampaign, which checks it and resolves its zone once.
// Compare campaigns by their Definition.
type Campaign struct {
	Name     string         `json:"name"`            // URL-safe id
	Title    string         `json:"title,omitempty"` // for people
	Hashtags []string       `json:"hashtags"`        // normalised, without '#'
	Timezone string         `json:"timezone"`        // IANA zone; days and hours are in it
	From     string         `json:"from,omitempty"`  // first campaign day, inclusive (optional)
	To       string         `json:"to,omitempty"`    // last campaign day, inclusive (optional)
	Location *time.Location `json:"-"`               // Timezone, resolved by NewCampaign

	tags HashtagSet // Hashtags as a set, built by NewCampaign
}

// NewCampaign checks c (a name, hashtags, a zone that loads, from and to
// days in order) and returns it with its zone resolved and its hashtags as
// a set. Every figure of the campaign is counted in that zone; nothing falls
// back to UTC.
func NewCampaign(c Campaign) (Campaign, error) {
	if c.Name == "" {
		return c, errors.New("campaign: no name")
	}
	if len(c.Hashtags) == 0 {
		return c, fmt.Errorf("campaign %s: no hashtags", c.Name)
	}
	if c.Timezone == "" || c.Timezone == "Local" {
		return c, fmt.Errorf("campaign %s: time zone %q: name an IANA zone such as Asia/Gaza or UTC", c.Name, c.Timezone)
	}
	loc, err := loadZone(c.Timezone)
	if err != nil {
		return c, fmt.Errorf("campaign %s: %w", c.Name, err)
	}
	if c.Location != nil && c.Location.String() != loc.String() {
		return c, fmt.Errorf("campaign %s: location %s is not its time zone %s", c.Name, c.Location, c.Timezone)
	}
	for _, d := range []string{c.From, c.To} {
		if d == "" {
			continue
		}
		if err := CheckDay(d); err != nil {
			return c, fmt.Errorf("campaign %s: window: %v", c.Name, err)
		}
	}
	if c.From != "" && c.To != "" && c.To < c.From {
		return c, fmt.Errorf("campaign %s: window ends (%s) before it begins (%s)", c.Name, c.To, c.From)
	}
	c.Hashtags = slices.Clone(c.Hashtags)
	c.Location = loc
	c.tags = NewHashtagSet(c.Hashtags)
	return c, nil
}

// Definition is the campaign as configured and stored: its exported
// fields without the resolved Location. Two campaigns with equal
// definitions count the same posts on the same days.
func (c Campaign) Definition() Campaign {
	return Campaign{Name: c.Name, Title: c.Title, Hashtags: c.Hashtags, Timezone: c.Timezone, From: c.From, To: c.To}
}

// zones caches loaded zones: each is resolved once per process.
var zones sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", name, err)
	}
	zones.Store(name, l)
	return l, nil
}

// Loc returns the campaign's zone: its resolved Location, else its
// Timezone (a Campaign written as a literal), never UTC in place of
// another zone. A Timezone that does not load is a campaign NewCampaign
// would have refused: Loc panics rather than count its days in UTC.
func (c *Campaign) Loc() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	l, err := loadZone(c.Timezone)
	if err != nil {
		panic(fmt.Sprintf("store: campaign %q: %v (build campaigns with NewCampaign)", c.Name, err))
	}
	return l
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
	if c.tags != nil {
		return c.tags.Matches(tags)
	}
	return NewHashtagSet(c.Hashtags).Matches(tags)
}

// DayOf is the rule of membership: a post with these hashtags, created at
// t, counts in the campaign when it carries one of the campaign's hashtags
// and its campaign day lies in the window; day is that day. matched says it
// carries a hashtag, whatever its day. The aggregator, the importer's
// summary and export all ask it.
func (c *Campaign) DayOf(tags []string, t time.Time) (day string, counts, matched bool) {
	if !c.Matches(tags) {
		return "", false, false
	}
	day = c.Day(t)
	return day, c.InWindow(day), true
}

// CountsPost is DayOf for a stored post, with one more rule: a post whose
// time is implausible (see Plausible) counts in no campaign, whatever its
// hashtags, so that one tweet dated year 1 or 9999 neither stretches every
// series nor lands on a day nobody asked about. It stays stored: a corrected
// rule counts it on the next rebuild.
func (c *Campaign) CountsPost(p *Post) (day string, counts, matched bool) {
	if !c.Matches(p.Hashtags) {
		return "", false, false
	}
	day = c.Day(p.CreatedAt)
	return day, c.CountsOnDay(p, day), true
}

// CountsOnDay is the rest of CountsPost's rule for a post whose hashtags
// match and whose day (Day of its time) the caller already knows: the day
// lies in the window and the post's time is plausible.
func (c *Campaign) CountsOnDay(p *Post, day string) bool {
	return c.InWindow(day) && Plausible(p)
}

// platformBirth is the day each platform opened to the public: a post
// dated before it was not written there.
var platformBirth = map[string]time.Time{
	PlatformX:         time.Date(2006, 3, 21, 0, 0, 0, 0, time.UTC),
	PlatformMastodon:  time.Date(2016, 3, 16, 0, 0, 0, 0, time.UTC),
	PlatformBluesky:   time.Date(2023, 2, 17, 0, 0, 0, 0, time.UTC),
	PlatformInstagram: time.Date(2010, 10, 6, 0, 0, 0, 0, time.UTC),
	PlatformThreads:   time.Date(2023, 7, 5, 0, 0, 0, 0, time.UTC),
	PlatformYouTube:   time.Date(2005, 4, 23, 0, 0, 0, 0, time.UTC),
	PlatformTelegram:  time.Date(2013, 8, 14, 0, 0, 0, 0, time.UTC),
}

// MaxFutureSkew is how far past its collection a post's time may lie
// before it is implausible: clocks and time zones drift, a day does not.
const MaxFutureSkew = 24 * time.Hour

// Plausible reports whether a post's time can be true: not before its
// platform existed (Bluesky posts carry the createdAt their client chose,
// and archives hold what their tool wrote) and not more than MaxFutureSkew
// after it was collected.
func Plausible(p *Post) bool {
	if born, ok := platformBirth[p.Platform]; ok && p.CreatedAt.Before(born) {
		return false
	}
	if !p.CollectedAt.IsZero() && p.CreatedAt.After(p.CollectedAt.Add(MaxFutureSkew)) {
		return false
	}
	return true
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

// DayEnd returns the instant the campaign day after day begins.
func (c *Campaign) DayEnd(day string) (time.Time, error) {
	start, err := c.DayStart(day)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, c.Loc()), nil
}

// HashtagSet is a set of normalised hashtags (without '#'): the one
// matcher of posts to campaigns, for the aggregator, the collectors and the
// importer alike.
type HashtagSet map[string]struct{}

// NewHashtagSet returns the set of the given normalised hashtags.
func NewHashtagSet(tags ...[]string) HashtagSet {
	s := HashtagSet{}
	for _, l := range tags {
		for _, t := range l {
			s[t] = struct{}{}
		}
	}
	return s
}

// Add puts a normalised hashtag in the set.
func (s HashtagSet) Add(tag string) { s[tag] = struct{}{} }

// Matches reports whether any of a post's normalised hashtags is in the set.
func (s HashtagSet) Matches(tags []string) bool {
	for _, t := range tags {
		if _, ok := s[t]; ok {
			return true
		}
	}
	return false
}

// Tags returns the set's hashtags, sorted.
func (s HashtagSet) Tags() []string {
	out := make([]string, 0, len(s))
	for t := range s {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
