package dashboard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/internal/buildinfo"
	"github.com/tagpulse/tagpulse/store"
)

// chromium finds the browser: $CHROME, else /usr/bin/chromium. In CI
// (CI=true) a missing browser fails the test; elsewhere it skips.
func chromium(t *testing.T) string { t.Helper(); return testneed.Chromium(t) }

// browser is a headless Chromium tab that records console errors and
// uncaught exceptions.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	exe := chromium(t)
	// Not t.TempDir: Chromium's helpers may still be writing to the profile
	// for a moment after the browser exits, and that must not fail the test.
	profile, err := os.MkdirTemp("", "tagpulse-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(width, height),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA(); os.RemoveAll(profile) })
	b := &browser{ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, "exception: "+ev.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.LevelError {
				b.errors = append(b.errors, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx, log.Enable(), runtime.Enable(), chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return b
}

func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) noErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("browser: %s", e)
	}
}

// loaded waits until the page has drawn the API's figures once.
func loaded() chromedp.Action {
	return chromedp.Poll(`document.querySelector("#campaign") && document.querySelector("#campaign").dataset.updated && document.querySelectorAll("#map path").length > 0`, nil, chromedp.WithPollingTimeout(30*time.Second))
}

// artifact saves a screenshot where CI keeps artifacts ($TAGPULSE_ARTIFACTS)
// or in the test's temporary directory, and logs the path.
func artifact(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := os.Getenv("TAGPULSE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if len(png) < 1000 {
		t.Errorf("screenshot %s is only %d bytes", p, len(png))
	}
	t.Logf("screenshot: %s", p)
}

// chartOverlaps lists, for each chart on the page, what hides its axes: a
// value or time label box (getBoundingClientRect) that overlaps a bar or
// point or another label, or sticks out of the chart, or a chart without
// its three value labels, its time labels or marks. In a right-to-left page
// it also checks the days run from the right (the first day's bar is the
// rightmost).
const chartOverlaps = `(() => {
  const out = [];
  const rtl = document.documentElement.dir === "rtl";
  for (const id of ["chart-days", "chart-hours", "chart-cum"]) {
    const box = document.getElementById(id), sb = box.getBoundingClientRect();
    const labels = [...box.querySelectorAll(':scope > text.axis:not([text-anchor="middle"])')].map((e) => e.getBoundingClientRect());
    const marks = [...box.querySelectorAll("rect.bar, rect.bar2, circle.dot")].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
    if (labels.length !== 3 || labels.some((l) => l.width === 0)) out.push(id + ": " + labels.length + " value labels");
    if (!marks.length) out.push(id + ": no bars or points");
    const times = [...box.querySelectorAll('text.axis[text-anchor="middle"]')];
    if (times.length < 2) out.push(id + ": " + times.length + " time labels");
    const all = [...labels.map((l, j) => ["value label " + j, l]), ...times.map((e) => ["time label " + JSON.stringify(e.textContent), e.getBoundingClientRect()])];
    const meets = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const at = (r) => "[" + Math.round(r.left) + "," + Math.round(r.right) + "]×[" + Math.round(r.top) + "," + Math.round(r.bottom) + "]";
    all.forEach(([what, l], j) => {
      if (l.left < sb.left - 0.5 || l.right > sb.right + 0.5) out.push(id + ": " + what + " sticks out of the chart");
      const hit = marks.findIndex((m) => meets(l, m));
      if (hit >= 0) out.push(id + ": " + what + " " + at(l) + " overlaps mark " + hit + " " + at(marks[hit]));
      for (const [other, o] of all.slice(j + 1)) if (meets(l, o)) out.push(id + ": " + what + " " + at(l) + " overlaps " + other + " " + at(o));
    });
  }
  const days = [...document.querySelectorAll("#chart-days rect.bar")].map((e) => e.getBoundingClientRect());
  if (days.length > 1 && (days[0].left > days[days.length - 1].left) !== rtl) out.push("chart-days: the first day is not on the " + (rtl ? "right" : "left"));
  return out;
})()`

// hostile is a post built to run script wherever text is not escaped.
func (f *fixture) hostile(at time.Time) store.Post {
	p := f.post("allforpalestine", at)
	p.Text = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> javascript:window.__pwned=3 "><svg onload=window.__pwned=4>`
	p.URL = "javascript:window.__pwned=5"
	p.Author = store.Author{ID: "evil", Handle: `<img src=x onerror=window.__pwned=6>`, Name: `"><script>window.__pwned=7</script>`, Followers: 1}
	p.Signals = store.Signals{PlaceCountry: `"><script>window.__pwned=8</script>`, ProfileLocation: `<img src=x onerror=window.__pwned=9>`}
	p.Lang = `"><img src=x onerror=window.__pwned=10>`
	p.Engagement = 1_000_000 // first among the top posts
	return p
}

func TestBrowserCampaignPage(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		// Two collectors: one rate-limited.
		reset := time.Now().Add(10 * time.Minute)
		ok := time.Now().Add(-time.Minute)
		o.Sources = healthFor([]store.SourceHealth{
			{Name: "x:allforpalestine", Campaign: "allforpalestine", Source: "x", Kind: store.KindPoll, State: store.StateWaitingForReset, WaitingForResetUntil: &reset, LastSuccess: &ok},
			{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: store.KindPoll, State: store.StateOK, LastSuccess: &ok},
		})
	})
	f.fill(t)
	f.add(t, f.hostile(f.now.Add(-2*time.Minute)))
	long := f.post("allforpalestine", f.now.Add(-3*time.Minute))
	long.Text = strings.Repeat("A long post that goes on and on.\n", 30)
	long.Engagement = 900_000 // second among the top posts
	f.add(t, long)
	srv := newServer(t, f.h)
	b := newBrowser(t, 1280, 900)

	var hl aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &hl)
	var days []aggregator.Row
	f.getJSON(t, "/api/v1/campaigns/afp/days", &days)

	var nDays, nHours, nCum, nTop, nPaths int
	var posts, participants, pwned, jsLinks, imgs, title, sources string
	b.run(t, "open the campaign page",
		// A coordinator in Chicago planning "8 pm Palestine time".
		emulation.SetTimezoneOverride("America/Chicago"),
		chromedp.Navigate(srv+"/c/afp?lang=en"),
		loaded(),
		chromedp.Evaluate(`document.querySelectorAll("#chart-days rect.bar").length`, &nDays),
		chromedp.Evaluate(`document.querySelectorAll("#chart-hours rect.bar").length`, &nHours),
		chromedp.Evaluate(`document.querySelectorAll("#chart-cum circle").length`, &nCum),
		chromedp.Evaluate(`document.querySelectorAll("#top-posts li").length`, &nTop),
		chromedp.Evaluate(`document.querySelectorAll("#map path").length`, &nPaths),
		chromedp.AttributeValue(`[data-fig="posts"]`, "data-value", &posts, nil),
		chromedp.AttributeValue(`[data-fig="participants"]`, "data-value", &participants, nil),
		chromedp.Evaluate(`String(window.__pwned)`, &pwned),
		chromedp.Evaluate(`String(document.querySelectorAll('a[href^="javascript"], [onerror], [onload]').length)`, &jsLinks),
		chromedp.Evaluate(`String(document.querySelectorAll("#campaign img, #campaign script, #campaign foreignObject").length)`, &imgs),
		chromedp.Text(`#top-posts li:first-child .text`, &title),
		chromedp.Text(`#t-sources`, &sources),
	)
	// AGPL-3.0 §13: the footer's source link is there to see and to follow.
	var srcLink struct {
		Href    string
		Visible bool
	}
	b.run(t, "footer source link", chromedp.Evaluate(`(() => {
    const a = document.querySelector("footer a.source-link");
    if (!a) return { href: "", visible: false };
    const r = a.getBoundingClientRect(), s = getComputedStyle(a);
    return { href: a.href, visible: r.width > 0 && r.height > 0 && r.right <= innerWidth && s.visibility !== "hidden" && s.display !== "none" && a.textContent.trim() !== "" };
  })()`, &srcLink))
	if srcLink.Href != buildinfo.Source() || !srcLink.Visible {
		t.Errorf("footer source link %+v, want a visible link to %s", srcLink, buildinfo.Source())
	}
	var overlaps []string
	b.run(t, "value axes", chromedp.Evaluate(chartOverlaps, &overlaps))
	for _, o := range overlaps {
		t.Errorf("English page: %s", o)
	}
	// Top post texts show whole lines only, at most four.
	var lines []float64
	var numSources int
	b.run(t, "top post lines",
		chromedp.Evaluate(`[...document.querySelectorAll("#top-posts .text")].map((e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))`, &lines),
		chromedp.Evaluate(`document.querySelectorAll("#t-sources td.num").length`, &numSources),
	)
	if len(lines) < 2 || lines[1] < 3.95 || lines[1] > 4.05 {
		t.Errorf("the long top post shows %v lines, want 4", lines)
	}
	for i, l := range lines {
		if l > 4.05 || l-float64(int(l+0.5)) > 0.05 || float64(int(l+0.5))-l > 0.05 {
			t.Errorf("top post %d shows %.2f lines, not a whole number up to 4", i+1, l)
		}
	}
	if numSources != 0 {
		t.Errorf("completeness sources table: %d cells aligned as numbers; its columns are text", numSources)
	}
	if !strings.Contains(sources, "rate-limited until") || !strings.Contains(sources, "mastodon:mastodon.social") || !strings.Contains(sources, "collecting") {
		t.Errorf("completeness panel: %q", sources)
	}
	if nDays != len(days) || nDays != 15 {
		t.Errorf("days chart has %d bars, API %d days (campaign window 15)", nDays, len(days))
	}
	if nHours != 24 {
		t.Errorf("hours chart has %d bars, want 24", nHours)
	}
	past := 0
	for _, d := range days {
		if d.Day <= "2026-11-29" {
			past++
		}
	}
	if nCum != past || past != 8 {
		t.Errorf("cumulative chart has %d points, want one per day up to today (%d)", nCum, past)
	}
	if posts != strconv.FormatInt(hl.Figures.Posts, 10) || participants != strconv.FormatInt(hl.Figures.Participants, 10) {
		t.Errorf("headline posts %s participants %s, API %d %d", posts, participants, hl.Figures.Posts, hl.Figures.Participants)
	}
	if nTop == 0 || nPaths < 150 {
		t.Errorf("%d top posts, %d map paths", nTop, nPaths)
	}
	if pwned != "undefined" || jsLinks != "0" || imgs != "0" {
		t.Errorf("hostile post ran or injected markup: __pwned=%s, js links/handlers %s, img/script %s", pwned, jsLinks, imgs)
	}
	if !strings.Contains(title, "<script>window.__pwned=1</script>") {
		t.Errorf("hostile post text not shown as text: %q", title)
	}

	// The viewer's zone moves the day's chart, not only its labels: in
	// Chicago (UTC-6) the chart is Chicago's 29 November, from its midnight
	// (06:00 UTC, 08:00 in Gaza) to the next, reaching into Gaza's 30th.
	// The day chart moves too: Chicago's days, each post in the Chicago day
	// it was made in (the API's /days?zone=, from the hour rollup).
	var zone, firstHour, first, daysNote string
	var viewerBars, campaignBars []int64
	b.run(t, "switch hours to the viewer's zone",
		chromedp.Text("#zone-viewer", &zone),
		chromedp.Click(`input[name="zone"][value="viewer"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#chart-hours").dataset.zone === "America/Chicago" && document.querySelector("#chart-days").dataset.zone === "America/Chicago"`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`document.querySelector("#chart-hours g text.axis").textContent`, &firstHour),
		chromedp.Evaluate(`document.querySelector("#chart-hours").dataset.first`, &first),
		chromedp.Evaluate(`[...document.querySelectorAll("#chart-days rect.bar")].map((r) => +r.dataset.value)`, &viewerBars),
		chromedp.Text("#days-zone-note", &daysNote),
		chromedp.Click(`input[name="zone"][value="campaign"]`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#chart-hours").dataset.zone === "Asia/Gaza" && document.querySelector("#chart-days").dataset.zone === "Asia/Gaza" && document.querySelector("#chart-hours g text.axis").textContent.includes("12:00 AM")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`[...document.querySelectorAll("#chart-days rect.bar")].map((r) => +r.dataset.value)`, &campaignBars),
	)
	if !strings.Contains(zone, "America/Chicago") || !strings.Contains(firstHour, "12:00 AM") || first != "2026-11-29T06:00:00.000Z" {
		t.Errorf("viewer zone label %q, first hour %q at %s; want Chicago's midnight, 2026-11-29T06:00:00.000Z", zone, firstHour, first)
	}
	var chicagoDays []aggregator.ZoneDay
	f.getJSON(t, "/api/v1/campaigns/afp/days?zone=America/Chicago", &chicagoDays)
	var chicagoPosts []int64
	for _, d := range chicagoDays {
		chicagoPosts = append(chicagoPosts, d.Posts)
	}
	var gazaPosts []int64
	for _, d := range days {
		gazaPosts = append(gazaPosts, d.Posts)
	}
	if !slices.Equal(viewerBars, chicagoPosts) || slices.Equal(viewerBars, campaignBars) || !strings.Contains(daysNote, "America/Chicago") {
		t.Errorf("day chart in the viewer's zone: bars %v (note %q), Chicago's days %v; in campaign time %v", viewerBars, daysNote, chicagoPosts, campaignBars)
	}
	if !slices.Equal(campaignBars, gazaPosts) {
		t.Errorf("day chart back in campaign time: bars %v, campaign days %v", campaignBars, gazaPosts)
	}

	// A live update: new posts arrive while the page is open, and the
	// headline follows through the event stream, with no reload.
	want := hl.Figures.Posts + 3
	f.add(t, f.post("allforpalestine", f.now), f.post("allforpalestine", f.now), f.post("allforpalestine", f.now))
	var status string
	b.run(t, "wait for the event to update the page",
		chromedp.Poll(fmt.Sprintf(`document.querySelector('[data-fig="posts"]').dataset.value === "%d"`, want), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Text("#status", &status),
	)
	if !strings.Contains(status, "live") {
		t.Errorf("status %q: not on the event stream", status)
	}

	// Another day and a comparison campaign.
	var nDays2, nCompare int
	var hoursTitle string
	b.run(t, "choose a day and compare",
		chromedp.SetValue("#day", "2026-11-25", chromedp.ByID),
		chromedp.SetValue("#compare", "afp2025", chromedp.ByID),
		chromedp.Evaluate(`document.querySelector("#compare").dispatchEvent(new Event("change")); document.querySelector("#controls").requestSubmit(); true`, nil),
		chromedp.Poll(`document.querySelectorAll("#chart-days rect.bar2").length > 0 && document.querySelector("#hours-title").textContent.includes("25")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`document.querySelectorAll("#chart-days rect.bar").length`, &nDays2),
		chromedp.Evaluate(`document.querySelectorAll("#chart-days rect.bar2").length`, &nCompare),
		chromedp.Text("#hours-title", &hoursTitle),
	)
	if nDays2 != 15 || nCompare != 15 {
		t.Errorf("compare: %d bars and %d compared bars, want 15 and 15", nDays2, nCompare)
	}
	var cardHref string
	b.run(t, "card link", chromedp.AttributeValue("#card-link", "href", &cardHref, nil))
	if !strings.Contains(cardHref, "day=2026-11-25") || !strings.Contains(cardHref, "lang=en") {
		t.Errorf("share card link %q does not follow the chosen day", cardHref)
	}

	var png []byte
	b.run(t, "screenshot", chromedp.FullScreenshot(&png, 100))
	artifact(t, "dashboard-en-desktop.png", png)
	b.noErrors(t)
}

func TestBrowserArabic(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	// A first day of thousands of posts: the tallest bar stands where the
	// value axis is, and its labels are four digits wide.
	var many []store.Post
	for i := 0; i < 1234; i++ {
		many = append(many, f.post("allforpalestine", time.Date(2026, 11, 22, 9, 0, i%60, 0, f.gaza)))
	}
	f.add(t, many...)
	srv := newServer(t, f.h)
	b := newBrowser(t, 360, 780)
	ls, _ := loadCatalogs()
	ar := ls["ar"]
	var dir, lang, days, fig, zone string
	var overflow bool
	b.run(t, "open the Arabic page",
		chromedp.Navigate(srv+"/c/afp?lang=ar"),
		loaded(),
		chromedp.Evaluate(`document.documentElement.dir`, &dir),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Evaluate(`document.querySelector("#chart-days").textContent`, &days),
		chromedp.Text(`.card .l`, &fig),
		chromedp.Text(`#zone-viewer`, &zone),
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
	)
	// The value axis stays readable: no bar covers its labels (the first
	// day, the tallest, stands next to them).
	var overlaps []string
	var top string
	b.run(t, "value axes",
		chromedp.Evaluate(chartOverlaps, &overlaps),
		chromedp.Evaluate(`[...document.querySelectorAll('#chart-days > text.axis:not([text-anchor="middle"])')].map((e) => e.textContent).join(" ")`, &top),
	)
	for _, o := range overlaps {
		t.Errorf("Arabic page: %s", o)
	}
	if want := ar.Number(1244); !strings.Contains(top, want) && !strings.Contains(top, "١٬٢٤٤") {
		t.Errorf("days chart value labels %q, want the maximum %s among them", top, want)
	}
	if !strings.ContainsAny(days, "٠١٢٣٤٥٦٧٨٩") && !strings.Contains(days, "نوفمبر") {
		t.Errorf("day chart labels are not in Arabic: %q", days)
	}
	if dir != "rtl" || lang != "ar" {
		t.Errorf("dir=%q lang=%q", dir, lang)
	}
	// The label takes the plural form of its figure (Intl.PluralRules).
	var posts int64
	b.run(t, "posts figure", chromedp.Evaluate(`+document.querySelector('[data-fig="posts"]').dataset.value`, &posts))
	if want := ar.N("label.posts", posts); fig != want {
		t.Errorf("headline label under %d posts %q, want %q", posts, fig, want)
	}
	var h2 string
	b.run(t, "section heading", chromedp.Text(`.panel h2`, &h2))
	if !strings.Contains(h2, ar.T("sec.days")) {
		t.Errorf("heading %q, want %q", h2, ar.T("sec.days"))
	}
	if overflow {
		t.Error("the page scrolls sideways at 360 px")
	}
	var png []byte
	b.run(t, "screenshot", chromedp.FullScreenshot(&png, 100))
	artifact(t, "dashboard-ar-360.png", png)

	// The share card, as a browser draws it, in Arabic and in English.
	for _, lang := range []string{"ar", "en"} {
		var texts int
		var card []byte
		b.run(t, "share card "+lang,
			chromedp.EmulateViewport(1200, 630),
			chromedp.Navigate(srv+"/api/v1/campaigns/afp/card.svg?day=2026-11-28&lang="+lang),
			chromedp.Evaluate(`document.querySelectorAll("text").length`, &texts),
			chromedp.CaptureScreenshot(&card),
		)
		if texts < 10 {
			t.Errorf("card %s: %d text elements", lang, texts)
		}
		artifact(t, "card-"+lang+".png", card)
	}
	b.noErrors(t)
}

// TestBrowserPublicLinkAndPolling opens the public link with the event
// stream blocked, as some proxies do: the page must say it is polling and
// still pick up new posts.
func TestBrowserPublicLinkAndPolling(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Public = map[string]string{"afp": "public-secret-0123456789"} })
	f.fill(t)
	srv := newServer(t, f.h)
	b := newBrowser(t, 1024, 800)
	var compare int
	var posts, status string
	b.run(t, "open the public page without events",
		network.Enable(),
		network.SetBlockedURLs([]string{"*/api/v1/events*"}),
		chromedp.Navigate(srv+"/p/public-secret-0123456789/?lang=fr"),
		loaded(),
		chromedp.Evaluate(`document.querySelectorAll("#compare").length`, &compare),
		chromedp.AttributeValue(`[data-fig="posts"]`, "data-value", &posts, nil),
		chromedp.Text("#status", &status),
	)
	var brand string
	b.run(t, "logo link", chromedp.Evaluate(`document.querySelector("a.brand").href`, &brand))
	if !strings.HasSuffix(brand, "/p/public-secret-0123456789/") {
		t.Errorf("the public page's logo links to %s, not to the public page", brand)
	}
	if compare != 0 || posts != "45" {
		t.Errorf("public page: compare controls %d, posts %s", compare, posts)
	}
	if !strings.Contains(status, "actualisation toutes les") {
		t.Errorf("status %q: does not say it polls", status)
	}
	f.add(t, f.post("allforpalestine", f.now))
	b.run(t, "wait for the periodic refresh",
		chromedp.Poll(`document.querySelector('[data-fig="posts"]').dataset.value === "46"`, nil, chromedp.WithPollingTimeout(40*time.Second)),
	)
	b.mu.Lock()
	// The blocked stream is logged as a failed load; that one is expected.
	kept := b.errors[:0]
	for _, e := range b.errors {
		if !strings.Contains(e, "/api/v1/events") && !strings.Contains(e, "ERR_BLOCKED_BY_CLIENT") {
			kept = append(kept, e)
		}
	}
	b.errors = kept
	b.mu.Unlock()
	b.noErrors(t)
}

// TestBrowserPastCampaign: a finished campaign and one imported from an
// archive years ago open on their last day with posts, not on today's
// zeros, and their day axes say the year.
func TestBrowserPastCampaign(t *testing.T) {
	f := newFixtureWith(t, defaultDayCampaigns(gazaNow.Location()), nil)
	f.fillDefaultDay(t)
	srv := newServer(t, f.h)
	b := newBrowser(t, 1024, 800)
	for _, c := range []struct {
		campaign, posts, day, title string
		years                       []string // every day label has one of them; all of them occur
	}{
		{"afp2025", "29", "2025-11-29", "November 29, 2025", []string{"2025"}},
		{"archive", "4", "2020-01-05", "January 5, 2020", []string{"2019", "2020"}},
		{"afp", "45", "2026-11-29", "Today, November 29, 2026", nil},
	} {
		var posts, title, day string
		var labels, cum []string
		b.run(t, "open "+c.campaign,
			chromedp.Navigate(srv+"/c/"+c.campaign+"?lang=en"),
			loaded(),
			chromedp.AttributeValue(`[data-fig="posts"]`, "data-value", &posts, nil),
			chromedp.Text("#head-title", &title),
			chromedp.Value("#day", &day),
			chromedp.Evaluate(`[...document.querySelectorAll("#chart-days g text.axis")].map((e) => e.textContent)`, &labels),
			chromedp.Evaluate(`[...document.querySelectorAll('#chart-cum text.axis[text-anchor="middle"]')].map((e) => e.textContent)`, &cum),
		)
		if posts != c.posts || title != c.title || day != c.day {
			t.Errorf("%s: headline %q with %s posts, day field %s; want %q, %s, %s", c.campaign, title, posts, day, c.title, c.posts, c.day)
		}
		if len(labels) < 2 || len(cum) < 2 {
			t.Errorf("%s: day labels %q, cumulative %q", c.campaign, labels, cum)
		}
		all := strings.Join(append(labels, cum...), " | ")
		for _, l := range append(labels, cum...) {
			has := false
			for _, y := range c.years {
				has = has || strings.Contains(l, y)
			}
			if has != (c.years != nil) {
				t.Errorf("%s: day label %q (years %v)", c.campaign, l, c.years)
			}
		}
		for _, y := range c.years {
			if !strings.Contains(all, y) {
				t.Errorf("%s: no day label with %s: %s", c.campaign, y, all)
			}
		}
	}

	// Empty states: a finished campaign without posts says so in the past
	// tense, not as top post number 1, and has no share without a country;
	// its reset button goes to its latest day, not today.
	en := loadedCatalog(t, "en")
	for _, c := range []struct{ campaign, reset, empty string }{
		{"ended", en.T("ctl.latest"), en.T("empty.day")},
		{"afp2025", en.T("ctl.latest"), ""},
		{"afp", en.T("ctl.reset"), ""},
	} {
		var reset, noPosts, noCountry, unknown, countries string
		var items int
		b.run(t, "empty states of "+c.campaign,
			chromedp.Navigate(srv+"/c/"+c.campaign+"?lang=en"),
			loaded(),
			chromedp.Text("#reset", &reset),
			chromedp.Evaluate(`document.querySelectorAll("#top-posts:not([hidden]) li").length`, &items),
			chromedp.Evaluate(`document.querySelector("#no-posts").hidden ? "" : document.querySelector("#no-posts").textContent`, &noPosts),
			chromedp.Text("#no-country", &noCountry),
			chromedp.Text("#unknown-note", &unknown),
			chromedp.Text("#t-country tbody", &countries),
		)
		if reset != c.reset {
			t.Errorf("%s: reset button %q, want %q", c.campaign, reset, c.reset)
		}
		if noPosts != c.empty {
			t.Errorf("%s: no-posts note %q, want %q", c.campaign, noPosts, c.empty)
		}
		if c.empty == "" {
			if items == 0 || strings.Contains(noCountry, en.T("note.no_posts")) {
				t.Errorf("%s: %d top posts, completeness %q", c.campaign, items, noCountry)
			}
			continue
		}
		if items != 0 {
			t.Errorf("%s: %d numbered items in an empty top posts list", c.campaign, items)
		}
		if noCountry != en.T("note.no_posts") || unknown != en.T("note.no_posts") || strings.Contains(noCountry+unknown, "0%") {
			t.Errorf("%s: completeness %q, unknown note %q; want %q", c.campaign, noCountry, unknown, en.T("note.no_posts"))
		}
		if countries != en.T("empty.range") {
			t.Errorf("%s: countries table %q, want %q", c.campaign, countries, en.T("empty.range"))
		}
	}
	b.noErrors(t)
}

// loadedCatalog is one language's catalogue.
func loadedCatalog(t *testing.T, lang string) *locale {
	t.Helper()
	ls, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	return ls[lang]
}

// TestBrowserNarrowCharts draws the charts at 360 px, where their labels are
// largest against the plot, in English and Arabic, for a running campaign,
// a finished one (its day labels say the year) and one years ago: no axis
// label may overlap another or a bar or point, or leave the chart.
func TestBrowserNarrowCharts(t *testing.T) {
	f := newFixtureWith(t, defaultDayCampaigns(gazaNow.Location()), nil)
	f.fillDefaultDay(t)
	srv := newServer(t, f.h)
	b := newBrowser(t, 360, 780)
	for _, lang := range []string{"en", "ar"} {
		for _, c := range []string{"afp", "afp2025", "archive"} {
			var overlaps []string
			b.run(t, c+" in "+lang+" at 360 px",
				chromedp.Navigate(srv+"/c/"+c+"?lang="+lang),
				loaded(),
				chromedp.Evaluate(chartOverlaps, &overlaps),
			)
			for _, o := range overlaps {
				t.Errorf("%s, %s, 360 px: %s", c, lang, o)
			}
		}
	}
	var png []byte
	b.run(t, "screenshot", chromedp.FullScreenshot(&png, 100))
	artifact(t, "dashboard-ar-360-archive.png", png)
	b.noErrors(t)
}

// cardFits lists what does not fit on a share card as Chromium draws it
// (getBBox, in the card's 1200×630 units): text leaving the card, and
// figures (a number and its label) that touch each other or other text.
const cardFits = `(() => {
  const out = [];
  const boxes = [...document.querySelectorAll("text")].map((e) => {
    const b = e.getBBox();
    return { e, what: e.getAttribute("class") || "text", x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height };
  });
  const at = (b) => JSON.stringify(b.e.textContent) + " [" + Math.round(b.x0) + "," + Math.round(b.x1) + "]";
  for (const b of boxes) {
    if (b.x1 - b.x0 < 1) out.push("empty text " + at(b));
    if (b.x0 < 0 || b.x1 > 1200) out.push(b.what + " " + at(b) + " leaves the card");
  }
  // A figure is its number and label together, at least 10 apart from the next.
  const figs = {};
  for (const b of boxes.filter((b) => b.what === "fig")) {
    const f = figs[b.e.dataset.fig] || (figs[b.e.dataset.fig] = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity, e: b.e, what: "figure " + b.e.dataset.fig });
    f.x0 = Math.min(f.x0, b.x0); f.x1 = Math.max(f.x1, b.x1); f.y0 = Math.min(f.y0, b.y0); f.y1 = Math.max(f.y1, b.y1);
  }
  const groups = [...boxes.filter((b) => b.what !== "fig"), ...Object.values(figs)];
  if (Object.keys(figs).length !== 4) out.push(Object.keys(figs).length + " figures");
  groups.forEach((a, i) => {
    for (const b of groups.slice(i + 1)) {
      const pad = a.what.startsWith("figure") && b.what.startsWith("figure") ? 10 : 0;
      if (a.x0 < b.x1 + pad && b.x0 < a.x1 + pad && a.y0 < b.y1 && b.y0 < a.y1) out.push(a.what + " " + at(a) + " touches " + b.what + " " + at(b));
    }
  });
  return out;
})()`

// TestBrowserCardFits draws share cards with a long title and a reach in
// the billions, in English, Arabic and German (the longest labels): the
// title wraps or is cut with an ellipsis, and nothing leaves the card or
// runs into a neighbour.
func TestBrowserCardFits(t *testing.T) {
	cs := campaigns(gazaNow.Location())
	cs[0].Title = "#AllForPalestine — International Day of Solidarity with the Palestinian People, from Gaza to the whole world, every year on the twenty-ninth of November"
	f := newFixtureWith(t, cs, nil)
	f.fill(t)
	for i := 0; i < 3; i++ {
		p := f.post("allforpalestine", f.now.Add(-time.Duration(i)*time.Minute))
		p.Author = store.Author{ID: fmt.Sprintf("big%d", i), Handle: fmt.Sprintf("big%d", i), Followers: 4_000_000_000}
		f.add(t, p)
	}
	srv := newServer(t, f.h)
	b := newBrowser(t, 1200, 630)
	for _, lang := range []string{"en", "ar", "de"} {
		var problems, title []string
		var card []byte
		b.run(t, "share card "+lang,
			chromedp.Navigate(srv+"/api/v1/campaigns/afp/card.svg?lang="+lang),
			chromedp.Evaluate(cardFits, &problems),
			chromedp.Evaluate(`[...document.querySelectorAll("text.title")].map((e) => e.textContent)`, &title),
			chromedp.CaptureScreenshot(&card),
		)
		artifact(t, "card-long-"+lang+".png", card)
		for _, p := range problems {
			t.Errorf("card %s: %s", lang, p)
		}
		if len(title) != 2 || !strings.HasPrefix(title[0], "#AllForPalestine — International") || !strings.HasSuffix(title[1], "…") {
			t.Errorf("card %s: title lines %q, want two, the second cut with an ellipsis", lang, title)
		}
	}
	b.noErrors(t)
}

// TestBrowserSourcesWarnings: the page's sources table shows a working
// source's warning and its rate limit beside its state, and what each
// source saw (Mastodon instances: posts seen, of them stored first), in the
// page's language; nothing for a source without a warning.
func TestBrowserSourcesWarnings(t *testing.T) {
	ok := time.Now().Add(-time.Minute)
	warn := "instagram: not searching #gaza: this account has queried 30 distinct hashtags in the last 7 days and Instagram allows 30"
	f := newFixture(t, func(o *Options) {
		o.Sources = healthFor([]store.SourceHealth{
			{Name: "instagram:17841405309211844", Source: "instagram", Kind: store.KindPoll, State: store.StateOK, LastSuccess: &ok, Warnings: []string{warn}},
			{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: store.KindPoll, State: store.StateOK, LastSuccess: &ok,
				RateLimit: &store.RateLimitInfo{Limit: 300, Remaining: 280}, Stored: store.SourceTally{Added: 1200, Duplicate: 34}},
		})
	})
	f.fill(t)
	srv := newServer(t, f.h)
	b := newBrowser(t, 1280, 900)
	for _, c := range []struct{ lang, prefix, seen, rate string }{
		{"en", "warning: ", "1,234 (1,200 first here)", "limit: 280 of 300 left"},
		{"de", "Warnung: ", "1.234 (1.200 zuerst hier)", "Limit: 280 von 300 übrig"},
	} {
		var rows []string
		b.run(t, "open the campaign page ("+c.lang+")",
			chromedp.Navigate(srv+"/c/afp?lang="+c.lang),
			loaded(),
			chromedp.Evaluate(`[...document.querySelectorAll("#t-sources tbody tr")].map((r) => r.textContent)`, &rows),
		)
		if len(rows) != 2 || !strings.Contains(rows[0], "instagram:17841405309211844") || !strings.Contains(rows[0], " · "+c.prefix+warn) {
			t.Errorf("%s: instagram row %q", c.lang, rows)
		}
		if len(rows) == 2 && (strings.Contains(rows[1], c.prefix) || !strings.Contains(rows[1], c.seen) || !strings.Contains(rows[1], c.rate)) {
			t.Errorf("%s: mastodon row %q, want %q and %q and no warning", c.lang, rows[1], c.seen, c.rate)
		}
	}
}
