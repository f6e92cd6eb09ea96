package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/internal/buildinfo"
	"github.com/tagpulse/tagpulse/store"
)

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	lag, err := h.agg.Lag()
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	// Figures that cannot move are not healthy, whatever else works.
	if err := h.agg.Err(); err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"status": "error", "aggregator_lag_posts": lag, "aggregator_error": err.Error()})
		return
	}
	writeJSON(w, map[string]any{"status": "ok", "aggregator_lag_posts": lag, "version": buildinfo.Get().Version, "source": buildinfo.Source()})
}

// campaignView is a campaign as the API and the pages show it.
type campaignView struct {
	store.Campaign
	Today      string // the current campaign day
	DefaultDay string // the day the page and the API open on (aggregator.DefaultDay)
	Totals     store.Figures
}

func viewOf(o aggregator.Overview) campaignView {
	return campaignView{Campaign: o.Campaign, Today: o.Today, DefaultDay: o.DefaultDay, Totals: o.Totals}
}

// MarshalJSON writes every field the docs list, always: a campaign without
// a window has "from": null and "to": null, so clients need not guess
// whether a missing key means "unset" or "old server".
func (v campaignView) MarshalJSON() ([]byte, error) {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	c := &v.Campaign
	hashtags := c.Hashtags
	if hashtags == nil {
		hashtags = []string{}
	}
	return json.Marshal(struct {
		Name       string        `json:"name"`
		Title      string        `json:"title"`
		Hashtags   []string      `json:"hashtags"`
		Timezone   string        `json:"timezone"`
		From       *string       `json:"from"`
		To         *string       `json:"to"`
		Today      string        `json:"today"`
		DefaultDay string        `json:"default_day"`
		Totals     store.Figures `json:"totals"`
	}{c.Name, c.Title, hashtags, c.Timezone, opt(c.From), opt(c.To), v.Today, v.DefaultDay, v.Totals})
}

func (h *handler) listCampaigns(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	all, err := h.agg.Overviews()
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	out := make([]campaignView, len(all))
	for i, o := range all {
		out[i] = viewOf(o)
	}
	writeJSON(w, out)
}

func (h *handler) showCampaign(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	o, err := h.agg.Overview(r.PathValue("name"))
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	writeJSON(w, viewOf(o))
}

// report serves /totals, /days and /hours: ?by= adds one dimension,
// ?from=&to= (campaign days) bound days, ?day= picks one day (hours without
// day, from or to are the default day's), ?format=csv gives CSV with the
// same column names as `tagpulse report`.
func (h *handler) report(timeKey string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format, ok := h.format(w, r, "json", "csv")
		if !ok {
			return
		}
		query, err := parseReport(r, timeKey)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		rows, err := h.agg.Report(query)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		q := r.URL.Query()
		by := query.By
		if format == "csv" {
			name := query.Campaign + "-" + timeKey
			if timeKey == "" {
				name = query.Campaign + "-totals"
			}
			if by := q.Get("by"); by != "" {
				name += "-" + by
			}
			csvHeaders(w, name)
			WriteCSV(w, by, rows)
			return
		}
		if rows == nil {
			rows = []aggregator.Row{}
		}
		writeJSON(w, rows)
	}
}

// days serves /days: the report by day, or with ?zone= (an IANA zone, the
// viewer's) the posts per day in that zone from the hour rollup, the day
// chart a viewer in another zone reads (JSON; participants and reach are
// distinct counts per campaign day and are not given).
func (h *handler) days(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("zone")
	if name == "" {
		h.report(aggregator.ByDay)(w, r)
		return
	}
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	if q.Get("by") != "" {
		h.httpError(w, r, fmt.Errorf("%w: by= and zone= together: a day in another zone has posts only, not a breakdown", aggregator.ErrBadQuery))
		return
	}
	loc, err := loadZone(name)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	from, to := q.Get("from"), q.Get("to")
	if d := q.Get("day"); d != "" {
		from, to = d, d
	}
	rows, err := h.agg.DaysIn(r.PathValue("name"), loc, from, to)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	writeJSON(w, rows)
}

// loadZone loads a zone a viewer's browser names: an IANA name, not a
// path or "Local" (which would be the server's zone).
func loadZone(name string) (*time.Location, error) {
	if name == "Local" || strings.ContainsAny(name, `\`) || strings.Contains(name, "..") || len(name) > 64 {
		return nil, fmt.Errorf("%w: zone %q is not an IANA time zone name", aggregator.ErrBadQuery, name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: zone %q is not an IANA time zone name", aggregator.ErrBadQuery, name)
	}
	return loc, nil
}

// parseReport reads a /totals, /days or /hours request: by= is one
// dimension (the endpoint itself says day or hour), day= stands for
// from=day&to=day, and /hours without any of them is the default day's.
func parseReport(r *http.Request, timeKey string) (aggregator.Query, error) {
	q := r.URL.Query()
	dims := aggregator.Dimensions(timeKey)
	dim := strings.TrimSpace(q.Get("by"))
	if dim != "" && !slices.Contains(dims, dim) {
		return aggregator.Query{}, &badParam{name: "by", value: dim, allowed: dims}
	}
	by := timeKey
	if dim != "" {
		by = strings.TrimPrefix(by+","+dim, ",")
	}
	for _, p := range []string{"day", "from", "to"} {
		if v := q.Get(p); v != "" {
			if err := aggregator.CheckDay(p, v); err != nil {
				return aggregator.Query{}, err
			}
		}
	}
	from, to := q.Get("from"), q.Get("to")
	if d := q.Get("day"); d != "" {
		from, to = d, d
	}
	query, err := aggregator.ParseQuery(r.PathValue("name"), by, from, to)
	query.DefaultDay = timeKey == aggregator.ByHour
	return query, err
}

// showTop serves a day's top posts and participants; ?list= picks one of
// them for the CSV (posts when absent; JSON has both).
func (h *handler) showTop(w http.ResponseWriter, r *http.Request) {
	format, ok := h.format(w, r, "json", "csv")
	if !ok {
		return
	}
	list, ok := h.param(w, r, "list", "posts", "posts", "participants", "loudest", "new_voices")
	if !ok {
		return
	}
	name := r.PathValue("name")
	top, err := h.agg.Top(name, r.URL.Query().Get("day"))
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	if format == "csv" {
		writeTopCSV(w, name, list, top)
		return
	}
	writeJSON(w, top)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.Encode(v)
}

// WriteCSV writes report rows as CSV: the group keys, then every figure,
// through CSVWriter (a language tag or other value that would start a
// formula gets an apostrophe; figures stay numbers).
// `tagpulse report -format csv` and the API share it.
func WriteCSV(w interface{ Write([]byte) (int, error) }, by []string, rows []aggregator.Row) error {
	cw := NewCSVWriter(w)
	header := append(append([]string{}, by...), aggregator.FigureNames...)
	cw.Write(header)
	for i := range rows {
		rec := make([]string, 0, len(header))
		for _, k := range by {
			rec = append(rec, rows[i].Key(k))
		}
		for _, f := range aggregator.FigureNames {
			rec = append(rec, strconv.FormatInt(rows[i].Figure(f), 10))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return cw.Flush()
}
