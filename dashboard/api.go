package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tagpulse/tagpulse/aggregator"
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
	writeJSON(w, map[string]any{"status": "ok", "aggregator_lag_posts": lag})
}

// campaignView is a campaign as the API shows it.
type campaignView struct {
	store.Campaign
	Today      string // the current campaign day
	DefaultDay string // the day the page and the API open on (defaultDay)
	Totals     store.Figures
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
	hashtags := v.Hashtags
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
	}{v.Name, v.Title, hashtags, v.Timezone, opt(v.From), opt(v.To), v.Today, v.DefaultDay, v.Totals})
}

func (h *handler) campaignView(c store.Campaign) (campaignView, error) {
	tot, err := h.agg.Totals(c.Name)
	if err != nil {
		return campaignView{}, err
	}
	def, err := h.defaultDay(&c)
	return campaignView{Campaign: c, Today: c.Day(h.now()), DefaultDay: def, Totals: tot}, err
}

func (h *handler) listCampaigns(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	out := []campaignView{}
	for _, c := range h.agg.Campaigns() {
		v, err := h.campaignView(c)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, out)
}

func (h *handler) showCampaign(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	c := h.agg.Campaign(r.PathValue("name"))
	if c == nil {
		h.httpError(w, r, fmt.Errorf("%w %q", aggregator.ErrUnknownCampaign, r.PathValue("name")))
		return
	}
	v, err := h.campaignView(*c)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	writeJSON(w, v)
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
		q := r.URL.Query()
		// by= is one dimension: the endpoint itself says day or hour, and
		// source_kind exists for campaign totals only.
		dims := []string{aggregator.ByCountry, aggregator.BySource, aggregator.ByKind, aggregator.ByLang, aggregator.ByMethod}
		if timeKey == "" {
			dims = append(dims, aggregator.BySourceKind)
		}
		dim := strings.TrimSpace(q.Get("by"))
		if dim != "" && !slices.Contains(dims, dim) {
			h.httpError(w, r, &badParam{name: "by", value: dim, allowed: dims})
			return
		}
		var by []string
		if timeKey != "" {
			by = append(by, timeKey)
		}
		if dim != "" {
			by = append(by, dim)
		}
		for _, p := range []string{"day", "from", "to"} {
			if v := q.Get(p); v != "" {
				if err := checkDay(p, v); err != nil {
					h.httpError(w, r, err)
					return
				}
			}
		}
		query := aggregator.Query{Campaign: r.PathValue("name"), By: by, From: q.Get("from"), To: q.Get("to")}
		if d := q.Get("day"); d != "" {
			query.From, query.To = d, d
		} else if timeKey == aggregator.ByHour && query.From == "" && query.To == "" {
			c := h.campaignOr404(w, r)
			if c == nil {
				return
			}
			day, err := h.defaultDay(c)
			if err != nil {
				h.httpError(w, r, err)
				return
			}
			query.From, query.To = day, day
		}
		rows, err := h.agg.Report(query)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
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

// showTop serves a day's top posts and participants; ?list= picks one of
// them for the CSV (posts when absent; JSON has both).
func (h *handler) showTop(w http.ResponseWriter, r *http.Request) {
	format, ok := h.format(w, r, "json", "csv")
	if !ok {
		return
	}
	list, ok := h.param(w, r, "list", "posts", "posts", "participants")
	if !ok {
		return
	}
	c, day, ok := h.campaignDay(w, r)
	if !ok {
		return
	}
	name := c.Name
	posts, parts, err := h.agg.Top(name, day)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	if format == "csv" {
		writeTopCSV(w, name, day, list, posts, parts)
		return
	}
	if posts == nil {
		posts = []store.TopPost{}
	}
	if parts == nil {
		parts = []store.TopParticipant{}
	}
	writeJSON(w, map[string]any{"day": day, "posts": posts, "participants": parts})
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
