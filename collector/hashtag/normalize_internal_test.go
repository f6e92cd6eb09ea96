package hashtag

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// normalizeUnicode is normalize without its ASCII shortcut: NFKC and case
// folding for every tag, as it was written first.
func normalizeUnicode(tag string) (string, bool) {
	s := strings.TrimLeftFunc(strings.TrimSpace(tag), isHashSign)
	if fastNormal(s) {
		return s, true
	}
	s = strings.TrimLeft(norm.NFKC.String(stripIgnorable(s)), "#")
	if s == "" {
		return "", false
	}
	for range 4 {
		f := norm.NFKC.String(stripIgnorable(cases.Fold().String(s)))
		if f == s {
			break
		}
		s = f
	}
	whole := true
	for i, r := range s {
		if !isTagRune(r) || r == utf8.RuneError {
			s, whole = s[:i], false
			break
		}
	}
	if !hasLetter(s) {
		return "", whole
	}
	return s, whole
}

// TestNormalizeASCIIShortcut: on ASCII tags (any of its bytes, controls
// and punctuation included) and on some others, normalize's shortcut gives
// what NFKC and case folding give.
func TestNormalizeASCIIShortcut(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 9))
	pool := []string{"A", "z", "Q", "_", "#", " ", "9", "-", ".", "\t", "\x00", "\x7f", "&", "'", "é", "İ", "ﬁ", "\u200b", "＃", "كلنا"}
	tags := []string{"", "#", "##", " # ", "AllForPalestine", "#AllForPalestine", "allforpalestine", "ALL_FOR", "123", "_", "a-b", "Free Palestine"}
	for range 50_000 {
		var b strings.Builder
		for range 1 + rnd.IntN(12) {
			if rnd.IntN(10) == 0 {
				b.WriteString(pool[rnd.IntN(len(pool))])
			} else {
				b.WriteByte(byte(rnd.IntN(128)))
			}
		}
		tags = append(tags, b.String())
	}
	for _, tag := range tags {
		got, gwhole := normalize(tag)
		want, wwhole := normalizeUnicode(tag)
		if got != want || gwhole != wwhole {
			t.Fatalf("normalize(%q) = %q %v, want %q %v", tag, got, gwhole, want, wwhole)
		}
	}
}
