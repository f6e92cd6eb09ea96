package main

import "github.com/tagpulse/tagpulse/aggregator/geo"

// GeoConfig is the 'geo:' section of the configuration file: how countries
// are attributed to posts.
//
//	geo:
//	  overrides:          # profile-location text → ISO 3166-1 code; ZZ keeps it Unknown
//	    NYC: US
//	    CDMX: MX
//	  instance: false     # do not use a Mastodon server's country-code domain
type GeoConfig struct {
	// Overrides maps profile-location texts (matched ignoring case, accents
	// and punctuation) to country codes, ahead of the gazetteer.
	Overrides map[string]string `yaml:"overrides"`
	// Instance turns the weak instance-domain signal on or off; on when unset.
	Instance *bool `yaml:"instance"`
}

// Options converts the section into geo.Options.
func (g GeoConfig) Options() geo.Options {
	return geo.Options{
		Overrides:  g.Overrides,
		NoInstance: g.Instance != nil && !*g.Instance,
	}
}

// Validate reports an override whose code is not a country, so the program
// can refuse to start.
func (g GeoConfig) Validate() error {
	_, err := geo.New(g.Options())
	return err
}
