package dashboard

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed i18n/*.json
var catalogFiles embed.FS

// Languages the interface speaks, in the switcher's order. English is the
// reference catalogue: every other must have exactly its keys.
var Languages = []string{"en", "ar", "fr", "es", "de"}

// rtlLanguages are written right to left.
var rtlLanguages = map[string]bool{"ar": true}

// catalog is one language's messages, key → text with {name} placeholders.
type catalog map[string]string

// locale is what a page needs to speak one language.
type locale struct {
	Lang      string
	Dir       string // "ltr" or "rtl"
	msgs      catalog
	json      string            // the catalogue as JSON, for the page's script
	countries map[string]string // country code → name (for the share card)
}

// loadCatalogs parses the embedded catalogues once, at start.
func loadCatalogs() (map[string]*locale, error) {
	out := map[string]*locale{}
	names, err := parseCountryNames()
	if err != nil {
		return nil, fmt.Errorf("country names: %w", err)
	}
	for _, lang := range Languages {
		data, err := catalogFiles.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", lang, err)
		}
		var c catalog
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", lang, err)
		}
		compact, _ := json.Marshal(c)
		if len(names[lang]) == 0 {
			return nil, fmt.Errorf("country names: none for %s (go generate ./dashboard)", lang)
		}
		l := &locale{Lang: lang, Dir: "ltr", msgs: c, json: string(compact), countries: names[lang]}
		if rtlLanguages[lang] {
			l.Dir = "rtl"
		}
		out[lang] = l
	}
	en := out["en"].msgs
	for _, lang := range Languages {
		for k := range out[lang].msgs {
			if _, ok := en[k]; !ok {
				return nil, fmt.Errorf("catalogue %s: key %q is not in the English catalogue", lang, k)
			}
		}
	}
	return out, nil
}

// Country names a country code in the locale's language ("PS" → "Palestine",
// "فلسطين"…); ZZ is the catalogue's Unknown, an unknown code stays a code.
func (l *locale) Country(cc string) string {
	if cc == "ZZ" {
		return l.T("country.unknown")
	}
	if n, ok := l.countries[cc]; ok {
		return n
	}
	return cc
}

// T returns the message for key with "{name}", value pairs substituted.
// A missing key shows as the key itself, so it is seen and fixed.
func (l *locale) T(key string, args ...any) string {
	s, ok := l.msgs[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(args); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return s
}

// JSON is the catalogue for the page's script (placed in a data attribute).
func (l *locale) JSON() string { return l.json }

// Number formats n with the language's thousands separator. Arabic uses
// Western digits, as CLDR and browsers do for "ar" today, so the card and
// the page agree.
func (l *locale) Number(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := map[string]string{"en": ",", "de": ".", "es": ".", "fr": "\u202f", "ar": ","}[l.Lang]
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Percent formats a share (0..1) with one decimal.
func (l *locale) Percent(share float64) string {
	s := strconv.FormatFloat(share*100, 'f', 1, 64)
	switch l.Lang {
	case "en":
		return s + "%"
	case "ar":
		return s + "\u200e%\u200e"
	default:
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
}

// Date writes a campaign day (YYYY-MM-DD) the language's way; other text is
// returned as it is.
func (l *locale) Date(day string) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return day
	}
	return l.T("date.pattern", "d", strconv.Itoa(t.Day()), "month", l.T("month."+strconv.Itoa(int(t.Month()))), "y", strconv.Itoa(t.Year()))
}

// langCookie remembers the switcher's choice.
const langCookie = "tagpulse_lang"

// negotiate picks the page language: ?lang= (and remember it), then the
// cookie, then Accept-Language, then English.
func negotiate(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); slices.Contains(Languages, q) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return q
	}
	return requestLang(r)
}

// requestLang picks a language as negotiate does, without remembering a
// ?lang= choice (a share card in another language is not a switch).
func requestLang(r *http.Request) string {
	if q := r.URL.Query().Get("lang"); slices.Contains(Languages, q) {
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(Languages, c.Value) {
		return c.Value
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// fromAcceptLanguage returns the supported language with the highest
// quality in an Accept-Language header, matching on the primary subtag.
func fromAcceptLanguage(h string) string {
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var cs []choice
	for i, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if slices.Contains(Languages, primary) && q > 0 {
			cs = append(cs, choice{primary, q, i})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	if len(cs) == 0 {
		return "en"
	}
	return cs[0].lang
}
