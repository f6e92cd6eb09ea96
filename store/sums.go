package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	bolt "go.etcd.io/bbolt"
)

// bucketSums holds a CRC-32C of every raw post as stored. bbolt keeps no
// checksums of its pages, so a flipped bit in a post's bytes would otherwise
// pass its page checks and be counted as whatever it now says. Posts written
// before the bucket existed have no sum and are not verified.
//
// The sums are kept in blocks of sumBlock consecutive seqs (see sumBlockKey):
// 'b' be64(seq/sumBlock) → a bitmap of the seqs present (bit i%8 of byte i/8
// for seq block·sumBlock+i) then sumBlock be32 CRCs, 4.6 bytes a post on
// bbolt's pages. Stores before the blocks wrote one key a post, be64(seq) →
// be32(crc), 28 bytes a post; those are still read, and a per-seq sum wins
// over its block's (a tagpulse from before the blocks that redacts a post
// writes one), so writing a post's sum into its block deletes any per-seq
// one.
var bucketSums = []byte("sums")

// sumBlock is the number of seqs a block of sums covers: 128 makes a value
// of 528 bytes, seven to a page at the bucket's fill.
const sumBlock = 128

const (
	sumBitmap   = sumBlock / 8
	sumBlockLen = sumBitmap + 4*sumBlock
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sumBlockKey is the key of the block holding seq's sum: 'b' sorts after
// every per-seq key (be64, whose first byte is 0 below 2^56), so the blocks
// follow them in key order, in seq order.
func sumBlockKey(seq uint64) []byte {
	k := make([]byte, 9)
	k[0] = 'b'
	binary.BigEndian.PutUint64(k[1:], seq/sumBlock)
	return k
}

// sumWriter sets sums in the blocks of one write transaction, holding the
// block it last touched so that consecutive seqs rewrite it once.
type sumWriter struct {
	b     *bolt.Bucket
	key   []byte // the block held, nil when none
	block []byte
}

func newSumWriter(tx *bolt.Tx) *sumWriter {
	b := tx.Bucket(bucketSums)
	// Blocks are written at the end of the key order, like the log.
	b.FillPercent = 0.95
	return &sumWriter{b: b}
}

// set records value's checksum as seq's.
func (w *sumWriter) set(seq uint64, value []byte) error {
	if w.key == nil || binary.BigEndian.Uint64(w.key[1:]) != seq/sumBlock {
		if err := w.flush(); err != nil {
			return err
		}
		k := sumBlockKey(seq)
		w.key, w.block = k, make([]byte, sumBlockLen)
		if v := w.b.Get(k); v != nil {
			if len(v) != sumBlockLen {
				return fmt.Errorf("bucket \"sums\": block %d is %d bytes, not %d", seq/sumBlock, len(v), sumBlockLen)
			}
			copy(w.block, v)
		}
	}
	i := seq % sumBlock
	w.block[i/8] |= 1 << (i % 8)
	binary.BigEndian.PutUint32(w.block[sumBitmap+4*i:], crc32.Checksum(value, castagnoli))
	return nil
}

// flush writes the block held.
func (w *sumWriter) flush() error {
	if w.key == nil {
		return nil
	}
	err := w.b.Put(w.key, w.block)
	w.key, w.block = nil, nil
	return err
}

// putPost stores a post's encoded value at seq with its checksum, replacing
// any per-seq sum an earlier tagpulse wrote. Append, which writes many,
// goes through a sumWriter.
func putPost(tx *bolt.Tx, seq, value []byte) error {
	if err := tx.Bucket(bucketPosts).Put(seq, value); err != nil {
		return err
	}
	if err := tx.Bucket(bucketSums).Delete(seq); err != nil {
		return err
	}
	w := newSumWriter(tx)
	if err := w.set(binary.BigEndian.Uint64(seq), value); err != nil {
		return err
	}
	return w.flush()
}

// ChecksumError says which post of the raw log no longer matches the
// checksum written with it. It matches ErrDamaged.
type ChecksumError struct {
	Seq uint64
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("bucket \"posts\": post %d does not match the checksum written with it (its bytes changed on disk)", e.Seq)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *ChecksumError) Is(target error) bool { return target == ErrDamaged }

// verifySums checks every post that has a checksum against it, returning
// the first mismatch, and counts the posts without one. The log, the
// per-seq sums and the blocks are all in seq order: it walks the three
// together.
func verifySums(tx *bolt.Tx) (unverified int, err error) {
	var old, blocks *bolt.Cursor
	var ok, ov, bk, block []byte // the per-seq sum under old, the block under blocks
	if sums := tx.Bucket(bucketSums); sums != nil {
		old, blocks = sums.Cursor(), sums.Cursor()
		ok, ov = old.First()
		bk, block = blocks.Seek([]byte{'b'})
	}
	c := tx.Bucket(bucketPosts).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		// A per-seq sum wins.
		for ok != nil && (len(ok) != 8 || bytes.Compare(ok, k) < 0) {
			ok, ov = old.Next()
		}
		var want uint32
		switch {
		case ok != nil && bytes.Equal(ok, k):
			if len(ov) != 4 {
				unverified++
				continue
			}
			want = binary.BigEndian.Uint32(ov)
		default:
			key := sumBlockKey(seq)
			for bk != nil && bytes.Compare(bk, key) < 0 {
				bk, block = blocks.Next()
			}
			if bk == nil || !bytes.Equal(bk, key) {
				unverified++
				continue
			}
			if len(block) != sumBlockLen {
				return unverified, &DamagedError{Bucket: "sums", Cause: fmt.Sprintf("block %d is %d bytes, not %d", seq/sumBlock, len(block), sumBlockLen)}
			}
			i := seq % sumBlock
			if block[i/8]&(1<<(i%8)) == 0 {
				unverified++
				continue
			}
			want = binary.BigEndian.Uint32(block[sumBitmap+4*i:])
		}
		if crc32.Checksum(v, castagnoli) != want {
			return unverified, &ChecksumError{Seq: seq}
		}
	}
	return unverified, nil
}
