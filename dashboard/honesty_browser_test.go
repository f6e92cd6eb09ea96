package dashboard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// honestyFixture is the campaign fixture with every collector failing
// since 13:05 (Gaza), a Threads source without follower counts, Instagram
// posts without authors, and a day
// of voices: many posting once, one loud account.
func honestyFixture(t *testing.T) *fixture {
	last := time.Date(2026, 11, 29, 13, 5, 0, 0, gazaNow.Location())
	f := newFixture(t, func(o *Options) {
		o.Sources = healthFor([]store.SourceHealth{
			{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: store.KindPoll, State: store.StateBackoff, ConsecutiveErrors: 7, LastSuccess: &last,
				LastError: &store.ErrorInfo{Message: `mastodon:mastodon.social: Get "https://mastodon.social/api/v1/timelines/tag/allforpalestine": dial tcp: lookup mastodon.social: connection refused`,
					At: gazaNow, Class: store.ErrorDial, Host: "mastodon.social"}},
			{Name: "x:afp", Campaign: "afp", Source: "x", Kind: store.KindPoll, State: store.StateBackoff, ConsecutiveErrors: 3,
				LastError: &store.ErrorInfo{Message: "x:afp: /2/tweets/search/recent: HTTP 401: Unauthorized", At: gazaNow, Class: store.ErrorUnauthorized, Status: 401}},
		})
	})
	f.fill(t)
	loud := f.post("allforpalestine", f.now.Add(-20*time.Minute))
	loud.Author = store.Author{ID: "tagesschau", Handle: "tagesschau", Followers: 3_090_000}
	var threads []store.Post
	for i := range 3 {
		p := f.post("allforpalestine", f.now.Add(-time.Duration(10+i)*time.Minute))
		p.Source, p.Author.Followers = "threads", 0
		p.Author.ID = fmt.Sprintf("threads-%d", i)
		threads = append(threads, p)
	}
	for i := range 2 {
		p := f.post("allforpalestine", f.now.Add(-time.Duration(30+i)*time.Minute))
		p.Platform, p.Source, p.Author = store.PlatformInstagram, store.SourceInstagram, store.Author{}
		threads = append(threads, p)
	}
	f.add(t, append(threads, loud)...)
	return f
}

// TestBrowserHonesty: at 390 px in English and Arabic, the page says the
// collection stopped (at 13:05, with plain reasons and the raw errors
// behind a toggle), compares with yesterday at the same minute (14:30),
// shows the loudest and the new voices, and says beside the figures what a
// platform cannot know. Screenshots are written as artifacts.
func TestBrowserHonesty(t *testing.T) {
	f := honestyFixture(t)
	srv := newServer(t, f.h)
	ls, _ := loadCatalogs()
	var hl headlineView
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &hl)
	var top aggregator.Top
	f.getJSON(t, "/api/v1/campaigns/afp/top", &top)
	if len(top.Loudest) == 0 || top.Loudest[0].Handle != "tagesschau" {
		t.Fatalf("loudest = %+v, want tagesschau first", top.Loudest)
	}
	for _, lang := range []string{"en", "ar"} {
		t.Run(lang, func(t *testing.T) {
			L := ls[lang]
			b := newBrowser(t, 390, 844)
			var state, text, details, same, loudest, newVoices, thinReach, thinParts, thinCountries, unknown string
			var detailsOpen bool
			b.run(t, "open the page",
				chromedp.Navigate(srv+"/c/afp?lang="+lang),
				loaded(),
				chromedp.AttributeValue("#collection", "data-state", &state, nil),
				chromedp.Text("#collection-state", &text),
				chromedp.Evaluate(`document.querySelector("#collection-details").open`, &detailsOpen),
				chromedp.Evaluate(`document.querySelector("#collection-sources").textContent`, &details),
				chromedp.Text(`[data-cmp="posts.same"]`, &same),
				chromedp.Text("#t-loudest tbody", &loudest),
				chromedp.Text("#t-new-voices tbody", &newVoices),
				chromedp.Evaluate(`document.querySelector('[data-thin="reach"]').textContent`, &thinReach),
				chromedp.Evaluate(`document.querySelector('[data-thin="participants"]').textContent`, &thinParts),
				chromedp.Evaluate(`document.querySelector('[data-thin="countries"]').textContent`, &thinCountries),
				chromedp.Text("#unknown-note", &unknown),
			)
			hm := func(h, m int) string {
				// The page formats times with Intl in the page's language;
				// Arabic uses Arabic-Indic digits.
				var s string
				b.run(t, "format a time", chromedp.Evaluate(fmt.Sprintf(`new Intl.DateTimeFormat(%q, {hour: "2-digit", minute: "2-digit", timeZone: "Asia/Gaza"}).format(new Date(Date.UTC(2026, 10, 29, %d, %d)))`, lang, h-2, m), &s))
				return s
			}
			if state != CollectingStop {
				t.Errorf("collection state %q, want stopped", state)
			}
			wantStop := strings.ReplaceAll(L.T("coll.stopped"), "{time}", hm(13, 5))
			if !strings.Contains(text, wantStop) {
				t.Errorf("collection text %q, want it to say %q", text, wantStop)
			}
			for _, reason := range []string{strings.ReplaceAll(L.T("reason.dial"), "{host}", "mastodon.social"), strings.ReplaceAll(L.T("reason.unauthorized"), "{platform}", L.T("source.x"))} {
				if !strings.Contains(text, reason) {
					t.Errorf("collection text %q lacks the plain reason %q", text, reason)
				}
			}
			if detailsOpen || !strings.Contains(details, "dial tcp") || !strings.Contains(details, "HTTP 401") {
				t.Errorf("raw errors (open %v): %q, want them behind a closed toggle", detailsOpen, details)
			}
			// Same minute: yesterday by 14:30, not by the end of the hour.
			wantSame, _, _ := strings.Cut(strings.ReplaceAll(L.T("cmp.same_time"), "{time}", hm(14, 30)), "{n}")
			if !strings.Contains(same, wantSame) {
				t.Errorf("same time %q, want the minute 14:30 (%q)", same, wantSame)
			}
			if !strings.Contains(loudest, "tagesschau") || !strings.Contains(newVoices, "tagesschau") {
				t.Errorf("loudest %q / new voices %q", loudest, newVoices)
			}
			if !strings.Contains(thinReach, L.T("source.threads")) {
				t.Errorf("reach note %q, want it to say Threads gives no follower counts", thinReach)
			}
			if !strings.Contains(thinParts, L.T("source.instagram")) || strings.Contains(thinReach, L.T("source.instagram")) {
				t.Errorf("participants note %q (reach note %q), want it to say Instagram gives no authors", thinParts, thinReach)
			}
			if !strings.Contains(thinCountries, L.T("source.bluesky")) || !strings.Contains(unknown, L.T("source.bluesky")) {
				t.Errorf("country notes %q / %q, want them to say Bluesky gives no location", thinCountries, unknown)
			}
			var png []byte
			b.run(t, "open the details", chromedp.Evaluate(`document.querySelector("#collection-details").open = true`, nil))
			b.run(t, "screenshot the collection state", chromedp.ScrollIntoView("#head-title", chromedp.ByID), chromedp.CaptureScreenshot(&png))
			artifact(t, "honesty-stopped-"+lang+"-390.png", png)
			b.run(t, "screenshot the headline", chromedp.ScrollIntoView("#headline", chromedp.ByID), chromedp.CaptureScreenshot(&png))
			artifact(t, "honesty-same-minute-"+lang+"-390.png", png)
			b.run(t, "screenshot the top lists", chromedp.ScrollIntoView("#t-loudest", chromedp.ByID), chromedp.CaptureScreenshot(&png))
			artifact(t, "honesty-top-lists-"+lang+"-390.png", png)
			b.noErrors(t)
		})
	}
}

// TestBrowserDayPickerMovesTables: choosing a day and pressing Show makes
// the countries, sources, arrivals, kinds and languages tables that day's
// (the page used to keep them on the whole campaign until From and To were
// set too).
func TestBrowserDayPickerMovesTables(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	srv := newServer(t, f.h)
	var rows []aggregator.Row
	f.getJSON(t, "/api/v1/campaigns/afp/days?from=2026-11-25&to=2026-11-25", &rows)
	if len(rows) != 1 || rows[0].Posts == 0 {
		t.Fatalf("the 25th: %+v", rows)
	}
	want := rows[0].Posts
	b := newBrowser(t, 1024, 900)
	sum := func(id string) string {
		return fmt.Sprintf(`[...document.querySelectorAll("#%s tbody tr")].reduce((a, tr) => a + (tr.children[1] ? Number(tr.children[1].textContent.replace(/[^0-9]/g, "")) : 0), 0)`, id)
	}
	var sums [5]int64
	var scope string
	b.run(t, "choose the 25th",
		chromedp.Navigate(srv+"/c/afp?lang=en"),
		loaded(),
		chromedp.SetValue("#day", "2026-11-25", chromedp.ByID),
		chromedp.Evaluate(`document.querySelector("#controls").requestSubmit(); true`, nil),
		chromedp.Poll(`document.querySelector("#hours-title").textContent.includes("25")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Poll(sum("t-source")+` === `+fmt.Sprint(want), nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(sum("t-country"), &sums[0]),
		chromedp.Evaluate(sum("t-source"), &sums[1]),
		chromedp.Evaluate(sum("t-arrival"), &sums[2]),
		chromedp.Evaluate(sum("t-kind"), &sums[3]),
		chromedp.Evaluate(sum("t-lang"), &sums[4]),
		chromedp.Text("#scope", &scope),
	)
	for i, s := range sums {
		if s != want {
			t.Errorf("table %d adds up to %d posts, want the 25th's %d", i, s, want)
		}
	}
	if !strings.Contains(scope, "25") {
		t.Errorf("scope %q does not name the day", scope)
	}
	b.noErrors(t)
}
