package dashboard

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"testing"

	"github.com/chromedp/chromedp"
)

// svgBox is a text element of card.svg as Chromium lays it out.
type svgBox struct {
	Text                string
	Fill                string
	X, Y, Width, Height float64
}

// TestCardPNG: card.png is the card Chromium draws from card.svg. For each
// text of the card, the ink tagpulse put in the PNG spans the box Chromium
// gives the same text (within a few pixels: side bearings and rounding),
// and the ink's column profile matches Chromium's screenshot of the SVG,
// so Arabic is shaped (unjoined letters are wider) and in right-to-left
// order (a reversed word has another profile).
func TestCardPNG(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	srv := newServer(t, f.h)
	b := newBrowser(t, 1200, 630)
	for _, lang := range []string{"en", "ar"} {
		w := f.get(t, "/api/v1/campaigns/afp/card.png?lang="+lang)
		if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
			t.Fatalf("card.png %s: %d %q", lang, w.Code, w.Header().Get("Content-Type"))
		}
		ours, err := png.Decode(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if ours.Bounds().Dx() != 1200 || ours.Bounds().Dy() != 630 {
			t.Fatalf("card.png is %v", ours.Bounds())
		}
		artifact(t, "card-"+lang+".png", w.Body.Bytes())
		var boxes []svgBox
		var shot []byte
		b.run(t, "card.svg "+lang,
			chromedp.Navigate(srv+"/api/v1/campaigns/afp/card.svg?lang="+lang),
			chromedp.Evaluate(`[...document.querySelectorAll("text")].map((e) => { const b = e.getBBox(); return {text: e.textContent, fill: e.getAttribute("fill"), x: b.x, y: b.y, width: b.width, height: b.height}; })`, &boxes),
			chromedp.CaptureScreenshot(&shot),
		)
		artifact(t, "card-svg-chromium-"+lang+".png", shot)
		theirs, err := png.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		if len(boxes) < 12 {
			t.Fatalf("%s: %d texts in the SVG", lang, len(boxes))
		}
		for _, bx := range boxes {
			fill := parseHex(bx.Fill)
			l1, r1, p1 := ink(ours, bx, fill)
			l0, r0, p0 := ink(theirs, bx, fill)
			if l1 < 0 || l0 < 0 {
				t.Errorf("%s %q: no ink (ours %v, Chromium's %v)", lang, bx.Text, l1 >= 0, l0 >= 0)
				continue
			}
			tol := math.Max(6, 0.03*bx.Width)
			if math.Abs(float64(l1-l0)) > tol || math.Abs(float64(r1-r0)) > tol {
				t.Errorf("%s %q: PNG ink spans x %d–%d, Chromium's %d–%d (box %.0f–%.0f)", lang, bx.Text, l1, r1, l0, r0, bx.X, bx.X+bx.Width)
			}
			if c := correlation(p0, p1); c < 0.8 {
				t.Errorf("%s %q: the PNG's ink profile correlates %.2f with Chromium's", lang, bx.Text, c)
			}
		}
	}
	b.noErrors(t)
}

func parseHex(s string) color.RGBA {
	var c color.RGBA
	if len(s) == 4 { // #fff
		s = "#" + s[1:2] + s[1:2] + s[2:3] + s[2:3] + s[3:4] + s[3:4]
	}
	fmt.Sscanf(s, "#%02x%02x%02x", &c.R, &c.G, &c.B)
	c.A = 0xff
	return c
}

func dist(a, b color.RGBA) float64 {
	dr, dg, db := float64(a.R)-float64(b.R), float64(a.G)-float64(b.G), float64(a.B)-float64(b.B)
	return math.Sqrt(dr*dr + dg*dg + db*db)
}

// ink finds the text's ink in img inside its box (widened by 30 px each
// side): pixels nearer the text's fill than the background and the country
// bars. It returns the leftmost and rightmost inked columns (-1 without
// ink) and the count of inked pixels per column of the widened box.
func ink(img image.Image, b svgBox, fill color.RGBA) (left, right int, profile []float64) {
	x0, x1 := int(b.X)-30, int(b.X+b.Width)+30
	y0, y1 := int(b.Y), int(b.Y+b.Height)
	left, right = -1, -1
	for x := x0; x <= x1; x++ {
		n := 0.0
		for y := y0; y < y1; y++ {
			if !(image.Point{x, y}.In(img.Bounds())) {
				continue
			}
			r, g, bb, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), 0xff}
			if d := dist(c, cardBackground); d > 0.5*dist(fill, cardBackground) && dist(c, fill) < dist(c, cardBar) && dist(c, fill) < dist(c, cardRed) {
				n++
			}
		}
		if n > 0 {
			if left < 0 {
				left = x
			}
			right = x
		}
		profile = append(profile, n)
	}
	return left, right, profile
}

// correlation is Pearson's r of two profiles of the same length.
func correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}
