package dashboard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/store"
)

// TestBrowserDisputedNote: posts whose profiles say only "Jerusalem" (or
// القدس) are Unknown with the method disputed; the countries panel says how
// many, in the page's language, and shows the override that settles them.
// A day without such posts shows no note.
func TestBrowserDisputedNote(t *testing.T) {
	g, err := geo.New(geo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixtureAttr(t, campaigns(gazaNow.Location()), aggregator.GeoAttribute(g), nil)
	f.fill(t)
	var jer []store.Post
	for i, loc := range []string{"Jerusalem", "القدس", "jerusalem"} {
		p := f.post("allforpalestine", f.now.Add(-time.Duration(i+1)*time.Minute))
		p.Signals = store.Signals{ProfileLocation: loc}
		jer = append(jer, p)
	}
	f.add(t, jer...)
	var rows []aggregator.Row
	f.getJSON(t, "/api/v1/campaigns/afp/days?by=method&from=2026-11-29&to=2026-11-29", &rows)
	var want int64
	for _, r := range rows {
		if r.Method == "disputed" {
			want = r.Posts
		}
	}
	if want != 3 {
		t.Fatalf("API: %d disputed posts today, want the 3 added (%+v)", want, rows)
	}
	srv := newServer(t, f.h)
	b := newBrowser(t, 390, 844)
	for _, lang := range []string{"en", "ar"} {
		var count, text string
		var visible bool
		b.run(t, "open the page in "+lang,
			chromedp.Navigate(srv+"/c/afp?lang="+lang),
			loaded(),
			chromedp.Poll(`document.querySelector("#disputed-note").dataset.count !== undefined`, nil, chromedp.WithPollingTimeout(10*time.Second)),
			chromedp.Evaluate(`document.querySelector("#disputed-note").dataset.count`, &count),
			chromedp.Evaluate(`!document.querySelector("#disputed-note").hidden && document.querySelector("#disputed-note").getBoundingClientRect().height > 0`, &visible),
			chromedp.Text("#disputed-note", &text),
		)
		wantWord := map[string]string{"en": "disputed place", "ar": "متنازع"}[lang]
		if count != strconv.FormatInt(want, 10) || !visible || !strings.Contains(text, wantWord) || !strings.Contains(text, "geo: {overrides: {Jerusalem: PS}}") {
			t.Errorf("%s: disputed note count %s (visible %v) %q; want %d, naming the override", lang, count, visible, text, want)
		}
		if lang == "ar" {
			var png []byte
			b.run(t, "screenshot", chromedp.FullScreenshot(&png, 90))
			artifact(t, "dashboard-ar-phone-disputed.png", png)
		}
	}
	// The day before has none: no note.
	var hidden bool
	b.run(t, "the day before",
		chromedp.SetValue("#day", "2026-11-28", chromedp.ByID),
		chromedp.Evaluate(`document.querySelector("#controls").requestSubmit(); true`, nil),
		chromedp.Poll(`document.querySelector("#disputed-note").dataset.count === "0"`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Evaluate(`document.querySelector("#disputed-note").hidden`, &hidden),
	)
	if !hidden {
		t.Error("a day without disputed posts shows the note")
	}
	b.noErrors(t)
}
