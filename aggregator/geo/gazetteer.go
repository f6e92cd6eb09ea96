package geo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/tagpulse/tagpulse/aggregator/geo/internal/textnorm"
)

//go:generate go run ./internal/gen -out data

//go:embed data/gazetteer.txt.gz
var gazetteerGz []byte

// Kinds of gazetteer places.
const (
	kindCountry = 'C'
	kindRegion  = 'R'
	kindCity    = 'P'
)

// Flags of a name entry (see internal/gen).
const (
	entryUpper = 1 // counts only when written in capitals
	entryQual  = 2 // only qualifies another name
	entryAlt   = 4 // an alternate name of the place, not its own
	entryShift = 3 // entry = place<<entryShift | flags
)

// place is one country, region or populated place of the gazetteer.
type place struct {
	cc     [2]byte
	kind   byte
	admin  uint16 // index into gazetteer.admins; 0 = none
	weight uint32 // population, or a rank weight for countries and regions
}

// gazetteer is the parsed, immutable name index.
type gazetteer struct {
	places  []place
	lat     []float32 // per place; NaN for countries and regions
	lon     []float32
	admins  []string
	names   map[uint64]uint32 // key hash → start<<8 | count in entries
	entries []uint32          // place<<3 | flags
	iso     map[[2]byte]bool
}

var (
	gazOnce sync.Once
	gazVal  *gazetteer
	gazErr  error
)

// loadedGazetteer parses the embedded gazetteer once per process.
func loadedGazetteer() (*gazetteer, error) {
	gazOnce.Do(func() { gazVal, gazErr = parseGazetteer(gazetteerGz) })
	return gazVal, gazErr
}

var errBadData = errors.New("geo: corrupt embedded data")

func parseGazetteer(gz []byte) (*gazetteer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	next := func() []byte {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			line := raw
			raw = nil
			return line
		}
		line := raw[:i]
		raw = raw[i+1:]
		return line
	}
	if string(next()) != "tagpulse-geo-gazetteer 1" {
		return nil, fmt.Errorf("gazetteer header: %w", errBadData)
	}
	n, err := strconv.Atoi(string(next()))
	if err != nil {
		return nil, fmt.Errorf("gazetteer count: %w", errBadData)
	}
	g := &gazetteer{
		places: make([]place, n),
		lat:    make([]float32, n),
		lon:    make([]float32, n),
		admins: []string{""},
		iso:    make(map[[2]byte]bool, 256),
	}
	adminIdx := map[string]uint16{"": 0}
	var col [6][]byte
	for i := 0; i < n; i++ {
		line := next()
		k := 0
		for k < 5 {
			j := bytes.IndexByte(line, '\t')
			if j < 0 {
				return nil, fmt.Errorf("gazetteer place %d: %w", i, errBadData)
			}
			col[k], line = line[:j], line[j+1:]
			k++
		}
		col[5] = line
		if len(col[1]) != 2 || len(col[0]) != 1 {
			return nil, fmt.Errorf("gazetteer place %d: %w", i, errBadData)
		}
		p := &g.places[i]
		p.kind = col[0][0]
		p.cc = [2]byte{col[1][0], col[1][1]}
		if len(col[2]) > 0 {
			a, ok := adminIdx[string(col[2])]
			if !ok {
				a = uint16(len(g.admins))
				g.admins = append(g.admins, string(col[2]))
				adminIdx[g.admins[a]] = a
			}
			p.admin = a
		}
		p.weight = uint32(atoi(col[3]))
		if p.kind == kindCountry {
			g.iso[p.cc] = true
		}
		if p.kind == kindCity {
			g.lat[i] = parseCoord(col[4])
			g.lon[i] = parseCoord(col[5])
		} else {
			g.lat[i], g.lon[i] = float32NaN, float32NaN
		}
	}
	// Names: count lines first to size the map once.
	lines := bytes.Count(raw, []byte{'\n'}) + 1
	g.names = make(map[uint64]uint32, lines)
	g.entries = make([]uint32, 0, lines*3/2)
	for len(raw) > 0 {
		line := next()
		j := bytes.IndexByte(line, '\t')
		if j < 0 {
			continue
		}
		h := textnorm.Hash(line[:j])
		start := len(g.entries)
		rest := line[j+1:]
		for len(rest) > 0 {
			k := bytes.IndexByte(rest, ',')
			var f []byte
			if k < 0 {
				f, rest = rest, nil
			} else {
				f, rest = rest[:k], rest[k+1:]
			}
			v := parse36(f)
			if int(v>>entryShift) >= n {
				return nil, fmt.Errorf("gazetteer entry %q: %w", f, errBadData)
			}
			g.entries = append(g.entries, v)
		}
		cnt := len(g.entries) - start
		if cnt == 0 || cnt > 255 {
			return nil, fmt.Errorf("gazetteer name %q: %w", line[:j], errBadData)
		}
		g.names[h] = uint32(start)<<8 | uint32(cnt)
	}
	return g, nil
}

var float32NaN = float32(nan())

func nan() float64 { var z float64; return z / z }

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// parseCoord parses a decimal such as "-41.11" without allocating.
func parseCoord(b []byte) float32 {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	var whole, frac, scale float64 = 0, 0, 1
	dot := false
	for _, c := range b {
		switch {
		case c == '.':
			dot = true
		case c >= '0' && c <= '9':
			if dot {
				scale *= 10
				frac = frac*10 + float64(c-'0')
			} else {
				whole = whole*10 + float64(c-'0')
			}
		}
	}
	v := whole + frac/scale
	if neg {
		v = -v
	}
	return float32(v)
}

func parse36(b []byte) uint32 {
	var v uint32
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v*36 + uint32(c-'0')
		case c >= 'a' && c <= 'z':
			v = v*36 + uint32(c-'a'+10)
		}
	}
	return v
}

// lookup returns the name entries under a key hash (nil if none).
func (g *gazetteer) lookup(h uint64) []uint32 {
	v, ok := g.names[h]
	if !ok {
		return nil
	}
	start := v >> 8
	return g.entries[start : start+v&0xff]
}
