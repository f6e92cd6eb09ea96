// Package geo attributes a country to a post from the location signals it
// carries: the platform's place, coordinates, the free-text profile location
// and, for Mastodon, the instance's domain. It works offline, from a
// gazetteer generated from GeoNames and country borders generated from
// country-coder, both embedded in the binary (see internal/gen).
//
// Signals are tried in order of trust: place → coordinates → profile →
// instance. What none of them settles stays Unknown ("ZZ"): tagpulse counts
// only what it can honestly attribute.
package geo

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/tagpulse/tagpulse/aggregator/geo/internal/textnorm"
)

// Unknown is CLDR's "Unknown Region", the country of posts that cannot be
// attributed.
const Unknown = "ZZ"

// Methods: how a country was decided.
const (
	MethodPlace       = "place"       // the platform's place (a geotag) named the country
	MethodCoordinates = "coordinates" // the post's coordinates fell within a country's borders
	MethodProfile     = "profile"     // the author's free-text profile location
	MethodInstance    = "instance"    // the country-code domain of the author's Mastodon server
	MethodNone        = "none"        // nothing to go on: Unknown
	// MethodProfileCoordinates: a latitude and longitude written in the
	// profile location ("ÜT: 34.07,-118.35"), looked up in the borders.
	MethodProfileCoordinates = "profile_coordinates"
	// MethodDisputed: the profile names a place that names both sides of a
	// disputed line (bare "Jerusalem"); the country is Unknown ("ZZ") unless
	// the campaign's overrides or preferences settle it.
	MethodDisputed = "disputed"
)

// Signals are a post's raw location signals, as collected.
type Signals struct {
	PlaceCountry    string // platform place's country code as given ("UK", "us", "PS"…)
	HasCoordinates  bool
	Lat, Lon        float64
	ProfileLocation string // free text
	InstanceDomain  string // Mastodon server domain, e.g. "mastodon.ie"
}

// Attribution is the country decided for a post and how.
type Attribution struct {
	Country    string  // ISO 3166-1 alpha-2 upper-case, or "ZZ"
	Method     string  // one of the Method constants
	Confidence float64 // 0..1
}

// Options tune an Attributor.
type Options struct {
	// Overrides maps a profile-location text (compared after normalisation:
	// case, accents and punctuation do not matter) to a country code, for
	// nicknames the gazetteer lacks ("NYC": "US", "CDMX": "MX") and places a
	// campaign wants read its own way. The code "ZZ" makes a text Unknown.
	Overrides map[string]string
	// Prefer breaks ties for names that mean places in several countries,
	// in order: "Bethlehem" (Pennsylvania, Palestine) or "عمان" (Amman,
	// Oman) take the first of these countries that is one of the name's
	// well-known readings, as does a disputed name ("Jerusalem": PS or IL).
	// Codes are ISO 3166-1 alpha-2. The result depends only on the text and
	// the options, so a rebuild and incremental attribution agree.
	Prefer []string
	// NoInstance turns off the Mastodon instance-domain signal.
	NoInstance bool
}

// Attributor decides countries. It is safe for concurrent use.
type Attributor struct {
	g          *gazetteer
	b          *borders
	overrides  map[uint64][2]byte
	overrideN  int // most words in an override key
	prefer     [][2]byte
	noInstance bool
}

var unknown = Attribution{Country: Unknown, Method: MethodNone}

// New returns an Attributor over the embedded data, which is parsed once per
// process: a second New is cheap. It fails on corrupt data or an override
// whose code is not an ISO 3166-1 country.
func New(opts Options) (*Attributor, error) {
	g, err := loadedGazetteer()
	if err != nil {
		return nil, err
	}
	b, err := loadedBorders()
	if err != nil {
		return nil, err
	}
	a := &Attributor{g: g, b: b, noInstance: opts.NoInstance, overrides: map[uint64][2]byte{}}
	keys := make([]string, 0, len(opts.Overrides))
	for k := range opts.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := opts.Overrides[k]
		key := textnorm.Key(k)
		if key == "" {
			return nil, fmt.Errorf("geo override %q: no letters to match", k)
		}
		code := strings.ToUpper(strings.TrimSpace(v))
		var cc [2]byte
		if code == Unknown {
			cc = [2]byte{'Z', 'Z'}
		} else if c, ok := g.code(code); ok {
			cc = c
		} else {
			return nil, fmt.Errorf("geo override %q: %q is not an ISO 3166-1 country code", k, v)
		}
		a.overrides[textnorm.HashString(key)] = cc
		a.overrideN = max(a.overrideN, strings.Count(key, " ")+1)
	}
	for _, p := range opts.Prefer {
		c, ok := g.code(p)
		if !ok {
			return nil, fmt.Errorf("geo prefer: %q is not an ISO 3166-1 country code", p)
		}
		if !slices.Contains(a.prefer, c) {
			a.prefer = append(a.prefer, c)
		}
	}
	return a, nil
}

// preferRank returns the place of a country in the preferences, or -1.
func (a *Attributor) preferRank(cc [2]byte) int {
	return slices.Index(a.prefer, cc)
}

// code validates a country code, mapping the common non-ISO "UK" to GB.
func (g *gazetteer) code(s string) ([2]byte, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case "UK":
		s = "GB"
	case "EL": // the European Union's code for Greece
		s = "GR"
	}
	if len(s) != 2 {
		return [2]byte{}, false
	}
	c := [2]byte{s[0], s[1]}
	return c, g.iso[c]
}

// countryName reads a text that is exactly a country's name, in any of the
// gazetteer's languages.
func (a *Attributor) countryName(s string) ([2]byte, bool) {
	key := textnorm.Key(s)
	if len(key) < 3 {
		return [2]byte{}, false
	}
	for _, e := range a.g.lookup(textnorm.HashString(key)) {
		if p := a.g.places[e>>entryShift]; p.kind == kindCountry && e&entryQual == 0 {
			return p.cc, true
		}
	}
	return [2]byte{}, false
}

// Attribute decides a post's country from its signals, trying the place,
// then coordinates, then the profile location, then the instance domain.
// A profile that names a disputed place and nothing else settles is Unknown
// with method "disputed".
func (a *Attributor) Attribute(s Signals) Attribution {
	if s.PlaceCountry != "" {
		if c, ok := a.g.code(s.PlaceCountry); ok {
			return Attribution{Country: string(c[:]), Method: MethodPlace, Confidence: 1}
		}
		// Some archives give the place's country by name ("United Kingdom").
		if c, ok := a.countryName(s.PlaceCountry); ok {
			return Attribution{Country: string(c[:]), Method: MethodPlace, Confidence: 0.95}
		}
	}
	if s.HasCoordinates {
		if at, ok := a.coordinates(s.Lat, s.Lon); ok {
			return at
		}
	}
	fallback := unknown
	if s.ProfileLocation != "" {
		at := a.Locate(s.ProfileLocation)
		if at.Country != Unknown {
			return at
		}
		if at.Method == MethodDisputed {
			fallback = at // unless the instance settles it, say why it is Unknown
		}
	}
	if !a.noInstance && s.InstanceDomain != "" {
		if at, ok := a.instance(s.InstanceDomain); ok {
			return at
		}
	}
	return fallback
}

// nearestKm bounds the nearest-city fallback for points outside every border.
const nearestKm = 50

func (a *Attributor) coordinates(lat, lon float64) (Attribution, bool) {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 || lat == 0 && lon == 0 {
		return Attribution{}, false // (0, 0) is a missing value far more often than a ship in the Gulf of Guinea
	}
	if inEastJerusalem(lat, lon) {
		return Attribution{Country: "PS", Method: MethodCoordinates, Confidence: 0.95}, true
	}
	if c, ok := a.b.find(lat, lon); ok {
		return Attribution{Country: string(c[:]), Method: MethodCoordinates, Confidence: 0.95}, true
	}
	if c, km, ok := a.g.nearest(lat, lon); ok && km <= nearestKm {
		return Attribution{Country: string(c[:]), Method: MethodCoordinates, Confidence: 0.6}, true
	}
	return Attribution{}, false
}

// nearest returns the country of the populated place nearest to a point.
func (g *gazetteer) nearest(lat, lon float64) ([2]byte, float64, bool) {
	best, bestD := -1, math.Inf(1)
	cosLat := math.Cos(lat * math.Pi / 180)
	for i := range g.places {
		if g.places[i].kind != kindCity {
			continue
		}
		dy := float64(g.lat[i])/100 - lat
		dx := float64(g.lon[i])/100 - lon
		if dx > 180 {
			dx -= 360
		} else if dx < -180 {
			dx += 360
		}
		dx *= cosLat
		if d := dx*dx + dy*dy; d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return [2]byte{}, 0, false
	}
	return g.places[best].cc, math.Sqrt(bestD) * 111.2, true
}

// vanityTLDs are country-code domains mostly registered for their look, not
// their country.
var vanityTLDs = map[string]bool{
	"io": true, "co": true, "me": true, "tv": true, "fm": true, "ai": true, "gg": true, "ly": true,
	"to": true, "cc": true, "ws": true, "nu": true, "tk": true, "la": true, "am": true, "sh": true,
	"so": true, "ac": true, "vc": true, "st": true, "gs": true, "im": true, "cx": true, "pw": true,
	"ms": true, "md": true, "dj": true, "mu": true, "sx": true, "tl": true, "vg": true, "af": true,
	"bz": true, "cm": true,
}

func (a *Attributor) instance(domain string) (Attribution, bool) {
	d := strings.ToLower(strings.TrimSpace(domain))
	d = strings.TrimSuffix(d, ".")
	if i := strings.IndexAny(d, ":/"); i >= 0 {
		d = d[:i]
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	if len(tld) != 2 || vanityTLDs[tld] {
		return Attribution{}, false
	}
	c, ok := a.g.code(tld)
	if !ok {
		return Attribution{}, false
	}
	return Attribution{Country: string(c[:]), Method: MethodInstance, Confidence: 0.3}, true
}
