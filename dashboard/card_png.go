package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"
	"sync"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// card.png is card.svg drawn by tagpulse itself, for the platforms that
// take no SVG (X, Instagram, WhatsApp). The same layout (cardData) is
// drawn with the same fonts the SVG names first, embedded here: subsets
// of Noto Sans and Noto Sans Arabic (dashboard/fonts, OFL, see NOTICE).
// Text is shaped by HarfBuzz's Go port (go-text/typesetting): Arabic
// letters take their joined forms, and runs are split by script and
// direction and laid out right to left where the Unicode bidi algorithm
// says so. Glyph outlines are filled with golang.org/x/image/vector.
// Characters of other scripts (Hebrew, CJK…) are not in the subsets and
// are drawn as the font's missing-glyph box.

//go:embed fonts/*.ttf
var fontFiles embed.FS

type cardFaces struct {
	latin, latinBold, arabic, arabicBold *font.Face
}

var loadCardFaces = sync.OnceValues(func() (*cardFaces, error) {
	face := func(name string) (*font.Face, error) {
		b, err := fontFiles.ReadFile("fonts/" + name)
		if err != nil {
			return nil, err
		}
		f, err := font.ParseTTF(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("font %s: %w", name, err)
		}
		return f, nil
	}
	var fs cardFaces
	var err error
	for _, x := range []struct {
		dst  **font.Face
		name string
	}{{&fs.latin, "NotoSans-Regular.ttf"}, {&fs.latinBold, "NotoSans-Bold.ttf"}, {&fs.arabic, "NotoSansArabic-Regular.ttf"}, {&fs.arabicBold, "NotoSansArabic-Bold.ttf"}} {
		if *x.dst, err = face(x.name); err != nil {
			return nil, err
		}
	}
	return &fs, nil
})

// fontmap picks Noto Sans Arabic for Arabic letters and Noto Sans for
// the rest, as the SVG's font-family list makes a browser do.
type fontmap struct{ latin, arabic *font.Face }

func (m fontmap) ResolveFace(r rune) *font.Face {
	if unicode.Is(unicode.Arabic, r) {
		return m.arabic
	}
	if _, ok := m.latin.NominalGlyph(r); ok {
		return m.latin
	}
	if _, ok := m.arabic.NominalGlyph(r); ok {
		return m.arabic
	}
	return m.latin
}

var (
	cardBackground = color.RGBA{0x0b, 0x3d, 0x24, 0xff}
	cardRed        = color.RGBA{0xc8, 0x10, 0x2e, 0xff}
	cardWhite      = color.RGBA{0xff, 0xff, 0xff, 0xff}
	cardPale       = color.RGBA{0xb9, 0xe4, 0xc9, 0xff}
	cardBar        = color.RGBA{0x3f, 0xa3, 0x6b, 0xff}
)

// cardPainter draws text onto the card.
type cardPainter struct {
	img    *image.RGBA
	faces  *cardFaces
	lang   language.Language
	rtl    bool // the card's direction: text-anchor "start" is its right edge
	seg    shaping.Segmenter
	shaper shaping.HarfbuzzShaper
	z      *vector.Rasterizer
}

// text draws s with its start at x (the left edge on a left-to-right card,
// the right edge on a right-to-left one) on baseline y, at size px. With
// plaintext the paragraph's direction is its first strong character's (as
// unicode-bidi="plaintext" does in the SVG), else the card's. It returns
// the horizontal extent of the advances drawn.
func (p *cardPainter) text(s string, x, y, size float64, bold, plaintext bool, col color.Color) (left, right float64) {
	// As SVG treats text by default (xml:space): newlines dropped, tabs as
	// spaces, spaces collapsed, none at either end; so the PNG shows what
	// browsers show of card.svg.
	s = strings.Join(strings.FieldsFunc(strings.ReplaceAll(s, "\n", ""), func(r rune) bool { return r == ' ' || r == '\t' }), " ")
	runes := []rune(s)
	if len(runes) == 0 {
		return x, x
	}
	fm := fontmap{p.faces.latin, p.faces.arabic}
	if bold {
		fm = fontmap{p.faces.latinBold, p.faces.arabicBold}
	}
	base := di.DirectionLTR
	if p.rtl {
		base = di.DirectionRTL
	}
	if plaintext {
		base = firstStrong(runes, base)
	}
	in := shaping.Input{Text: runes, RunStart: 0, RunEnd: len(runes), Direction: base, Size: fixed.Int26_6(size * 64), Language: p.lang}
	runs := p.seg.Split(in, fm)
	outs := make([]shaping.Output, len(runs))
	levels := make([]int, len(runs))
	width := 0.0
	for i, r := range runs {
		outs[i] = p.shaper.Shape(r)
		width += float64(outs[i].Advance) / 64
		switch {
		case base == di.DirectionLTR && r.Direction == di.DirectionRTL:
			levels[i] = 1
		case base == di.DirectionRTL && r.Direction == di.DirectionRTL:
			levels[i] = 1
		case base == di.DirectionRTL:
			levels[i] = 2
		}
	}
	order := visualOrder(levels)
	left = x
	if p.rtl {
		left = x - width
	}
	p.z.Reset(p.img.Bounds().Dx(), p.img.Bounds().Dy())
	pen := left
	for _, i := range order {
		out := outs[i]
		scale := size / float64(out.Face.Upem())
		for _, g := range out.Glyphs {
			gx, gy := pen+float64(g.XOffset)/64, y-float64(g.YOffset)/64
			if o, ok := out.Face.GlyphDataOutline(g.GlyphID); ok {
				p.outline(o, gx, gy, scale)
			}
			pen += float64(g.Advance) / 64
		}
	}
	p.z.Draw(p.img, p.img.Bounds(), image.NewUniform(col), image.Point{})
	return left, left + width
}

// outline adds a glyph's contours, in font units with y up, at (x, y).
func (p *cardPainter) outline(o font.GlyphOutline, x, y, scale float64) {
	pt := func(a font.SegmentPoint) (float32, float32) {
		return float32(x + float64(a.X)*scale), float32(y - float64(a.Y)*scale)
	}
	open := false
	for _, s := range o.Segments {
		switch s.Op {
		case ot.SegmentOpMoveTo:
			if open {
				p.z.ClosePath()
			}
			p.z.MoveTo(pt(s.Args[0]))
			open = true
		case ot.SegmentOpLineTo:
			p.z.LineTo(pt(s.Args[0]))
		case ot.SegmentOpQuadTo:
			bx, by := pt(s.Args[0])
			cx, cy := pt(s.Args[1])
			p.z.QuadTo(bx, by, cx, cy)
		case ot.SegmentOpCubeTo:
			bx, by := pt(s.Args[0])
			cx, cy := pt(s.Args[1])
			dx, dy := pt(s.Args[2])
			p.z.CubeTo(bx, by, cx, cy, dx, dy)
		}
	}
	if open {
		p.z.ClosePath()
	}
}

// firstStrong is the direction of the first letter with a strong
// direction in rs (Unicode's rule P2), def when there is none.
func firstStrong(rs []rune, def di.Direction) di.Direction {
	for _, r := range rs {
		switch {
		case r == '\u2068' || r == '\u2066' || r == '\u2067':
			// An isolate's content does not count (P2); skip to its end.
			continue
		case unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko):
			if unicode.IsLetter(r) {
				return di.DirectionRTL
			}
		case unicode.IsLetter(r):
			return di.DirectionLTR
		}
	}
	return def
}

// visualOrder returns the runs' indexes left to right, from their bidi
// embedding levels (rule L2: from the highest level down to the lowest odd
// one, reverse every sequence at that level or higher).
func visualOrder(levels []int) []int {
	order := make([]int, len(levels))
	top, lowOdd := 0, 1<<30
	for i, l := range levels {
		order[i] = i
		top = max(top, l)
		if l%2 == 1 {
			lowOdd = min(lowOdd, l)
		}
	}
	for lvl := top; lvl >= lowOdd && lvl > 0; lvl-- {
		for i := 0; i < len(order); {
			if levels[order[i]] < lvl {
				i++
				continue
			}
			j := i
			for j < len(order) && levels[order[j]] >= lvl {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
			i = j
		}
	}
	return order
}

// renderCardPNG draws the card laid out in d as a 1200×630 PNG.
func renderCardPNG(d cardData) ([]byte, error) {
	faces, err := loadCardFaces()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, cardWidth, 630))
	draw.Draw(img, img.Bounds(), image.NewUniform(cardBackground), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 600, cardWidth, 630), image.NewUniform(cardRed), image.Point{}, draw.Src)
	p := &cardPainter{img: img, faces: faces, lang: language.NewLanguage(d.L.Lang), rtl: d.L.Dir == "rtl", z: vector.NewRasterizer(cardWidth, 630)}
	x0 := float64(d.X0)
	for _, t := range d.Title {
		p.text(t.Text, x0, float64(t.Y), float64(t.Size), true, true, cardWhite)
	}
	p.text(d.Tags.Text, x0, float64(d.Tags.Y), float64(d.Tags.Size), false, true, cardPale)
	p.text(d.Date.Text, x0, float64(d.Date.Y), float64(d.Date.Size), false, false, cardWhite)
	for _, f := range d.Figures {
		p.text(f.Value, float64(f.X), float64(f.ValueY), float64(f.ValueSize), true, false, cardWhite)
		p.text(f.Label, float64(f.X), float64(f.LabelY), float64(f.LabelSize), false, false, cardPale)
	}
	for _, c := range d.Countries {
		draw.Draw(img, image.Rect(c.BarX, c.Y, c.BarX+c.W, c.Y+26), image.NewUniform(cardBar), image.Point{}, draw.Src)
		p.text(c.Label, float64(c.TextX), float64(c.TextY), 24, false, false, cardWhite)
	}
	p.text(d.Bottom.Text, x0, float64(d.Bottom.Y), float64(d.Bottom.Size), false, false, cardPale)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
