package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// pages holds the parsed templates; parsed once, at start.
type pages struct {
	index, campaign *template.Template
}

func parsePages() (*pages, error) {
	p := &pages{}
	var err error
	if p.index, err = template.ParseFS(templateFiles, "templates/layout.html", "templates/index.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	if p.campaign, err = template.ParseFS(templateFiles, "templates/layout.html", "templates/campaign.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	return p, nil
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.httpError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

func (h *handler) showIndex(w http.ResponseWriter, r *http.Request) {
	cs := h.agg.Campaigns()
	if len(cs) == 1 {
		http.Redirect(w, r, "/c/"+cs[0].Name, http.StatusFound)
		return
	}
	var views []campaignView
	for _, c := range cs {
		v, err := h.campaignView(c)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		views = append(views, v)
	}
	h.render(w, r, h.pages.index, map[string]any{"Title": "tagpulse", "Campaigns": views})
}

func (h *handler) showCampaignPage(w http.ResponseWriter, r *http.Request) {
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
	today, err := h.agg.Report(aggregator.Query{Campaign: c.Name, By: []string{aggregator.ByDay}, From: v.Today, To: v.Today})
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	var todayFig store.Figures
	if len(today) > 0 {
		todayFig = today[0].Figures
	}
	h.render(w, r, h.pages.campaign, map[string]any{"Title": v.Title, "C": v, "Today": todayFig})
}
