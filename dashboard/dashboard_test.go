package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

func TestIndexPage(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	w := f.get(t, "/", "Accept-Language", "de-CH, de;q=0.9, en;q=0.5")
	if w.Code != http.StatusOK {
		t.Fatalf("GET /: %d", w.Code)
	}
	body := w.Body.String()
	mustContain(t, "index", body, `<html lang="de" dir="ltr">`, "Kampagnen", `href="/c/afp"`, `href="/c/afp2025"`, "Beiträge")
	// Thousands separators, German style, and the figure from the store.
	tot, err := f.agg.Totals("afp")
	if err != nil {
		t.Fatal(err)
	}
	de := f.mustLocale(t, "de")
	mustContain(t, "index", body, de.Number(tot.Posts)+" Beiträge")
}

func (f *fixture) mustLocale(tb testing.TB, lang string) *locale {
	tb.Helper()
	ls, err := loadCatalogs()
	if err != nil {
		tb.Fatal(err)
	}
	return ls[lang]
}

func TestCampaignPageLanguages(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	ls, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			w := f.get(t, "/c/afp?lang="+lang)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			l := ls[lang]
			mustContain(t, "page", body, `<html lang="`+lang+`" dir="`+l.Dir+`">`,
				escapeText(l.T("sec.days")), escapeText(l.T("sec.completeness")), escapeText(l.T("fig.reach")), `data-api="/api/v1/campaigns/afp"`)
			if c := w.Result().Cookies(); len(c) == 0 || c[0].Name != langCookie || c[0].Value != lang {
				t.Errorf("?lang=%s did not set the language cookie: %v", lang, c)
			}
			h := w.Header()
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("CSP = %q", csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			// No inline script at all: every <script> has a src.
			for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
				if !strings.Contains(m, `src="/static/`) {
					t.Errorf("inline script: %s", m)
				}
			}
			if regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
				t.Error("inline event handler attribute in page")
			}
		})
	}
	// The cookie is remembered without ?lang.
	w := f.get(t, "/c/afp", "Cookie", langCookie+"=ar")
	mustContain(t, "page with cookie", w.Body.String(), `dir="rtl"`)
}

// escapeText is how html/template writes text: apostrophes and quotes as entities.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", `"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestAcceptLanguage(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", "en"},
		{"ar-PS,ar;q=0.9,en;q=0.8", "ar"},
		{"fr-CA", "fr"},
		{"es-419, en;q=0.5", "es"},
		{"ja, de;q=0.3", "de"},
		{"en;q=0.2, de;q=0.8", "de"},
		{"zh-TW, ja", "en"},
		{"fr;q=0, ar;q=0.1", "ar"},
	} {
		if got := fromAcceptLanguage(c.header); got != c.want {
			t.Errorf("Accept-Language %q: %s, want %s", c.header, got, c.want)
		}
	}
}

func TestEscaping(t *testing.T) {
	f := newFixture(t, nil)
	f.agg = aggregator.New(f.db, []store.Campaign{{Name: "x", Title: `<script>alert(1)</script>"onerror=x`, Hashtags: []string{`a"><img src=x onerror=alert(1)>`}, Location: f.gaza, Timezone: "Asia/Gaza"}}, aggregator.Options{Now: func() time.Time { return f.now }})
	h, err := NewHandler(Options{Aggregator: f.agg})
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	for _, target := range []string{"/c/x", "/api/v1/campaigns/x/card.svg"} {
		body := f.get(t, target).Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: hostile campaign text not escaped", target)
		}
		mustContain(t, target, body, "&lt;script&gt;alert(1)&lt;/script&gt;")
	}
}

func TestHeadline(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	var hl aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &hl)
	if hl.Day != "2026-11-29" || !hl.IsToday || hl.PreviousDay != "2026-11-28" {
		t.Fatalf("day %s today %v prev %s", hl.Day, hl.IsToday, hl.PreviousDay)
	}
	rows, err := f.agg.Report(aggregator.Query{Campaign: "afp", By: []string{"day"}, From: "2026-11-28", To: "2026-11-29"})
	if err != nil {
		t.Fatal(err)
	}
	if hl.Previous != rows[0].Figures || hl.Figures != rows[1].Figures {
		t.Errorf("headline %+v / %+v, want %+v / %+v", hl.Previous, hl.Figures, rows[0].Figures, rows[1].Figures)
	}
	if hl.Figures.Posts != 45 || hl.Previous.Posts != 40 {
		t.Errorf("posts today %d yesterday %d, want 45 and 40", hl.Figures.Posts, hl.Previous.Posts)
	}
	if hl.Countries < 5 || hl.UnknownShare <= 0 || hl.UnknownShare >= 1 {
		t.Errorf("countries %d unknown share %v", hl.Countries, hl.UnknownShare)
	}
	st := hl.SameTimeYesterday
	if st == nil {
		t.Fatal("no same-time-yesterday for today")
	}
	// The same minute yesterday, not the end of the hour.
	if want := time.Date(2026, 11, 28, 14, 30, 0, 0, f.gaza); !st.Until.Equal(want) || st.WholeDay {
		t.Errorf("until %v (whole day %v), want %v", st.Until, st.WholeDay, want)
	}
	// Recount yesterday's posts before 14:30 from the raw posts.
	var want int64
	f.db.Posts(0, func(_ uint64, p *store.Post) error {
		if c := f.agg.Campaign("afp"); c.Matches(p.Hashtags) && c.Day(p.CreatedAt) == "2026-11-28" && p.CreatedAt.Before(st.Until) {
			want++
		}
		return nil
	})
	if st.Posts != want || st.Posts == 0 || st.Posts >= hl.Previous.Posts {
		t.Errorf("same time posts %d, want %d (of %d)", st.Posts, want, hl.Previous.Posts)
	}
	// Participants so far yesterday: distinct authors with a post before
	// then, recounted from the raw posts.
	c := f.agg.Campaign("afp")
	authors := map[string]bool{}
	f.db.Posts(0, func(_ uint64, p *store.Post) error {
		if c.Matches(p.Hashtags) && c.Day(p.CreatedAt) == "2026-11-28" && p.CreatedAt.Before(st.Until) {
			authors[p.Author.Key(p.Platform)] = true
		}
		return nil
	})
	if st.Participants != int64(len(authors)) || st.Participants == 0 || st.Participants > hl.Previous.Participants {
		t.Errorf("same time participants %d, want %d (of %d)", st.Participants, len(authors), hl.Previous.Participants)
	}
	// Another day: no same-time figure.
	hl = aggregator.Headline{}
	f.getJSON(t, "/api/v1/campaigns/afp/headline?day=2026-11-25", &hl)
	if hl.IsToday || hl.SameTimeYesterday != nil || hl.Figures.Posts != 25 {
		t.Errorf("past day: %+v", hl)
	}
	if w := f.get(t, "/api/v1/campaigns/afp/headline?day=junk"); w.Code != http.StatusBadRequest {
		t.Errorf("bad day: %d", w.Code)
	}
	if w := f.get(t, "/api/v1/campaigns/nope/headline"); w.Code != http.StatusNotFound {
		t.Errorf("unknown campaign: %d", w.Code)
	}
}

func TestCrossCheck(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	var out struct {
		Day     string                  `json:"day"`
		Sources []aggregator.CrossCheck `json:"sources"`
	}
	f.getJSON(t, "/api/v1/campaigns/afp/crosscheck", &out)
	if len(out.Sources) != 0 {
		t.Fatalf("cross-check without platform counts: %+v", out.Sources)
	}
	hours, _ := f.agg.Report(aggregator.Query{Campaign: "afp", By: []string{"hour", "source"}, From: "2026-11-29", To: "2026-11-29"})
	counts := map[time.Time]int64{}
	var collected int64
	for _, h := range hours {
		if h.Source == store.SourceX {
			ht, _ := time.Parse(time.RFC3339, h.Hour)
			counts[ht] = h.Posts + 2
			collected += h.Posts
		}
	}
	if len(counts) == 0 {
		t.Fatal("fixture has no X posts today")
	}
	if err := f.db.PutPlatformCounts("afp", store.SourceX, counts); err != nil {
		t.Fatal(err)
	}
	f.getJSON(t, "/api/v1/campaigns/afp/crosscheck", &out)
	want := aggregator.CrossCheck{Source: "x", Hours: len(counts), Platform: collected + 2*int64(len(counts)), Collected: collected}
	if len(out.Sources) != 1 || out.Sources[0] != want {
		t.Errorf("cross-check %+v, want %+v", out.Sources, want)
	}
	w := f.get(t, "/api/v1/campaigns/afp/crosscheck?format=csv")
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][0] != "x" {
		t.Errorf("cross-check CSV %v %v", recs, err)
	}
}

func TestCSV(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	p := f.post("allforpalestine", f.now.Add(-time.Minute))
	p.Text, p.Author.Handle, p.Engagement = "=HYPERLINK(\"http://evil\")", "@=cmd", 10000
	f.add(t, p)
	for _, c := range []struct {
		target string
		header []string
		rows   int
	}{
		{"/api/v1/campaigns/afp/days?format=csv", append([]string{"day"}, aggregator.FigureNames...), 15},
		{"/api/v1/campaigns/afp/totals?by=country&format=csv", append([]string{"country"}, aggregator.FigureNames...), 8},
		{"/api/v1/campaigns/afp/days?by=lang&from=2026-11-28&to=2026-11-29&format=csv", append([]string{"day", "lang"}, aggregator.FigureNames...), 10},
		{"/api/v1/campaigns/afp/hours?day=2026-11-29&format=csv", append([]string{"hour"}, aggregator.FigureNames...), -1},
		{"/api/v1/campaigns/afp/top?format=csv&list=posts", []string{"rank", "platform", "id", "url", "kind", "author", "country", "created_at", "engagement", "text"}, -1},
		{"/api/v1/campaigns/afp/top?format=csv&list=participants", []string{"rank", "author", "handle", "posts", "followers"}, -1},
	} {
		w := f.get(t, c.target)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %v", c.target, w.Code, w.Header())
			continue
		}
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil {
			t.Errorf("%s: %v", c.target, err)
			continue
		}
		if !slices.Equal(recs[0], c.header) {
			t.Errorf("%s: header %v, want %v", c.target, recs[0], c.header)
		}
		if c.rows >= 0 && len(recs)-1 != c.rows {
			t.Errorf("%s: %d rows, want %d", c.target, len(recs)-1, c.rows)
		}
		if len(recs) < 2 {
			t.Errorf("%s: no rows", c.target)
		}
		if strings.Contains(c.target, "list=posts") {
			if recs[1][9] != "'=HYPERLINK(\"http://evil\")" || recs[1][5] != "@=cmd" && recs[1][5] != "'@=cmd" {
				t.Errorf("formula not neutralised: %q %q", recs[1][9], recs[1][5])
			}
		}
	}
}

func TestShareCard(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	ls, _ := loadCatalogs()
	var hl aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline?day=2026-11-28", &hl)
	for _, lang := range Languages {
		w := f.get(t, "/api/v1/campaigns/afp/card.svg?day=2026-11-28&lang="+lang)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/svg+xml; charset=utf-8" {
			t.Fatalf("%s: %d %s", lang, w.Code, w.Header().Get("Content-Type"))
		}
		// Well-formed XML, 1200×630, and the day's figures in the language.
		var root struct {
			XMLName xml.Name
			Width   string   `xml:"width,attr"`
			Height  string   `xml:"height,attr"`
			Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Dir     string   `xml:"direction,attr"`
			Texts   []string `xml:"text"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &root); err != nil {
			t.Fatalf("%s: not XML: %v", lang, err)
		}
		l := ls[lang]
		if root.XMLName.Local != "svg" || root.Width != "1200" || root.Height != "630" || root.Lang != lang || root.Dir != l.Dir {
			t.Errorf("%s: %+v", lang, root)
		}
		all := strings.Join(root.Texts, "\n")
		mustContain(t, "card "+lang, all, l.T("fig.posts"), l.T("fig.reach"), l.Number(hl.Figures.Posts), l.Date("2026-11-28"), "#allforpalestine")
		// The day's first country by name, in the language.
		top := topCountries(hl.ByCountry, 1)[0].Country
		mustContain(t, "card "+lang, all, l.Country(top))
		if l.Country(top) == top {
			t.Errorf("%s: country %s has no name", lang, top)
		}
	}
	want := map[string]string{"en": "Palestine", "ar": "فلسطين", "fr": "Palestine", "es": "Palestina", "de": "Palästina"}
	for lang, name := range want {
		if got := ls[lang].Country("PS"); got != name {
			t.Errorf("%s: PS is %q, want %q", lang, got, name)
		}
	}
	if got := ls["en"].Country("ZZ"); got != ls["en"].T("country.unknown") {
		t.Errorf("ZZ is %q", got)
	}
}

func TestAccess(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "tagpulse_test", Help: "test"}))
	f := newFixture(t, func(o *Options) {
		o.Access = Access{User: "coord", Password: "pw", Token: "tok-dashboard"}
		o.MetricsAccess = Access{Token: "tok-metrics"}
		o.Gatherer = reg
		o.Public = map[string]string{"afp": "public-secret-0123456789"}
	})
	f.fill(t)
	code := func(target string, hdr ...string) int { return f.get(t, target, hdr...).Code }
	basic := func(u, p string) string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header.Get("Authorization")
	}
	for _, c := range []struct {
		name   string
		target string
		hdr    []string
		want   int
	}{
		{"page needs auth", "/c/afp", nil, 401},
		{"api needs auth", "/api/v1/campaigns", nil, 401},
		{"events need auth", "/api/v1/events", nil, 401},
		{"basic auth", "/c/afp", []string{"Authorization", basic("coord", "pw")}, 200},
		{"wrong password", "/c/afp", []string{"Authorization", basic("coord", "nope")}, 401},
		{"bearer", "/api/v1/campaigns", []string{"Authorization", "Bearer tok-dashboard"}, 200},
		{"token cookie", "/api/v1/campaigns", []string{"Cookie", tokenCookie + "=tok-dashboard"}, 200},
		{"metrics token is not the dashboard's", "/api/v1/campaigns", []string{"Authorization", "Bearer tok-metrics"}, 401},
		{"metrics need their own", "/metrics", []string{"Authorization", "Bearer tok-dashboard"}, 401},
		{"metrics", "/metrics", []string{"Authorization", "Bearer tok-metrics"}, 200},
		{"healthz open", "/healthz", nil, 200},
		{"static open", "/static/app.js", nil, 200},
		{"public page", "/p/public-secret-0123456789/", nil, 200},
		{"public api", "/p/public-secret-0123456789/api/v1/campaigns/afp/headline", nil, 200},
		{"public csv", "/p/public-secret-0123456789/api/v1/campaigns/afp/days?format=csv", nil, 200},
		{"public sources", "/p/public-secret-0123456789/api/v1/sources", nil, 200},
		{"public link is for one campaign", "/p/public-secret-0123456789/api/v1/campaigns/afp2025/days", nil, 404},
		{"public link lists nothing", "/p/public-secret-0123456789/api/v1/campaigns", nil, 404},
		{"wrong secret", "/p/public-secret-012345678x/", nil, 404},
	} {
		if got := code(c.target, c.hdr...); got != c.want {
			t.Errorf("%s: GET %s = %d, want %d", c.name, c.target, got, c.want)
		}
	}
	// ?token= becomes an HttpOnly cookie and a redirect without the token.
	w := f.get(t, "/c/afp?token=tok-dashboard&lang=fr")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/c/afp?lang=fr" {
		t.Errorf("token login: %d %q", w.Code, w.Header().Get("Location"))
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].Name != tokenCookie || !c[0].HttpOnly {
		t.Errorf("token cookie: %+v", c)
	}
	// The public page is read-only and talks to its own API prefix; the
	// private page shows the public link.
	pub := f.get(t, "/p/public-secret-0123456789/").Body.String()
	mustContain(t, "public page", pub, `data-api="/p/public-secret-0123456789/api/v1/campaigns/afp"`, `class="badge"`)
	if strings.Contains(pub, `id="compare"`) {
		t.Error("public page offers other campaigns")
	}
	priv := f.get(t, "/c/afp", "Authorization", "Bearer tok-dashboard").Body.String()
	mustContain(t, "private page", priv, `href="/p/public-secret-0123456789/"`, `id="compare"`)
}

func TestOptionsValidation(t *testing.T) {
	for name, mod := range map[string]func(*Options){
		"user without password": func(o *Options) { o.Access = Access{User: "a"} },
		"short public secret":   func(o *Options) { o.Public = map[string]string{"afp": "short"} },
		"unknown campaign":      func(o *Options) { o.Public = map[string]string{"nope": "0123456789abcdefgh"} },
		"slash in secret":       func(o *Options) { o.Public = map[string]string{"afp": "0123456789/abcdefgh"} },
	} {
		f := newFixture(t, nil)
		opts := Options{Aggregator: f.agg}
		mod(&opts)
		if _, err := NewHandler(opts); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestCatalogues walks every catalogue against the English one: same keys,
// nothing empty, the same placeholders, and no text left in English except
// names and loanwords listed here.
func TestCatalogues(t *testing.T) {
	ls, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	sameAsEnglish := map[string][]string{
		"fr": {"index.summary", "count.participants.one", "count.participants.other", "label.participants.one", "label.participants.other", "fig.participants", "col.participants", "col.source", "sec.sources", "kind.original", "source.import", "csv", "head.day", "card.day", "compl.error"},
		"es": {"index.summary", "kind.original", "csv", "head.day", "card.day", "compl.error", "source.demo"},
		"de": {"index.summary", "kind.original", "fig.reposts", "kind.repost", "csv", "head.day", "card.day", "source.demo", "source.import", "col.followers", "status.live", "month.8", "month.9", "month.11", "month.12", "month.4"},
		"ar": {"index.summary", "csv", "head.day", "card.day"},
	}
	brands := []string{"source.x", "source.mastodon", "source.bluesky", "source.instagram", "source.threads", "source.youtube", "source.telegram"}
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	en := ls["en"].msgs
	for _, lang := range Languages[1:] {
		c := ls[lang].msgs
		for k, ev := range en {
			v, ok := c[k]
			if !ok {
				t.Errorf("%s: missing %q", lang, k)
				continue
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
			if v == ev && k != "lang.name" && !slices.Contains(sameAsEnglish[lang], k) && !slices.Contains(brands, k) {
				t.Errorf("%s: %q is untranslated (%q)", lang, k, v)
			}
			pe, pv := placeholder.FindAllString(ev, -1), placeholder.FindAllString(v, -1)
			slices.Sort(pe)
			slices.Sort(pv)
			if _, form, plural := cutPluralForm(k); plural && form != "other" {
				// "منشور واحد", "one post", may leave the count out.
				pe = slices.DeleteFunc(pe, func(p string) bool { return p == "{n}" })
				pv = slices.DeleteFunc(pv, func(p string) bool { return p == "{n}" })
			}
			if !slices.Equal(pe, pv) {
				t.Errorf("%s: %q has placeholders %v, English %v", lang, k, pv, pe)
			}
		}
		for k, v := range c {
			if _, ok := en[k]; ok {
				continue
			}
			base, form, plural := cutPluralForm(k)
			if !plural || en[base+".other"] == "" {
				t.Errorf("%s: %q is not in the English catalogue", lang, k)
				continue
			}
			// A form English lacks (Arabic's zero, two, few, many) keeps
			// the other form's placeholders, {n} aside.
			pe := slices.DeleteFunc(placeholder.FindAllString(en[base+".other"], -1), func(p string) bool { return p == "{n}" })
			pv := slices.DeleteFunc(placeholder.FindAllString(v, -1), func(p string) bool { return p == "{n}" })
			if !slices.Equal(pe, pv) || form == "" {
				t.Errorf("%s: %q has placeholders %v, English %v", lang, k, pv, pe)
			}
		}
	}
	// Every key the page's script asks for exists.
	js, err := staticFiles.ReadFile("static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\("([a-z_.]+)"`).FindAllStringSubmatch(string(js), -1) {
		if _, ok := en[m[1]]; !ok {
			t.Errorf("app.js asks for %q, which is not in the catalogue", m[1])
		}
	}
}

func TestNumbers(t *testing.T) {
	ls, _ := loadCatalogs()
	for _, c := range []struct {
		lang string
		n    int64
		want string
	}{
		{"en", 1234567, "1,234,567"}, {"de", 1234567, "1.234.567"}, {"fr", 1234567, "1\u202f234\u202f567"},
		{"es", 999, "999"}, {"ar", 12345, "12,345"}, {"en", -1000, "-1,000"},
	} {
		if got := ls[c.lang].Number(c.n); got != c.want {
			t.Errorf("%s %d: %q, want %q", c.lang, c.n, got, c.want)
		}
	}
	if got := ls["fr"].Date("2026-11-29"); got != "29 novembre 2026" {
		t.Errorf("fr date %q", got)
	}
	if got := ls["en"].Date("2026-11-29"); got != "November 29, 2026" {
		t.Errorf("en date %q", got)
	}
}

// TestPageWeight keeps the campaign page, its script and its stylesheet
// under 150 KB before the map data.
func TestPageWeight(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	total := 0
	for _, target := range []string{"/c/afp?lang=ar", "/static/app.js", "/static/style.css"} {
		w := f.get(t, target)
		b, _ := io.ReadAll(w.Body)
		if w.Code != 200 {
			t.Fatalf("%s: %d", target, w.Code)
		}
		total += len(b)
	}
	if total > 150*1024 {
		t.Errorf("page weighs %d bytes, over 150 KB", total)
	}
	t.Logf("campaign page with script and style: %d bytes", total)
	var world struct {
		Paths map[string]string `json:"paths"`
	}
	f.getJSON(t, "/static/world.json", &world)
	for _, cc := range []string{"PS", "FR", "US", "ZA", "BR", "IN"} {
		if world.Paths[cc] == "" {
			t.Errorf("world map has no %s", cc)
		}
	}
}

func TestEvents(t *testing.T) {
	f := newFixture(t, nil)
	srv := newServer(t, f.h)
	s := nextChange(t, srv+"/api/v1/events?campaign=afp", func() { f.add(t, f.post("allforpalestine", f.now)) })
	if !strings.Contains(s, `data: {"aggregator_lag_posts":0}`) {
		t.Errorf("stream %q", s)
	}
	resp, err := http.Get(srv + "/api/v1/events?campaign=nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("events of an unknown campaign: %d", resp.StatusCode)
	}
}

// TestPublicEventsTellNothingOfOthers: through a public link the stream
// follows the link's campaign (whatever ?campaign= says) and carries no
// figure of the whole store.
func TestPublicEventsTellNothingOfOthers(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.Public = map[string]string{"afp": "public-secret-0123456789"} })
	srv := newServer(t, f.h)
	// Posts of the other campaign first, then the link's: the first event
	// must come from the second.
	var afterOther bool
	s := nextChange(t, srv+"/p/public-secret-0123456789/api/v1/events?campaign=afp2025", func() {
		f.add(t, f.post("allforpalestine2025", f.now.AddDate(-1, 0, 0))) // inside afp2025's window
		afterOther = true
		f.add(t, f.post("allforpalestine", f.now))
	})
	if !afterOther || !strings.Contains(s, "event: changed\ndata: {}\n") || strings.Contains(s, "lag") {
		t.Errorf("public stream %q", s)
	}
}

// nextChange opens an event stream, runs change once it is subscribed, and
// returns the stream up to its first "changed" event.
func nextChange(t *testing.T, url string, change func()) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf) // "retry: 3000": the stream is open and subscribed
	if !strings.HasPrefix(string(buf[:n]), "retry:") {
		t.Fatalf("first bytes %q", buf[:n])
	}
	change()
	got := make(chan string, 1)
	go func() {
		b := make([]byte, 256)
		var acc string
		for !strings.Contains(acc, "event: changed") || !strings.HasSuffix(acc, "\n\n") {
			n, err := resp.Body.Read(b)
			if err != nil {
				break
			}
			acc += string(b[:n])
		}
		got <- acc
	}()
	select {
	case s := <-got:
		if !strings.Contains(s, "event: changed") {
			t.Errorf("stream %q", s)
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no changed event within 10 s of CatchUp")
	}
	return ""
}

// TestCacheFollowsNewPosts: repeated API answers come from the cache, but
// never once new posts are folded into the rollups.
func TestCacheFollowsNewPosts(t *testing.T) {
	f := newFixture(t, nil)
	f.fill(t)
	var a, b aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &a)
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &b)
	if a.Figures != b.Figures {
		t.Fatalf("same query, different answers: %+v %+v", a.Figures, b.Figures)
	}
	f.add(t, f.post("allforpalestine", f.now))
	var c aggregator.Headline
	f.getJSON(t, "/api/v1/campaigns/afp/headline", &c)
	if c.Figures.Posts != a.Figures.Posts+1 {
		t.Errorf("after a new post: %d posts, want %d", c.Figures.Posts, a.Figures.Posts+1)
	}
	// Languages are cached apart.
	en := f.get(t, "/api/v1/campaigns/afp/card.svg?lang=en").Body.String()
	fr := f.get(t, "/api/v1/campaigns/afp/card.svg", "Accept-Language", "fr").Body.String()
	if !strings.Contains(en, "Posts") || !strings.Contains(fr, "Publications") {
		t.Error("card language mixed up by the cache")
	}
}

func TestUnknownCampaignPage(t *testing.T) {
	f := newFixture(t, nil)
	w := f.get(t, "/c/nope?lang=es")
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Content-Type"))
	}
	mustContain(t, "404 page", w.Body.String(), `lang="es"`, "No existe esa campaña.")
}

// TestCrossCheckHalfHourZone: in a zone whose clock hours are not UTC hours
// (Asia/Kolkata, UTC+5:30) the cross-check still sets our posts beside the
// platform's by UTC hour, over the whole UTC hours of the campaign day.
func TestCrossCheckHalfHourZone(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t)
	now := time.Date(2026, 11, 29, 23, 0, 0, 0, loc)
	clock := func() time.Time { return now }
	c := store.Campaign{Name: "ind", Hashtags: []string{"t"}, Timezone: "Asia/Kolkata", Location: loc}
	agg := aggregator.New(db, []store.Campaign{c}, aggregator.Options{Now: clock})
	h, err := NewHandler(Options{Aggregator: agg})
	if err != nil {
		t.Fatal(err)
	}
	// The day runs 18:30 UTC on the 28th to 18:30 UTC on the 29th. Posts
	// every 25 minutes from 17:50 UTC on the 28th, across both edges.
	dayStart := time.Date(2026, 11, 29, 0, 0, 0, 0, loc)
	dayEnd := dayStart.AddDate(0, 0, 1)
	var posts []store.Post
	perUTCHour := map[time.Time]int64{}
	for i, ts := 0, dayStart.Add(-40*time.Minute); ts.Before(dayEnd.Add(time.Hour)); i, ts = i+1, ts.Add(25*time.Minute) {
		posts = append(posts, store.Post{Platform: "x", ID: fmt.Sprint(i), Source: store.SourceX, Kind: store.KindOriginal,
			CreatedAt: ts.UTC(), Hashtags: []string{"t"}, Author: store.Author{ID: fmt.Sprint(i % 7)}})
		if !ts.Before(dayStart) && ts.Before(dayEnd) {
			perUTCHour[ts.UTC().Truncate(time.Hour)]++
		}
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := agg.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The platform saw one post more than we did in every hour it reports,
	// the two half-inside hours at the day's edges included.
	counts := map[time.Time]int64{}
	var want aggregator.CrossCheck
	want.Source = store.SourceX
	for hour, n := range perUTCHour {
		counts[hour] = n + 1
		if !hour.Before(dayStart) && !hour.Add(time.Hour).After(dayEnd) {
			want.Hours++
			want.Platform += n + 1
			want.Collected += n
		}
	}
	if want.Hours != 23 {
		t.Fatalf("test data: %d whole hours, want 23", want.Hours)
	}
	if err := db.PutPlatformCounts("ind", store.SourceX, counts); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/campaigns/ind/crosscheck?day=2026-11-29", nil))
	var out struct {
		Sources []aggregator.CrossCheck `json:"sources"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	if len(out.Sources) != 1 || out.Sources[0] != want {
		t.Errorf("cross-check %+v, want %+v", out.Sources, want)
	}
}

// TestHealthzReportsAStuckAggregator: while posts cannot be folded into the
// figures, /healthz says so (503) instead of "ok".
func TestHealthzReportsAStuckAggregator(t *testing.T) {
	f := newFixture(t, nil)
	p := f.post("allforpalestine", f.now)
	f.add(t, p)
	if w := f.get(t, "/healthz"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", w.Code, w.Body)
	}
	// Tamper with the author's day record, then send an earlier post of
	// theirs: moving their first hour finds no record, and every catch-up
	// fails on that post.
	key := store.MemberKey{Campaign: "afp", Day: f.agg.Campaign("afp").Day(p.CreatedAt), Author: p.Author.Key(p.Platform)}
	if err := f.db.UpdateRollups(func(tx *store.RollupTx) error { return tx.PutMember(key, &store.Member{}) }); err != nil {
		t.Fatal(err)
	}
	early := p
	early.ID, early.CreatedAt = "early", p.CreatedAt.Add(-time.Hour)
	if _, err := f.db.Append([]store.Post{early}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.agg.CatchUp(t.Context()); err == nil {
		t.Fatal("catch-up over a tampered store succeeded")
	}
	w := f.get(t, "/healthz")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"status":"error"`) || !strings.Contains(w.Body.String(), `"aggregator_error":"aggregate: post`) {
		t.Errorf("healthz while stuck: %d %s", w.Code, w.Body)
	}
}
