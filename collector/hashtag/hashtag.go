// Package hashtag normalises and extracts hashtags so that the forms people
// type (#AllForPalestine, ＃allforpalestine, #كلنا_لفلسطين…) compare equal.
// It imports nothing from tagpulse; collector and config use it.
package hashtag

import (
	"strings"
	"unicode"
)

// Normalize returns the canonical form of one hashtag, with or without its
// leading '#', or "" when nothing of a hashtag remains.
//
// PROVISIONAL: a first version; the full rules (NFKC, case folding, ZWJ,
// tatweel, full-width ＃) come with the hashtag work.
func Normalize(tag string) string {
	tag = strings.TrimLeft(strings.TrimSpace(tag), "#＃")
	tag = strings.TrimRightFunc(tag, func(r rune) bool { return unicode.IsPunct(r) && r != '_' })
	return strings.ToLower(tag)
}

// Extract returns the normalised hashtags in free text, deduplicated, in order.
func Extract(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, unicode.IsSpace) {
		if i := strings.IndexAny(f, "#＃"); i >= 0 {
			if t := Normalize(f[i:]); t != "" {
				out = appendUnique(out, t)
			}
		}
	}
	return out
}

// FromEntities normalises the platform's hashtag entities or facets; when the
// platform gave none, it falls back to Extract(text).
func FromEntities(tags []string, text string) []string {
	if len(tags) == 0 {
		return Extract(text)
	}
	var out []string
	for _, t := range tags {
		if n := Normalize(t); n != "" {
			out = appendUnique(out, n)
		}
	}
	return out
}

func appendUnique(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}
