package aggregator

import (
	"sync"

	"github.com/tagpulse/tagpulse/aggregator/geo"
	"github.com/tagpulse/tagpulse/store"
)

// memoLimit bounds the memo of profile attributions; it is cleared when full.
const memoLimit = 200_000

// GeoAttribute attributes countries with the geo package: place, then
// coordinates, then profile text, then Mastodon instance. Posts that differ
// only by profile text and instance (most of them) share a memo, since the
// same people post again and again.
func GeoAttribute(g *geo.Attributor) AttributeFunc {
	type key struct{ profile, instance string }
	var mu sync.Mutex
	memo := map[key]Attribution{}
	return func(s store.Signals) Attribution {
		gs := geo.Signals{PlaceCountry: s.PlaceCountry, ProfileLocation: s.ProfileLocation, InstanceDomain: s.InstanceDomain}
		if s.Coordinates != nil {
			gs.HasCoordinates, gs.Lat, gs.Lon = true, s.Coordinates.Lat, s.Coordinates.Lon
		}
		memoable := s.PlaceCountry == "" && s.Coordinates == nil
		k := key{s.ProfileLocation, s.InstanceDomain}
		if memoable {
			mu.Lock()
			a, ok := memo[k]
			mu.Unlock()
			if ok {
				return a
			}
		}
		r := g.Attribute(gs)
		a := Attribution{Country: r.Country, Method: r.Method, Confidence: r.Confidence}
		if memoable {
			mu.Lock()
			if len(memo) >= memoLimit {
				clear(memo)
			}
			memo[k] = a
			mu.Unlock()
		}
		return a
	}
}
