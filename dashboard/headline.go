package dashboard

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// sameTime is yesterday's figures up to the same time of day: posts and
// countries from the hourly rollups; participants and potential reach from
// the authors whose first post of the day came before then.
type sameTime struct {
	Until        time.Time `json:"until"` // the end of the last hour counted
	Posts        int64     `json:"posts"`
	Participants int64     `json:"participants"`
	Reach        int64     `json:"reach"`
	Countries    int       `json:"countries"`
}

// headline is a campaign day's figures with the day before's.
type headline struct {
	Day               string        `json:"day"`
	IsToday           bool          `json:"is_today"`
	Figures           store.Figures `json:"figures"`
	Countries         int           `json:"countries"` // known countries with posts (ZZ not counted)
	UnknownShare      float64       `json:"unknown_share"`
	PreviousDay       string        `json:"previous_day"`
	Previous          store.Figures `json:"previous"`
	PreviousCountries int           `json:"previous_countries"`
	SameTimeYesterday *sameTime     `json:"same_time_yesterday,omitempty"` // only for today
	// ByCountry is the day's countries, most posts first, ZZ included.
	ByCountry []aggregator.Row `json:"by_country"`
}

func (h *handler) campaignOr404(w http.ResponseWriter, r *http.Request) *store.Campaign {
	c := h.agg.Campaign(r.PathValue("name"))
	if c == nil {
		h.httpError(w, r, fmt.Errorf("%w %q", aggregator.ErrUnknownCampaign, r.PathValue("name")))
	}
	return c
}

// defaultDay is the day a campaign's page, and its API without ?day=, show:
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
func (h *handler) defaultDay(c *store.Campaign) (string, error) {
	today := c.Day(h.now())
	dated := c.From != "" || c.To != ""
	if c.InWindow(today) && dated {
		return today, nil
	}
	if c.From != "" && today < c.From {
		return today, nil // not begun
	}
	if !dated {
		d, _ := time.Parse(store.DayLayout, today)
		yesterday := d.AddDate(0, 0, -1).Format(store.DayLayout)
		recent, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByDay}, From: yesterday, To: today})
		if err != nil {
			return "", err
		}
		for _, r := range recent {
			if r.Posts > 0 {
				return today, nil
			}
		}
	}
	rows, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByDay}, To: c.To})
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

// dayParam reads ?day=, defaulting to the campaign's default day.
func (h *handler) dayParam(r *http.Request, c *store.Campaign) (string, error) {
	day := r.URL.Query().Get("day")
	if day == "" {
		return h.defaultDay(c)
	}
	if err := checkDay("day", day); err != nil {
		return "", err
	}
	return day, nil
}

// The days a request may name. Answers reach a day to either side (the
// headline's day before) and the UTC hours of the day's edges in any zone;
// within these bounds all of them are dates with four-digit years, which
// the rollups' keys and their ordering rely on. (Year 0 came back as
// "-0001-12-31", a day nobody had asked for.)
const (
	minDay = "1900-01-01"
	maxDay = "9998-12-31"
)

// checkDay validates the value v of query parameter name as a day the API
// answers for; the error names the parameter and the value as given.
func checkDay(name, v string) error {
	if _, err := time.Parse(store.DayLayout, v); err != nil {
		return fmt.Errorf("%w: %s %q is not a day (YYYY-MM-DD)", aggregator.ErrBadQuery, name, v)
	}
	// A parsed day is YYYY-MM-DD unless its year is signed ("-001", "+999"),
	// and those sort before minDay: comparing the text is enough.
	if v < minDay || v > maxDay {
		return fmt.Errorf("%w: %s %q is outside the days tagpulse answers for (%s to %s)", aggregator.ErrBadQuery, name, v, minDay, maxDay)
	}
	return nil
}

// campaignDay reads a request's campaign and ?day=, answering the error
// itself when either is wrong.
func (h *handler) campaignDay(w http.ResponseWriter, r *http.Request) (*store.Campaign, string, bool) {
	c := h.campaignOr404(w, r)
	if c == nil {
		return nil, "", false
	}
	day, err := h.dayParam(r, c)
	if err != nil {
		h.httpError(w, r, err)
		return nil, "", false
	}
	return c, day, true
}

func (h *handler) headline(c *store.Campaign, day string) (headline, error) {
	now := h.now()
	d, _ := time.Parse(store.DayLayout, day)
	prev := d.AddDate(0, 0, -1).Format(store.DayLayout)
	hl := headline{Day: day, IsToday: day == c.Day(now), PreviousDay: prev}
	days, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByDay}, From: prev, To: day})
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
	byCountry, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByDay, aggregator.ByCountry}, From: prev, To: day})
	if err != nil {
		return hl, err
	}
	hl.ByCountry = []aggregator.Row{}
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
		st, err := h.sameTime(c, prev, now.Add(-24*time.Hour))
		if err != nil {
			return hl, err
		}
		hl.SameTimeYesterday = st
	}
	return hl, nil
}

// sameTime adds up yesterday's hours up to and including the hour that
// holds at (today's current hour is counted too, so both sides include
// their current hour).
func (h *handler) sameTime(c *store.Campaign, day string, at time.Time) (*sameTime, error) {
	until := c.HourStart(at).Add(time.Hour)
	st := &sameTime{Until: until.In(c.Loc())}
	var err error
	if st.Participants, st.Reach, err = h.agg.SoFar(c.Name, day, until); err != nil {
		return nil, err
	}
	hours, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByHour, aggregator.ByCountry}, From: day, To: day})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range hours {
		t, err := time.Parse(time.RFC3339, r.Hour)
		if err != nil || !t.Before(until) {
			continue
		}
		st.Posts += r.Posts
		if r.Country != store.UnknownCountry && r.Posts > 0 && !seen[r.Country] {
			seen[r.Country] = true
			st.Countries++
		}
	}
	return st, nil
}

func (h *handler) showHeadline(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	c, day, ok := h.campaignDay(w, r)
	if !ok {
		return
	}
	hl, err := h.headline(c, day)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	writeJSON(w, hl)
}

// crossCheck is, for one source and day, what the platform says it holds
// against what tagpulse collected, over the hours the platform counted.
type crossCheck struct {
	Source    string `json:"source"`
	Hours     int    `json:"hours"`
	Platform  int64  `json:"platform"`
	Collected int64  `json:"collected"`
}

func (h *handler) showCrossCheck(w http.ResponseWriter, r *http.Request) {
	format, ok := h.format(w, r, "json", "csv")
	if !ok {
		return
	}
	c, day, ok := h.campaignDay(w, r)
	if !ok {
		return
	}
	start, err := c.DayStart(day)
	if err != nil {
		h.httpError(w, r, fmt.Errorf("%w: %v", aggregator.ErrBadQuery, err))
		return
	}
	end := time.Date(start.Year(), start.Month(), start.Day()+1, 0, 0, 0, 0, c.Loc())
	// Platforms count by UTC hour: compare the day's whole UTC hours.
	from, to := store.WholeUTCHours(start, end)
	out := []crossCheck{}
	for _, src := range store.Sources {
		counts, err := h.agg.DB().PlatformCounts(c.Name, src, from, to)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		if len(counts) == 0 {
			continue
		}
		held, err := h.agg.UTCHours(c.Name, src, from, to)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		cc := crossCheck{Source: src, Hours: len(counts)}
		for hour, n := range counts {
			cc.Platform += n
			cc.Collected += held[hour]
		}
		out = append(out, cc)
	}
	if format == "csv" {
		csvHeaders(w, c.Name+"-crosscheck-"+day)
		cw := NewCSVWriter(w)
		cw.Write([]string{"source", "hours", "platform", "collected"})
		for _, x := range out {
			cw.Write([]string{x.Source, strconv.Itoa(x.Hours), strconv.FormatInt(x.Platform, 10), strconv.FormatInt(x.Collected, 10)})
		}
		cw.Flush()
		return
	}
	writeJSON(w, map[string]any{"day": day, "sources": out})
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
}

// writeTopCSV writes one of a day's top lists as CSV.
func writeTopCSV(w http.ResponseWriter, name, day, list string, posts []store.TopPost, parts []store.TopParticipant) {
	csvHeaders(w, name+"-top-"+list+"-"+day)
	cw := NewCSVWriter(w)
	if list == "participants" {
		cw.Write([]string{"rank", "author", "handle", "posts", "followers"})
		for i, p := range parts {
			cw.Write([]string{strconv.Itoa(i + 1), p.Author, p.Handle, strconv.FormatInt(p.Posts, 10), strconv.FormatInt(p.Followers, 10)})
		}
	} else {
		cw.Write([]string{"rank", "platform", "id", "url", "kind", "author", "country", "created_at", "engagement", "text"})
		for i, p := range posts {
			cw.Write([]string{strconv.Itoa(i + 1), p.Platform, p.ID, p.URL, string(p.Kind), p.Author, p.Country, p.CreatedAt.UTC().Format(time.RFC3339), strconv.FormatInt(p.Engagement, 10), p.Text})
		}
	}
	cw.Flush()
}

// topCountries returns the n known countries with most posts, ZZ apart.
func topCountries(rows []aggregator.Row, n int) []aggregator.Row {
	var out []aggregator.Row
	for _, r := range rows {
		if r.Country != store.UnknownCountry && r.Posts > 0 {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b aggregator.Row) int { return cmp.Compare(b.Posts, a.Posts) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
