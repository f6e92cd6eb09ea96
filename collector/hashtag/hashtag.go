// Package hashtag normalises and extracts hashtags so that the forms people
// type (#AllForPalestine, ＃allforpalestine, #كلنا_لفلسطين…) compare equal.
// It imports nothing from tagpulse; collector and config use it.
//
// What counts as a hashtag follows Twitter's twitter-text, the rules most
// platforms copy: a '#' (or full-width '＃') at the start of the text or after
// a character that cannot be part of a word, then a run of letters, marks,
// decimal digits, '_' and a few script-specific joiners, with at least one
// letter. Trailing punctuation ends the run, so "#AllForPalestine!" is
// #AllForPalestine. Hashtags inside URLs ("example.com/#x"), in words
// ("foo#bar"), glued to another '#' ("#a#b"), followed by "://" or made of
// digits only ("#2021") are not hashtags.
//
// The canonical form has no '#', is NFKC-normalised and Unicode case-folded,
// and has invisible characters removed (zero-width spaces, joiners and
// non-joiners, bidirectional marks, variation selectors, Hangul fillers) as
// well as the Arabic tatweel (ـ), which only stretches a word. Two tags are
// the same hashtag when their canonical forms are equal: #AllForPalestine2021
// is not #AllForPalestine.
package hashtag

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns the canonical form of one hashtag, with or without its
// leading '#', or "" when nothing of a hashtag remains. Like a hashtag in
// text, the tag ends at the first character that cannot be part of one:
// Normalize("#AllForPalestine!") is "allforpalestine". Normalize is
// idempotent.
func Normalize(tag string) string {
	t, _ := normalize(tag)
	return t
}

// MaxPerPost is the most distinct hashtags kept for one post. No platform
// lets a person write more (X: 280 characters; Bluesky: 300; Mastodon: 500
// on most instances), so only a hostile or broken source reaches it. Past it
// the post's later hashtags are dropped: the post keeps its first
// MaxPerPost distinct hashtags, in order, and counts for a campaign only
// through those.
const MaxPerPost = 1000

// Set collects distinct normalised hashtags in the order they are added, at
// most MaxPerPost of them, in time linear in the number added. The zero
// value is an empty set.
type Set struct {
	list []string
	seen map[string]struct{} // once list is long, against quadratic dedupe
	// Dropped counts the distinct-or-not tags refused because the set was full.
	Dropped int
}

// Add adds a normalised hashtag ("" is ignored) and reports whether it was
// new and kept.
func (s *Set) Add(t string) bool {
	switch {
	case t == "":
		return false
	case s.seen != nil:
		if _, ok := s.seen[t]; ok {
			return false
		}
	case contains(s.list, t):
		return false
	}
	if len(s.list) >= MaxPerPost {
		s.Dropped++
		return false
	}
	if s.list == nil {
		s.list = make([]string, 0, 4)
	}
	s.list = append(s.list, t)
	if s.seen != nil {
		s.seen[t] = struct{}{}
	} else if len(s.list) > 16 {
		s.seen = make(map[string]struct{}, 2*len(s.list))
		for _, x := range s.list {
			s.seen[x] = struct{}{}
		}
	}
	return true
}

// Full reports whether the set holds MaxPerPost hashtags.
func (s *Set) Full() bool { return len(s.list) >= MaxPerPost }

// List returns the hashtags in the order added (nil when none).
func (s *Set) List() []string { return s.list }

// Extract returns the normalised hashtags in free text, deduplicated, in the
// order they first appear, at most MaxPerPost of them (the text is not read
// past the last one kept). It returns nil when there are none.
func Extract(text string) []string {
	var set Set
	sc := scanner{text: text, nextHash: -1, nextEF: -1}
	for !set.Full() {
		body, ok := sc.next()
		if !ok {
			break
		}
		set.Add(normalizeBody(body))
	}
	return set.List()
}

// FromEntities normalises the platform's hashtag entities or facets (with
// or without '#'); when the platform gave none, it falls back to
// Extract(text). Tags that normalise to nothing are dropped; the result is
// deduplicated, in order, and holds at most MaxPerPost tags.
func FromEntities(tags []string, text string) []string {
	if len(tags) == 0 {
		return Extract(text)
	}
	var set Set
	for _, t := range tags {
		if set.Full() {
			break
		}
		set.Add(Normalize(t))
	}
	return set.List()
}

// Validate reports why tag, as written in a configuration, is not a hashtag:
// empty, with spaces, with characters a hashtag cannot hold, a second '#',
// or without any letter (only punctuation, only digits). A leading '#' is
// allowed. It returns nil when tag is a whole hashtag, that is when
// Normalize keeps all of it.
func Validate(tag string) error {
	s := strings.TrimSpace(tag)
	if s == "" {
		return fmt.Errorf("empty hashtag")
	}
	if r, size := utf8.DecodeRuneInString(s); isHashSign(r) {
		s = s[size:]
	}
	if s == "" {
		return fmt.Errorf("hashtag %q has nothing after the '#'", tag)
	}
	letter := false
	for _, r := range s {
		letter = letter || (unicode.IsLetter(r) && !isIgnorable(r))
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return fmt.Errorf("hashtag %q contains a space", tag)
		case isHashSign(r):
			return fmt.Errorf("hashtag %q contains a second '#'", tag)
		case !letter:
			return fmt.Errorf("hashtag %q has no letters (only digits or punctuation is not a hashtag)", tag)
		case r == utf8.RuneError:
			return fmt.Errorf("hashtag %q is not valid UTF-8 or contains U+FFFD", tag)
		case !isBodyRune(r):
			return fmt.Errorf("hashtag %q contains %q (%U), which cannot be part of a hashtag", tag, r, r)
		}
	}
	n, whole := normalize(s)
	if n == "" {
		return fmt.Errorf("hashtag %q has no letters once normalised", tag)
	}
	if !whole {
		return fmt.Errorf("hashtag %q normalises to only part of itself (%q)", tag, n)
	}
	return nil
}

// normalize returns the canonical form of tag and whether all of it went
// into that form (false when it stopped at a character that cannot be part
// of a hashtag).
func normalize(tag string) (string, bool) {
	s := strings.TrimLeftFunc(strings.TrimSpace(tag), isHashSign)
	if fastNormal(s) {
		return s, true
	}
	if isASCII(s) {
		// NFKC leaves ASCII as it is, nothing in it is ignorable, and
		// case folding lowers its letters only.
		if s == "" {
			return "", false
		}
		s = strings.ToLower(s)
	} else {
		// "\u200b#tag": the hash signs may come after invisible
		// characters, and NFKC turns ＃ and ﹟ into #.
		s = strings.TrimLeft(norm.NFKC.String(stripIgnorable(s)), "#")
		if s == "" {
			return "", false
		}
		// Case folding and NFKC do not commute for a few characters
		// (folding may decompose, composing may create a foldable
		// letter): repeat until nothing changes, as Unicode's
		// NFKC_Casefold closure does.
		for range 4 {
			f := norm.NFKC.String(stripIgnorable(cases.Fold().String(s)))
			if f == s {
				break
			}
			s = f
		}
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

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// normalizeBody is normalize for a hashtag body found in text (no '#', only
// body runes), with fast paths for the common cases.
func normalizeBody(body string) string {
	ascii, upper, letter := true, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || ('A' <= c && c <= 'Z')
		letter = letter || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	if ascii {
		switch {
		case !letter:
			return ""
		case upper:
			return strings.ToLower(body)
		default:
			return body
		}
	}
	t, _ := normalize(body)
	return t
}

// fastNormal reports whether s is already canonical: it has a letter and
// only runes that are their own canonical form whatever surrounds them
// (lower-case ASCII, and letters and digits of caseless scripts that NFKC
// neither decomposes nor composes).
func fastNormal(s string) bool {
	letter := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiClass[c]&aLower == 0 {
				return false
			}
			letter = letter || asciiClass[c]&aLetter != 0
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r >= 0x10000 {
			return false
		}
		cl := bmp()[r]
		if cl&cFast == 0 {
			return false
		}
		letter = letter || cl&cLetter != 0
		i += n
	}
	return letter
}

// Classes of BMP runes, computed once: the unicode and norm tables are
// too slow for the import hot path.
const (
	cTag    = 1 << iota // isTagRune
	cBody               // isBodyRune
	cWord               // isWordRune
	cLetter             // a letter other than an ignorable one
	cFast               // its own canonical form in any context (see fastNormal)
)

var bmp = sync.OnceValue(func() *[0x10000]uint8 {
	t := new([0x10000]uint8)
	var buf [utf8.UTFMax]byte
	for r := rune(0); r < 0x10000; r++ {
		if 0xD800 <= r && r <= 0xF8FF { // surrogates and private use
			continue
		}
		var c uint8
		// As isTagRune, isBodyRune and isWordRune, each predicate once.
		letter := unicode.IsLetter(r)
		ign := isIgnorable(r)
		if isTagRune(r) {
			c |= cTag | cBody
			if !ign {
				c |= cWord
			}
		} else if isBodyRune(r) {
			c |= cBody
			if !ign {
				c |= cWord
			}
		}
		if r == '&' || r == 0x200C || r == 0x200D {
			c |= cWord
		}
		if letter && !ign {
			c |= cLetter
		}
		if caseless(r) && c&cTag != 0 && !isIgnorable(r) && !unicode.IsMark(r) {
			// NFKC on its own, a starter that never combines with what
			// precedes it stays as it is next to other such runes (it may
			// combine with a following mark, but marks are not fast).
			b := utf8.AppendRune(buf[:0], r)
			if norm.NFKC.Properties(b).BoundaryBefore() && norm.NFKC.IsNormal(b) {
				c |= cFast
			}
		}
		t[r] = c
	}
	return t
})

// caseless reports whether r is in a block of a script without case, so
// that case folding leaves it alone.
func caseless(r rune) bool {
	switch {
	case 0x0591 <= r && r <= 0x05F4: // Hebrew
		return true
	case 0x0600 <= r && r <= 0x06FF, 0x0750 <= r && r <= 0x077F, 0x08A0 <= r && r <= 0x08FF: // Arabic
		return true
	case 0x0900 <= r && r <= 0x0EFF: // Indic scripts, Thai, Lao
		return true
	case 0x3040 <= r && r <= 0x30FF: // kana
		return true
	case 0x3400 <= r && r <= 0x4DBF, 0x4E00 <= r && r <= 0x9FFF: // CJK ideographs
		return true
	case 0xAC00 <= r && r <= 0xD7A3: // Hangul syllables
		return true
	}
	return false
}

func hasLetter(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf {
			if asciiClass[r]&aLetter != 0 {
				return true
			}
		} else if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

const (
	aLetter = 1 << iota // A-Z a-z
	aLower              // a-z 0-9 _: canonical ASCII hashtag characters
	aTag                // A-Z a-z 0-9 _
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		switch {
		case 'a' <= c && c <= 'z':
			t[c] = aLetter | aLower | aTag
		case 'A' <= c && c <= 'Z':
			t[c] = aLetter | aTag
		case '0' <= c && c <= '9', c == '_':
			t[c] = aLower | aTag
		}
	}
	return t
}()

// isTagRune reports whether r may be part of a canonical hashtag: letters,
// marks, decimal digits, '_' and the script-specific characters
// twitter-text allows (those NFKC keeps).
func isTagRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiClass[r]&aTag != 0
	}
	switch r {
	case 0x00B7, // middle dot (Catalan l·l)
		0x05BE, 0x05F3, 0x05F4, // Hebrew maqaf, geresh, gershayim
		0x0F0B,         // Tibetan tsheg
		0x3003, 0x301C, // ditto mark, wave dash
		0x30A0, 0x30FB, // katakana double hyphen, middle dot
		0xA67E: // Cyrillic kavyka
		return true
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// isBodyRune reports whether r continues a hashtag in raw text: a tag rune,
// an ignorable one, or a twitter-text special that NFKC changes.
func isBodyRune(r rune) bool {
	switch r {
	case 0xFF5E, // full-width tilde
		0x309B, 0x309C, // katakana-hiragana voiced sound marks
		0x0F0C: // Tibetan non-breaking tsheg
		return true
	}
	return isTagRune(r) || isIgnorable(r)
}

// isWordRune reports whether r, just before a '#', makes it part of a word
// rather than the start of a hashtag. '&' is one so that HTML character
// references (&#39;) are not hashtags.
func isWordRune(r rune) bool {
	switch r {
	case '&', 0x200C, 0x200D: // ZWNJ and ZWJ join words in some scripts
		return true
	}
	return isBodyRune(r) && !isIgnorable(r)
}

func isHashSign(r rune) bool { return r == '#' || r == '＃' || r == '﹟' }

// isIgnorable reports an invisible character that is dropped wherever it
// appears in a hashtag, along with the Arabic tatweel.
func isIgnorable(r rune) bool {
	if r < 0xAD {
		return false
	}
	switch r {
	case 0x00AD, // soft hyphen
		0x034F,                         // combining grapheme joiner
		0x061C,                         // Arabic letter mark
		0x0640,                         // Arabic tatweel
		0x115F, 0x1160, 0x3164, 0xFFA0, // Hangul fillers
		0x180E,                                 // Mongolian vowel separator
		0x200B, 0x200C, 0x200D, 0x200E, 0x200F, // zero-width space, non-joiner, joiner; LRM, RLM
		0xFEFF: // zero-width no-break space (BOM)
		return true
	}
	return 0x202A <= r && r <= 0x202E || // bidi embeddings and overrides
		0x2060 <= r && r <= 0x2064 || // word joiner, invisible operators
		0x2066 <= r && r <= 0x2069 || // bidi isolates
		0xFE00 <= r && r <= 0xFE0F || // variation selectors
		0xE0100 <= r && r <= 0xE01EF // variation selectors supplement
}

// stripIgnorable returns s without ignorable characters, s itself when it
// has none.
func stripIgnorable(s string) string {
	i := strings.IndexFunc(s, isIgnorable)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		if !isIgnorable(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// scanner finds hashtag bodies in text, left to right.
type scanner struct {
	text string
	pos  int // where scanning resumes
	// Positions of the next '#' and the next 0xEF byte (which starts '＃'
	// and '﹟' in UTF-8) at or after pos, or -1 when not yet searched;
	// caching them keeps the scan linear.
	nextHash, nextEF int
	// Start of the whitespace-delimited token holding the last hash sign
	// looked at, and how far back from it whitespace has been searched.
	tokStart, searched int
	// What inURL knows of that token, so that a long token with many hash
	// signs is looked at once: how far "://" and '/' have been searched
	// for, whether "://" was found, and, once the first '/' is found,
	// whether the token starts with a domain name and a path.
	urlTok, schemeTo, slashTo  int
	scheme, slash, domain, www bool
}

// next returns the body (after the hash sign) of the next hashtag, or false
// at the end of the text.
func (sc *scanner) next() (string, bool) {
	text := sc.text
	for {
		if sc.nextHash < sc.pos {
			sc.nextHash = indexFrom(text, sc.pos, '#')
		}
		if sc.nextEF < sc.pos {
			sc.nextEF = indexFrom(text, sc.pos, 0xEF)
		}
		j := min(sc.nextHash, sc.nextEF)
		if j >= len(text) {
			sc.pos = len(text)
			return "", false
		}
		size := hashSignAt(text, j)
		if size == 0 {
			sc.pos = j + 1
			continue
		}
		start := j + size
		sc.pos = start
		if j > 0 {
			if r, _ := utf8.DecodeLastRuneInString(text[:j]); r < 0x10000 && bmp()[r]&cWord != 0 || r >= 0x10000 && isWordRune(r) {
				continue
			}
		}
		if r, _ := utf8.DecodeRuneInString(text[start:]); r == 0xFE0F || r == 0x20E3 {
			continue // keycap emoji #️⃣
		}
		end := start
		for end < len(text) {
			c := text[end]
			if c < utf8.RuneSelf {
				if asciiClass[c]&aTag == 0 {
					break
				}
				end++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[end:])
			if r == utf8.RuneError || r < 0x10000 && bmp()[r]&cBody == 0 || r >= 0x10000 && !isBodyRune(r) {
				break
			}
			end += n
		}
		sc.pos = end
		if end == start {
			continue
		}
		// A hashtag glued to the next '#' or followed by "://" is neither.
		if hashSignAt(text, end) > 0 || strings.HasPrefix(text[end:], "://") {
			continue
		}
		if sc.inURL(j) {
			continue
		}
		return text[start:end], true
	}
}

// inURL reports whether the hash sign at j is part of a URL (a fragment):
// its whitespace-delimited token so far has a scheme, starts with www., or
// starts with a domain name and a '/'.
func (sc *scanner) inURL(j int) bool {
	text := sc.text
	// Search back for whitespace only as far as the last search went: the
	// token start found then still holds if there is none in between.
	k := j
	for k > sc.searched {
		r, n := utf8.DecodeLastRuneInString(text[sc.searched:k])
		if unicode.IsSpace(r) {
			sc.tokStart = k
			break
		}
		k -= n
	}
	sc.searched = j
	if sc.urlTok != sc.tokStart || sc.schemeTo == 0 {
		sc.urlTok, sc.schemeTo, sc.slashTo = sc.tokStart, sc.tokStart, sc.tokStart
		sc.scheme, sc.slash, sc.domain = false, false, false
		tok := trimOpening(text[sc.tokStart:j])
		sc.www = len(tok) >= 4 && strings.EqualFold(tok[:4], "www.")
	}
	if sc.www {
		return true
	}
	if !sc.scheme {
		from := max(sc.schemeTo-2, sc.tokStart) // "://" may straddle
		sc.scheme = strings.Contains(text[from:j], "://")
		sc.schemeTo = j
	}
	if sc.scheme {
		return true
	}
	if !sc.slash {
		i := strings.IndexByte(text[sc.slashTo:j], '/')
		if i < 0 {
			sc.slashTo = j
			return false
		}
		sc.slash = true
		sc.domain = isDomainPath(text[sc.tokStart : sc.slashTo+i])
	}
	return sc.domain
}

// trimOpening trims the ASCII punctuation a URL may follow: ("'<[ and such.
func trimOpening(s string) string {
	return strings.TrimLeftFunc(s, func(r rune) bool { return r < utf8.RuneSelf && asciiClass[r]&aTag == 0 })
}

// isDomainPath reports whether host, the start of a token before its
// first '/', is a domain name (ASCII, with a top-level domain of two
// letters or more), after any opening punctuation.
func isDomainPath(host string) bool {
	host = trimOpening(host)
	dot := strings.LastIndexByte(host, '.')
	if dot <= 0 || len(host)-dot-1 < 2 {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if c >= utf8.RuneSelf || (asciiClass[c]&aTag == 0 && c != '.' && c != '-') {
			return false
		}
	}
	for i := dot + 1; i < len(host); i++ {
		if asciiClass[host[i]]&aLetter == 0 {
			return false
		}
	}
	return true
}

// indexFrom returns the index of the first c in s at or after from, or
// len(s) if there is none.
func indexFrom(s string, from int, c byte) int {
	i := strings.IndexByte(s[from:], c)
	if i < 0 {
		return len(s)
	}
	return from + i
}

// hashSignAt returns the length of the hash sign at s[i:], 0 if none.
func hashSignAt(s string, i int) int {
	switch {
	case i >= len(s):
		return 0
	case s[i] == '#':
		return 1
	case strings.HasPrefix(s[i:], "＃"), strings.HasPrefix(s[i:], "﹟"):
		return 3
	}
	return 0
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// MaxTagGraphemes is the longest tag a Bluesky facet or record tag may hold
// (the app.bsky.richtext.facet lexicon's maxGraphemes).
const MaxTagGraphemes = 64

// NormalizeTag returns the canonical form of a tag that a platform gives as
// a whole value rather than as text: a Bluesky #tag facet or record tag, or
// a hashtag named in a campaign. Unlike Normalize it does not stop at the
// first character that text hashtags cannot hold: Bluesky's tag is
// everything its author's client took after the '#' — "#Rstats-powered" is
// the tag rstats-powered, "#bsvars.org" is bsvars.org — so the whole value
// is the hashtag. It returns "" for a value with white space or a second '#'
// in it, or with no letter; a platform's tag is otherwise taken as given,
// whatever its length. For every hashtag that Normalize keeps whole,
// NormalizeTag gives the same form.
func NormalizeTag(tag string) string {
	s := strings.TrimLeftFunc(strings.TrimSpace(tag), isHashSign)
	if fastNormal(s) {
		return s
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 || !utf8.ValidString(s) {
		return ""
	}
	s = strings.TrimLeft(norm.NFKC.String(stripIgnorable(s)), "#")
	for range 4 {
		f := norm.NFKC.String(stripIgnorable(cases.Fold().String(s)))
		if f == s {
			break
		}
		s = f
	}
	if s == "" || !hasLetter(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isHashSign(r) || r == utf8.RuneError }) {
		return ""
	}
	return s
}

// ValidateTag reports why tag, as written in a campaign, is not a tag that
// some platform can carry; nil when it is. It accepts every hashtag that
// Validate accepts, and also the tags Bluesky carries whole
// ("Rstats-powered", "bsvars.org"): no white space, no second '#', at least
// one letter, at most MaxTagGraphemes (for such tags), and not ending in punctuation other
// than '_' (clients cut that off before they write the tag). Such a tag
// matches posts whose platform gave it whole; on X and Mastodon, which end
// a hashtag at '-' or '.', no post carries it.
func ValidateTag(tag string) error {
	if Validate(tag) == nil {
		return nil
	}
	s := strings.TrimSpace(tag)
	if r, size := utf8.DecodeRuneInString(s); isHashSign(r) {
		s = s[size:]
	}
	switch {
	case s == "":
		return Validate(tag)
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return fmt.Errorf("hashtag %q contains a space", tag)
	case strings.IndexFunc(s, isHashSign) >= 0:
		return fmt.Errorf("hashtag %q contains a second '#'", tag)
	case !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError):
		return fmt.Errorf("hashtag %q is not valid UTF-8 or contains U+FFFD", tag)
	}
	if NormalizeTag(s) == "" {
		return fmt.Errorf("hashtag %q has no letters (only digits or punctuation is not a hashtag)", tag)
	}
	if last, _ := utf8.DecodeLastRuneInString(s); unicode.IsPunct(last) && last != '_' {
		return fmt.Errorf("hashtag %q ends in %q, which no platform keeps in a hashtag", tag, last)
	}
	if uniseg.GraphemeClusterCount(s) > MaxTagGraphemes {
		return fmt.Errorf("hashtag %q is longer than %d characters", tag, MaxTagGraphemes)
	}
	return nil
}
