package config

import (
	"maps"
	"slices"
	"strconv"

	"golang.org/x/text/language"

	"github.com/tagpulse/tagpulse/aggregator/geo"
)

// Geo is the geo: section: how countries are attributed to posts.
//
//	geo:
//	  overrides:          # profile-location text → ISO 3166-1 code; ZZ keeps it Unknown
//	    NYC: US
//	    CDMX: MX
//	  instance: false     # do not use a Mastodon server's country-code domain
//	  prefer: [PS, JO, LB]  # an ambiguous place name takes the first of these among its candidates
type Geo struct {
	// Overrides maps profile-location texts (matched ignoring case, accents
	// and punctuation) to country codes, ahead of the gazetteer.
	Overrides map[string]string `yaml:"overrides"`
	// Instance turns the weak instance-domain signal on or off; on when unset.
	Instance *bool `yaml:"instance"`
	// Prefer breaks ties: a place name that names places in several
	// countries (Bethlehem: US or PS) takes the first of these that is
	// among them. ISO 3166-1 alpha-2 codes, upper case, each once.
	Prefer []string `yaml:"prefer"`
}

// Options converts the section into geo.Options.
func (g Geo) Options() geo.Options {
	return geo.Options{
		Overrides:  g.Overrides,
		Prefer:     g.Prefer,
		NoInstance: g.Instance != nil && !*g.Instance,
	}
}

// checkGeo refuses an override whose text has no letters or whose code is
// not a country, and a preference that is not a country code.
func (p *parser) checkGeo(g *Geo) {
	for _, text := range slices.Sorted(maps.Keys(g.Overrides)) {
		if _, err := geo.New(geo.Options{Overrides: map[string]string{text: g.Overrides[text]}}); err != nil {
			p.errorAt("geo.overrides."+text, "%w", err)
		}
	}
	seen := map[string]int{}
	for i, code := range g.Prefer {
		key := "geo.prefer[" + strconv.Itoa(i) + "]"
		if j, dup := seen[code]; dup {
			p.errorAt(key, "%q is listed twice (as prefer[%d] too)", code, j)
			continue
		}
		seen[code] = i
		if !isCountry(code) {
			p.errorAt(key, "%q is not an ISO 3166-1 alpha-2 country code in upper case (PS, JO, LB…)", code)
		}
	}
}

// isCountry reports whether code is an ISO 3166-1 alpha-2 country code as
// written: two upper-case letters, canonical, a country (not ZZ, EU…).
func isCountry(code string) bool {
	if len(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z' || code == geo.Unknown {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}
