package aggregator

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// The read model: everything the dashboard, the metrics and the command
// line show is answered here, each answer from one read transaction, so a
// page's figures are one snapshot of the rollups.

// Watermark is the sequence number of the last post folded into the
// rollups: answers computed at the same watermark are the same.
func (a *Aggregator) Watermark() (uint64, error) {
	var wm uint64
	err := a.db.ViewRollups(func(tx *store.RollupTx) error { wm = tx.Watermark(); return nil })
	return wm, err
}

// StoreSize is the size of the store's data in bytes.
func (a *Aggregator) StoreSize() int64 { return a.db.Size() }

// Backup writes a consistent copy of the store the aggregator reads (one
// read transaction) to w and returns how many bytes it wrote.
func (a *Aggregator) Backup(w io.Writer) (int64, error) { return a.db.Backup(w) }

// DefaultDay is the day a campaign's page, and its API without ?day=, show:
// today while the campaign runs, else the campaign's last day with posts.
//
//   - Today, when today is inside the campaign's window and has posts or the
//     campaign is live: its dated window (from, to or both) includes today,
//     or, without dates, it has posts from yesterday (collection carrying
//     on past midnight).
//   - A finished window: its last day with posts (posts outside the window
//     are not counted, so never after it), or its last day when it has none.
//   - No dates and no posts since yesterday: the last day with posts.
//   - A window that has not begun, or no posts at all: today.
func (a *Aggregator) DefaultDay(campaign string) (string, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return "", err
	}
	var day string
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		day, err = a.defaultDay(tx, c)
		return err
	})
	return day, err
}

func (a *Aggregator) defaultDay(tx *store.RollupTx, c *store.Campaign) (string, error) {
	today := c.Day(a.opts.Now())
	dated := c.From != "" || c.To != ""
	if c.InWindow(today) && dated {
		return today, nil
	}
	if c.From != "" && today < c.From {
		return today, nil // not begun
	}
	if !dated {
		recent, err := a.report(tx, c, plan{grain: store.GrainDay, dim: store.DimAll, from: dayBefore(today), to: today})
		if err != nil {
			return "", err
		}
		for _, r := range recent {
			if r.Posts > 0 {
				return today, nil
			}
		}
	}
	rows, err := a.report(tx, c, plan{grain: store.GrainDay, dim: store.DimAll, to: c.To})
	if err != nil {
		return "", err
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].Posts > 0 {
			return rows[i].Day, nil
		}
	}
	if c.To != "" {
		return c.To, nil // finished, without posts
	}
	return today, nil
}

// dayOrDefault checks a day asked for (the query parameter "day"), or
// gives the campaign's default day for "".
func (a *Aggregator) dayOrDefault(tx *store.RollupTx, c *store.Campaign, day string) (string, error) {
	if day == "" {
		return a.defaultDay(tx, c)
	}
	if err := CheckDay("day", day); err != nil {
		return "", err
	}
	return day, nil
}

// dayBefore is the campaign day before day (YYYY-MM-DD).
func dayBefore(day string) string {
	d, _ := time.Parse(store.DayLayout, day)
	return d.AddDate(0, 0, -1).Format(store.DayLayout)
}

// Overview is a campaign with what its list entry shows.
type Overview struct {
	Campaign   store.Campaign
	Today      string // the current campaign day
	DefaultDay string // the day the page and the API open on (DefaultDay)
	Totals     store.Figures
}

// Overview returns one campaign's overview.
func (a *Aggregator) Overview(campaign string) (Overview, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return Overview{}, err
	}
	var o Overview
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		o, err = a.overview(tx, c)
		return err
	})
	return o, err
}

// Overviews returns every campaign's overview, in configured order.
func (a *Aggregator) Overviews() ([]Overview, error) {
	out := make([]Overview, len(a.campaigns))
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		for i := range a.campaigns {
			var err error
			if out[i], err = a.overview(tx, &a.campaigns[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

func (a *Aggregator) overview(tx *store.RollupTx, c *store.Campaign) (Overview, error) {
	o := Overview{Campaign: *c, Today: c.Day(a.opts.Now())}
	tot, err := a.report(tx, c, plan{grain: store.GrainTotal, dim: store.DimAll})
	if err != nil {
		return o, err
	}
	if len(tot) > 0 {
		o.Totals = tot[0].Figures
	}
	o.DefaultDay, err = a.defaultDay(tx, c)
	return o, err
}

// SameTime is yesterday's figures up to the same minute: posts, known
// countries, and the participants whose first post of the day came before
// Until with their potential reach, from the day's minute cells.
type SameTime struct {
	// Until is the instant compared: yesterday's figures count what came
	// before it, the start of the minute 24 hours before now.
	Until time.Time `json:"until"`
	// WholeDay is set when Until is the end of yesterday (a day with
	// fewer hours, after a clock change): the figures are all of it.
	WholeDay     bool  `json:"whole_day"`
	Posts        int64 `json:"posts"`
	Participants int64 `json:"participants"`
	Reach        int64 `json:"reach"`
	Countries    int   `json:"countries"`
}

// Headline is a campaign day's figures with the day before's.
type Headline struct {
	Day               string        `json:"day"`
	IsToday           bool          `json:"is_today"`
	Figures           store.Figures `json:"figures"`
	Countries         int           `json:"countries"` // known countries with posts (ZZ not counted)
	UnknownShare      float64       `json:"unknown_share"`
	PreviousDay       string        `json:"previous_day"`
	Previous          store.Figures `json:"previous"`
	PreviousCountries int           `json:"previous_countries"`
	SameTimeYesterday *SameTime     `json:"same_time_yesterday,omitempty"` // only for today
	// ByCountry is the day's countries, most posts first, ZZ included.
	ByCountry []Row `json:"by_country"`
}

// Headline returns a campaign day's headline (day "": the default day).
func (a *Aggregator) Headline(campaign, day string) (Headline, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return Headline{}, err
	}
	var hl Headline
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		if day, err = a.dayOrDefault(tx, c, day); err != nil {
			return err
		}
		hl, err = a.headline(tx, c, day)
		return err
	})
	return hl, err
}

func (a *Aggregator) headline(tx *store.RollupTx, c *store.Campaign, day string) (Headline, error) {
	now := a.opts.Now()
	prev := dayBefore(day)
	hl := Headline{Day: day, IsToday: day == c.Day(now), PreviousDay: prev}
	days, err := a.report(tx, c, plan{grain: store.GrainDay, dim: store.DimAll, from: prev, to: day})
	if err != nil {
		return hl, err
	}
	for _, r := range days {
		switch r.Day {
		case day:
			hl.Figures = r.Figures
		case prev:
			hl.Previous = r.Figures
		}
	}
	byCountry, err := a.report(tx, c, plan{grain: store.GrainDay, dim: store.DimCountry, from: prev, to: day})
	if err != nil {
		return hl, err
	}
	hl.ByCountry = []Row{}
	var unknown int64
	for _, r := range byCountry {
		known := r.Country != store.UnknownCountry && r.Posts > 0
		switch r.Day {
		case day:
			if known {
				hl.Countries++
			}
			if r.Country == store.UnknownCountry {
				unknown = r.Posts
			}
			hl.ByCountry = append(hl.ByCountry, r)
		case prev:
			if known {
				hl.PreviousCountries++
			}
		}
	}
	if hl.Figures.Posts > 0 {
		hl.UnknownShare = float64(unknown) / float64(hl.Figures.Posts)
	}
	if hl.IsToday {
		if hl.SameTimeYesterday, err = a.sameTime(tx, c, prev, now.Add(-24*time.Hour)); err != nil {
			return hl, err
		}
	}
	return hl, nil
}

// sameTime adds up day's minute cells before the minute that holds at.
func (a *Aggregator) sameTime(tx *store.RollupTx, c *store.Campaign, day string, at time.Time) (*SameTime, error) {
	until := at.UTC().Truncate(time.Minute)
	if end, err := c.DayEnd(day); err == nil && !until.Before(end) {
		until = end
	}
	st := &SameTime{Until: until.In(c.Loc())}
	if end, err := c.DayEnd(day); err == nil && !until.Before(end) {
		st.WholeDay = true
	}
	f, countries, err := soFar(tx, c, day, until)
	if err != nil {
		return nil, err
	}
	st.Posts, st.Participants, st.Reach, st.Countries = f.Posts, f.Participants, f.Reach, countries
	return st, nil
}

// CrossCheck is, for one source and day, what the platform says it holds
// against what tagpulse collected, over the hours the platform counted.
type CrossCheck struct {
	Source    string `json:"source"`
	Hours     int    `json:"hours"`
	Platform  int64  `json:"platform"`
	Collected int64  `json:"collected"`
}

// CrossCheck sets, for a campaign day (day "": the default day), each
// source's own counts beside the posts collected from it, over the day's
// whole UTC hours (platforms count by UTC hour). Sources that recorded no
// counts are left out. It returns the day it answered for.
func (a *Aggregator) CrossCheck(campaign, day string) (string, []CrossCheck, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return "", nil, err
	}
	out := []CrossCheck{}
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		if day, err = a.dayOrDefault(tx, c, day); err != nil {
			return err
		}
		start, err := c.DayStart(day)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		end, _ := c.DayEnd(day)
		from, to := store.WholeUTCHours(start, end)
		for _, src := range store.Sources {
			counts, err := tx.PlatformCounts(c.Name, src, from, to)
			if err != nil {
				return err
			}
			if len(counts) == 0 {
				continue
			}
			held, err := utcHours(tx, c, src, from, to)
			if err != nil {
				return err
			}
			cc := CrossCheck{Source: src, Hours: len(counts)}
			for hour, n := range counts {
				cc.Platform += n
				cc.Collected += held[hour]
			}
			out = append(out, cc)
		}
		return nil
	})
	return day, out, err
}

// Completeness sets how many posts the platform says exist (its counts
// endpoint) beside how many we hold from that source, over the same whole
// hours: From (inclusive) to To (exclusive), the hours the platform reported
// in the last 7 days and the campaign's window, up to the current hour.
type Completeness struct {
	Campaign string    `json:"campaign"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Hours    int       `json:"hours"`    // hours compared
	Platform int64     `json:"platform"` // posts the platform counted
	Held     int64     `json:"held"`     // posts we hold for those hours
	// Ratio is Held/Platform (1 when the platform counted none). It can
	// exceed 1: the platform's counts leave out posts it has since removed.
	Ratio float64 `json:"ratio"`
}

// SourceStatus is a collector's health as /api/v1/sources shows it: with,
// for one that records the platform's own counts, the completeness figure.
type SourceStatus struct {
	store.SourceHealth
	Completeness *Completeness `json:"completeness,omitempty"`
}

// completenessTTL bounds how long a completeness figure is reused while
// neither the rollups nor the platform counts changed: the hours compared
// move with the clock.
const completenessTTL = time.Minute

type completenessEntry struct {
	at     time.Time
	source [2]uint64 // the watermark and the platform counts' generation
	c      *Completeness
}

// completenessCache keeps completeness figures by campaign and source:
// health is asked for by every open page.
type completenessCache struct {
	mu sync.Mutex
	m  map[[2]string]completenessEntry
}

// SourceStatus adds to each collector's health the completeness figure of
// those that record the platform's counts for their campaign, from one read
// transaction.
func (a *Aggregator) SourceStatus(health []store.SourceHealth) ([]SourceStatus, error) {
	out := make([]SourceStatus, len(health))
	now := a.opts.Now()
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		gen := [2]uint64{tx.Watermark(), tx.PlatformCountsGeneration()}
		for i, h := range health {
			out[i].SourceHealth = h
			c := a.byName[h.Campaign]
			if !h.RecordsCounts || c == nil {
				continue
			}
			key := [2]string{c.Name, h.Source}
			a.comp.mu.Lock()
			e, ok := a.comp.m[key]
			a.comp.mu.Unlock()
			if ok && e.source == gen && now.Sub(e.at) < completenessTTL && !now.Before(e.at) {
				out[i].Completeness = e.c
				continue
			}
			comp, err := completeness(tx, c, h.Source, now)
			if err != nil {
				return err
			}
			a.comp.mu.Lock()
			if a.comp.m == nil {
				a.comp.m = map[[2]string]completenessEntry{}
			}
			a.comp.m[key] = completenessEntry{at: now, source: gen, c: comp}
			a.comp.mu.Unlock()
			out[i].Completeness = comp
		}
		return nil
	})
	return out, err
}

// Completeness compares the platform counts recorded for a campaign with
// our hourly posts from source over the last 7 days' whole hours before the
// aggregator's now (and inside the campaign's window). It is nil when the
// platform reported nothing for those hours.
func (a *Aggregator) Completeness(campaign, source string) (*Completeness, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return nil, err
	}
	var out *Completeness
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		out, err = completeness(tx, c, source, a.opts.Now())
		return err
	})
	return out, err
}

func completeness(tx *store.RollupTx, c *store.Campaign, source string, now time.Time) (*Completeness, error) {
	to := now.UTC().Truncate(time.Hour)
	from := to.Add(-7 * 24 * time.Hour)
	if c.From != "" {
		if start, err := c.DayStart(c.From); err == nil && start.After(from) {
			from = start
		}
	}
	if c.To != "" {
		if end, err := c.DayEnd(c.To); err == nil && end.Before(to) {
			to = end
		}
	}
	from, to = store.WholeUTCHours(from, to)
	if !to.After(from) {
		return nil, nil // no hours to compare
	}
	platform, err := tx.PlatformCounts(c.Name, source, from, to)
	if err != nil || len(platform) == 0 {
		return nil, err
	}
	held, err := utcHours(tx, c, source, from, to)
	if err != nil {
		return nil, err
	}
	out := &Completeness{Campaign: c.Name}
	for h, n := range platform {
		if out.Hours == 0 || h.Before(out.From) {
			out.From = h
		}
		if end := h.Add(time.Hour); end.After(out.To) {
			out.To = end
		}
		out.Hours++
		out.Platform += n
		out.Held += held[h]
	}
	out.Ratio = 1
	if out.Platform > 0 {
		out.Ratio = float64(out.Held) / float64(out.Platform)
	}
	return out, nil
}

// MetricsSnapshot is what one scrape of /metrics reads: the lag, the
// store's size and, per campaign, its campaign-total and today's figures.
type MetricsSnapshot struct {
	Lag       uint64
	StoreSize int64
	Campaigns []CampaignMetrics
}

// CampaignMetrics are one campaign's figures for the metrics.
type CampaignMetrics struct {
	Name   string
	Active bool // today lies inside the campaign's window
	Total  store.Figures
	Today  store.Figures
	// BySourceKind and ByCountry are the campaign totals' posts by
	// "source/kind" (x/repost) and by country, as stored (in value order).
	BySourceKind []ValuePosts
	ByCountry    []ValuePosts
}

// ValuePosts is a dimension's value and its posts.
type ValuePosts struct {
	Value string
	Posts int64
}

// Metrics takes the snapshot in one read transaction, so a scrape is
// consistent (the country counters add up to the source/kind counters). It
// reads only campaign-total and today's cells, never raw posts.
func (a *Aggregator) Metrics() (*MetricsSnapshot, error) {
	now := a.opts.Now()
	snap := &MetricsSnapshot{StoreSize: a.db.Size(), Campaigns: make([]CampaignMetrics, len(a.campaigns))}
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		snap.Lag = tx.LastSeq() - tx.Watermark()
		for i := range a.campaigns {
			c := &a.campaigns[i]
			today := c.Day(now)
			cm := &snap.Campaigns[i]
			cm.Name, cm.Active = c.Name, c.InWindow(today)
			cm.BySourceKind = make([]ValuePosts, 0, len(store.Sources)*len(store.Kinds))
			cm.ByCountry = make([]ValuePosts, 0, 256) // about every country there is, plus ZZ
			var err error
			if cm.Total, _, err = tx.Cell(store.CellKey{Campaign: c.Name, Grain: store.GrainTotal, Dim: store.DimAll}); err != nil {
				return err
			}
			if cm.Today, _, err = tx.Cell(store.CellKey{Campaign: c.Name, Grain: store.GrainDay, Dim: store.DimAll, Period: today}); err != nil {
				return err
			}
			err = tx.Cells(c.Name, store.GrainTotal, store.DimSourceKind, "", "", func(cell store.Cell) error {
				cm.BySourceKind = append(cm.BySourceKind, ValuePosts{cell.Value, cell.Posts})
				return nil
			})
			if err != nil {
				return err
			}
			err = tx.Cells(c.Name, store.GrainTotal, store.DimCountry, "", "", func(cell store.Cell) error {
				cm.ByCountry = append(cm.ByCountry, ValuePosts{cell.Value, cell.Posts})
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	return snap, nil
}
