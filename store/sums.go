package store

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	bolt "go.etcd.io/bbolt"
)

// bucketSums holds a CRC-32C of every raw post as stored: be64(seq) →
// be32(crc). bbolt keeps no checksums of its pages, so a flipped bit in a
// post's bytes would otherwise pass its page checks and be counted as
// whatever it now says. Posts written before the bucket existed have no sum
// and are not verified.
var bucketSums = []byte("sums")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// putPost stores a post's encoded value at seq with its checksum.
func putPost(tx *bolt.Tx, seq, value []byte) error {
	if err := tx.Bucket(bucketPosts).Put(seq, value); err != nil {
		return err
	}
	sum := binary.BigEndian.AppendUint32(nil, crc32.Checksum(value, castagnoli))
	return tx.Bucket(bucketSums).Put(seq, sum)
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
// the first mismatch, and counts the posts without one.
func verifySums(tx *bolt.Tx) (unverified int, err error) {
	sums := tx.Bucket(bucketSums)
	c := tx.Bucket(bucketPosts).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var s []byte
		if sums != nil {
			s = sums.Get(k)
		}
		if len(s) != 4 {
			unverified++
			continue
		}
		if crc32.Checksum(v, castagnoli) != binary.BigEndian.Uint32(s) {
			return unverified, &ChecksumError{Seq: binary.BigEndian.Uint64(k)}
		}
	}
	return unverified, nil
}
