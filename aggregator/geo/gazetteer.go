package geo

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

//go:generate go run ./internal/gen -out data

//go:embed data/gazetteer.bin
var gazetteerBin []byte

//go:embed data/names.bin
var namesBin []byte

// Kinds of gazetteer places.
const (
	kindCountry = 'C'
	kindRegion  = 'R'
	kindCity    = 'P'
)

// Flags of a name entry (see internal/gen).
const (
	entryUpper = 1  // counts only when written in capitals
	entryQual  = 2  // only qualifies another name
	entryAlt   = 4  // an alternate name of the place, not its own
	entryWord  = 8  // the name is also a common English word
	entryFuzzy = 16 // filed under a transliteration skeleton
	entryShift = 5  // entry = place<<entryShift | flags
)

// place is one country, region or populated place of the gazetteer.
type place struct {
	cc     [2]byte
	kind   byte
	admin  uint16 // index into gazetteer.admins; 0 = none
	kpop   uint16 // a city's population in thousands (rounded down); 0 for countries and regions
	weight uint32 // notability (population raised by how many languages name it), or a rank weight for countries and regions
}

// gazetteer is the parsed, immutable name index. Names are kept as 64-bit
// hashes of their normalised keys, sorted, with a 16-bit bucket index: no
// key strings, no map to build at load.
type gazetteer struct {
	places  []place
	lat     []int16 // per place, hundredths of a degree (cities only)
	lon     []int16
	admins  []string
	hashes  []uint64 // sorted
	bucket  []uint32 // bucket[b] = first hash index whose top 16 bits are ≥ b; len 1<<16+1
	starts  []uint32 // starts[i] = first entry of name i; len(hashes)+1
	entries []uint32 // place<<entryShift | flags
	iso     map[[2]byte]bool
}

var (
	gazOnce sync.Once
	gazVal  *gazetteer
	gazErr  error
)

// loadedGazetteer parses the embedded gazetteer once per process.
func loadedGazetteer() (*gazetteer, error) {
	gazOnce.Do(func() { gazVal, gazErr = parseGazetteer(gazetteerBin, namesBin) })
	return gazVal, gazErr
}

// placeSize is the length of one place record (see internal/gen).
const placeSize = 15

var errBadData = errors.New("geo: corrupt embedded data")

// parseGazetteer reads the gazetteer (uncompressed: it is read in place,
// with no inflating) and its name hashes.
func parseGazetteer(raw, hashes []byte) (g *gazetteer, err error) {
	if len(raw) < 4 || string(raw[:4]) != "TPG3" {
		return nil, fmt.Errorf("gazetteer header: %w", errBadData)
	}
	// Reads past the end panic; turn that into an error.
	defer func() {
		if recover() != nil {
			g, err = nil, fmt.Errorf("gazetteer: %w", errBadData)
		}
	}()
	r := raw[4:]
	uv := func() int {
		v, n := binary.Uvarint(r)
		if n <= 0 || v > 1<<26 {
			panic(errBadData)
		}
		r = r[n:]
		return int(v)
	}
	le := binary.LittleEndian
	g = &gazetteer{iso: make(map[[2]byte]bool, 256)}
	na := uv()
	g.admins = make([]string, na)
	for i := range g.admins {
		n := int(r[0])
		g.admins[i] = string(r[1 : 1+n])
		r = r[1+n:]
	}
	np := uv()
	g.places = make([]place, np)
	g.lat = make([]int16, np)
	g.lon = make([]int16, np)
	pr := r[:placeSize*np]
	r = r[placeSize*np:]
	for i := range g.places {
		rec := pr[placeSize*i : placeSize*i+placeSize]
		p := &g.places[i]
		p.kind = rec[0]
		p.cc = [2]byte{rec[1], rec[2]}
		p.admin = le.Uint16(rec[3:])
		if int(p.admin) >= na {
			panic(errBadData)
		}
		p.weight = le.Uint32(rec[5:])
		g.lat[i] = int16(le.Uint16(rec[9:]))
		g.lon[i] = int16(le.Uint16(rec[11:]))
		p.kpop = le.Uint16(rec[13:])
		if p.kind == kindCountry {
			g.iso[p.cc] = true
		}
	}
	nn := uv()
	if len(hashes) != 4+8*nn || string(hashes[:4]) != "TPH1" {
		return nil, fmt.Errorf("gazetteer names: %w", errBadData)
	}
	g.hashes = make([]uint64, nn)
	hr := hashes[4:]
	for i := range g.hashes {
		g.hashes[i] = le.Uint64(hr[8*i:])
		if i > 0 && g.hashes[i] <= g.hashes[i-1] {
			panic(errBadData)
		}
	}
	counts := r[:nn]
	r = r[nn:]
	g.starts = make([]uint32, nn+1)
	total := 0
	for i, c := range counts {
		g.starts[i] = uint32(total)
		total += int(c)
	}
	g.starts[nn] = uint32(total)
	g.entries = make([]uint32, total)
	er := r[:4*total]
	for i := range g.entries {
		e := le.Uint32(er[4*i:])
		if int(e>>entryShift) >= np {
			panic(errBadData)
		}
		g.entries[i] = e
	}
	g.bucket = make([]uint32, 1<<16+1)
	j := 0
	for b := 0; b <= 1<<16; b++ {
		for j < nn && int(g.hashes[j]>>48) < b {
			j++
		}
		g.bucket[b] = uint32(j)
	}
	return g, nil
}

// lookup returns the name entries under a key hash (nil if none).
func (g *gazetteer) lookup(h uint64) []uint32 {
	b := h >> 48
	lo, hi := int(g.bucket[b]), int(g.bucket[b+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if g.hashes[m] < h {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo >= len(g.hashes) || g.hashes[lo] != h {
		return nil
	}
	return g.entries[g.starts[lo]:g.starts[lo+1]]
}
