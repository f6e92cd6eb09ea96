package dashboard

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPlurals: counts take the plural form the language's CLDR rules give
// them (golang.org/x/text): "1 post", not "1 posts"; Arabic's six forms.
func TestPlurals(t *testing.T) {
	ls, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 1, "1 post"}, {"en", 0, "0 posts"}, {"en", 2, "2 posts"}, {"en", 1234, "1,234 posts"},
		{"fr", 0, "0 publication"}, {"fr", 1, "1 publication"}, {"fr", 2, "2 publications"},
		{"de", 1, "1 Beitrag"}, {"es", 5, "5 publicaciones"},
		{"ar", 0, "لا منشورات"}, {"ar", 1, "منشور واحد"}, {"ar", 2, "منشوران"}, {"ar", 3, "3 منشورات"},
		{"ar", 11, "11 منشورًا"}, {"ar", 100, "100 منشور"}, {"ar", 103, "103 منشورات"},
	} {
		if got := ls[c.lang].N("count.posts", c.n); got != c.want {
			t.Errorf("%s N(count.posts, %d) = %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		lang  string
		share float64
		want  string
	}{{"en", 0.123, "12.3%"}, {"de", 0.5, "50,0\u00a0%"}, {"ar", 0.25, "25.0\u200e%\u200e"}} {
		if got := ls[c.lang].Percent(c.share); got != c.want {
			t.Errorf("%s Percent(%v) = %q, want %q", c.lang, c.share, got, c.want)
		}
	}
}

// TestIndexPlural: the campaign list says "1 post · 1 participant".
func TestIndexPlural(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, f.post("allforpalestine", f.now))
	body := f.get(t, "/?lang=en").Body.String()
	mustContain(t, "index page", body, "1 post · 1 participant")
	if strings.Contains(body, "1 posts") || strings.Contains(body, "1 participants") {
		t.Errorf("index page says %q", "1 posts")
	}
}

// TestBrowserPluralLabels: the headline's labels follow the count in the
// page too (Intl.PluralRules): "Post" under 1 in English; in Arabic the
// dual under 2.
func TestBrowserPluralLabels(t *testing.T) {
	f := newFixture(t, nil)
	f.add(t, f.post("allforpalestine", f.now.Add(-time.Minute)))
	srv := newServer(t, f.h)
	b := newBrowser(t, 390, 844)
	var posts, parts, countries string
	label := func(k string, v *string) chromedp.Action {
		return chromedp.Text(`[data-fig="`+k+`"] ~ .l`, v)
	}
	var png []byte
	b.run(t, "English", chromedp.Navigate(srv+"/c/afp?lang=en"), loaded(), label("posts", &posts), label("participants", &parts), label("countries", &countries), chromedp.CaptureScreenshot(&png))
	artifact(t, "plural-en-390.png", png)
	if posts != "Post" || parts != "Participant" {
		t.Errorf("English labels under 1: %q, %q (countries %q)", posts, parts, countries)
	}
	f.add(t, f.post("allforpalestine", f.now.Add(-time.Minute)))
	b.run(t, "Arabic", chromedp.Navigate(srv+"/c/afp?lang=ar"), loaded(), label("posts", &posts), label("participants", &parts), chromedp.CaptureScreenshot(&png))
	if posts != "منشوران" || parts != "مشاركان" {
		t.Errorf("Arabic labels under 2: %q, %q", posts, parts)
	}
	artifact(t, "plural-ar-390.png", png)
	b.noErrors(t)
}
