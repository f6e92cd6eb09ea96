package demo

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/aggregator/geo"
)

func demoGeo(t *testing.T) aggregator.AttributeFunc {
	t.Helper()
	g, err := geo.New(geo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return aggregator.GeoAttribute(g)
}

// Every geotag the demo can write is attributed, by the real borders, to
// the country whose people the demo says wrote it: the whole jitter square
// around each town, corners included.
func TestDemoCoordinatesInTheirCountry(t *testing.T) {
	g, err := geo.New(geo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const steps = 20
	for _, c := range demoCountries {
		if len(c.towns) == 0 {
			t.Errorf("%s has no towns", c.code)
		}
		for _, town := range c.towns {
			for i := 0; i <= steps; i++ {
				for j := 0; j <= steps; j++ {
					lat := town.lat - demoJitter + 2*demoJitter*float64(i)/steps
					lon := town.lon - demoJitter + 2*demoJitter*float64(j)/steps
					a := g.Attribute(geo.Signals{HasCoordinates: true, Lat: lat, Lon: lon})
					if a.Country != c.code || a.Method != geo.MethodCoordinates {
						t.Errorf("%s town %.2f,%.2f: point %.3f,%.3f is attributed to %s (%s)", c.code, town.lat, town.lon, lat, lon, a.Country, a.Method)
					}
				}
			}
		}
	}
}

// A demo profile location names its own country or nothing the gazetteer
// knows (Unknown); never another country.
func TestDemoPlacesInTheirCountry(t *testing.T) {
	g, err := geo.New(geo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range demoCountries {
		for _, p := range c.places {
			if a := g.Locate(p); a.Country != c.code && a.Country != geo.Unknown {
				t.Errorf("%s profile %q is attributed to %s", c.code, p, a.Country)
			}
		}
	}
	for _, p := range demoNowhere {
		if a := g.Locate(p); a.Country != geo.Unknown {
			t.Errorf("nowhere profile %q is attributed to %s", p, a.Country)
		}
	}
}

// The demo's history, attributed as the aggregator does, shows every
// simulated country and no other, and each post's country is its author's.
func TestDemoShowsItsCountries(t *testing.T) {
	start := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	d := New(Options{Seed: 1, Start: start, RealNow: func() time.Time { return start }})
	author := map[string]string{}
	for _, a := range d.authors {
		author[a.id] = a.country.code
	}
	attribute := demoGeo(t)
	seen := map[string]int{}
	coords := 0
	var cursor []byte
	for {
		page, err := d.Poll(context.Background(), cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Posts {
			got := attribute(p.Signals).Country
			seen[got]++
			if p.Signals.Coordinates != nil {
				coords++
			}
			if want := author[p.Author.ID]; got != want && got != geo.Unknown {
				t.Errorf("post %s by a %s author (profile %q, coordinates %v) is attributed to %s", p.ID, want, p.Signals.ProfileLocation, p.Signals.Coordinates, got)
			}
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	if coords < 100 {
		t.Errorf("only %d geotagged posts: the test sees too few coordinates", coords)
	}
	var shown []string
	for cc := range seen {
		if cc != geo.Unknown {
			shown = append(shown, cc)
		}
	}
	slices.Sort(shown)
	var want []string
	for _, c := range demoCountries {
		want = append(want, c.code)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(shown, want) {
		t.Errorf("the demo shows %d countries %v;\nwant the %d simulated %v", len(shown), shown, len(want), want)
	}
	if len(want) != 51 { // the number Demo's documentation gives
		t.Errorf("%d countries simulated; update the count in Demo's comment (and the README): %s", len(want), strings.Join(want, " "))
	}
	t.Logf("%d posts, %d geotagged, %d countries and Unknown (%d posts)", func() int {
		n := 0
		for _, v := range seen {
			n += v
		}
		return n
	}(), coords, len(shown), seen[geo.Unknown])
}
