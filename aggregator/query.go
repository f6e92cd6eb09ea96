package aggregator

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// Group keys a report can be broken down by. Day or hour, and at most one of
// the dimensions.
const (
	ByDay     = "day"
	ByHour    = "hour"
	ByCountry = store.DimCountry
	BySource  = store.DimSource
	ByKind    = store.DimKind
	ByLang    = store.DimLang
	ByMethod  = store.DimMethod
	ByArrival = store.DimArrival
	// BySourceKind is campaign totals by "source/kind" (x/repost), as the
	// metrics count posts; not in GroupKeys, the columns of reports by day.
	BySourceKind = store.DimSourceKind
)

// GroupKeys lists the group keys in column order.
var GroupKeys = []string{ByDay, ByHour, ByCountry, BySource, ByKind, ByLang, ByMethod, ByArrival}

// FigureNames lists the figures in column order; they match store.Figures' JSON names.
var FigureNames = []string{"posts", "originals", "reposts", "replies", "quotes", "participants", "new_participants", "reach"}

// Query asks for a campaign's figures. Build one from what people typed
// with ParseQuery; Report checks every Query by the same rules.
type Query struct {
	Campaign string
	By       []string // group keys; none for campaign totals
	From, To string   // campaign days, inclusive; optional
	// DefaultDay asks, when From and To are empty, for the campaign's
	// default day (see DefaultDay) rather than every day.
	DefaultDay bool
}

// Row is one group's figures. Only the fields named in Query.By are set.
type Row struct {
	Day     string `json:"day,omitempty"`
	Hour    string `json:"hour,omitempty"` // RFC 3339 in the campaign's zone
	Country string `json:"country,omitempty"`
	Source  string `json:"source,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Lang    string `json:"lang,omitempty"`
	Method  string `json:"method,omitempty"`
	Arrival string `json:"arrival,omitempty"` // live or import
	// SourceKind is set only by BySourceKind ("x/repost"), for campaign totals.
	SourceKind string `json:"source_kind,omitempty"`
	store.Figures

	period, value string // the cell's keys, for sorting: periods sort in time order
}

// Key returns the row's value for a group key.
func (r *Row) Key(k string) string {
	switch k {
	case ByDay:
		return r.Day
	case ByHour:
		return r.Hour
	case ByCountry:
		return r.Country
	case BySource:
		return r.Source
	case ByKind:
		return r.Kind
	case ByLang:
		return r.Lang
	case ByMethod:
		return r.Method
	case ByArrival:
		return r.Arrival
	case BySourceKind:
		return r.SourceKind
	}
	return ""
}

// Figure returns the row's value for a figure name.
func (r *Row) Figure(name string) int64 {
	f := &r.Figures
	switch name {
	case "posts":
		return f.Posts
	case "originals":
		return f.Originals
	case "reposts":
		return f.Reposts
	case "replies":
		return f.Replies
	case "quotes":
		return f.Quotes
	case "participants":
		return f.Participants
	case "new_participants":
		return f.NewParticipants
	case "reach":
		return f.Reach
	}
	return 0
}

// Errors from queries.
var (
	// ErrUnknownCampaign is returned for a campaign that is not configured.
	ErrUnknownCampaign = errors.New("unknown campaign")
	// ErrBadQuery is returned for a grouping or range the rollups cannot answer.
	ErrBadQuery = errors.New("bad query")
)

// ParseBy splits "day,country" into group keys, validating them.
func ParseBy(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var by []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if !slices.Contains(GroupKeys, k) && k != BySourceKind {
			return nil, fmt.Errorf("%w: unknown group %q (one of %s)", ErrBadQuery, k, strings.Join(GroupKeys, ", "))
		}
		if slices.Contains(by, k) {
			return nil, fmt.Errorf("%w: group %q given twice", ErrBadQuery, k)
		}
		by = append(by, k)
	}
	return by, nil
}

// Dimensions are the group keys a query may add to the time key (ByDay,
// ByHour, or "" for campaign totals): one at a time; BySourceKind only to
// campaign totals.
func Dimensions(timeKey string) []string {
	dims := []string{ByCountry, BySource, ByKind, ByLang, ByMethod, ByArrival}
	if timeKey == "" {
		dims = append(dims, BySourceKind)
	}
	return dims
}

// CheckDay validates day, the value of the query parameter (or flag) named
// param, as a day tagpulse answers for: YYYY-MM-DD from store.MinDay to
// store.MaxDay. The error is an ErrBadQuery naming param and the value.
func CheckDay(param, day string) error {
	if err := store.CheckDay(day); err != nil {
		return fmt.Errorf("%w: %s %v", ErrBadQuery, param, err)
	}
	return nil
}

// ParseQuery builds a campaign's query from what the API or the command
// line was given: by, comma-separated group keys ("day,country"), and from
// and to, campaign days (either may be ""). It applies every rule Report
// does, so both refuse the same queries with the same errors.
func ParseQuery(campaign, by, from, to string) (Query, error) {
	keys, err := ParseBy(by)
	if err != nil {
		return Query{}, err
	}
	q := Query{Campaign: campaign, By: keys, From: from, To: to}
	if _, err := q.plan(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// plan is a checked query: what Report reads.
type plan struct {
	grain    store.Grain
	dim      string
	from, to string // the query's days
}

// plan checks q's grouping and days.
func (q *Query) plan() (plan, error) {
	p := plan{grain: store.GrainTotal, dim: store.DimAll, from: q.From, to: q.To}
	timeKey := ""
	for _, k := range q.By {
		switch k {
		case ByDay, ByHour:
			if timeKey != "" {
				return p, fmt.Errorf("%w: group by day or by hour, not both", ErrBadQuery)
			}
			timeKey = k
			p.grain = map[string]store.Grain{ByDay: store.GrainDay, ByHour: store.GrainHour}[k]
		default:
			if !slices.Contains(store.Dims, k) && k != BySourceKind {
				return p, fmt.Errorf("%w: unknown group %q", ErrBadQuery, k)
			}
			if k == BySourceKind && len(q.By) > 1 {
				return p, fmt.Errorf("%w: source_kind has campaign totals only", ErrBadQuery)
			}
			if p.dim != store.DimAll {
				return p, fmt.Errorf("%w: one of country, source, kind, lang, method at a time (with day or hour)", ErrBadQuery)
			}
			p.dim = k
		}
	}
	for _, d := range []struct{ name, v string }{{"from", q.From}, {"to", q.To}} {
		if d.v != "" {
			if err := CheckDay(d.name, d.v); err != nil {
				return p, err
			}
		}
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return p, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, q.From, q.To)
	}
	if p.grain == store.GrainTotal && (q.From != "" || q.To != "") {
		return p, fmt.Errorf("%w: participants and reach cannot be added up across days; group by day (or hour) to use from/to, or leave them out for campaign totals", ErrBadQuery)
	}
	return p, nil
}

// campaign returns the named campaign or ErrUnknownCampaign.
func (a *Aggregator) campaign(name string) (*store.Campaign, error) {
	if c := a.byName[name]; c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownCampaign, name)
}

// Report answers a query from the rollups alone, in one read transaction;
// it never reads posts. Rows come in time order, then by posts (most
// first), then by value.
func (a *Aggregator) Report(q Query) ([]Row, error) {
	c, err := a.campaign(q.Campaign)
	if err != nil {
		return nil, err
	}
	p, err := q.plan()
	if err != nil {
		return nil, err
	}
	var rows []Row
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		if q.DefaultDay && p.from == "" && p.to == "" {
			day, err := a.defaultDay(tx, c)
			if err != nil {
				return err
			}
			p.from, p.to = day, day
		}
		rows, err = a.report(tx, c, p)
		return err
	})
	return rows, err
}

// report answers a checked query inside a read transaction: the cells,
// then the days without posts, then the order.
func (a *Aggregator) report(tx *store.RollupTx, c *store.Campaign, p plan) ([]Row, error) {
	rows, err := readRows(tx, c, p)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if p.grain == store.GrainDay && p.dim == store.DimAll {
		if rows, err = fillDays(c, rows, p.from, p.to); err != nil {
			return nil, err
		}
	}
	sortRows(rows)
	return rows, nil
}

// readRows turns the cells a plan asks for into rows.
func readRows(tx *store.RollupTx, c *store.Campaign, p plan) ([]Row, error) {
	from, to := p.from, p.to
	if p.grain == store.GrainHour {
		var err error
		if from, to, err = hourRange(c, p.from, p.to); err != nil {
			return nil, err
		}
	}
	var rows []Row
	var lastPeriod, lastHour string
	err := tx.Cells(c.Name, p.grain, p.dim, from, to, func(cell store.Cell) error {
		r := Row{Figures: cell.Figures, period: cell.Period, value: cell.Value}
		switch p.grain {
		case store.GrainDay:
			r.Day = cell.Period
		case store.GrainHour:
			if cell.Period != lastPeriod { // an hour's values come together
				t, err := time.Parse(store.HourLayout, cell.Period)
				if err != nil {
					return err
				}
				lastPeriod, lastHour = cell.Period, t.In(c.Loc()).Format(time.RFC3339)
			}
			r.Hour = lastHour
		}
		r.setKey(p.dim, cell.Value)
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// setKey sets the row's value for dimension dim.
func (r *Row) setKey(dim, v string) {
	switch dim {
	case ByCountry:
		r.Country = v
	case BySource:
		r.Source = v
	case ByKind:
		r.Kind = v
	case ByLang:
		r.Lang = v
	case ByMethod:
		r.Method = v
	case ByArrival:
		r.Arrival = v
	case BySourceKind:
		r.SourceKind = v
	}
}

// sortRows orders rows by period, then most posts first, then value. Rows
// come from the store in period then value order (zero days filled in at
// the end), so it sorts an index and moves each row once.
func sortRows(rows []Row) {
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		x, y := &rows[i], &rows[j]
		if c := cmp.Compare(x.period, y.period); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Posts, x.Posts); c != 0 {
			return c
		}
		return cmp.Compare(x.value, y.value)
	})
	sorted := make([]Row, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
}

// hourRange turns campaign days into the UTC hour keys that cover them.
func hourRange(c *store.Campaign, from, to string) (string, string, error) {
	var f, t string
	if from != "" {
		start, err := c.DayStart(from)
		if err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		f = start.UTC().Format(store.HourLayout)
	}
	if to != "" {
		end, err := c.DayEnd(to)
		if err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		t = end.Add(-time.Minute).UTC().Format(store.HourLayout) // the last hour starting before the next day
	}
	return f, t, nil
}

// maxAskedDays bounds a day series whose span a query asked for: each day
// is a row, even without posts.
const maxAskedDays = 3660

// fillDays adds zero rows for days with no posts, so a series has no gaps.
// The span is the query's from/to, else the campaign's window, else the days
// that have data. A span the query asked for may not exceed maxAskedDays.
func fillDays(c *store.Campaign, rows []Row, qFrom, qTo string) ([]Row, error) {
	from, to := cmp.Or(qFrom, c.From), cmp.Or(qTo, c.To)
	if len(rows) > 0 {
		from, to = cmp.Or(from, rows[0].Day), cmp.Or(to, rows[len(rows)-1].Day)
	}
	d, err1 := time.Parse(store.DayLayout, from)
	end, err2 := time.Parse(store.DayLayout, to)
	if err1 != nil || err2 != nil {
		return rows, nil
	}
	if qFrom == "" && qTo == "" && int(end.Sub(d).Hours()/24)+1 > maxAskedDays {
		// A window wider than any series shown (a configured 0001 to
		// 9999): fill only the days that hold posts and those between
		// them, which plausible post times keep within the platforms' years.
		if len(rows) == 0 {
			return rows, nil
		}
		d, _ = time.Parse(store.DayLayout, rows[0].Day)
		end, _ = time.Parse(store.DayLayout, rows[len(rows)-1].Day)
	}
	if n := int(end.Sub(d).Hours()/24) + 1; n > maxAskedDays && (qFrom != "" || qTo != "") {
		return nil, fmt.Errorf("%w: %s to %s is %d days; a series of days spans at most %d (ten years): narrow from and to", ErrBadQuery, from, to, n, maxAskedDays)
	}
	have := map[string]bool{}
	for _, r := range rows {
		have[r.Day] = true
	}
	for ; !d.After(end); d = d.AddDate(0, 0, 1) {
		if day := d.Format(store.DayLayout); !have[day] {
			rows = append(rows, Row{Day: day, period: day})
		}
	}
	return rows, nil
}

// Totals returns the campaign's figures over its whole window.
func (a *Aggregator) Totals(campaign string) (store.Figures, error) {
	rows, err := a.Report(Query{Campaign: campaign})
	if err != nil || len(rows) == 0 {
		return store.Figures{}, err
	}
	return rows[0].Figures, nil
}

// SoFar returns the participants of a campaign day whose first post of the
// day came before until, with their potential reach: the day's figures "so
// far", for comparing today with the same time yesterday. until is rounded
// up to the minute.
func (a *Aggregator) SoFar(campaign, day string, until time.Time) (participants, reach int64, err error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return 0, 0, err
	}
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		var f store.Figures
		f, _, err = soFar(tx, c, day, until)
		participants, reach = f.Participants, f.Reach
		return err
	})
	return participants, reach, err
}

// soFar adds up a day's minute cells before until (rounded up to the
// minute): the posts made before then, and the participants whose first
// post of the day came before then, with their reach; and counts the known
// countries with posts before then.
func soFar(tx *store.RollupTx, c *store.Campaign, day string, until time.Time) (f store.Figures, countries int, err error) {
	end := until.UTC().Truncate(time.Minute)
	if !end.Equal(until) {
		end = end.Add(time.Minute)
	}
	limit := end.Format(store.HourLayout)
	err = tx.Cells(c.Name, store.GrainDay, store.DimMinute, day, day, func(cell store.Cell) error {
		if cell.Value < limit {
			f.Add(cell.Figures)
		}
		return nil
	})
	if err != nil {
		return f, 0, err
	}
	f.NewParticipants = 0 // not kept per minute
	seen := map[string]bool{}
	err = tx.Cells(c.Name, store.GrainDay, store.DimCountryMinute, day, day, func(cell store.Cell) error {
		country, minute, _ := strings.Cut(cell.Value, "/")
		if minute < limit && cell.Posts > 0 && country != store.UnknownCountry && !seen[country] {
			seen[country] = true
		}
		return nil
	})
	return f, len(seen), err
}

// Top is a campaign day's top posts and three lists of participants: the
// most active (most posts, then most followers), the loudest voices (most
// followers: the largest shares of the day's potential reach) and the new
// voices (whose first post in the campaign was that day, most posts first).
type Top struct {
	Day          string                 `json:"day"`
	Participants []store.TopParticipant `json:"participants"`
	Loudest      []Voice                `json:"loudest"`
	NewVoices    []Voice                `json:"new_voices"`
	Posts        []store.TopPost        `json:"posts"`
}

// Voice is a participant with their share of the day's potential reach
// (their followers over the day's reach).
type Voice struct {
	store.TopParticipant
	ReachShare float64 `json:"reach_share"`
}

// Top returns a campaign day's top lists; day "" is the campaign's default
// day. The lists are empty, not nil, without posts. The participants
// lists are read from the day's participant records, exactly (followers
// can fall as well as rise, so no bounded list kept as posts arrive could
// rank by them).
func (a *Aggregator) Top(campaign, day string) (Top, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return Top{}, err
	}
	top := Top{Day: day}
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		if top.Day, err = a.dayOrDefault(tx, c, day); err != nil {
			return err
		}
		if top.Posts, err = tx.TopPosts(c.Name, top.Day); err != nil {
			return err
		}
		var parts []Voice
		parts, top.Loudest, top.NewVoices, err = a.voices(tx, c, top.Day)
		top.Participants = make([]store.TopParticipant, len(parts))
		for i, p := range parts {
			top.Participants[i] = p.TopParticipant
		}
		return err
	})
	if top.Posts == nil {
		top.Posts = []store.TopPost{}
	}
	if top.Participants == nil {
		top.Participants = []store.TopParticipant{}
	}
	return top, err
}

// voices reads a day's participants and returns its top participants,
// its loudest and its new voices, each at most TopN long.
func (a *Aggregator) voices(tx *store.RollupTx, c *store.Campaign, day string) (top, loudest, fresh []Voice, err error) {
	top, loudest, fresh = []Voice{}, []Voice{}, []Voice{}
	dayFig, _, err := tx.Cell(store.CellKey{Campaign: c.Name, Grain: store.GrainDay, Dim: store.DimAll, Period: day})
	if err != nil {
		return nil, nil, nil, err
	}
	n := a.opts.TopN
	err = tx.DayMembers(c.Name, day, func(author string, m *store.Member) error {
		i := m.Period(store.GrainDay, day)
		if i < 0 {
			return nil
		}
		pm := &m.Periods[i]
		v := Voice{TopParticipant: store.TopParticipant{Author: author, Handle: pm.Handle, Posts: pm.Posts, Followers: pm.Followers}}
		if dayFig.Reach > 0 {
			v.ReachShare = float64(pm.Followers) / float64(dayFig.Reach)
		}
		top = insertVoice(top, v, n, participantLess)
		if v.Followers > 0 {
			loudest = insertVoice(loudest, v, n, loudestLess)
		}
		camp, ok, err := tx.Member(store.MemberKey{Campaign: c.Name, Author: author})
		if err != nil {
			return err
		}
		if ok && periodOf(c, store.GrainDay, camp.First) == day {
			fresh = insertVoice(fresh, v, n, participantLess)
		}
		return nil
	})
	return top, loudest, fresh, err
}

// insertVoice adds v to a list ordered by less, keeping at most n.
func insertVoice(l []Voice, v Voice, n int, less func(x, y Voice) int) []Voice {
	if len(l) >= n && less(v, l[len(l)-1]) >= 0 {
		return l
	}
	i, _ := slices.BinarySearchFunc(l, v, less)
	l = slices.Insert(l, i, v)
	if len(l) > n {
		l = l[:n]
	}
	return l
}

// UTCHours returns a campaign's posts from source per UTC hour in [from, to)
// (whole UTC hours): what to set beside a platform's own hourly counts. Where
// the campaign's clock hours are UTC hours it reads the hour rollup; where
// they are not (UTC+5:30 and the like) the source_utc_hour cells. Hours
// without posts are absent.
func (a *Aggregator) UTCHours(campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return nil, err
	}
	var out map[time.Time]int64
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		out, err = utcHours(tx, c, source, from, to)
		return err
	})
	return out, err
}

func utcHours(tx *store.RollupTx, c *store.Campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	from, to = from.UTC().Truncate(time.Hour), to.UTC().Truncate(time.Hour)
	out := map[time.Time]int64{}
	if !to.After(from) {
		return out, nil
	}
	add := func(hour string, posts int64) {
		if t, err := time.Parse(store.HourLayout, hour); err == nil && !t.Before(from) && t.Before(to) {
			out[t] += posts
		}
	}
	// Campaign hours that are UTC hours: the hour rollup, by source.
	err := tx.Cells(c.Name, store.GrainHour, store.DimSource, from.Format(store.HourLayout), to.Add(-time.Minute).Format(store.HourLayout), func(cell store.Cell) error {
		if cell.Value == source && strings.HasSuffix(cell.Period, ":00Z") {
			add(cell.Period, cell.Posts)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The others: the days' source_utc_hour cells.
	prefix := source + "/"
	err = tx.Cells(c.Name, store.GrainDay, store.DimSourceUTCHour, c.Day(from), c.Day(to.Add(-time.Nanosecond)), func(cell store.Cell) error {
		if hour, ok := strings.CutPrefix(cell.Value, prefix); ok {
			add(hour, cell.Posts)
		}
		return nil
	})
	return out, err
}

// ZoneDay is a day in a zone other than the campaign's (a viewer's), with
// the figures that add up across hours: posts by kind and new participants.
// Participants and reach are distinct counts kept per campaign day, so they
// cannot be moved into another zone's days and are not given.
type ZoneDay struct {
	Day             string `json:"day"` // in the zone asked for
	Posts           int64  `json:"posts"`
	Originals       int64  `json:"originals"`
	Reposts         int64  `json:"reposts"`
	Replies         int64  `json:"replies"`
	Quotes          int64  `json:"quotes"`
	NewParticipants int64  `json:"new_participants"`
	// Split is set where a campaign hour straddles this day's midnight in
	// the zone (zones whose offsets differ by part of an hour, as Gaza and
	// Kolkata do): such an hour counts whole in the day it starts in.
	Split bool `json:"split,omitempty"`
}

// DaysIn returns a campaign's posts per day in loc, from its hour rollup:
// the day chart in a viewer's zone. from and to are days in loc (inclusive,
// optional); days without posts within the campaign's window, or between
// the first and last posts, are filled with zeros.
func (a *Aggregator) DaysIn(campaign string, loc *time.Location, from, to string) ([]ZoneDay, error) {
	c, err := a.campaign(campaign)
	if err != nil {
		return nil, err
	}
	for _, d := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if d.v != "" {
			if err := CheckDay(d.name, d.v); err != nil {
				return nil, err
			}
		}
	}
	if from != "" && to != "" && from > to {
		return nil, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, from, to)
	}
	// An hour counts in the day of loc it starts in: the keys to read run
	// from from's midnight in loc to the last minute before to's next.
	var hFrom, hTo string
	if from != "" {
		start, _ := time.ParseInLocation(store.DayLayout, from, loc)
		hFrom = start.UTC().Format(store.HourLayout)
	}
	if to != "" {
		start, _ := time.ParseInLocation(store.DayLayout, to, loc)
		end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, loc)
		hTo = end.UTC().Add(-time.Minute).Format(store.HourLayout)
	}
	byDay := map[string]*ZoneDay{}
	var first, last string
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		return tx.Cells(c.Name, store.GrainHour, store.DimAll, hFrom, hTo, func(cell store.Cell) error {
			t, err := time.Parse(store.HourLayout, cell.Period)
			if err != nil {
				return err
			}
			lt := t.In(loc)
			day := lt.Format(store.DayLayout)
			if (from != "" && day < from) || (to != "" && day > to) {
				return nil
			}
			d := byDay[day]
			if d == nil {
				d = &ZoneDay{Day: day}
				byDay[day] = d
			}
			f := cell.Figures
			d.Posts += f.Posts
			d.Originals += f.Originals
			d.Reposts += f.Reposts
			d.Replies += f.Replies
			d.Quotes += f.Quotes
			d.NewParticipants += f.NewParticipants
			// The hour ends in the next day of loc: it straddles midnight.
			if end := c.HourStart(t.Add(90 * time.Minute)).In(loc); end.Format(store.DayLayout) != day && (end.Hour() != 0 || end.Minute() != 0) {
				d.Split = true
			}
			if first == "" || day < first {
				first = day
			}
			if day > last {
				last = day
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("days in %s: %w", loc, err)
	}
	// The span to fill: the asked days, else the campaign's window in loc,
	// else the days with posts.
	spanFrom, spanTo := from, to
	if spanFrom == "" && c.From != "" {
		if s, err := c.DayStart(c.From); err == nil {
			spanFrom = s.In(loc).Format(store.DayLayout)
		}
	}
	if spanTo == "" && c.To != "" {
		if e, err := c.DayEnd(c.To); err == nil {
			spanTo = e.Add(-time.Nanosecond).In(loc).Format(store.DayLayout)
		}
	}
	if first != "" {
		spanFrom, spanTo = cmp.Or(spanFrom, first), cmp.Or(spanTo, last)
		// A configured window wider than any chart (0001 to 9999): the days
		// with posts and those between them.
		if from == "" && to == "" && spanDays(spanFrom, spanTo) > maxAskedDays {
			spanFrom, spanTo = first, last
		}
	}
	if n := spanDays(spanFrom, spanTo); n > maxAskedDays {
		return nil, fmt.Errorf("%w: %s to %s is %d days; a series of days spans at most %d (ten years): narrow from and to", ErrBadQuery, spanFrom, spanTo, n, maxAskedDays)
	}
	out := []ZoneDay{}
	if d, err := time.Parse(store.DayLayout, spanFrom); err == nil {
		end, _ := time.Parse(store.DayLayout, spanTo)
		for ; !d.After(end); d = d.AddDate(0, 0, 1) {
			day := d.Format(store.DayLayout)
			if z := byDay[day]; z != nil {
				out = append(out, *z)
			} else {
				out = append(out, ZoneDay{Day: day})
			}
		}
	}
	return out, nil
}

// spanDays is the number of days from from to to inclusive (0 when either
// is not a day).
func spanDays(from, to string) int {
	d, err1 := time.Parse(store.DayLayout, from)
	end, err2 := time.Parse(store.DayLayout, to)
	if err1 != nil || err2 != nil || end.Before(d) {
		return 0
	}
	return int(end.Sub(d).Hours()/24) + 1
}
