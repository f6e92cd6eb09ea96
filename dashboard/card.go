package dashboard

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"unicode"
)

type cardFigure struct {
	X                    int
	Value, Label         string
	ValueSize, LabelSize int
	ValueY, LabelY       int
}

// cardLine is one line of text on the card.
type cardLine struct {
	Y, Size int
	Text    string
}

type cardCountry struct {
	BarX, Y, W, TextX, TextY int
	Label                    string
}

// cardData is the share card laid out for one language: positions are
// mirrored for right-to-left languages so the card reads from the right.
type cardData struct {
	L          *locale
	X0         int
	Anchor     string
	Title      []cardLine
	Tags, Date cardLine
	Figures    []cardFigure
	Countries  []cardCountry
	Bottom     cardLine
}

// The card is 1200×630 with 60 px margins: text may take 1080 px.
const (
	cardWidth  = 1200
	cardMargin = 60
	cardText   = cardWidth - 2*cardMargin
)

// showCard serves /api/v1/campaigns/{name}/card.svg?day=&lang=: a day's
// figures as a 1200×630 SVG for social media, in the asked language.
func (h *handler) showCard(w http.ResponseWriter, r *http.Request) { h.card(w, r, "svg") }

// showCardPNG serves card.png: the same card drawn as a PNG (card_png.go),
// for the platforms that take no SVG.
func (h *handler) showCardPNG(w http.ResponseWriter, r *http.Request) { h.card(w, r, "png") }

// card lays out a day's share card and writes it as kind, svg or png.
func (h *handler) card(w http.ResponseWriter, r *http.Request, kind string) {
	if _, ok := h.format(w, r, kind); !ok {
		return
	}
	hl, err := h.agg.Headline(r.PathValue("name"), r.URL.Query().Get("day"))
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	c, day := h.agg.Campaign(r.PathValue("name")), hl.Day
	l := h.locales[requestLang(r)]
	rtl := l.Dir == "rtl"
	pos := func(x int) int {
		if rtl {
			return 1200 - x
		}
		return x
	}
	d := cardData{L: l, X0: pos(cardMargin), Anchor: "start"}
	// The title takes one line at 50 px, or two at up to 40 px, the second
	// cut with an ellipsis when even 36 px is not small enough.
	title := cmpOr(c.Title, c.Name)
	tagsY, dateY := 146, 196
	if textWidth(title, 50, true) <= cardText {
		d.Title = []cardLine{{Y: 92, Size: 50, Text: title}}
	} else {
		size := 40
		for size > 36 && len(wrapText(title, float64(size), true, cardText)) > 2 {
			size -= 2
		}
		lines := wrapText(title, float64(size), true, cardText)
		if len(lines) > 2 {
			lines = []string{lines[0], ellipsize(strings.Join(lines[1:], " "), float64(size), true, cardText)}
		}
		// Lines 1.38 em apart: Noto Sans's ascent and descent, so their
		// boxes do not overlap.
		d.Title = []cardLine{{Y: 58, Size: size, Text: lines[0]}}
		if len(lines) > 1 {
			d.Title = append(d.Title, cardLine{Y: 58 + size*138/100, Size: size, Text: lines[1]})
		}
		tagsY, dateY = 160, 204
	}
	var tags []string
	for _, t := range c.Hashtags {
		tags = append(tags, "\u2068#"+t+"\u2069") // isolated, so mixed scripts keep their order
	}
	d.Tags = cardLine{Y: tagsY, Size: 30, Text: ellipsize(strings.Join(tags, "  "), 30, false, cardText)}
	d.Date = cardLine{Y: dateY, Size: 30, Text: l.Date(day)}
	d.Figures = layoutFigures(l, pos, []struct {
		v   int64
		key string
	}{{hl.Figures.Posts, "fig.posts"}, {hl.Figures.Participants, "fig.participants"}, {hl.Figures.Reach, "fig.reach"}, {int64(hl.Countries), "fig.countries"}})
	top := topCountries(hl.ByCountry, 5)
	var maxPosts int64 = 1
	for _, t := range top {
		maxPosts = max(maxPosts, t.Posts)
	}
	for i, t := range top {
		wdt := int(500 * t.Posts / maxPosts)
		y := 385 + 34*i
		cc := cardCountry{Y: y, W: max(wdt, 2), TextY: y + 21}
		cc.Label = ellipsize(l.Country(t.Country), 24, false, float64(cardText-cc.W-16)-textWidth("  "+l.Number(t.Posts), 24, false)) + "  " + l.Number(t.Posts)
		if rtl {
			cc.BarX, cc.TextX = 1200-60-cc.W, 1200-60-cc.W-16
		} else {
			cc.BarX, cc.TextX = 60, 60+cc.W+16
		}
		d.Countries = append(d.Countries, cc)
	}
	bottom := l.T("card.unknown", "share", l.Percent(hl.UnknownShare)) + " · " + l.T("card.footer")
	d.Bottom = cardLine{Y: 575, Size: fitSize(bottom, 22, 16, false, cardText)}
	d.Bottom.Text = ellipsize(bottom, float64(d.Bottom.Size), false, cardText)
	if kind == "png" {
		b, err := renderCardPNG(d)
		if err != nil {
			h.httpError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Disposition", `inline; filename="`+c.Name+"-"+day+"-"+l.Lang+`.png"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(b)
		return
	}
	var buf bytes.Buffer
	if err := h.pages.card.ExecuteTemplate(&buf, "card", d); err != nil {
		h.httpError(w, r, err)
		return
	}
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

// layoutFigures places the card's four figures, a number over its label,
// from the start edge: in columns 280 px apart while each fits in 240 px,
// else side by side with equal gaps of at least 40 px, their type made
// smaller until they fit in the card's width.
func layoutFigures(l *locale, pos func(int) int, figs []struct {
	v   int64
	key string
}) []cardFigure {
	const gap = 40
	out := make([]cardFigure, len(figs))
	widths := func(scale float64) ([]float64, float64) {
		ws := make([]float64, len(out))
		sum := 0.0
		for i, f := range out {
			ws[i] = max(textWidth(f.Value, 56*scale, true), textWidth(f.Label, 26*scale, false))
			sum += ws[i]
		}
		return ws, sum
	}
	for i, f := range figs {
		out[i] = cardFigure{Value: l.Number(f.v), Label: l.T(f.key)}
	}
	scale := 1.0
	ws, sum := widths(scale)
	if room := float64(cardText - gap*(len(out)-1)); sum > room {
		scale = max(0.5, room/sum)
		ws, sum = widths(scale)
	}
	step := 0.0 // the fixed columns, when every figure fits in one
	if slices.Max(ws) <= 280-gap {
		step = 280
	}
	space := max(gap, (float64(cardText)-sum)/float64(len(out)-1))
	x := float64(cardMargin)
	for i := range out {
		out[i].X = pos(int(x))
		out[i].ValueSize, out[i].LabelSize = int(56*scale), int(26*scale)
		out[i].ValueY, out[i].LabelY = 300, 300+int(42*scale)
		if step > 0 {
			x += step
		} else {
			x += ws[i] + space
		}
	}
	return out
}

// textWidth estimates how wide s is drawn at size px, from the advances of
// DejaVu Sans, the widest of the card's fonts (Noto Sans is narrower), so
// text measured to fit does fit whichever of them the viewer has.
func textWidth(s string, size float64, bold bool) float64 {
	em := 0.0
	for _, r := range s {
		em += advance(r)
	}
	if bold {
		em *= 1.1
	}
	return em * size
}

// advance is a character's width in em, by class.
func advance(r rune) float64 {
	switch {
	case r == '\u2068' || r == '\u2069' || r == '\u200f' || r == '\u200e' || r == '\u061c' || r == '\u200c' || r == '\u200d':
		return 0 // bidi and joining controls
	case r >= 0x064b && r <= 0x065f || r == 0x0670 || unicode.Is(unicode.Mn, r):
		return 0 // combining marks, Arabic vowels
	case r == ' ' || r == '\u00a0' || r == '\u202f':
		return 0.32
	case strings.ContainsRune(".,:;'|!ijlI·", r):
		return 0.34
	case strings.ContainsRune("ftr()[]-", r):
		return 0.45
	case r >= '0' && r <= '9' || r >= 0x0660 && r <= 0x0669:
		return 0.64
	case strings.ContainsRune("mwMW@%—…", r):
		return 1.0
	case r == '#':
		return 0.84
	case unicode.IsUpper(r):
		return 0.78
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return 1.0
	case unicode.In(r, unicode.Arabic):
		return 0.62
	default:
		return 0.64
	}
}

// fitSize is the largest size from size down to least at which s fits in
// width, or least.
func fitSize(s string, size, least int, bold bool, width float64) int {
	for size > least && textWidth(s, float64(size), bold) > width {
		size--
	}
	return size
}

// ellipsize cuts s to fit in width at size, ending it with an ellipsis,
// at the end of a word when that keeps two thirds of it.
func ellipsize(s string, size float64, bold bool, width float64) string {
	if textWidth(s, size, bold) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && textWidth(string(rs)+"…", size, bold) > width {
		rs = rs[:len(rs)-1]
	}
	// Cut at a word's end when that keeps most of the line.
	if i := strings.LastIndexFunc(string(rs), unicode.IsSpace); len(rs) < len([]rune(s)) && !unicode.IsSpace([]rune(s)[len(rs)]) && i > len(string(rs))*2/3 {
		rs = []rune(string(rs)[:i])
	}
	return strings.TrimRightFunc(string(rs), unicode.IsSpace) + "…"
}

// wrapText breaks s into lines of whole words that fit in width at size; a
// word wider than a line has a line of its own, cut with an ellipsis.
func wrapText(s string, size float64, bold bool, width float64) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && textWidth(line+" "+w, size, bold) <= width {
			line += " " + w
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = ellipsize(w, size, bold, width)
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
