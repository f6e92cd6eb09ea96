package textnorm

import (
	"reflect"
	"strings"
	"testing"
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
