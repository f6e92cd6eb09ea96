package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/s2"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bucketPassCells holds, while a catch-up in passes is in progress (see
// Pass), the changes each finished pass made to the cells, one record a
// pass: the cells bucket is written once, by the last pass, which adds them
// all (PutPassCells). It exists only while such a catch-up is in progress:
// the last pass and Reset delete it. A store written by a tagpulse that
// wrote cells in every pass has none; its finished passes' changes are in
// the cells bucket, which is just as exact (the stored figures and the
// records add up to the figures of the posts the rollups include).
var bucketPassCells = []byte("passcells")

// CellChanges are changes to cells, by key encoded (CellKey.Bytes), in
// increasing order of key, each key once: the sum of a catch-up's passes'
// changes, kept without a pointer a cell (the keys in one block, the
// figures in another), since a catch-up holds them for all its passes.
// The zero value is empty.
type CellChanges struct {
	keys []byte
	ends []uint32 // ends[i]: where the ith key ends in keys
	figs []Figures
}

// Len is the number of cells.
func (c *CellChanges) Len() int { return len(c.ends) }

// Key is the ith cell's key, encoded. It stays unchanged while c lives.
func (c *CellChanges) Key(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.keys[start:c.ends[i]:c.ends[i]]
}

// Figures is the ith cell's change, to be added to its stored figures
// (Figures.Add).
func (c *CellChanges) Figures(i int) *Figures { return &c.figs[i] }

// CellKey is the ith cell's key.
func (c *CellChanges) CellKey(i int) (CellKey, error) { return parseCellKey(c.Key(i)) }

// Append adds a cell's change; its key must be greater than the last's.
func (c *CellChanges) Append(key []byte, f Figures) {
	c.keys = append(c.keys, key...)
	c.ends = append(c.ends, uint32(len(c.keys)))
	c.figs = append(c.figs, f)
}

// Grow makes room for n more cells of keys of k bytes in all.
func (c *CellChanges) Grow(n, k int) {
	if cap(c.ends)-len(c.ends) < n {
		c.ends = append(make([]uint32, 0, len(c.ends)+n), c.ends...)
		c.figs = append(make([]Figures, 0, len(c.figs)+n), c.figs...)
	}
	if cap(c.keys)-len(c.keys) < k {
		c.keys = append(make([]byte, 0, len(c.keys)+k), c.keys...)
	}
}

// MergeCellChanges returns the sum of x and y: a cell in both changes by
// the sum of its changes (Figures.Add). A cell whose changes cancel out is
// kept, at zero. The sum is built in dst's memory (nil: new), which must be
// neither x's nor y's.
func MergeCellChanges(dst, x, y *CellChanges) *CellChanges {
	out := dst
	if out == nil {
		out = &CellChanges{}
	}
	out.keys, out.ends, out.figs = out.keys[:0], out.ends[:0], out.figs[:0]
	out.Grow(x.Len()+y.Len(), len(x.keys)+len(y.keys))
	i, j := 0, 0
	for i < x.Len() || j < y.Len() {
		var c int
		switch {
		case i == x.Len():
			c = 1
		case j == y.Len():
			c = -1
		default:
			c = bytes.Compare(x.Key(i), y.Key(j))
		}
		switch {
		case c < 0:
			out.Append(x.Key(i), x.figs[i])
			i++
		case c > 0:
			out.Append(y.Key(j), y.figs[j])
			j++
		default:
			f := x.figs[i]
			f.Add(y.figs[j])
			out.Append(x.Key(i), f)
			i, j = i+1, j+1
		}
	}
	return out
}

// passCellsV1 is the format byte of a record of PutPassCells: after it, an
// s2 block (klauspost/compress/s2) of the count of cells (uvarint), then
// per cell the length of the prefix its key shares with the previous key
// and the length of the rest (uvarints), the rest, and the eight figures
// (varints, as a cell's value).
const passCellsV1 = 1

// PutPassCells records the changes a pass of the catch-up in progress made
// to the cells, the pass that began at author bucket first: one record, in
// the transaction that records the pass done (SetPass), rather than a put
// a cell. PassCells reads them back; the last pass adds them to the cells
// and deletes them (ClearPassCells).
func (t *RollupTx) PutPassCells(first int, c *CellChanges) error {
	b, err := t.tx.CreateBucketIfNotExists(bucketPassCells)
	if err != nil {
		return err
	}
	raw := make([]byte, 0, len(c.keys)/2+len(c.figs)*10+binary.MaxVarintLen64)
	raw = binary.AppendUvarint(raw, uint64(c.Len()))
	var prev []byte
	for i := range c.Len() {
		k := c.Key(i)
		n := 0
		for n < len(k) && n < len(prev) && k[n] == prev[n] {
			n++
		}
		raw = binary.AppendUvarint(raw, uint64(n))
		raw = binary.AppendUvarint(raw, uint64(len(k)-n))
		raw = append(raw, k[n:]...)
		raw = appendFigures(raw, c.figs[i])
		prev = k
	}
	v := make([]byte, 1+s2.MaxEncodedLen(len(raw)))
	v[0] = passCellsV1
	v = append(v[:1], s2.Encode(v[1:], raw)...) // in place: dst is large enough
	return b.Put(binary.BigEndian.AppendUint16(nil, uint16(first)), v)
}

// PassCells calls fn with the changes of each pass recorded by
// PutPassCells, in the order of the passes' first buckets.
func (t *RollupTx) PassCells(fn func(first int, c *CellChanges) error) error {
	b := t.tx.Bucket(bucketPassCells)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if len(k) != 2 {
			return fmt.Errorf("pass cells: bad key %q", k)
		}
		first := int(binary.BigEndian.Uint16(k))
		c, err := decodePassCells(v)
		if err != nil {
			return fmt.Errorf("pass cells of the pass from bucket %d: %w", first, err)
		}
		return fn(first, c)
	})
}

// HasPassCells reports whether any pass's changes are recorded.
func (t *RollupTx) HasPassCells() bool {
	b := t.tx.Bucket(bucketPassCells)
	if b == nil {
		return false
	}
	k, _ := b.Cursor().First()
	return k != nil
}

// ClearPassCells deletes the passes' changes (PutPassCells).
func (t *RollupTx) ClearPassCells() error {
	return deleteBucketIfExists(t.tx, bucketPassCells)
}

func deleteBucketIfExists(tx *bolt.Tx, name []byte) error {
	if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	return nil
}

func decodePassCells(v []byte) (*CellChanges, error) {
	if len(v) == 0 || v[0] != passCellsV1 {
		return nil, errors.New("unknown format")
	}
	raw, err := s2.Decode(nil, v[1:])
	if err != nil {
		return nil, err
	}
	r := reader{b: raw}
	n := r.uvarint()
	if r.err != nil || n > uint64(len(raw)) {
		return nil, errors.New("bad count")
	}
	c := &CellChanges{ends: make([]uint32, 0, n), figs: make([]Figures, 0, n), keys: make([]byte, 0, 4*len(raw))}
	var prev []byte
	for range n {
		shared, rest := r.uvarint(), r.uvarint()
		if r.err != nil || shared > uint64(len(prev)) || rest > uint64(len(r.b)) {
			return nil, errors.New("bad key")
		}
		start := len(c.keys)
		c.keys = append(c.keys, prev[:shared]...)
		c.keys = append(c.keys, r.b[:rest]...)
		r.b = r.b[rest:]
		key := c.keys[start:]
		if len(prev) > 0 && bytes.Compare(key, prev) <= 0 {
			return nil, errors.New("keys out of order")
		}
		var vs [8]int64
		for i := range vs {
			vs[i] = r.varint()
		}
		if r.err != nil {
			return nil, r.err
		}
		c.ends = append(c.ends, uint32(len(c.keys)))
		c.figs = append(c.figs, Figures{vs[0], vs[1], vs[2], vs[3], vs[4], vs[5], vs[6], vs[7]})
		prev = c.keys[start:len(c.keys)]
	}
	if len(r.b) != 0 {
		return nil, errors.New("trailing bytes")
	}
	return c, nil
}
