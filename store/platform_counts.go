package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Platform counts are what a platform says it holds for a campaign's query,
// per hour (X's /2/tweets/counts/recent). Set beside the posts we hold for
// the same hours, they give the completeness figure.
//
//	platform_counts  campaign \0 source \0 be64(hour start, unix s) → be64(count)
//
// The bucket is created by the first write (a store that never had a
// counting source has none), so readers treat a missing bucket as empty.
var bucketPlatformCounts = []byte("platform_counts")

func platformCountsPrefix(campaign, source string) ([]byte, error) {
	if campaign == "" || source == "" || strings.ContainsRune(campaign, 0) || strings.ContainsRune(source, 0) {
		return nil, fmt.Errorf("platform counts: bad campaign %q or source %q", campaign, source)
	}
	return []byte(campaign + "\x00" + source + "\x00"), nil
}

func platformCountsKey(prefix []byte, hour time.Time) []byte {
	k := make([]byte, len(prefix)+8)
	copy(k, prefix)
	binary.BigEndian.PutUint64(k[len(prefix):], uint64(hour.Unix()))
	return k
}

// PutPlatformCounts records, for each hour (its start; truncated to the hour,
// UTC), how many posts the platform says it holds for the campaign through
// source. A later count for the same hour replaces the earlier one: the
// platform's figure for the current hour grows until the hour ends.
func (db *DB) PutPlatformCounts(campaign, source string, counts map[time.Time]int64) error {
	prefix, err := platformCountsPrefix(campaign, source)
	if err != nil {
		return err
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketPlatformCounts)
		if err != nil {
			return err
		}
		if _, err := b.NextSequence(); err != nil { // the generation readers cache by
			return err
		}
		for h, n := range counts {
			if n < 0 || h.Unix() < 0 {
				return fmt.Errorf("bad count %d for %s", n, h.UTC().Format(time.RFC3339))
			}
			if err := b.Put(platformCountsKey(prefix, h.UTC().Truncate(time.Hour)), be64(uint64(n))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put platform counts: %w", err)
	}
	return nil
}

// PlatformCounts returns the platform's counts for the campaign and source,
// hour start (UTC) → posts, for the hours starting in [from, to): from is
// truncated to its hour. Hours the platform never reported are absent.
func (db *DB) PlatformCounts(campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	var out map[time.Time]int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		out, err = platformCounts(tx, campaign, source, from, to)
		return err
	})
	return out, err
}

// PlatformCounts is DB.PlatformCounts inside a rollup transaction, so that
// the platform's counts and the rollups they are set beside are one snapshot.
func (t *RollupTx) PlatformCounts(campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	return platformCounts(t.tx, campaign, source, from, to)
}

// PlatformCountsGeneration changes whenever platform counts are recorded:
// answers computed from them may be reused while it stays the same.
func (t *RollupTx) PlatformCountsGeneration() uint64 {
	if b := t.tx.Bucket(bucketPlatformCounts); b != nil {
		return b.Sequence()
	}
	return 0
}

func platformCounts(tx *bolt.Tx, campaign, source string, from, to time.Time) (map[time.Time]int64, error) {
	prefix, err := platformCountsPrefix(campaign, source)
	if err != nil {
		return nil, err
	}
	out := map[time.Time]int64{}
	b := tx.Bucket(bucketPlatformCounts)
	if b == nil || to.Unix() < 0 || !to.After(from) {
		return out, nil
	}
	lo := platformCountsKey(prefix, from.UTC().Truncate(time.Hour))
	hi := platformCountsKey(prefix, to.UTC())
	c := b.Cursor()
	for k, v := c.Seek(lo); k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, hi) < 0; k, v = c.Next() {
		if len(v) != 8 || len(k) != len(prefix)+8 {
			return nil, fmt.Errorf("platform counts: bad entry %q", k)
		}
		h := time.Unix(int64(binary.BigEndian.Uint64(k[len(prefix):])), 0).UTC()
		if h.Before(to) {
			out[h] = int64(binary.BigEndian.Uint64(v))
		}
	}
	return out, nil
}

// WholeUTCHours narrows [from, to) to the whole UTC hours inside it, the
// unit platforms count in: at UTC+5:30 a campaign day's first and last half
// hours fall outside.
func WholeUTCHours(from, to time.Time) (time.Time, time.Time) {
	f := from.UTC().Truncate(time.Hour)
	if f.Before(from) {
		f = f.Add(time.Hour)
	}
	return f, to.UTC().Truncate(time.Hour)
}
