package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// seenIDs are post IDs of every kind the dedupe index meets: canonical
// decimals (compact keys on a platform with a code), decimals that are not
// canonical or overflow a uint64, and IDs that are no numbers.
var seenIDs = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { return fmt.Sprint(1860000000000000000 + r.IntN(5000)) },
	func(r *rand.Rand) string { return fmt.Sprint(r.IntN(300)) },
	func(r *rand.Rand) string { return fmt.Sprintf("0%d", r.IntN(300)) },
	func(r *rand.Rand) string { return fmt.Sprint(uint64(18446744073709551615) - uint64(r.IntN(50))) },
	func(r *rand.Rand) string { return fmt.Sprintf("1844674407370955161%d", 6+r.IntN(4)) },
	func(r *rand.Rand) string {
		return fmt.Sprintf("at://did:plc:abc%d/app.bsky.feed.post/3k%d", r.IntN(20), r.IntN(200))
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("https://example.social/users/a/statuses/%d", r.IntN(300))
	},
	func(r *rand.Rand) string { return fmt.Sprintf("%d_%d", r.IntN(30), r.IntN(30)) },
}

var seenPlatforms = []string{PlatformX, PlatformBluesky, PlatformMastodon, PlatformDemo, PlatformThreads, PlatformTelegram, "x2"}

func randomSeenPost(r *rand.Rand) Post {
	id := seenIDs[r.IntN(len(seenIDs))](r)
	return Post{Platform: seenPlatforms[r.IntN(len(seenPlatforms))], ID: id, Source: SourceImport, Kind: KindOriginal,
		CreatedAt: time.Unix(1700000000+r.Int64N(1e6), 0).UTC(), Text: "post " + id, Hashtags: []string{}}
}

func seenForm(t *testing.T, db *DB) (form byte, schema uint64) {
	t.Helper()
	db.bolt.View(func(tx *bolt.Tx) error {
		form = openSeen(tx).form
		schema = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		return nil
	})
	return form, schema
}

// appendModel appends posts in random batches and checks each batch's
// counts, then every post's Get, against a map of what was stored.
func appendModel(t *testing.T, db *DB, r *rand.Rand, model map[string]Post, n int) {
	t.Helper()
	for added := 0; added < n; {
		batch := make([]Post, 1+r.IntN(60))
		inBatch := map[string]bool{}
		wantAdded, wantDup := 0, 0
		for i := range batch {
			batch[i] = randomSeenPost(r)
			k := batch[i].Key()
			if _, ok := model[k]; ok || inBatch[k] {
				wantDup++
				continue
			}
			inBatch[k] = true
			wantAdded++
		}
		res, err := db.Append(batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != wantAdded || res.Duplicates != wantDup {
			t.Fatalf("Append: %d added, %d duplicates; want %d, %d", res.Added, res.Duplicates, wantAdded, wantDup)
		}
		for _, p := range batch {
			if _, ok := model[p.Key()]; !ok {
				model[p.Key()] = p
			}
		}
		added += res.Added
	}
	checkModel(t, db, model)
}

func checkModel(t *testing.T, db *DB, model map[string]Post) {
	t.Helper()
	for _, want := range model {
		got, err := db.Get(want.Platform, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Get(%s, %s) = %+v, %v; want %+v", want.Platform, want.ID, got, err, want)
		}
	}
	for _, p := range []Post{{Platform: PlatformX, ID: "1"}, {Platform: PlatformX, ID: "01"}, {Platform: "y", ID: "5"}} {
		if _, ok := model[p.Key()]; ok {
			continue
		}
		if _, err := db.Get(p.Platform, p.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(%s, %s) of a post never stored = %v", p.Platform, p.ID, err)
		}
	}
}

// TestSeenCompactKeys: a new store keys canonical decimal IDs of platforms
// with a code compactly (10 bytes and a varint) and every other post as
// before; random batches with duplicates within and across them count
// exactly what a map of the stored posts says, and every post reads back.
func TestSeenCompactKeys(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if form, schema := seenForm(t, db); form != seenCompact || schema != SchemaVersion {
		t.Fatalf("new store: form %d, schema %d", form, schema)
	}
	model := map[string]Post{}
	appendModel(t, db, rand.New(rand.NewPCG(1, 2)), model, 3000)
	compact := 0
	db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeen).ForEach(func(k, v []byte) error {
			if k[0] == 0 {
				compact++
				if len(k) != 10 || len(v) > binary.MaxVarintLen64 {
					t.Errorf("compact key %x → %x", k, v)
				}
				p := &Post{Platform: platformCodes[k[1]-1], ID: fmt.Sprint(binary.BigEndian.Uint64(k[2:]))}
				if _, ok := model[p.Key()]; !ok {
					t.Errorf("compact key %x names no post stored", k)
				}
			} else if len(v) != 8 {
				t.Errorf("key %q → %x", k, v)
			}
			return nil
		})
	})
	want := 0
	for _, p := range model {
		if _, ok := compactSeenKey(p.Platform, p.ID); ok {
			want++
		}
	}
	if compact != want || want < 500 {
		t.Fatalf("%d compact keys, want %d (of %d posts)", compact, want, len(model))
	}
	// Redact finds a post by either key.
	for _, p := range []Post{{Platform: PlatformX, ID: "18446744073709551615"}, {Platform: PlatformX, ID: "018"}, {Platform: PlatformX, ID: "18446744073709551616"}} {
		if _, err := db.Append([]Post{p}, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Redact(p.Platform, p.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Get(p.Platform, p.ID); err != nil || !got.Redacted {
			t.Fatalf("Get after Redact(%s) = %+v, %v", p.ID, got, err)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSeenMixedStore: a store an older tagpulse wrote (schema 1, every key
// a postKey → be64) reads as it is when opened read-only; opened for
// writing it becomes schema 2, mixed: its posts are still found (Append
// counts them as duplicates, Get, Redact and Amend find them), new posts
// get compact keys, and both kinds read back after reopening.
func TestSeenMixedStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	model := map[string]Post{}
	// As an older tagpulse wrote it.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		posts, seen := tx.Bucket(bucketPosts), tx.Bucket(bucketSeen)
		for len(model) < 1500 {
			p := randomSeenPost(r)
			if _, ok := model[p.Key()]; ok {
				continue
			}
			model[p.Key()] = p
			seq, _ := posts.NextSequence()
			if err := putPostPerSeq(tx, seq, encodePost(&p)); err != nil {
				return err
			}
			if err := seen.Put([]byte(p.Key()), be64(seq)); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keySeenForm); err != nil {
			return err
		}
		return meta.Put(keySchema, be64(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if form, schema := seenForm(t, db); form != seenLegacy || schema != 1 {
		t.Fatalf("old store read-only: form %d, schema %d", form, schema)
	}
	checkModel(t, db, model)
	db.Close()

	db, err = Open(path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if form, schema := seenForm(t, db); form != seenMixed || schema != SchemaVersion {
		t.Fatalf("old store opened for writing: form %d, schema %d", form, schema)
	}
	old := make([]Post, 0, len(model))
	for _, p := range model {
		old = append(old, p)
	}
	res, err := db.Append(old, nil)
	if err != nil || res.Added != 0 || res.Duplicates != len(old) {
		t.Fatalf("the old posts again: %+v, %v", res, err)
	}
	appendModel(t, db, r, model, 2000)
	// Redact and Amend find an old post of each kind of key.
	redacted := 0
	for _, p := range old {
		_, compact := compactSeenKey(p.Platform, p.ID)
		if (compact && redacted%2 == 0) || (!compact && redacted%2 == 1) {
			if err := db.Redact(p.Platform, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Amend([]Amend{{Platform: p.Platform, ID: p.ID, Engagement: 99, At: time.Unix(1700000000, 0).UTC()}}, nil, nil); err != nil {
				t.Fatalf("Amend of old post %s %s: %v", p.Platform, p.ID, err)
			}
			q := model[p.Key()]
			q.Text, q.URL, q.Redacted = "", "", true
			model[p.Key()] = q
			redacted++
		}
		if redacted == 10 {
			break
		}
	}
	db.Close()
	db, err = Open(path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if form, _ := seenForm(t, db); form != seenMixed {
		t.Fatalf("reopened: form %d", form)
	}
	checkModel(t, db, model)
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestSeenRefusesANulPlatform: a platform with a NUL byte would make dedupe
// keys ambiguous; Append refuses it and stores nothing.
func TestSeenRefusesANulPlatform(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Append([]Post{{Platform: PlatformX, ID: "1"}, {Platform: "\x00x", ID: "1"}}, nil)
	if err == nil {
		t.Fatal("Append of a platform with a NUL byte succeeded")
	}
	if db.LastSeq() != 0 {
		t.Fatalf("a refused Append stored %d posts", db.LastSeq())
	}
}

// TestSchemaNewerRefused: a store of a later schema is not opened.
func TestSchemaNewerRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, be64(SchemaVersion+1)) })
	db.Close()
	for _, ro := range []bool{false, true} {
		if _, err := Open(path, &Options{ReadOnly: ro}); !errors.Is(err, ErrSchema) {
			t.Fatalf("read-only %v: Open = %v, want ErrSchema", ro, err)
		}
	}
}
