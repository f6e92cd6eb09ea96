package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestAppendLargeBatches: batches large enough for Append to encode and
// compress on several goroutines, with duplicates in the batch and of
// stored posts, crossing the training threshold and the retraining one
// inside a batch, store each post exactly once, in the order it first came,
// under the bytes the one-post path (encodePostV3, compressPost with
// s2.Dict.Encode) gives it, and read back as appended.
func TestAppendLargeBatches(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	lowerDictThresholds(t, 1000, 4000)
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(17, 4))
	var want []Post // in log order
	var gen []int   // by seq-1: how many dictionaries were due by the end of its batch
	stored := map[string]bool{}
	for len(want) < 9000 {
		batch := make([]Post, 2*encodeChunk+r.IntN(1500))
		for i := range batch {
			switch {
			case len(want) > 0 && r.IntN(15) == 0:
				batch[i] = want[r.IntN(len(want))] // stored already
			case i > 0 && r.IntN(15) == 0:
				batch[i] = batch[r.IntN(i)] // earlier in the batch
			case r.IntN(4) == 0:
				batch[i] = randomSeenPost(r) // IDs of every form, colliding often
			default:
				batch[i] = randomPost(r, len(want)+i)
			}
		}
		added := 0
		for _, p := range batch {
			if !stored[p.Key()] {
				stored[p.Key()] = true
				want = append(want, p)
				added++
			}
		}
		res, err := db.Append(batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		g := 0
		for _, at := range []int{1000, 4000, 8000} {
			if len(want) >= at {
				g++
			}
		}
		for range added {
			gen = append(gen, g)
		}
		if res.Added != added || res.Duplicates != len(batch)-added || int(res.LastSeq) != len(want) {
			t.Fatalf("Append: %+v; want %d added, %d duplicates, last seq %d", res, added, len(batch)-added, len(want))
		}
	}
	if n := storedDicts(t, db); n != 3 {
		t.Fatalf("%d dictionaries stored, want 3 (trained at 1000, retrained at 4000 and 8000)", n)
	}
	requireStoredPosts(t, db, want, 0, 999, 1000, 3999, 4000, len(want)-1)
	// Byte for byte the one-post path's value, compressed with the
	// dictionary trained in its batch or the last one before.
	compressed := 0
	dictOf := map[int]uint64{}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		var scratch []byte
		return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
			seq := binary.BigEndian.Uint64(k)
			ref := encodePostV3(&want[seq-1])
			if v[0] == postS2 || v[0] == postS2Head {
				compressed++
				id := binary.BigEndian.Uint64(v[1:])
				if g := gen[seq-1]; g == 0 {
					return fmt.Errorf("post %d compressed before any dictionary was due", seq)
				} else if d, ok := dictOf[g]; ok && d != id {
					return fmt.Errorf("post %d compressed with %016x, others of its generation with %016x", seq, id, d)
				}
				dictOf[gen[seq-1]] = id
				ref = compressPost(lookupPostDict(id), id, ref, &scratch)
			}
			if !bytes.Equal(v, ref) {
				return fmt.Errorf("post %d stored as %x, the one-post path gives %x", seq, v, ref)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dictOf) != 3 || dictOf[1] == dictOf[2] || dictOf[2] == dictOf[3] {
		t.Fatalf("posts compressed with %v, want three dictionaries one after the other", dictOf)
	}
	if compressed < len(want)/2 {
		t.Fatalf("%d of %d posts compressed", compressed, len(want))
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSeenAppendKeyIsEntrysKey: the key dedupe compares a batch's posts by
// is the one entry writes them under, in every form of the index.
func TestSeenAppendKeyIsEntrysKey(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	for _, form := range []byte{seenLegacy, seenMixed, seenCompact} {
		s := seenIndex{form: form}
		for range 2000 {
			p := randomSeenPost(r)
			if r.IntN(50) == 0 {
				p.ID = string(bytes.Repeat([]byte("9"), maxKeyPart+1+r.IntN(10))) // hashed
			}
			k, _ := s.entry(p.Platform, p.ID, 1)
			if got := s.appendKey([]byte("prefix"), p.Platform, p.ID); !bytes.Equal(got, append([]byte("prefix"), k...)) {
				t.Fatalf("form %d, %s %q: key %q, entry's %q", form, p.Platform, p.ID, got, k)
			}
		}
	}
}

// TestDecimalIsParseUint: decimal takes what strconv.ParseUint takes of a
// canonical decimal, with the same value.
func TestDecimalIsParseUint(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	inputs := []string{"", "0", "00", "01", "1", "9", "10", "+1", "-1", "1_000", " 1", "1 ", "a", "1a", "١",
		"18446744073709551615", "18446744073709551616", "18446744073709551619", "18446744073709551620",
		"99999999999999999999", "100000000000000000000", "1860000000000000000", "0x10"}
	for range 20000 {
		n := r.Uint64() >> r.IntN(64)
		s := strconv.FormatUint(n, 10)
		inputs = append(inputs, s, s+"0", s[:len(s)-1]+string(rune('0'+r.IntN(12))))
	}
	for _, s := range inputs {
		got, ok := decimal(s)
		want, err := strconv.ParseUint(s, 10, 64)
		wantOK := err == nil && s != "" && (s[0] != '0' || len(s) == 1)
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("decimal(%q) = %d, %v; ParseUint: %d, %v", s, got, ok, want, err)
		}
	}
}

// TestPostV3Heads: the head appendPostV3 returns, and headLenV3's, are the
// one postHeadV3 reads, and the platform it reads is the post's.
func TestPostV3Heads(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for i := range 3000 {
		p := randomPost(r, i)
		if i%3 == 0 {
			p = randomSeenPost(r)
		}
		v, head := appendPostV3([]byte("before"), &p)
		v = v[len("before"):]
		platform, id, h, ok := postHeadV3(v)
		if !ok || h != head || string(platform) != p.Platform || string(id) != p.Author.ID {
			t.Fatalf("post %d: head %d, postHeadV3 %q %q %d %v", i, head, platform, id, h, ok)
		}
		if h2, ok := headLenV3(v); !ok || h2 != head {
			t.Fatalf("post %d: headLenV3 %d %v, want %d", i, h2, ok, head)
		}
		if !bytes.Equal(v, encodePostV3(&p)) {
			t.Fatalf("post %d: appendPostV3 and encodePostV3 differ", i)
		}
	}
}
