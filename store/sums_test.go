package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func sumsTestPosts(from, n int) []Post {
	var posts []Post
	for i := from; i < from+n; i++ {
		posts = append(posts, Post{Platform: PlatformX, ID: fmt.Sprint(1860000000000000000 + i), Source: SourceX, Kind: KindOriginal,
			CreatedAt: time.Unix(int64(1700000000+i), 0).UTC(), Text: fmt.Sprintf("post %d #AllForPalestine", i), Hashtags: []string{"allforpalestine"},
			Author: Author{ID: fmt.Sprint(i % 7), Handle: fmt.Sprint("a", i%7)}})
	}
	return posts
}

// putPostPerSeq writes a post and its sum as tagpulse did before the
// blocks: one be64(seq) → be32(crc) key a post.
func putPostPerSeq(tx *bolt.Tx, seq uint64, value []byte) error {
	if err := tx.Bucket(bucketPosts).Put(be64(seq), value); err != nil {
		return err
	}
	return tx.Bucket(bucketSums).Put(be64(seq), binary.BigEndian.AppendUint32(nil, crc32.Checksum(value, castagnoli)))
}

// sumLayout counts the per-seq sums and the blocks.
func sumLayout(t *testing.T, db *DB) (perSeq, blocks int) {
	t.Helper()
	db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSums).ForEach(func(k, v []byte) error {
			switch {
			case len(k) == 8 && len(v) == 4:
				perSeq++
			case len(k) == 9 && k[0] == 'b' && len(v) == sumBlockLen:
				blocks++
			default:
				t.Errorf("sums key %x of %d bytes", k, len(v))
			}
			return nil
		})
	})
	return perSeq, blocks
}

func verify(t *testing.T, db *DB) (int, error) {
	t.Helper()
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = verifySums(tx)
		return err
	})
	return n, err
}

// corrupt rewrites post seq's stored bytes without its sum, as a flipped
// bit on disk would.
func corrupt(t *testing.T, db *DB, seq uint64) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPosts)
		v := append([]byte(nil), b.Get(be64(seq))...)
		v[len(v)-1] ^= 0x10
		return b.Put(be64(seq), v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSumsMixedStore: a store whose first posts carry per-seq sums (as
// tagpulse wrote them before the blocks) and whose later posts, appended
// now, have theirs in blocks verifies every post; a changed post is found
// in either layout; Redact moves an old post's sum into its block; and a
// per-seq sum written for a post whose sum is in a block (an older tagpulse
// redacting it) wins.
func TestSumsMixedStore(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// 300 posts as before the blocks: seqs 1-300, spanning three blocks.
	old := sumsTestPosts(0, 300)
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		posts, seen := tx.Bucket(bucketPosts), openSeen(tx)
		for i := range old {
			seq, _ := posts.NextSequence()
			if err := putPostPerSeq(tx, seq, encodePost(&old[i])); err != nil {
				return err
			}
			if err := seen.b.Put(seen.entry(old[i].Platform, old[i].ID, seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Then 500 more in batches of odd sizes, so that blocks are shared
	// between appends (and the first one with the per-seq sums).
	for from := 300; from < 800; from += 97 {
		if _, err := db.Append(sumsTestPosts(from, min(97, 800-from)), nil); err != nil {
			t.Fatal(err)
		}
	}
	if perSeq, blocks := sumLayout(t, db); perSeq != 300 || blocks != (800/sumBlock+1)-300/sumBlock {
		t.Fatalf("%d per-seq sums and %d blocks, want 300 and %d", perSeq, blocks, (800/sumBlock+1)-300/sumBlock)
	}
	if n, err := verify(t, db); n != 0 || err != nil {
		t.Fatalf("verify = %d unverified, %v", n, err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}

	// A changed post is found, per-seq or in a block, at a block's edges.
	for _, seq := range []uint64{1, 127, 128, 255, 256, 300, 301, 383, 384, 511, 512, 800} {
		snap := snapshotPost(t, db, seq)
		corrupt(t, db, seq)
		var ce *ChecksumError
		if err := db.Check(); !errors.As(err, &ce) || ce.Seq != seq || !errors.Is(err, ErrDamaged) {
			t.Fatalf("post %d changed: Check = %v", seq, err)
		}
		restorePost(t, db, seq, snap)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}

	// Redact an old post and a new one: the sums follow, the old one into
	// its block.
	for _, p := range []Post{old[10], old[299], sumsTestPosts(500, 1)[0]} {
		if err := db.Redact(p.Platform, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if perSeq, _ := sumLayout(t, db); perSeq != 298 {
		t.Fatalf("%d per-seq sums after redacting two old posts, want 298", perSeq)
	}
	if n, err := verify(t, db); n != 0 || err != nil {
		t.Fatalf("verify after Redact = %d unverified, %v", n, err)
	}
	for _, seq := range []uint64{11, 300, 501} {
		snap := snapshotPost(t, db, seq)
		corrupt(t, db, seq)
		var ce *ChecksumError
		if err := db.Check(); !errors.As(err, &ce) || ce.Seq != seq {
			t.Fatalf("redacted post %d changed: Check = %v", seq, err)
		}
		restorePost(t, db, seq, snap)
	}

	// An older tagpulse redacting post 600 writes its value and a per-seq
	// sum, leaving the block's stale: the per-seq sum wins.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		p := sumsTestPosts(599, 1)[0]
		p.Text, p.URL, p.Redacted = "", "", true
		return putPostPerSeq(tx, 600, encodePost(&p))
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := verify(t, db); n != 0 || err != nil {
		t.Fatalf("verify after an older tagpulse's Redact = %d unverified, %v", n, err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

func snapshotPost(t *testing.T, db *DB, seq uint64) []byte {
	t.Helper()
	var v []byte
	db.bolt.View(func(tx *bolt.Tx) error { v = append(v, tx.Bucket(bucketPosts).Get(be64(seq))...); return nil })
	if v == nil {
		t.Fatalf("no post %d", seq)
	}
	return v
}

func restorePost(t *testing.T, db *DB, seq uint64, v []byte) {
	t.Helper()
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketPosts).Put(be64(seq), v) }); err != nil {
		t.Fatal(err)
	}
}

// TestSumsUnverified: posts stored before the checksums existed (no sum in
// either layout, or a block that does not mark them) are counted, not
// failed.
func TestSumsUnverified(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Append(sumsTestPosts(0, 200), nil); err != nil {
		t.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		// Drop block 0 (seqs 1-127) and unmark seq 130 in block 1.
		sums := tx.Bucket(bucketSums)
		if err := sums.Delete(sumBlockKey(1)); err != nil {
			return err
		}
		b := append([]byte(nil), sums.Get(sumBlockKey(130))...)
		b[(130%sumBlock)/8] &^= 1 << (130 % sumBlock % 8)
		return sums.Put(sumBlockKey(130), b)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := verify(t, db); n != 128 || err != nil {
		t.Fatalf("verify = %d unverified, %v; want 128", n, err)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSumsRollBackWithTheirPosts: an Append that fails part way leaves the
// sums as they were, so the log and its sums never disagree.
func TestSumsRollBackWithTheirPosts(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Append(sumsTestPosts(0, 100), nil); err != nil {
		t.Fatal(err)
	}
	before := bucketBytes(t, db, bucketSums)
	bad := sumsTestPosts(100, 50)
	bad[40].ID = "" // refused after 40 posts and their sums were written
	if _, err := db.Append(bad, nil); err == nil {
		t.Fatal("Append of a post without an id succeeded")
	}
	if after := bucketBytes(t, db, bucketSums); after != before {
		t.Fatal("a failed Append changed the sums")
	}
	if db.LastSeq() != 100 {
		t.Fatalf("last seq %d after a failed Append, want 100", db.LastSeq())
	}
	if _, err := db.Append(sumsTestPosts(100, 50), nil); err != nil {
		t.Fatal(err)
	}
	if n, err := verify(t, db); n != 0 || err != nil {
		t.Fatalf("verify = %d unverified, %v", n, err)
	}
}

func bucketBytes(t *testing.T, db *DB, name []byte) string {
	t.Helper()
	var s []byte
	db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(name).ForEach(func(k, v []byte) error {
			s = append(append(append(s, k...), ':'), v...)
			return nil
		})
	})
	return string(s)
}
