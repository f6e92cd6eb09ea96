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
	// BySourceKind is for the metrics: totals by "source/kind".
	BySourceKind = store.DimSourceKind
)

// GroupKeys lists the group keys in column order.
var GroupKeys = []string{ByDay, ByHour, ByCountry, BySource, ByKind, ByLang, ByMethod}

// FigureNames lists the figures in column order; they match store.Figures' JSON names.
var FigureNames = []string{"posts", "originals", "reposts", "replies", "quotes", "participants", "new_participants", "reach"}

// Query asks for a campaign's figures.
type Query struct {
	Campaign string
	By       []string // group keys; none for campaign totals
	From, To string   // campaign days, inclusive; optional
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
	// SourceKind is set only by BySourceKind ("x/repost"); not part of reports.
	SourceKind string `json:"-"`
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
		if !slices.Contains(GroupKeys, k) {
			return nil, fmt.Errorf("%w: unknown group %q (one of %s)", ErrBadQuery, k, strings.Join(GroupKeys, ", "))
		}
		if slices.Contains(by, k) {
			return nil, fmt.Errorf("%w: group %q given twice", ErrBadQuery, k)
		}
		by = append(by, k)
	}
	return by, nil
}

// Report answers a query from the rollups alone; it never reads posts.
// Rows come in time order, then by posts (most first), then by value.
func (a *Aggregator) Report(q Query) ([]Row, error) {
	c := a.byName[q.Campaign]
	if c == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownCampaign, q.Campaign)
	}
	grain, dim := store.GrainTotal, store.DimAll
	timeKey := ""
	for _, k := range q.By {
		switch k {
		case ByDay, ByHour:
			if timeKey != "" {
				return nil, fmt.Errorf("%w: group by day or by hour, not both", ErrBadQuery)
			}
			timeKey = k
			grain = map[string]store.Grain{ByDay: store.GrainDay, ByHour: store.GrainHour}[k]
		default:
			if !slices.Contains(store.Dims, k) && k != BySourceKind {
				return nil, fmt.Errorf("%w: unknown group %q", ErrBadQuery, k)
			}
			if k == BySourceKind && len(q.By) > 1 {
				return nil, fmt.Errorf("%w: source_kind has campaign totals only", ErrBadQuery)
			}
			if dim != store.DimAll {
				return nil, fmt.Errorf("%w: one of country, source, kind, lang, method at a time (with day or hour)", ErrBadQuery)
			}
			dim = k
		}
	}
	for _, d := range []string{q.From, q.To} {
		if d != "" {
			if _, err := time.Parse(store.DayLayout, d); err != nil {
				return nil, fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrBadQuery, d)
			}
		}
	}
	if q.From != "" && q.To != "" && q.From > q.To {
		return nil, fmt.Errorf("%w: from %s is after to %s", ErrBadQuery, q.From, q.To)
	}
	if grain == store.GrainTotal && (q.From != "" || q.To != "") {
		return nil, fmt.Errorf("%w: participants and reach cannot be added up across days; group by day (or hour) to use from/to, or leave them out for campaign totals", ErrBadQuery)
	}
	from, to := q.From, q.To
	if grain == store.GrainHour {
		var err error
		if from, to, err = hourRange(c, q.From, q.To); err != nil {
			return nil, err
		}
	}
	var rows []Row
	var lastPeriod, lastHour string
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		return tx.Cells(c.Name, grain, dim, from, to, func(cell store.Cell) error {
			r := Row{Figures: cell.Figures, period: cell.Period, value: cell.Value}
			switch grain {
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
			switch dim {
			case ByCountry:
				r.Country = cell.Value
			case BySource:
				r.Source = cell.Value
			case ByKind:
				r.Kind = cell.Value
			case ByLang:
				r.Lang = cell.Value
			case ByMethod:
				r.Method = cell.Value
			case BySourceKind:
				r.SourceKind = cell.Value
			}
			rows = append(rows, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if grain == store.GrainDay && dim == store.DimAll {
		if rows, err = fillDays(c, rows, q.From, q.To); err != nil {
			return nil, err
		}
	}
	sortRows(rows)
	return rows, nil
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
		start, err := c.DayStart(to)
		if err != nil {
			return "", "", fmt.Errorf("%w: %v", ErrBadQuery, err)
		}
		end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, c.Loc())
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
// up to the campaign's clock hour.
func (a *Aggregator) SoFar(campaign, day string, until time.Time) (participants, reach int64, err error) {
	c := a.byName[campaign]
	if c == nil {
		return 0, 0, fmt.Errorf("%w %q", ErrUnknownCampaign, campaign)
	}
	end := c.HourStart(until)
	if !end.Equal(until) {
		end = end.Add(time.Hour)
	}
	limit := end.UTC().Format(store.HourLayout)
	err = a.db.ViewRollups(func(tx *store.RollupTx) error {
		return tx.Cells(c.Name, store.GrainDay, store.DimFirstHour, day, day, func(cell store.Cell) error {
			if cell.Value < limit {
				participants += cell.Participants
				reach = store.AddReach(reach, cell.Reach)
			}
			return nil
		})
	})
	return participants, reach, err
}

// Top returns a campaign day's top posts and top participants.
func (a *Aggregator) Top(campaign, day string) ([]store.TopPost, []store.TopParticipant, error) {
	if a.byName[campaign] == nil {
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownCampaign, campaign)
	}
	var posts []store.TopPost
	var parts []store.TopParticipant
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		var err error
		if posts, err = tx.TopPosts(campaign, day); err != nil {
			return err
		}
		parts, err = tx.TopParticipants(campaign, day)
		return err
	})
	return posts, parts, err
}

// UTCHours returns a campaign's posts from source per UTC hour in [from, to)
// (whole UTC hours): what to set beside a platform's own hourly counts. Where
// the campaign's clock hours are UTC hours it reads the hour rollup; where
// they are not (UTC+5:30 and the like) the source_utc_hour cells. Hours
// without posts are absent.
func (a *Aggregator) UTCHours(campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	c := a.byName[campaign]
	if c == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownCampaign, campaign)
	}
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
	err := a.db.ViewRollups(func(tx *store.RollupTx) error {
		// Campaign hours that are UTC hours: the hour rollup, by source.
		err := tx.Cells(c.Name, store.GrainHour, store.DimSource, from.Format(store.HourLayout), to.Add(-time.Minute).Format(store.HourLayout), func(cell store.Cell) error {
			if cell.Value == source && strings.HasSuffix(cell.Period, ":00Z") {
				add(cell.Period, cell.Posts)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The others: the days' source_utc_hour cells.
		prefix := source + "/"
		return tx.Cells(c.Name, store.GrainDay, store.DimSourceUTCHour, c.Day(from), c.Day(to.Add(-time.Nanosecond)), func(cell store.Cell) error {
			if hour, ok := strings.CutPrefix(cell.Value, prefix); ok {
				add(hour, cell.Posts)
			}
			return nil
		})
	})
	return out, err
}
