package dashboard

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

func (h *handler) showHeadline(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	name := r.PathValue("name")
	hl, err := h.agg.Headline(name, r.URL.Query().Get("day"))
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	var health []store.SourceHealth
	if h.sources != nil {
		health = h.sources(name)
	}
	_, public := publicCampaign(r)
	writeJSON(w, headlineView{hl, collectionOf(health, public)})
}

// headlineView is the headline with the campaign's collection state.
type headlineView struct {
	aggregator.Headline
	Collection *Collection `json:"collection"`
}

func (h *handler) showCrossCheck(w http.ResponseWriter, r *http.Request) {
	format, ok := h.format(w, r, "json", "csv")
	if !ok {
		return
	}
	name := r.PathValue("name")
	day, out, err := h.agg.CrossCheck(name, r.URL.Query().Get("day"))
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	if format == "csv" {
		csvHeaders(w, name+"-crosscheck-"+day)
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
func writeTopCSV(w http.ResponseWriter, name, list string, top aggregator.Top) {
	csvHeaders(w, name+"-top-"+list+"-"+top.Day)
	cw := NewCSVWriter(w)
	voices := func(l []aggregator.Voice) {
		cw.Write([]string{"rank", "author", "handle", "posts", "followers", "reach_share"})
		for i, p := range l {
			cw.Write([]string{strconv.Itoa(i + 1), p.Author, p.Handle, strconv.FormatInt(p.Posts, 10), strconv.FormatInt(p.Followers, 10), strconv.FormatFloat(p.ReachShare, 'f', 4, 64)})
		}
	}
	switch list {
	case "participants":
		cw.Write([]string{"rank", "author", "handle", "posts", "followers"})
		for i, p := range top.Participants {
			cw.Write([]string{strconv.Itoa(i + 1), p.Author, p.Handle, strconv.FormatInt(p.Posts, 10), strconv.FormatInt(p.Followers, 10)})
		}
	case "loudest":
		voices(top.Loudest)
	case "new_voices":
		voices(top.NewVoices)
	default:
		cw.Write([]string{"rank", "platform", "id", "url", "kind", "author", "country", "created_at", "engagement", "text"})
		for i, p := range top.Posts {
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
