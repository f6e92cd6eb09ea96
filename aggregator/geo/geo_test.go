package geo_test

import (
	"sync"
	"testing"

	"github.com/tagpulse/tagpulse/aggregator/geo"
)

func newAttributor(t testing.TB, opts geo.Options) *geo.Attributor {
	t.Helper()
	a, err := geo.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// TestLocate covers profile texts in several scripts and the rules that
// decide between readings. The strings are not those of the dev set.
func TestLocate(t *testing.T) {
	a := newAttributor(t, geo.Options{})
	tests := []struct{ text, want string }{
		// Latin script, accents and case.
		{"Berlin", "DE"}, {"MÜNCHEN", "DE"}, {"Zürich", "CH"}, {"Bogotá", "CO"}, {"São Paulo", "BR"},
		{"Reykjavík", "IS"}, {"Łódź", "PL"}, {"İstanbul", "TR"}, {"København", "DK"}, {"Bucureşti", "RO"},
		// Arabic, Hebrew, Greek, Cyrillic, CJK, Hangul.
		{"بيروت", "LB"}, {"القاهرة", "EG"}, {"نابلس", "PS"}, {"دمشق", "SY"}, {"الدار البيضاء", "MA"},
		{"تل أبيب", "IL"}, {"חיפה", "IL"}, {"Αθήνα", "GR"}, {"Москва", "RU"}, {"Київ", "UA"},
		{"東京都", "JP"}, {"北京", "CN"}, {"香港", "HK"}, {"台北", "TW"}, {"서울", "KR"}, {"ＴＯＫＹＯ", "JP"},
		// Country names in many languages, and codes.
		{"Deutschland", "DE"}, {"España", "ES"}, {"Ελλάδα", "GR"}, {"Россия", "RU"}, {"مصر", "EG"},
		{"فلسطين", "PS"}, {"日本", "JP"}, {"UK", "GB"}, {"U.S.A.", "US"}, {"the Netherlands", "NL"},
		// Regions and "City, ST".
		{"Scotland", "GB"}, {"Ontario", "CA"}, {"Texas", "US"}, {"Chicago, IL", "US"}, {"Toronto, ON", "CA"},
		{"Melbourne, VIC", "AU"}, {"Melbourne, FL", "US"}, {"Perth, Scotland", "GB"}, {"Perth, WA", "AU"},
		{"Vancouver, WA", "US"}, {"Vancouver, BC", "CA"}, {"Cambridge, MA", "US"}, {"Cambridge, UK", "GB"},
		{"Kingston, Jamaica", "JM"}, {"Kingston, Ontario", "CA"}, {"Athens, GA", "US"}, {"Tbilisi, Georgia", "GE"},
		{"Lebanon, PA", "US"}, {"Palestine, TX", "US"}, {"León, Guanajuato", "MX"}, {"Toledo, Spain", "ES"},
		// All in lower case.
		{"london, uk", "GB"}, {"paris, tx", "US"}, {"toronto, on", "CA"}, {"cork", "IE"}, {"united states", "US"},
		{"LIVING IN BERLIN", "DE"}, {"DUBLIN, IRELAND", "IE"}, {"UK", "GB"},
		// Separators and noise.
		{"Gaza-Palestine", "PS"}, {"Brussels · Belgium", "BE"}, {"Living in Berlin", "DE"}, {"Dublin / Belfast", "IE"},
		{"she/her · Lisboa", "PT"}, {"@someone | Oslo", "NO"}, {"Newcastle upon Tyne", "GB"},
		// Flags: alone they count, beside a place they only break ties.
		{"🇵🇸", "ZZ"}, {"🇺🇦", "ZZ"}, {"🇮🇪🇮🇪", "IE"}, {"🇮🇪🇵🇸", "IE"}, {"🇵🇸 in 🇬🇧", "GB"}, {"🇫🇷🇩🇪", "ZZ"}, {"🇵🇸🇱🇧", "ZZ"}, {"Leeds 🇵🇸", "GB"}, {"Paris 🇫🇷🇵🇸", "FR"}, {"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "GB"},
		// Not places.
		{"", "ZZ"}, {"the internet", "ZZ"}, {"Planet Earth 🌍", "ZZ"}, {"worldwide", "ZZ"}, {"he/him", "ZZ"},
		{"in your heart", "ZZ"}, {"Middle Earth", "ZZ"}, {"https://example.com", "ZZ"}, {"@handle", "ZZ"},
		{"Free Palestine", "ZZ"}, {"Stand with Sudan", "ZZ"}, {"Europe", "ZZ"}, {"Latin America", "ZZ"},
		{"✨🌙✨", "ZZ"}, {"in the kitchen", "ZZ"}, {"a van down by the river", "ZZ"}, {"Mars", "ZZ"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := a.Locate(tt.text)
			if got.Country != tt.want {
				t.Fatalf("Locate(%q) = %+v, want %s", tt.text, got, tt.want)
			}
			wantMethod := geo.MethodProfile
			if tt.want == geo.Unknown {
				wantMethod = geo.MethodNone
			}
			if got.Method != wantMethod || got.Confidence < 0 || got.Confidence > 1 {
				t.Fatalf("Locate(%q) = %+v, want method %s and confidence in 0..1", tt.text, got, wantMethod)
			}
		})
	}
}

func TestLocateConfidence(t *testing.T) {
	a := newAttributor(t, geo.Options{})
	// A place confirmed by its region is surer than the same name alone.
	alone, qualified := a.Locate("Portland"), a.Locate("Portland, Oregon")
	if qualified.Confidence <= alone.Confidence {
		t.Errorf("Portland %.2f, Portland, Oregon %.2f: want the qualified one surer", alone.Confidence, qualified.Confidence)
	}
}

func TestOverrides(t *testing.T) {
	a := newAttributor(t, geo.Options{Overrides: map[string]string{
		"CDMX": "mx", "Jerusalem": "PS", "Springfield": "ZZ", "Big Smoke": "UK",
	}})
	tests := []struct{ text, want string }{
		{"CDMX", "MX"}, {"cdmx 🇲🇽", "MX"}, {"Jerusalem", "PS"}, {"jérusalem", "PS"}, {"Springfield", "ZZ"},
		{"the Big Smoke", "GB"}, {"Berlin", "DE"},
	}
	for _, tt := range tests {
		if got := a.Locate(tt.text); got.Country != tt.want {
			t.Errorf("Locate(%q) = %+v, want %s", tt.text, got, tt.want)
		}
	}
	if _, err := geo.New(geo.Options{Overrides: map[string]string{"Atlantis": "XX"}}); err == nil {
		t.Error("New with override code XX: want an error")
	}
	if _, err := geo.New(geo.Options{Overrides: map[string]string{"🌍": "US"}}); err == nil {
		t.Error("New with an override without letters: want an error")
	}
}

func TestAttribute(t *testing.T) {
	a := newAttributor(t, geo.Options{})
	tests := []struct {
		name       string
		s          geo.Signals
		country    string
		method     string
		confidence float64
	}{
		{"place", geo.Signals{PlaceCountry: "PS", ProfileLocation: "London"}, "PS", geo.MethodPlace, 1},
		{"place UK", geo.Signals{PlaceCountry: "UK"}, "GB", geo.MethodPlace, 1},
		{"place lower case", geo.Signals{PlaceCountry: "us"}, "US", geo.MethodPlace, 1},
		{"place by name", geo.Signals{PlaceCountry: "United Kingdom"}, "GB", geo.MethodPlace, 0.95},
		{"place invalid falls through", geo.Signals{PlaceCountry: "XX", ProfileLocation: "Dublin"}, "IE", geo.MethodProfile, -1},
		{"coordinates before profile", geo.Signals{HasCoordinates: true, Lat: 31.52, Lon: 34.45, ProfileLocation: "London"}, "PS", geo.MethodCoordinates, 0.95},
		{"coordinates Hong Kong", geo.Signals{HasCoordinates: true, Lat: 22.28, Lon: 114.16}, "HK", geo.MethodCoordinates, 0.95},
		{"coordinates Shenzhen", geo.Signals{HasCoordinates: true, Lat: 22.55, Lon: 114.06}, "CN", geo.MethodCoordinates, 0.95},
		{"coordinates Puerto Rico", geo.Signals{HasCoordinates: true, Lat: 18.47, Lon: -66.11}, "PR", geo.MethodCoordinates, 0.95},
		{"coordinates Greenland", geo.Signals{HasCoordinates: true, Lat: 64.18, Lon: -51.72}, "GL", geo.MethodCoordinates, 0.95},
		{"coordinates coastal waters", geo.Signals{HasCoordinates: true, Lat: 31.55, Lon: 34.3}, "PS", geo.MethodCoordinates, 0.95},
		{"coordinates Crimea", geo.Signals{HasCoordinates: true, Lat: 44.95, Lon: 34.1}, "UA", geo.MethodCoordinates, 0.95},
		{"coordinates Laayoune", geo.Signals{HasCoordinates: true, Lat: 27.15, Lon: -13.2}, "EH", geo.MethodCoordinates, 0.95},
		{"coordinates Marrakesh", geo.Signals{HasCoordinates: true, Lat: 31.63, Lon: -8.0}, "MA", geo.MethodCoordinates, 0.95},
		{"coordinates Nicosia north", geo.Signals{HasCoordinates: true, Lat: 35.19, Lon: 33.36}, "CY", geo.MethodCoordinates, 0.95},
		{"coordinates West Bank", geo.Signals{HasCoordinates: true, Lat: 31.9, Lon: 35.2}, "PS", geo.MethodCoordinates, 0.95},
		{"coordinates Macau", geo.Signals{HasCoordinates: true, Lat: 22.19, Lon: 113.54}, "MO", geo.MethodCoordinates, 0.95},
		{"coordinates Belfast", geo.Signals{HasCoordinates: true, Lat: 54.6, Lon: -5.93}, "GB", geo.MethodCoordinates, 0.95},
		{"coordinates Dublin", geo.Signals{HasCoordinates: true, Lat: 53.35, Lon: -6.26}, "IE", geo.MethodCoordinates, 0.95},
		{"coordinates mid-ocean fall through", geo.Signals{HasCoordinates: true, Lat: 0, Lon: -140, ProfileLocation: "Oslo"}, "NO", geo.MethodProfile, -1},
		{"null island is no place", geo.Signals{HasCoordinates: true}, "ZZ", geo.MethodNone, 0},
		{"instance", geo.Signals{InstanceDomain: "mastodon.ie"}, "IE", geo.MethodInstance, 0.3},
		{"instance uk", geo.Signals{InstanceDomain: "social.example.uk"}, "GB", geo.MethodInstance, 0.3},
		{"instance after profile", geo.Signals{ProfileLocation: "Tunis", InstanceDomain: "mastodon.ie"}, "TN", geo.MethodProfile, -1},
		{"instance when profile is no place", geo.Signals{ProfileLocation: "they/them", InstanceDomain: "toot.fr"}, "FR", geo.MethodInstance, 0.3},
		{"instance generic", geo.Signals{InstanceDomain: "mastodon.social"}, "ZZ", geo.MethodNone, 0},
		{"instance vanity", geo.Signals{InstanceDomain: "hachyderm.io"}, "ZZ", geo.MethodNone, 0},
		{"nothing", geo.Signals{}, "ZZ", geo.MethodNone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.Attribute(tt.s)
			if got.Country != tt.country || got.Method != tt.method || tt.confidence >= 0 && got.Confidence != tt.confidence {
				t.Fatalf("Attribute(%+v) = %+v, want %s %s %.2f", tt.s, got, tt.country, tt.method, tt.confidence)
			}
		})
	}
	off := newAttributor(t, geo.Options{NoInstance: true})
	if got := off.Attribute(geo.Signals{InstanceDomain: "mastodon.ie"}); got.Country != geo.Unknown {
		t.Errorf("NoInstance: Attribute = %+v, want ZZ", got)
	}
}

// TestConcurrent runs lookups from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	a := newAttributor(t, geo.Options{Overrides: map[string]string{"NYC": "US"}})
	texts := []string{"Gaza", "London, Ontario", "東京", "NYC", "they/them", "🇵🇸 Dublin"}
	want := make([]geo.Attribution, len(texts))
	for i, s := range texts {
		want[i] = a.Locate(s)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newAttributor(t, geo.Options{})
			for n := 0; n < 200; n++ {
				i := (n + g) % len(texts)
				if got := a.Locate(texts[i]); got != want[i] {
					t.Errorf("Locate(%q) = %+v, want %+v", texts[i], got, want[i])
					return
				}
				b.Attribute(geo.Signals{HasCoordinates: true, Lat: 48.85, Lon: 2.35})
			}
		}()
	}
	wg.Wait()
}
