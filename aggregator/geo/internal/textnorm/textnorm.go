// Package textnorm turns free text into the normalised words that the geo
// gazetteer is keyed on. The generator and the run-time lookups share it, so a
// name written by the generator and the same name typed by a person meet on
// the same bytes: case folded, accents and Arabic/Hebrew vowel marks dropped,
// compatibility forms (full-width letters, presentation forms) unified.
package textnorm

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Word is one normalised word of a text. Its bytes are Text(buf).
type Word struct {
	Start, End int  // offsets of the normalised bytes in the buffer
	Seg        int  // index of the segment the word belongs to
	Upper      bool // every cased letter was upper case ("NZ", "TX")
	Cap        bool // starts with an upper-case letter or a letter without case (Arabic, CJK…)
	CJK        bool // made of Han, kana or Hangul, which are written without spaces
	Latin      bool // contains a Latin letter
}

// Text returns the word's normalised text within buf.
func (w Word) Text(buf []byte) []byte { return buf[w.Start:w.End] }

// Tokens is the result of Split: normalised words grouped in segments, and
// the flag emoji met on the way.
type Tokens struct {
	Buf   []byte
	Words []Word
	Flags []string // upper-case region codes of flag emoji, in order ("PS", "GB")
	Segs  int      // number of segments
	// Listed[s] reports whether segment s follows a list separator
	// (| / · • ; and the like: "Frankfurt|Hong Kong|Singapore") rather than
	// a comma, a bracket or a symbol. len(Listed) == Segs.
	Listed []bool
}

// Reset empties t for reuse, keeping its storage.
func (t *Tokens) Reset() {
	t.Buf = t.Buf[:0]
	t.Words = t.Words[:0]
	t.Flags = t.Flags[:0]
	t.Listed = t.Listed[:0]
	t.Segs = 0
}

// Key returns the normalised form of a name: its words joined by one space.
func Key(s string) string {
	var t Tokens
	Split(&t, s)
	out := make([]byte, 0, len(t.Buf)+len(t.Words))
	for i, w := range t.Words {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, w.Text(t.Buf)...)
	}
	return string(out)
}

// Hash is the 64-bit FNV-1a hash the gazetteer is keyed on. Words of a
// multi-word key are hashed with one space between them (HashWords).
func Hash(b []byte) uint64 {
	h := uint64(offset64)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime64
	}
	return h
}

// HashString is Hash for a string.
func HashString(s string) uint64 {
	h := uint64(offset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}

// HashWords hashes words[i:j] as if joined with single spaces.
func HashWords(buf []byte, words []Word) uint64 {
	h := uint64(offset64)
	for k, w := range words {
		if k > 0 {
			h ^= ' '
			h *= prime64
		}
		for _, c := range buf[w.Start:w.End] {
			h ^= uint64(c)
			h *= prime64
		}
	}
	return h
}

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

type state struct {
	t        *Tokens
	inWord   bool
	word     Word
	cased    bool // current word has a cased letter
	allUpper bool
	segOpen  bool // current segment has a word
	listed   bool // a list separator was met since the last segment's words
	dotted   bool // a full stop vanished inside the current word ("U.S")
	lastBase rune
}

func (st *state) endWord() {
	if !st.inWord {
		return
	}
	st.inWord = false
	w := st.word
	w.End = len(st.t.Buf)
	if w.End == w.Start {
		return
	}
	w.Upper = st.cased && st.allUpper
	st.t.Words = append(st.t.Words, w)
	st.segOpen = true
}

func (st *state) endSeg() {
	st.endWord()
	if st.segOpen {
		st.t.Segs++
		st.segOpen = false
	}
}

// isListSep reports whether r separates the items of a list of places
// ("Frankfurt|Hong Kong|Singapore", "Paris · Berlin").
func isListSep(r rune) bool {
	switch r {
	case '|', '/', '\\', '·', '•', '∙', '⋅', '●', '◦', '‧', '・', ';', '¦', '｜', '／':
		return true
	}
	return false
}

func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) || r == 'ー'
}

// letter appends one letter or digit (already decomposed) to the current word.
func (st *state) letter(r rune) {
	cjk := r >= 0x1100 && isCJK(r)
	if st.inWord && cjk != st.word.CJK {
		st.endWord() // a change between CJK and other scripts separates words
	}
	if !st.inWord {
		st.inWord = true
		st.word = Word{Start: len(st.t.Buf), Seg: st.t.Segs, CJK: cjk}
		if len(st.t.Listed) == st.t.Segs {
			st.t.Listed = append(st.t.Listed, st.listed && st.t.Segs > 0)
			st.listed = false
		}
		st.dotted = false
		st.cased, st.allUpper = false, true
		st.word.Cap = !unicode.IsLower(r)
	}
	if unicode.IsUpper(r) {
		st.cased = true
	} else if unicode.IsLower(r) {
		st.cased = true
		st.allUpper = false
	}
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		if 'a' <= r && r <= 'z' {
			st.word.Latin = true
		}
		st.t.Buf = append(st.t.Buf, byte(r))
		return
	}
	r = unicode.ToLower(r)
	switch r {
	case 'ß':
		st.t.Buf = append(st.t.Buf, "ss"...)
		st.word.Latin = true
		return
	case 'æ':
		st.t.Buf = append(st.t.Buf, "ae"...)
		st.word.Latin = true
		return
	case 'œ':
		st.t.Buf = append(st.t.Buf, "oe"...)
		st.word.Latin = true
		return
	case 'þ':
		st.t.Buf = append(st.t.Buf, "th"...)
		st.word.Latin = true
		return
	case 'ł', 'ŀ':
		r = 'l'
	case 'ø':
		r = 'o'
	case 'đ', 'ð':
		r = 'd'
	case 'ħ':
		r = 'h'
	case 'ı':
		r = 'i'
	case 'ς':
		r = 'σ'
	case 'ٱ':
		r = 'ا'
	case 'ى', 'ی':
		r = 'ي'
	case 'ة':
		r = 'ه'
	case 'ک':
		r = 'ك'
	}
	if unicode.Is(unicode.Latin, r) {
		st.word.Latin = true
	}
	st.t.Buf = utf8.AppendRune(st.t.Buf, r)
}

// Split normalises s into t (which it resets): words, segments and flags.
//
// Segments are separated by , / | · • ; : ( ) [ ] & + newlines, emoji and other
// symbols; Listed marks those that follow a list separator (| / · • ;). Words are separated by spaces, hyphens and underscores; apostrophes
// vanish ("mom's" → "moms"), and so do full stops after a single letter
// ("U.S." → "us"), while a full stop between longer words separates them
// ("St.Louis", "Córdoba.Argentina"). Handles (@name), web addresses and
// e-mail addresses are dropped. Invalid UTF-8 reads as separators.
func Split(t *Tokens, s string) {
	t.Reset()
	st := state{t: t}
	s = normalise(s)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if !st.inWord && startsHandle(s[i:], r) {
			st.endSeg()
			i = skipToken(s, i)
			continue
		}
		i += size
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'):
			st.letter(r)
			st.lastBase = r
		case r == '.':
			if st.inWord && !st.dotted && len(t.Buf)-st.word.Start >= 2 && i < len(s) && startsLetter(s[i:]) {
				st.endWord() // "St.Louis"
			} else {
				st.dotted = true // "U.S.A."
			}
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`' || r == '´' || r == 'ـ':
			// vanish inside words
		case r == '-' && i >= 2 && s[i-2] == ' ' && i < len(s) && s[i] == ' ':
			st.endSeg() // a dash between spaces parts segments ("Live Free or Die - NH USA"); "Kwa-Thema" is one name
		case isWordBreak(r):
			st.endWord()
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicator
			st.endSeg()
			i = st.regionFlag(s, i, r)
		case r == 0x1F3F4: // black flag, maybe a subdivision flag (England, Scotland, Wales)
			st.endSeg()
			i = st.subdivisionFlag(s, i)
		case r >= 0xE0000 && r <= 0xE007F, r == 0x200D, r == 0xFE0F, r == 0xFE0E, r == 0x200C:
			// tags, joiners and variation selectors belong to the emoji around them
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if st.inWord && st.lastBase >= 0x3000 {
				t.Buf = utf8.AppendRune(t.Buf, r) // kana voicing marks and the like stay
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			st.letter(r)
			st.lastBase = r
		case unicode.IsSpace(r):
			st.endWord()
		default: // punctuation, symbols, emoji, and utf8.RuneError for invalid bytes
			st.endSeg()
			st.listed = st.listed || isListSep(r)
		}
	}
	st.endSeg()
}

// normalise returns s in compatibility decomposition (NFKD), which splits
// accents from letters and unifies full-width and presentation forms.
func normalise(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			if !norm.NFKD.IsNormalString(s) {
				return norm.NFKD.String(s)
			}
			return s
		}
	}
	return s
}

// startsHandle reports whether a handle (@name) or a web address starts at
// s, whose first rune is r.
func startsHandle(s string, r rune) bool {
	return r == '@' || (r == 'h' || r == 'H' || r == 'w' || r == 'W') && isAddress(s)
}

// skipToken returns the offset of the next space or comma from i.
func skipToken(s string, i int) int {
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != ',' {
		i++
	}
	return i
}

// startsLetter reports whether s starts with a letter.
func startsLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// isWordBreak reports whether r separates words within a segment.
func isWordBreak(r rune) bool {
	switch r {
	case ' ', '-', '_', '"', '#', '!', '?', '*', '~', '\u00a0', '‐', '‑', '“', '”', '«', '»', '„', '‘':
		return true
	}
	return false
}

// regionFlag reads the second regional indicator of a flag emoji whose
// first, r, ends at s[i:], and returns the offset after the flag.
func (st *state) regionFlag(s string, i int, r rune) int {
	if i < len(s) {
		r2, size2 := utf8.DecodeRuneInString(s[i:])
		if r2 >= 0x1F1E6 && r2 <= 0x1F1FF {
			st.t.Flags = append(st.t.Flags, string([]byte{byte('A' + r - 0x1F1E6), byte('A' + r2 - 0x1F1E6)}))
			return i + size2
		}
	}
	return i
}

// subdivisionFlag reads the tag characters after a black flag (🏴 gbsct …)
// from s[i:] and returns the offset after them; the flag counts as its
// country's ("GB").
func (st *state) subdivisionFlag(s string, i int) int {
	var tag [8]byte
	n := 0
	for i < len(s) {
		r2, size2 := utf8.DecodeRuneInString(s[i:])
		if r2 < 0xE0020 || r2 > 0xE007F {
			break
		}
		if r2 >= 0xE0061 && r2 <= 0xE007A && n < len(tag) {
			tag[n] = byte(r2 - 0xE0000)
			n++
		}
		i += size2
	}
	if n >= 2 {
		st.t.Flags = append(st.t.Flags, string([]byte{tag[0] - 'a' + 'A', tag[1] - 'a' + 'A'}))
	}
	return i
}

// isAddress reports whether s starts with a web address.
func isAddress(s string) bool {
	if len(s) < 4 {
		return false
	}
	var p [8]byte
	n := copy(p[:], s)
	for k := 0; k < n; k++ {
		if 'A' <= p[k] && p[k] <= 'Z' {
			p[k] += 'a' - 'A'
		}
	}
	q := string(p[:n])
	return len(q) >= 7 && q[:7] == "http://" || len(q) >= 8 && q[:8] == "https://" || q[:4] == "www."
}

// AppendSkeleton appends the consonant skeleton of a normalised multi-word
// key to dst, for matching the many Latin spellings of names transliterated
// from Arabic ("Deir al-Balah", "Deir el-Balah", "Dayr al Balah" all give
// "dr l bl"). Vowels and y, w after a word's first letter go, q becomes k,
// doubled letters and a final h collapse, the article (al, el, ad, ash…)
// becomes l. It returns dst unchanged and false if a word is not plain a–z.
func AppendSkeleton(dst []byte, words [][]byte) ([]byte, bool) {
	start := len(dst)
	for i, w := range words {
		if i > 0 {
			dst = append(dst, ' ')
		}
		if isArticle(w) {
			dst = append(dst, 'l')
			continue
		}
		var last byte
		for k, c := range w {
			if c < 'a' || c > 'z' {
				return dst[:start], false
			}
			switch c {
			case 'q', 'c':
				c = 'k'
			case 'a', 'e', 'i', 'o', 'u', 'y', 'w':
				if k > 0 {
					last = 0
					continue
				}
				if c != 'y' && c != 'w' {
					c = 'a'
				}
			}
			if c == last {
				continue
			}
			dst = append(dst, c)
			last = c
		}
		if n := len(dst); n > start+1 && dst[n-1] == 'h' && dst[n-2] != ' ' && len(w) > 2 {
			dst = dst[:n-1]
		}
	}
	return dst, true
}

func isArticle(w []byte) bool {
	switch string(w) {
	case "al", "el", "il", "ul", "ad", "ed", "ar", "er", "as", "es", "at", "et", "az", "ez", "an", "en",
		"ash", "esh", "adh", "ath", "az-", "aal":
		return true
	}
	return false
}

// SkeletonStrength counts the consonants of a skeleton that are not articles.
func SkeletonStrength(skel []byte) int {
	n := 0
	for i, c := range skel {
		if c == ' ' || c == 'a' && (i == 0 || skel[i-1] == ' ') {
			continue
		}
		if c == 'l' && (i == 0 || skel[i-1] == ' ') && (i+1 == len(skel) || skel[i+1] == ' ') {
			continue // the article
		}
		n++
	}
	return n
}
