package store

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// bucketTallies holds, per source name (the cursor's key), what its pages
// brought over the store's life: name → be64(added) be64(duplicate). It is
// written in the same transaction as the posts and the cursor, so a crash
// neither loses nor doubles a page's share, and a restart goes on from it.
var bucketTallies = []byte("tallies")

// SourceTally is what one source's pages brought, since the store was
// created (or since this version began keeping tallies).
type SourceTally struct {
	// Added are posts this source stored first.
	Added int64 `json:"added"`
	// Duplicate are matching posts already stored when this source brought
	// them: another source had them first (another Mastodon instance, an
	// import), or the source returned them again.
	Duplicate int64 `json:"duplicate"`
}

// Seen is every matching post the source brought: its view of the campaign.
func (t SourceTally) Seen() int64 { return t.Added + t.Duplicate }

// tally adds one page's result to name's tally.
func tally(tx *bolt.Tx, name string, added, duplicate int) error {
	if added == 0 && duplicate == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketTallies)
	if err != nil {
		return err
	}
	t := decodeTally(b.Get([]byte(name)))
	t.Added += int64(added)
	t.Duplicate += int64(duplicate)
	v := binary.BigEndian.AppendUint64(nil, uint64(t.Added))
	return b.Put([]byte(name), binary.BigEndian.AppendUint64(v, uint64(t.Duplicate)))
}

func decodeTally(v []byte) SourceTally {
	if len(v) != 16 {
		return SourceTally{}
	}
	return SourceTally{Added: int64(binary.BigEndian.Uint64(v)), Duplicate: int64(binary.BigEndian.Uint64(v[8:]))}
}

// Tallies returns every source's tally, keyed by source name. A store
// without tallies gives an empty map.
func (db *DB) Tallies() (map[string]SourceTally, error) {
	m := map[string]SourceTally{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTallies)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			m[string(k)] = decodeTally(v)
			return nil
		})
	})
	return m, err
}
