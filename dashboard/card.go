package dashboard

import (
	"bytes"
	"net/http"
	"strings"
)

type cardFigure struct {
	X            int
	Value, Label string
}

type cardCountry struct {
	BarX, Y, W, TextX, TextY int
	Label                    string
}

// cardData is the share card laid out for one language: positions are
// mirrored for right-to-left languages so the card reads from the right.
type cardData struct {
	L                 *locale
	X0                int
	Anchor            string
	Title, Tags, Date string
	Figures           []cardFigure
	Countries         []cardCountry
	Unknown, Footer   string
}

// showCard serves /api/v1/campaigns/{name}/card.svg?day=&lang=: a day's
// figures as a 1200×630 SVG for social media, in the asked language.
func (h *handler) showCard(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "svg"); !ok {
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
	l := h.locales[requestLang(r)]
	rtl := l.Dir == "rtl"
	pos := func(x int) int {
		if rtl {
			return 1200 - x
		}
		return x
	}
	d := cardData{L: l, X0: pos(60), Anchor: "start", Date: l.Date(day), Footer: l.T("card.footer"),
		Unknown: l.T("card.unknown", "share", l.Percent(hl.UnknownShare))}
	d.Title = cmpOr(c.Title, c.Name)
	var tags []string
	for _, t := range c.Hashtags {
		tags = append(tags, "\u2068#"+t+"\u2069") // isolated, so mixed scripts keep their order
	}
	d.Tags = strings.Join(tags, "  ")
	for i, f := range []struct {
		v   int64
		key string
	}{{hl.Figures.Posts, "fig.posts"}, {hl.Figures.Participants, "fig.participants"}, {hl.Figures.Reach, "fig.reach"}, {int64(hl.Countries), "fig.countries"}} {
		d.Figures = append(d.Figures, cardFigure{X: pos(60 + 280*i), Value: l.Number(f.v), Label: l.T(f.key)})
	}
	top := topCountries(hl.ByCountry, 5)
	var maxPosts int64 = 1
	for _, t := range top {
		maxPosts = max(maxPosts, t.Posts)
	}
	for i, t := range top {
		wdt := int(500 * t.Posts / maxPosts)
		y := 385 + 34*i
		cc := cardCountry{Y: y, W: max(wdt, 2), TextY: y + 21, Label: l.Country(t.Country) + "  " + l.Number(t.Posts)}
		if rtl {
			cc.BarX, cc.TextX = 1200-60-cc.W, 1200-60-cc.W-16
		} else {
			cc.BarX, cc.TextX = 60, 60+cc.W+16
		}
		d.Countries = append(d.Countries, cc)
	}
	var buf bytes.Buffer
	if err := h.pages.card.ExecuteTemplate(&buf, "card", d); err != nil {
		h.httpError(w, r, err)
		return
	}
	rendered.Store("card.svg", true)
	w.Header().Set("Content-Type", "image/svg+xml; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="`+c.Name+"-"+day+"-"+l.Lang+`.svg"`)
	w.Header().Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
