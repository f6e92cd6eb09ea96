package textnorm

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"São Paulo", "sao paulo"},
		{"  Kraków!! ", "krakow"},
		{"Łódź", "lodz"},
		{"Straße", "strasse"},
		{"İstanbul", "istanbul"},
		{"Aix-en-Provence", "aix en provence"},
		{"St. John's", "st johns"},
		{"U.S.A.", "usa"},
		{"ＴＯＫＹＯ", "tokyo"},
		{"Θεσσαλονίκη", "θεσσαλονικη"},
		{"إسطنبول", "اسطنبول"},
		{"غزّة", "غزه"},
		{"東京都", "東京都"},
		{"Tokyo東京", "tokyo 東京"},
		{"@handle Berlin", "berlin"},
		{"https://example.com Oslo", "oslo"},
	}
	for _, tt := range tests {
		if got := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	var tok Tokens
	Split(&tok, "London 🇵🇸 | NZ, they/them")
	var words []string
	var segs []int
	for _, w := range tok.Words {
		words = append(words, string(w.Text(tok.Buf)))
		segs = append(segs, w.Seg)
	}
	if want := []string{"london", "nz", "they", "them"}; !reflect.DeepEqual(words, want) {
		t.Errorf("words %q, want %q", words, want)
	}
	if want := []int{0, 1, 2, 3}; !reflect.DeepEqual(segs, want) {
		t.Errorf("segments %v, want %v", segs, want)
	}
	if want := []string{"PS"}; !reflect.DeepEqual(tok.Flags, want) {
		t.Errorf("flags %q, want %q", tok.Flags, want)
	}
	if !tok.Words[1].Upper || tok.Words[0].Upper || !tok.Words[0].Cap || tok.Words[2].Cap {
		t.Errorf("case flags wrong: %+v", tok.Words)
	}
	if HashWords(tok.Buf, tok.Words[2:4]) != HashString("they them") {
		t.Error("HashWords differs from HashString of the joined words")
	}
}

func TestSkeleton(t *testing.T) {
	same := [][]string{
		{"deir al balah", "deir el balah", "dayr al balah"},
		{"khan younis", "khan yunis", "khan younes"},
		{"beit sahour", "beit sahur", "bayt sahur"},
		{"beit lahia", "beit lahiya", "bayt lahya"},
	}
	for _, group := range same {
		var want string
		for _, s := range group {
			var ws [][]byte
			for _, w := range strings.Fields(s) {
				ws = append(ws, []byte(w))
			}
			got, ok := AppendSkeleton(nil, ws)
			if !ok {
				t.Fatalf("skeleton of %q: not ok", s)
			}
			if want == "" {
				want = string(got)
			} else if string(got) != want {
				t.Errorf("skeleton(%q) = %q, want %q like %q", s, got, want, group[0])
			}
		}
	}
}

// TestInvalidUTF8: bytes that are not UTF-8 separate segments like any
// other symbol; the normalised words are valid UTF-8 and keep the letters
// around them.
func TestInvalidUTF8(t *testing.T) {
	tests := []struct {
		in    string
		words []string
		segs  int
	}{
		{"Gaza\xffCity", []string{"gaza", "city"}, 2},
		{"\xff\xfeBerlin", []string{"berlin"}, 1},
		{"Lond\xc3on", []string{"lond", "on"}, 2}, // a truncated two-byte sequence
		{"S\xe3o Paulo", []string{"s", "o", "paulo"}, 2},
		{"\xed\xa0\x80Oslo", []string{"oslo"}, 1}, // an encoded surrogate
		{"Tōkyō\xf0\x9f", []string{"tokyo"}, 1},   // a truncated emoji
		{"\xff", nil, 0},
		{"@\xffhandle Rome", []string{"rome"}, 1},
	}
	for _, tt := range tests {
		var tok Tokens
		Split(&tok, tt.in)
		var words []string
		for _, w := range tok.Words {
			b := w.Text(tok.Buf)
			if !utf8.Valid(b) {
				t.Errorf("Split(%q): word %q is not valid UTF-8", tt.in, b)
			}
			words = append(words, string(b))
		}
		if !reflect.DeepEqual(words, tt.words) || tok.Segs != tt.segs {
			t.Errorf("Split(%q) = %q in %d segments, want %q in %d", tt.in, words, tok.Segs, tt.words, tt.segs)
		}
		if k := Key(tt.in); !utf8.ValidString(k) {
			t.Errorf("Key(%q) = %q, not valid UTF-8", tt.in, k)
		}
	}
}

// TestFullStops: a full stop after a single letter vanishes ("U.S.A."); one
// between longer words separates them ("St.Louis").
func TestFullStops(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"St.Louis", "st louis"}, {"Córdoba.Argentina.", "cordoba argentina"}, {"U.S.A.", "usa"},
		{"Washington D.C.", "washington dc"}, {"Mt.Pleasant", "mt pleasant"}, {"London.", "london"},
		{"U.S.Virgin", "usvirgin"}, {"3.5", "35"},
	} {
		if got := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFlags: flag emoji, subdivision flags and lone regional indicators.
func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"🇵🇸🇮🇪", []string{"PS", "IE"}},
		{"🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F Cardiff", []string{"GB"}},
		{"🇵 alone", nil},
		{"🏴 black flag", nil},
	} {
		var tok Tokens
		Split(&tok, tt.in)
		if !reflect.DeepEqual(tok.Flags, tt.want) && !(len(tok.Flags) == 0 && len(tt.want) == 0) {
			t.Errorf("Split(%q) flags %q, want %q", tt.in, tok.Flags, tt.want)
		}
	}
}

// TestInvalidUTF8Terminates: location normalisation (Split, Key, Skeleton)
// returns on invalid UTF-8 between combining marks and in long runs, the
// input that made x/text's norm loop forever before GO-2026-5970 was fixed.
func TestInvalidUTF8Terminates(t *testing.T) {
	bad := []string{"\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\x80\x80", "\xed\xa0\x80", "\xc0\xaf"}
	var inputs []string
	for _, b := range bad {
		inputs = append(inputs, b, "Gaza"+b+"City", "a\u0301"+b+"\u0308", strings.Repeat("\u0301"+b, 40), strings.Repeat(b, 300), "ﷺ"+b+"غزة")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, in := range inputs {
			var tok Tokens
			Split(&tok, in)
			if k := Key(in); !utf8.ValidString(k) {
				t.Errorf("Key(%q) = %q, not valid UTF-8", in, k)
			}
			AppendSkeleton(nil, [][]byte{[]byte(in)})
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("location normalisation did not return on invalid UTF-8 within 30 s")
	}
}

// TestListed: segments after a list separator are marked, those after a
// comma, dash or bracket are not, and Listed has one entry per segment.
func TestListed(t *testing.T) {
	tests := []struct {
		in   string
		want []bool
	}{
		{"Frankfurt|Hong Kong, Singapore", []bool{false, true, false}},
		{"Paris · Berlin • Rome / Oslo; Bern", []bool{false, true, true, true, true}},
		{"New Delhi - USA", []bool{false, false}},         // a spaced dash parts segments, and qualifies
		{"Kwa-Thema, South Africa", []bool{false, false}}, // a hyphen inside a name does not
		{"Cork, Ireland (IE)", []bool{false, false, false}},
		{"Gaza 🇵🇸 | Cairo", []bool{false, true}},
		{"| Lyon", []bool{false}},
		{"", nil},
	}
	var tok Tokens
	for _, tt := range tests {
		Split(&tok, tt.in)
		if len(tok.Listed) != tok.Segs || !reflect.DeepEqual(append([]bool(nil), tok.Listed...), tt.want) {
			t.Errorf("Split(%q).Listed = %v (%d segments), want %v", tt.in, tok.Listed, tok.Segs, tt.want)
		}
	}
}
