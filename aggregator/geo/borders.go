package geo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
)

//go:embed data/borders.bin.gz
var bordersGz []byte

// border is one country's or territory's polygons, in 1e-5 degrees.
type border struct {
	cc                     [2]byte
	minX, minY, maxX, maxY int32
	rings                  [][]int32 // x0,y0,x1,y1…; holes are rings too (even-odd rule)
}

type borders struct {
	feats []border
}

var (
	bordersOnce sync.Once
	bordersVal  *borders
	bordersErr  error
)

// loadedBorders parses the embedded borders once per process, on first use:
// most posts carry no coordinates.
func loadedBorders() (*borders, error) {
	bordersOnce.Do(func() { bordersVal, bordersErr = parseBorders(bordersGz) })
	return bordersVal, bordersErr
}

func parseBorders(gz []byte) (*borders, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("borders: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("borders: %w", err)
	}
	if len(raw) < 4 || string(raw[:4]) != "TPB1" {
		return nil, fmt.Errorf("borders header: %w", errBadData)
	}
	r := bytes.NewReader(raw[4:])
	uv := func() int {
		v, err := binary.ReadUvarint(r)
		if err != nil || v > 1<<24 {
			panic(errBadData)
		}
		return int(v)
	}
	b := &borders{}
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("borders: %w", errBadData)
		}
	}()
	n := uv()
	for i := 0; i < n; i++ {
		var f border
		if _, err := io.ReadFull(r, f.cc[:]); err != nil {
			return nil, fmt.Errorf("borders: %w", errBadData)
		}
		f.minX, f.minY, f.maxX, f.maxY = math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32
		for np := uv(); np > 0; np-- {
			for nr := uv(); nr > 0; nr-- {
				pts := uv()
				ring := make([]int32, 0, 2*pts)
				var x, y int64
				for k := 0; k < pts; k++ {
					dx, err1 := binary.ReadVarint(r)
					dy, err2 := binary.ReadVarint(r)
					if err1 != nil || err2 != nil {
						return nil, fmt.Errorf("borders: %w", errBadData)
					}
					x, y = x+dx, y+dy
					ring = append(ring, int32(x), int32(y))
					f.minX, f.maxX = min(f.minX, int32(x)), max(f.maxX, int32(x))
					f.minY, f.maxY = min(f.minY, int32(y)), max(f.maxY, int32(y))
				}
				f.rings = append(f.rings, ring)
			}
		}
		b.feats = append(b.feats, f)
	}
	return b, err
}

// find returns the code of the smallest feature containing the point.
func (b *borders) find(lat, lon float64) ([2]byte, bool) {
	x := int32(math.Round(lon * 1e5))
	y := int32(math.Round(lat * 1e5))
	var best [2]byte
	bestArea := math.Inf(1)
	for i := range b.feats {
		f := &b.feats[i]
		if x < f.minX || x > f.maxX || y < f.minY || y > f.maxY {
			continue
		}
		if !f.contains(x, y) {
			continue
		}
		area := float64(f.maxX-f.minX) * float64(f.maxY-f.minY)
		if area < bestArea {
			best, bestArea = f.cc, area
		}
	}
	// The borders data draws Morocco down to the berm in Western Sahara; ISO
	// 3166-1 (and GeoNames) keep Western Sahara apart south of its border
	// with Morocco, the parallel 27°40′ N.
	if best == [2]byte{'M', 'A'} && lat < westernSaharaNorth {
		best = [2]byte{'E', 'H'}
	}
	return best, !math.IsInf(bestArea, 1)
}

// westernSaharaNorth is the latitude of the border between Morocco and
// Western Sahara.
const westernSaharaNorth = 27 + 40.0/60

// contains applies the even-odd rule over all rings.
func (f *border) contains(x, y int32) bool {
	in := false
	fx, fy := float64(x), float64(y)
	for _, ring := range f.rings {
		n := len(ring) / 2
		j := n - 1
		for i := 0; i < n; i++ {
			xi, yi := float64(ring[2*i]), float64(ring[2*i+1])
			xj, yj := float64(ring[2*j]), float64(ring[2*j+1])
			if (yi > fy) != (yj > fy) && fx < (xj-xi)*(fy-yi)/(yj-yi)+xi {
				in = !in
			}
			j = i
		}
	}
	return in
}
