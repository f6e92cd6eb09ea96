package geo

import (
	"testing"
	"unicode/utf8"
)

// FuzzLocate checks that any text gets a well-formed answer without panicking.
func FuzzLocate(f *testing.F) {
	for _, s := range benchTexts {
		f.Add(s)
	}
	f.Add("🏴\U000E0067\U000E0062")
	f.Add("\xff\xfe@@@")
	f.Add("ÜT: 34.07,-118.35")
	f.Add("Sheikh Jarrah, القدس")
	f.Add("St.Louis.MO.")
	f.Add("東京都大阪府京都府北海道沖縄県名古屋市横浜市神戸市福岡市札幌市仙台市広島市")
	a, err := New(Options{Overrides: map[string]string{"Big Smoke": "GB"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at := a.Locate(s)
		if len(at.Country) != 2 || at.Confidence < 0 || at.Confidence > 1 {
			t.Fatalf("Locate(%q) = %+v", s, at)
		}
		if (at.Country == Unknown) != (at.Method == MethodNone || at.Method == MethodDisputed) {
			t.Fatalf("Locate(%q) = %+v: ZZ goes with method none or disputed, and only they", s, at)
		}
		if !utf8.ValidString(at.Country) {
			t.Fatalf("Locate(%q) = %+v", s, at)
		}
	})
}
