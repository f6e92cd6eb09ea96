package dashboard

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
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
	tag       language.Tag
	printer   *message.Printer // numbers and percentages, CLDR's way (golang.org/x/text)
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
		tag := language.MustParse(lang)
		// Arabic with Western digits, as browsers write "ar" numbers
		// (Intl.NumberFormat), so the card and the page agree.
		ptag := tag
		if lang == "ar" {
			ptag = language.MustParse("ar-u-nu-latn")
		}
		l := &locale{Lang: lang, Dir: "ltr", tag: tag, printer: message.NewPrinter(ptag), msgs: c, json: string(compact), countries: names[lang]}
		if rtlLanguages[lang] {
			l.Dir = "rtl"
		}
		out[lang] = l
	}
	en := out["en"].msgs
	for _, lang := range Languages {
		for k := range out[lang].msgs {
			if _, ok := en[k]; ok {
				continue
			}
			// A plural form English does not have (Arabic's zero, two,
			// few, many) of a message English has.
			if base, form, ok := cutPluralForm(k); ok && form != "other" && en[base+".other"] != "" {
				continue
			}
			return nil, fmt.Errorf("catalogue %s: key %q is not in the English catalogue", lang, k)
		}
		for k := range en {
			if base, form, ok := cutPluralForm(k); ok && form == "other" && out[lang].msgs[base+".other"] == "" {
				return nil, fmt.Errorf("catalogue %s: plural message %q has no \"other\" form", lang, base)
			}
		}
	}
	return out, nil
}

// pluralForms are CLDR's plural categories, as message keys end in them
// ("count.posts.one") and as Intl.PluralRules names them.
var pluralForms = map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many", plural.Other: "other"}

// cutPluralForm splits "count.posts.few" into "count.posts" and "few".
func cutPluralForm(key string) (base, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return key, "", false
	}
	for _, f := range pluralForms {
		if key[i+1:] == f {
			return key[:i], f, true
		}
	}
	return key, "", false
}

// N returns the plural message key for the count n, in the form the
// language's CLDR rules give n (Arabic has six: zero, one, two, few, many,
// other), with {n} the formatted count and further "{name}", value pairs
// substituted: N("count.posts", 1) is "1 post", N("count.posts", 3) in
// Arabic "3 منشورات". A form the catalogue lacks falls back to "other".
func (l *locale) N(key string, n int64, args ...any) string {
	form := pluralForms[plural.Cardinal.MatchPlural(l.tag, int(min(max(n, -1<<31), 1<<31-1)), 0, 0, 0, 0)]
	k := key + "." + form
	if _, ok := l.msgs[k]; !ok {
		k = key + ".other"
	}
	return l.T(k, append([]any{"n", l.Number(n)}, args...)...)
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

// Number formats n the language's way (CLDR, through golang.org/x/text).
// Arabic uses Western digits, and French the narrow no-break space that
// browsers' Intl.NumberFormat uses (x/text's CLDR has the wider one), so
// the card and the page agree.
func (l *locale) Number(n int64) string {
	s := l.printer.Sprint(number.Decimal(n))
	if l.Lang == "fr" {
		s = strings.ReplaceAll(s, "\u00a0", "\u202f")
	}
	return s
}

// Percent formats a share (0..1) with one decimal, the language's way.
func (l *locale) Percent(share float64) string {
	return l.printer.Sprint(number.Percent(share, number.Scale(1)))
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

// languageMatcher matches Accept-Language against the languages the
// interface speaks (golang.org/x/text/language: "ar-PS" is Arabic,
// "es-419" Spanish).
var languageMatcher = language.NewMatcher(func() []language.Tag {
	var tags []language.Tag
	for _, l := range Languages {
		tags = append(tags, language.MustParse(l))
	}
	return tags
}())

// fromAcceptLanguage returns the supported language that best matches an
// Accept-Language header; English when none does.
func fromAcceptLanguage(h string) string {
	// Only the entries whose primary subtag is one of ours can match: the
	// header is cut down to them first, so a long header of other tags
	// (anyone may send one) costs no more than a scan.
	var keep []string
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
		if slices.Contains(Languages, strings.ToLower(primary)) {
			keep = append(keep, strings.TrimSpace(part))
		}
	}
	tags, _, err := language.ParseAcceptLanguage(strings.Join(keep, ","))
	if err != nil || len(tags) == 0 {
		return "en"
	}
	_, i, conf := languageMatcher.Match(tags...)
	if conf == language.No {
		return "en"
	}
	return Languages[i]
}
