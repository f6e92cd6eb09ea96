package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tagpulse/tagpulse/store"
)

// TestIndexRedirectKeepsLanguage: with one campaign, / sends the browser to
// its page, and ?lang= goes along (it was dropped, and the page opened in
// the browser's language).
func TestIndexRedirectKeepsLanguage(t *testing.T) {
	f := newFixtureWith(t, campaigns(gazaNow.Location())[:1], nil)
	w := f.get(t, "/?lang=ar")
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/c/afp?lang=ar" {
		t.Fatalf("GET /?lang=ar: %d, Location %q; want 302 to /c/afp?lang=ar", w.Code, w.Header().Get("Location"))
	}
	page := f.get(t, w.Header().Get("Location"))
	mustContain(t, "the redirected page", page.Body.String(), `lang="ar" dir="rtl"`)
}

// TestSignInPage: a browser without the dashboard's token gets a sign-in
// page (a 401, in its language), not a bare "unauthorized"; posting the
// wrong token says so, the right one sets the cookie and goes on. Scripts
// and the API still get the plain 401.
func TestSignInPage(t *testing.T) {
	const token = "tok-dashboard-0123456789"
	f := newFixture(t, func(o *Options) { o.Access = Access{Token: token} })
	f.fill(t)
	html := "text/html,application/xhtml+xml"
	w := f.get(t, "/c/afp?lang=ar", "Accept", html)
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("browser without token: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	ar := f.mustLocale(t, "ar")
	mustContain(t, "sign-in page", w.Body.String(), `dir="rtl"`, escapeText(ar.T("signin.title")), `type="password" name="token"`, `method="post"`)
	if api := f.get(t, "/api/v1/campaigns/afp", "Accept", "application/json"); api.Code != 401 || strings.Contains(api.Body.String(), "<form") {
		t.Errorf("API without token: %d %q", api.Code, api.Body.String())
	}
	post := func(tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/c/afp?lang=en", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", html)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, r)
		return rec
	}
	wrong := post("not-the-token-at-all")
	mustContain(t, "wrong token", wrong.Body.String(), escapeText(f.mustLocale(t, "en").T("signin.wrong")))
	tokenCookies := func(rec *httptest.ResponseRecorder) (out []*http.Cookie) {
		for _, c := range rec.Result().Cookies() {
			if c.Name == tokenCookie {
				out = append(out, c)
			}
		}
		return out
	}
	if wrong.Code != 401 || len(tokenCookies(wrong)) != 0 {
		t.Errorf("wrong token: %d, cookies %v", wrong.Code, wrong.Result().Cookies())
	}
	right := post(token)
	if right.Code != http.StatusSeeOther || right.Header().Get("Location") != "/c/afp?lang=en" {
		t.Fatalf("right token: %d, Location %q", right.Code, right.Header().Get("Location"))
	}
	cookie := tokenCookies(right)
	if len(cookie) != 1 || cookie[0].Value != token || !cookie[0].HttpOnly {
		t.Fatalf("cookie: %v", cookie)
	}
	if in := f.get(t, "/c/afp?lang=en", "Cookie", cookie[0].Name+"="+cookie[0].Value); in.Code != 200 {
		t.Errorf("with the cookie: %d", in.Code)
	}
}

// TestBrowserSignIn signs in through the page in Chromium at phone size,
// in English and Arabic, and keeps screenshots.
func TestBrowserSignIn(t *testing.T) {
	const token = "tok-dashboard-0123456789"
	f := newFixture(t, func(o *Options) { o.Access = Access{Token: token} })
	f.fill(t)
	srv := newServer(t, f.h)
	for _, lang := range []string{"en", "ar"} {
		b := newBrowser(t, 390, 844)
		var png []byte
		var title string
		b.run(t, "sign-in page",
			chromedp.Navigate(srv+"/c/afp?lang="+lang),
			chromedp.WaitVisible(`input[name="token"]`),
			chromedp.Text("h1", &title),
			chromedp.CaptureScreenshot(&png),
		)
		if want := f.mustLocale(t, lang).T("signin.title"); title != want {
			t.Errorf("%s: title %q, want %q", lang, title, want)
		}
		artifact(t, "signin-"+lang+"-390.png", png)
		b.run(t, "sign in",
			chromedp.SendKeys(`input[name="token"]`, token),
			chromedp.Click(`form button[type="submit"]`, chromedp.NodeVisible),
		)
		b.run(t, "the campaign page after signing in", chromedp.WaitVisible(`#headline`), loaded())
		// (The sign-in page's own 401 is in the browser's log: no noErrors.)
	}
}

// topPostFixture adds an Arabic post that ends in a Latin hashtag and
// mentions a handle, first among the top posts.
func topPostFixture(t *testing.T) (*fixture, string) {
	f := newFixture(t, nil)
	f.fill(t)
	p := f.post("allforpalestine", f.now.Add(-time.Minute))
	p.Text = "تحية إلى @gaza_news من كل العالم #AllForPalestine"
	p.Lang = "ar"
	p.Engagement = 2_000_000
	f.add(t, p)
	return f, newServer(t, f.h)
}

// TestBrowserHashtagIsolation: in an Arabic post, a Latin hashtag and a
// handle keep their # and @ in front ("#AllForPalestine", not
// "AllForPalestine#"): the # is drawn left of the A.
func TestBrowserHashtagIsolation(t *testing.T) {
	_, srv := topPostFixture(t)
	for _, lang := range []string{"ar", "en"} {
		b := newBrowser(t, 390, 844)
		// Where the '#' and the 'A' after it are drawn, and the same for '@'.
		const probe = `(() => {
  const p = document.querySelector("#top-posts li:first-child .text");
  const at = (s, i) => { const w = document.createTreeWalker(p, NodeFilter.SHOW_TEXT); let n, seen = 0;
    while ((n = w.nextNode())) { const k = n.data.indexOf(s); if (k >= 0) { const r = document.createRange(); r.setStart(n, k + i); r.setEnd(n, k + i + 1); return r.getBoundingClientRect().left; } }
    return NaN; };
  return [at("#AllForPalestine", 0), at("#AllForPalestine", 1), at("@gaza_news", 0), at("@gaza_news", 1), p.querySelectorAll("bdi").length];
})()`
		var pos []float64
		var png []byte
		b.run(t, "open the page", chromedp.Navigate(srv+"/c/afp?lang="+lang), loaded(),
			chromedp.Evaluate(probe, &pos),
			chromedp.ScrollIntoView("#top-posts"),
			chromedp.CaptureScreenshot(&png))
		if len(pos) != 5 || !(pos[0] < pos[1]) || !(pos[2] < pos[3]) || pos[4] != 2 {
			t.Errorf("%s: '#' at %v, 'A' at %v, '@' at %v, 'g' at %v, %v <bdi>: want the # and @ left of the word, each isolated", lang, pos[0], pos[1], pos[2], pos[3], pos[4])
		}
		artifact(t, "top-post-bdi-"+lang+"-390.png", png)
		b.noErrors(t)
	}
}

// hourLabels reads the hours chart's time labels.
const hourLabels = `[...document.querySelectorAll("#chart-hours text.x")].map((e) => e.textContent)`

// TestBrowserHourAxis: the hour labels are evenly spaced at every width,
// in English too, where the first label ("12:00 AM", wide) was moved inside
// and pushed the next one ("03:00 AM", or "04:00 AM" on a phone) out.
func TestBrowserHourAxis(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	srv := newServer(t, f.h)
	hourOf := regexp.MustCompile(`(\d\d):00(?:\s*([AP]M))?`)
	for _, lang := range []string{"en", "ar", "de"} {
		for _, width := range []int{1366, 390} {
			b := newBrowser(t, width, 900)
			var labels []string
			b.run(t, "open", chromedp.Navigate(srv+"/c/afp?lang="+lang), loaded(), chromedp.Evaluate(hourLabels, &labels))
			if width == 390 && lang != "de" {
				var png []byte
				b.run(t, "screenshot", chromedp.ScrollIntoView("#chart-hours"), chromedp.CaptureScreenshot(&png))
				artifact(t, "hours-"+lang+"-390.png", png)
			}
			var hours []int
			for _, l := range labels {
				l = strings.NewReplacer("ص", "AM", "م", "PM").Replace(l) // Arabic's AM and PM
				m := hourOf.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				h := int(m[1][0]-'0')*10 + int(m[1][1]-'0')
				if m[2] == "PM" && h != 12 {
					h += 12
				} else if m[2] == "AM" && h == 12 {
					h = 0
				}
				hours = append(hours, h)
			}
			if len(hours) < 3 || len(hours) != len(labels) {
				t.Errorf("%s at %d px: labels %q", lang, width, labels)
				continue
			}
			for i := 2; i < len(hours); i++ {
				if hours[i]-hours[i-1] != hours[1]-hours[0] {
					t.Errorf("%s at %d px: hour labels %q are not evenly spaced (one was dropped)", lang, width, labels)
					break
				}
			}
			if lang == "en" && width == 1366 && !strings.Contains(strings.Join(labels, "|"), "03:00 AM") {
				t.Errorf("English desktop hour axis lacks 03:00 AM: %q", labels)
			}
			b.noErrors(t)
		}
	}
}

// TestBrowserPrintOnePage: printed (Chromium's PDF, A4), the campaign page
// is one sheet with the headline, posts per hour, the top countries and
// the top posts, and without the controls.
func TestBrowserPrintOnePage(t *testing.T) {
	f, srv := topPostFixture(t)
	// Many countries, so the table would run long.
	var posts []store.Post
	for i, cc := range []string{"BR", "IN", "JO", "LB", "EG", "TR", "MY", "ID", "PK", "IE", "IT", "NL", "BE", "SE", "NO", "CA", "AU", "MX", "AR", "CL"} {
		p := f.post("allforpalestine", f.now.Add(-time.Duration(i)*time.Minute))
		p.Signals.PlaceCountry = cc
		posts = append(posts, p)
	}
	f.add(t, posts...)
	for _, lang := range []string{"en", "ar"} {
		b := newBrowser(t, 1280, 900)
		var visible, hidden []string
		const shown = `(ids) => ids.filter((s) => { const e = document.querySelector(s); return e && e.getBoundingClientRect().height > 0 && getComputedStyle(e).display !== "none"; })`
		b.run(t, "open", chromedp.Navigate(srv+"/c/afp?lang="+lang), loaded(),
			emulation.SetEmulatedMedia().WithMedia("print"),
			chromedp.Evaluate(`(`+shown+`)(["#headline", "#chart-hours", "#t-country", "#top-posts"])`, &visible),
			chromedp.Evaluate(`(`+shown+`)(["#controls", "#chart-days", "#completeness", "#t-source", ".langs"])`, &hidden),
			emulation.SetEmulatedMedia().WithMedia(""),
		)
		if len(visible) != 4 {
			t.Errorf("%s print: shown %q of the headline, hours, countries, top posts", lang, visible)
		}
		if len(hidden) != 0 {
			t.Errorf("%s print: %q still shown", lang, hidden)
		}
		var pdf []byte
		b.run(t, "print", chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = page.PrintToPDF().WithPreferCSSPageSize(true).WithPrintBackground(true).Do(ctx)
			return err
		}))
		pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
		if pages != 1 {
			t.Errorf("%s: the printed page is %d A4 pages, want 1", lang, pages)
		}
		dir := os.Getenv("TAGPULSE_ARTIFACTS")
		if dir == "" {
			dir = t.TempDir()
		}
		os.MkdirAll(dir, 0o755)
		out := filepath.Join(dir, "print-"+lang+".pdf")
		if err := os.WriteFile(out, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("printed: %s (%d pages, %d bytes)", out, pages, len(pdf))
		if p, err := exec.LookPath("pdftoppm"); err == nil {
			stem := filepath.Join(t.TempDir(), "print")
			if err := exec.Command(p, "-png", "-r", "60", "-singlefile", out, stem).Run(); err == nil {
				if png, err := os.ReadFile(stem + ".png"); err == nil {
					artifact(t, "print-"+lang+".png", png)
				}
			}
		}
		b.noErrors(t)
	}
}
