package dashboard

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/tagpulse/tagpulse/internal/buildinfo"
	"github.com/tagpulse/tagpulse/store"
)

// pages holds the parsed templates; parsed once, at start.
type pages struct {
	index, campaign, notFound, signIn, card *template.Template
}

// funcs are the templates' helpers; they hold no state.
var funcs = template.FuncMap{"list": func(s ...string) []string { return s }, "asset": assetURL, "source": buildinfo.Source}

func parsePages() (*pages, error) {
	p := &pages{}
	var err error
	if p.index, err = template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/index.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	if p.campaign, err = template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/campaign.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	if p.notFound, err = template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/error.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	if p.signIn, err = template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/signin.html"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	if p.card, err = template.ParseFS(templateFiles, "templates/card.svg"); err != nil {
		return nil, fmt.Errorf("dashboard templates: %w", err)
	}
	return p, nil
}

// langLink is one entry of the language switcher.
type langLink struct {
	Code, Name, Dir string
	Current         bool
}

// pageData is what every page template gets.
type pageData struct {
	L     *locale
	Title string
	Langs []langLink
	// Index page.
	Campaigns []campaignView
	// Campaign page.
	C       campaignView
	API     string // base of the campaign's API (public links have their own)
	Events  string
	Sources string
	Public  bool   // the read-only public view
	Link    string // the campaign's public link, when configured (not shown on it)
	Others  []store.Campaign
	Day     string // the day the page opens on (defaultDay), formatted
	IsToday bool   // whether that day is the campaign's today
	// Sign-in page.
	Wrong bool // the token given was not the right one
}

// signIn answers a browser that the dashboard's access does not let in:
// a 401 with a page, in the dashboard's look and the visitor's language,
// that asks for the token.
func (h *handler) signIn(w http.ResponseWriter, r *http.Request, wrong bool) {
	d := h.newPage(w, r, "")
	d.Title = d.L.T("signin.title")
	d.Wrong = wrong
	h.renderStatus(w, r, http.StatusUnauthorized, h.pages.signIn, d)
}

func (h *handler) newPage(w http.ResponseWriter, r *http.Request, title string) pageData {
	l := h.locales[negotiate(w, r)]
	d := pageData{L: l, Title: title}
	for _, code := range Languages {
		o := h.locales[code]
		d.Langs = append(d.Langs, langLink{Code: code, Name: o.T("lang.name"), Dir: o.Dir, Current: code == l.Lang})
	}
	return d
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, t *template.Template, data any) {
	h.renderStatus(w, r, http.StatusOK, t, data)
}

func (h *handler) renderStatus(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.httpError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func (h *handler) showIndex(w http.ResponseWriter, r *http.Request) {
	cs := h.agg.Campaigns()
	if len(cs) == 1 {
		// The query goes along: /?lang=ar opens the campaign in Arabic.
		target := "/c/" + url.PathEscape(cs[0].Name)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	d := h.newPage(w, r, "")
	all, err := h.agg.Overviews()
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	for _, o := range all {
		d.Campaigns = append(d.Campaigns, viewOf(o))
	}
	h.render(w, r, h.pages.index, d)
}

func (h *handler) showCampaignPage(w http.ResponseWriter, r *http.Request) {
	h.campaignPage(w, r, r.PathValue("name"), "")
}

// campaignPage renders a campaign's page; secret is set for the public
// read-only view, whose API calls go through the public link.
func (h *handler) campaignPage(w http.ResponseWriter, r *http.Request, name, secret string) {
	c := h.agg.Campaign(name)
	if c == nil {
		h.renderStatus(w, r, http.StatusNotFound, h.pages.notFound, h.newPage(w, r, ""))
		return
	}
	o, err := h.agg.Overview(name)
	v := viewOf(o)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	d := h.newPage(w, r, cmpOr(c.Title, c.Name))
	d.C = v
	d.Day, d.IsToday = d.L.Date(v.DefaultDay), v.DefaultDay == v.Today
	prefix := ""
	if secret != "" {
		prefix = "/p/" + secret
		d.Public = true
	} else {
		if s, ok := h.publicSecret(c.Name); ok {
			d.Link = "/p/" + s + "/"
		}
		for _, o := range h.agg.Campaigns() {
			if o.Name != c.Name {
				d.Others = append(d.Others, o)
			}
		}
	}
	d.API = prefix + "/api/v1/campaigns/" + c.Name
	d.Events = prefix + "/api/v1/events?campaign=" + url.QueryEscape(c.Name)
	d.Sources = prefix + "/api/v1/sources"
	h.render(w, r, h.pages.campaign, d)
}

// publicSecret returns the secret of a campaign's public link.
func (h *handler) publicSecret(campaign string) (string, bool) {
	for s, c := range h.public {
		if c == campaign {
			return s, true
		}
	}
	return "", false
}

// servePublic serves /p/{secret}/…: the campaign page read-only, and the
// parts of the API that page needs, for that campaign only.
func (h *handler) servePublic(w http.ResponseWriter, r *http.Request) {
	secret := r.PathValue("secret")
	campaign := ""
	for s, c := range h.public {
		if eq(s, secret) {
			campaign = c
		}
	}
	if campaign == "" {
		http.NotFound(w, r)
		return
	}
	rest := r.PathValue("rest")
	if rest == "" {
		h.campaignPage(w, r, campaign, secret)
		return
	}
	path := "/" + rest
	base := "/api/v1/campaigns/" + campaign
	if path != base && !strings.HasPrefix(path, base+"/") && path != "/api/v1/events" && path != "/api/v1/sources" {
		http.NotFound(w, r)
		return
	}
	r2 := withPublic(r.Clone(r.Context()), campaign)
	r2.URL.Path, r2.URL.RawPath = path, ""
	h.api.ServeHTTP(w, r2)
}
