package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The dedupe index (bucket seen) maps a post's platform and ID to its seq.
// Stores before schema 2 key every post postKey(platform, id) → be64(seq):
// 45 bytes an entry on bbolt's pages for a tweet. Since schema 2 a post
// whose platform has a code (platformCodes) and whose ID is a canonical
// decimal is keyed 0x00 code be64(id) → uvarint(seq), 29 bytes; any other
// post as before. Append refuses a platform with a NUL byte, so no postKey
// starts with one and the two never meet.
//
// meta "seen" says which keys a store holds (seenForms). A store an older
// tagpulse wrote gets seenMixed when it is next opened for writing: its
// posts stay under their keys, which lookups try when the compact one is
// absent, and its new posts get compact keys. Schema 2 keeps an older
// tagpulse, which would not find those and store the posts again, out.
var keySeenForm = []byte("seen")

// seenForms: meta "seen".
const (
	seenLegacy  = 0 // no meta "seen": every key is a postKey (a store of an older tagpulse, read-only)
	seenMixed   = 1 // compact keys, and postKeys of decimal IDs from before
	seenCompact = 2 // compact keys only where they apply (the index was empty when they began)
)

// seenIndex is the dedupe index in one transaction.
type seenIndex struct {
	b    *bolt.Bucket
	form byte
}

func openSeen(tx *bolt.Tx) seenIndex {
	s := seenIndex{b: tx.Bucket(bucketSeen)}
	if v := tx.Bucket(bucketMeta).Get(keySeenForm); len(v) == 1 {
		s.form = v[0]
	}
	return s
}

// upgradeSeen gives a store without meta "seen" its form: compact when its
// index is empty, else mixed.
func upgradeSeen(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta.Get(keySeenForm) != nil {
		return nil
	}
	form := byte(seenMixed)
	if k, _ := tx.Bucket(bucketSeen).Cursor().First(); k == nil {
		form = seenCompact
	}
	return meta.Put(keySeenForm, []byte{form})
}

// compactSeenKey is the compact key of (platform, id), when it has one.
func compactSeenKey(platform, id string) ([]byte, bool) {
	c := code(platformCodes, platform)
	if c == 0 {
		return nil, false
	}
	n, ok := decimal(id)
	if !ok {
		return nil, false
	}
	return binary.BigEndian.AppendUint64([]byte{0, c}, n), true
}

// entry is the key and value under which the post (platform, id) at seq is
// written.
func (s seenIndex) entry(platform, id string, seq uint64) (k, v []byte) {
	if s.form != seenLegacy {
		if k, ok := compactSeenKey(platform, id); ok {
			return k, binary.AppendUvarint(nil, seq)
		}
	}
	return []byte(postKey(platform, id)), be64(seq)
}

// seq returns the seq of the post (platform, id), or 0 when it is not
// stored (seqs start at 1).
func (s seenIndex) seq(platform, id string) (uint64, error) {
	if s.form != seenLegacy {
		if k, ok := compactSeenKey(platform, id); ok {
			if v := s.b.Get(k); v != nil {
				seq, n := binary.Uvarint(v)
				if n != len(v) || seq == 0 {
					return 0, fmt.Errorf("dedupe index: the entry of %s %s is not a seq (%x)", platform, id, v)
				}
				return seq, nil
			}
			if s.form == seenCompact {
				return 0, nil
			}
		}
	}
	v := s.b.Get([]byte(postKey(platform, id)))
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("dedupe index: the entry of %s %s is not a seq (%x)", platform, id, v)
	}
	return binary.BigEndian.Uint64(v), nil
}

// appendKey appends the key under which entry writes the post (platform,
// id): the one dedupe compares a batch's posts by.
func (s seenIndex) appendKey(b []byte, platform, id string) []byte {
	if s.form != seenLegacy {
		if c := code(platformCodes, platform); c != 0 {
			if n, ok := decimal(id); ok {
				return binary.BigEndian.AppendUint64(append(b, 0, c), n)
			}
		}
	}
	b = append(append(b, platform...), 0)
	return append(b, keyPart(id)...)
}

// seenBatch is a batch's posts' dedupe keys, sorted.
type seenBatch struct {
	keys  []byte  // every key, one after another
	offs  []int32 // post i's key is keys[offs[i]:offs[i+1]]
	order []int32 // the posts' indices by key, and by index for equal keys
}

func (b *seenBatch) key(i int32) []byte { return b.keys[b.offs[i]:b.offs[i+1]] }

// dedupe returns, in batch order, the indices of the posts of the batch
// that are neither in the index nor an earlier post's duplicate in the
// batch, and the sorted keys of all of them. It reads the index in key
// order through one cursor, which seeks only past a key it has not
// reached yet: a batch of posts newer than every stored one (post IDs grow
// with time) costs one seek.
func (s seenIndex) dedupe(posts []Post) (fresh []int32, sb *seenBatch, err error) {
	sb = &seenBatch{keys: make([]byte, 0, 12*len(posts)), offs: make([]int32, 1, len(posts)+1), order: make([]int32, len(posts))}
	for i := range posts {
		sb.keys = s.appendKey(sb.keys, posts[i].Platform, posts[i].ID)
		sb.offs = append(sb.offs, int32(len(sb.keys)))
		sb.order[i] = int32(i)
	}
	slices.SortFunc(sb.order, func(a, b int32) int {
		if c := bytes.Compare(sb.key(a), sb.key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	keep := make([]bool, len(posts))
	c := s.b.Cursor()
	var ck, cv []byte
	positioned := false
	for n, i := range sb.order {
		k := sb.key(i)
		if n > 0 && bytes.Equal(k, sb.key(sb.order[n-1])) {
			continue // a duplicate of the post before it
		}
		if !positioned || (ck != nil && bytes.Compare(ck, k) < 0) {
			ck, cv = c.Seek(k)
			positioned = true
		}
		p := &posts[i]
		switch {
		case ck != nil && bytes.Equal(ck, k):
			if err := s.checkValue(p, k, cv); err != nil {
				return nil, nil, err
			}
			continue // stored
		case s.form == seenMixed && k[0] == 0:
			// Stored before its compact key existed?
			v := s.b.Get([]byte(postKey(p.Platform, p.ID)))
			if v != nil {
				if len(v) != 8 {
					return nil, nil, fmt.Errorf("dedupe index: the entry of %s %s is not a seq (%x)", p.Platform, p.ID, v)
				}
				continue
			}
		}
		keep[i] = true
	}
	fresh = make([]int32, 0, len(posts))
	for i, k := range keep {
		if k {
			fresh = append(fresh, int32(i))
		}
	}
	return fresh, sb, nil
}

// checkValue says whether v, found under p's key k, is a seq as seq reads them.
func (s seenIndex) checkValue(p *Post, k, v []byte) error {
	if k[0] == 0 {
		if seq, n := binary.Uvarint(v); n != len(v) || seq == 0 {
			return fmt.Errorf("dedupe index: the entry of %s %s is not a seq (%x)", p.Platform, p.ID, v)
		}
		return nil
	}
	if len(v) != 8 {
		return fmt.Errorf("dedupe index: the entry of %s %s is not a seq (%x)", p.Platform, p.ID, v)
	}
	return nil
}
