package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// randomPost makes post i: every platform, source and kind, redacted ones,
// long texts, texts that are not UTF-8, near-duplicates of each other, IDs
// that are and are not decimals.
func randomPost(r *rand.Rand, i int) Post {
	platforms := []string{PlatformX, PlatformMastodon, PlatformBluesky, PlatformDemo, "nostr"}
	sources := []string{SourceX, SourceMastodon, SourceBluesky, SourceDemo, SourceImport, "relay"}
	kinds := []Kind{KindOriginal, KindRepost, KindReply, KindQuote, "zap"}
	words := []string{"Free", "Palestine", "#AllForPalestine", "#كلنا_لفلسطين", "prisoners", "day", "of", "action", "غزة", "\xff\xfe", "https://t.co/abc", "join", "us"}
	p := Post{Platform: platforms[r.IntN(len(platforms))], Source: sources[r.IntN(len(sources))], Kind: kinds[r.IntN(len(kinds))],
		Lang: []string{"en", "ar", "", "fr"}[r.IntN(4)], Engagement: r.Int64N(1000) - 10}
	switch r.IntN(3) {
	case 0:
		p.ID = fmt.Sprint(1860000000000000000 + r.Int64N(1e15))
	case 1:
		p.ID = fmt.Sprintf("at://did:plc:%d/app.bsky.feed.post/3k%d", r.IntN(1000), i)
	default:
		p.ID = fmt.Sprintf("id-%d-%d", i, r.IntN(100))
	}
	p.Author = Author{ID: fmt.Sprint(r.IntN(5000)), Handle: fmt.Sprintf("user%d", r.IntN(5000)), Name: "Name " + fmt.Sprint(r.IntN(100)), Followers: r.Int64N(1e6)}
	n := 1 + r.IntN(30)
	if r.IntN(20) == 0 {
		n = 400 + r.IntN(2000) // long
	}
	var sb strings.Builder
	for j := 0; j < n; j++ {
		sb.WriteString(words[r.IntN(len(words))])
		sb.WriteByte(' ')
	}
	p.Text = sb.String()
	if r.IntN(10) == 0 { // junk
		b := make([]byte, r.IntN(300))
		for j := range b {
			b[j] = byte(r.IntN(256))
		}
		p.Text = string(b)
	}
	p.Hashtags = []string{"allforpalestine"}
	if r.IntN(3) == 0 {
		p.Hashtags = append(p.Hashtags, "كلنا_لفلسطين", "notintext")
	}
	switch p.Platform {
	case PlatformX:
		p.URL = xURL(p.Author.Handle, p.ID)
	case PlatformBluesky:
		if u, ok := bskyURL(&p, r.IntN(2) == 0); ok {
			p.URL = u
		}
	default:
		p.URL = "https://example.org/" + p.ID
	}
	if r.IntN(2) == 0 {
		p.CreatedAt = time.Date(2026, 4, 17, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(1e6)) * time.Second)
		p.CollectedAt = p.CreatedAt.Add(time.Duration(r.Int64N(1e12)))
	}
	if r.IntN(4) == 0 {
		p.Arrival = ArrivalImport
	}
	if r.IntN(15) == 0 {
		p.Text, p.URL, p.Redacted = "", "", true
	}
	if r.IntN(8) == 0 {
		p.Signals = Signals{PlaceCountry: "PS", Coordinates: &LatLon{31.5, 34.46}, ProfileLocation: "Gaza", InstanceDomain: "m.ps"}
	}
	return p
}

// lowerDictThresholds makes stores train early, and retrain, for a test.
func lowerDictThresholds(t *testing.T, at, reAt uint64) {
	a, b := dictTrainAt, dictRetrainAt
	dictTrainAt, dictRetrainAt = at, reAt
	t.Cleanup(func() { dictTrainAt, dictRetrainAt = a, b })
}

// forgetPostDicts empties the process's registry, as a new process starts.
func forgetPostDicts() { postDicts.Store(nil) }

func formats(t *testing.T, db *DB) map[byte]int {
	t.Helper()
	n := map[byte]int{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error { n[v[0]]++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func storedDicts(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		for k, _ := c.Seek(prefixPostDict); k != nil && strings.HasPrefix(string(k), string(prefixPostDict)); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n
}

// TestCompressedPostsReadBack: random posts appended in random batches
// (with duplicates) across the training threshold and two retrainings come
// back exactly as appended, by Get and in the walk, once the store is
// reopened by a process that has met none of its dictionaries, and after
// Redact and Amend.
func TestCompressedPostsReadBack(t *testing.T) {
	lowerDictThresholds(t, 700, 1500)
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	r := rand.New(rand.NewPCG(1, 2))
	var want []Post // in log order
	for len(want) < 3600 {
		batch := make([]Post, 1+r.IntN(300))
		for i := range batch {
			batch[i] = randomPost(r, len(want)+i)
			if len(want) > 0 && r.IntN(20) == 0 {
				batch[i] = want[r.IntN(len(want))] // a duplicate
			} else if i > 0 && r.IntN(10) == 0 { // a near-duplicate
				batch[i] = batch[i-1]
				batch[i].ID += "x"
				batch[i].Text += "!"
			}
		}
		res, err := db.Append(batch, nil)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, p := range want {
			seen[p.Key()] = true
		}
		for _, p := range batch {
			if !seen[p.Key()] {
				seen[p.Key()] = true
				want = append(want, p)
			}
		}
		if int(res.LastSeq) != len(want) {
			t.Fatalf("log holds %d posts, want %d", res.LastSeq, len(want))
		}
	}
	f := formats(t, db)
	if f[postS2]+f[postS2Head] < len(want)/2 || f[postS2] == 0 || f[postS2Head] == 0 || f[postV3] < 400 {
		t.Fatalf("formats %v: want most posts compressed (in both forms), those before the batch that crossed 700 not", f)
	}
	if n := storedDicts(t, db); n != 3 {
		t.Fatalf("%d dictionaries stored, want 3 (trained at 700, retrained at 1500 and 3000)", n)
	}
	readAll := func(db *DB) {
		t.Helper()
		requireStoredPosts(t, db, want, 0, 699, 700, 1499, 1500, len(want)-1)
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
	}
	readAll(db)

	// Redact and Amend compressed posts.
	red := want[len(want)-5]
	if err := db.Redact(red.Platform, red.ID); err != nil {
		t.Fatal(err)
	}
	want[len(want)-5].Text, want[len(want)-5].URL, want[len(want)-5].Redacted = "", "", true
	am := want[len(want)-3]
	if _, err := db.Amend([]Amend{{Platform: am.Platform, ID: am.ID, Engagement: am.Engagement + 100, At: time.Unix(1, 0)}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	err = db.PostsAmended(uint64(len(want)-4), func(seq uint64, p *Post) error {
		if p.ID == am.ID && p.Engagement != am.Engagement+100 {
			t.Errorf("amended post has engagement %d", p.Engagement)
		}
		n++
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("%d amended posts walked: %v", n, err)
	}
	readAll(db)

	// Another process: none of the dictionaries met, filled from meta.
	db.Close()
	forgetPostDicts()
	if db, err = Open(path, &Options{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	readAll(db)
	// A dictionary trained after this process opened the store (another
	// process's) is found in the store when a post needs it.
	forgetPostDicts()
	readAll(db)
	db.Close()
	forgetPostDicts()
	if db, err = Open(path, nil); err != nil {
		t.Fatal(err)
	}
	readAll(db)
}

// TestFailedAppendTrainsNothing: an Append that fails after its posts
// trained a dictionary leaves neither the dictionary nor compressed posts;
// the next one trains.
func TestFailedAppendTrainsNothing(t *testing.T) {
	lowerDictThresholds(t, 500, 1<<20)
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 4))
	posts := make([]Post, 700)
	for i := range posts {
		posts[i] = randomPost(r, i)
		posts[i].ID = fmt.Sprint(i + 1)
	}
	if _, err := db.Append(posts[:400], nil); err != nil {
		t.Fatal(err)
	}
	// A cursor with no name fails the transaction after the posts and the
	// dictionary were written in it.
	if _, err := db.Append(posts[400:], map[string][]byte{"": []byte("c")}); err == nil {
		t.Fatal("an empty cursor name was accepted")
	}
	// A post without an ID fails it while reading the batch.
	bad := append(append([]Post(nil), posts[400:]...), Post{Platform: PlatformX})
	if _, err := db.Append(bad, nil); err == nil {
		t.Fatal("a post without an ID was accepted")
	}
	if f := formats(t, db); f[postS2]+f[postS2Head] != 0 || f[postV3] != 400 || storedDicts(t, db) != 0 {
		t.Fatalf("after failed appends: formats %v, %d dictionaries", f, storedDicts(t, db))
	}
	if _, err := db.Append(posts[400:], nil); err != nil {
		t.Fatal(err)
	}
	if f := formats(t, db); f[postS2]+f[postS2Head] == 0 || storedDicts(t, db) != 1 {
		t.Fatalf("formats %v, %d dictionaries: want compressed posts and one dictionary", f, storedDicts(t, db))
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedCompressedPost: a byte flipped inside a compressed post (of
// either form) is found by Check (its checksum), and reading it gives an
// error or another post, never a panic; a post naming a dictionary the
// store does not hold is an error naming it.
func TestDamagedCompressedPost(t *testing.T) {
	lowerDictThresholds(t, 300, 1<<20)
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	r := rand.New(rand.NewPCG(5, 6))
	posts := make([]Post, 600)
	for i := range posts {
		posts[i] = randomPost(r, i)
		posts[i].ID = fmt.Sprint(i + 1)
		if i%2 == 0 {
			posts[i].ID = "s" + posts[i].ID // not a decimal: postS2
		}
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	for _, format := range []byte{postS2, postS2Head} {
		var seq uint64
		var orig []byte
		db.bolt.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketPosts).Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				if v[0] == format && len(v) > 40 {
					seq, orig = binary.BigEndian.Uint64(k), append([]byte(nil), v...)
					return nil
				}
			}
			return nil
		})
		if seq == 0 {
			t.Fatalf("no post of format %d", format)
		}
		p := posts[seq-1]
		put := func(v []byte) {
			t.Helper()
			if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketPosts).Put(be64(seq), v) }); err != nil {
				t.Fatal(err)
			}
		}
		for i := postS2Header; i < len(orig); i++ {
			v := append([]byte(nil), orig...)
			v[i] ^= 0x41
			put(v)
			var ce *ChecksumError
			if err := db.Check(); !errors.As(err, &ce) || ce.Seq != seq {
				t.Fatalf("format %d, byte %d flipped: check says %v", format, i, err)
			}
			var q Post
			_ = decodePost(v, &q) // an error or another post, not a panic
			postAuthor(v)
		}
		v := append([]byte(nil), orig...)
		v[3] ^= 1 // the dictionary's id
		put(v)
		_, err = db.Get(p.Platform, p.ID)
		var ue *UnknownDictError
		if !errors.As(err, &ue) || !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), fmt.Sprintf("%016x", ue.ID)) {
			t.Fatalf("format %d, unknown dictionary: %v", format, err)
		}
		if err := db.Posts(0, func(uint64, *Post) error { return nil }); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("post %d:", seq)) {
			t.Fatalf("format %d, walk over the post: %v", format, err)
		}
		put(orig)
		if err := db.Check(); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Get(p.Platform, p.ID); err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("format %d restored: %v", format, err)
		}
	}

	// A damaged dictionary: Check names it, its posts fail to read naming
	// it, the store still opens, and new posts are still stored.
	path := db.Path()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		k, v := c.Seek(prefixPostDict)
		v = append([]byte(nil), v...)
		v[len(v)/2] ^= 1
		return tx.Bucket(bucketMeta).Put(append([]byte(nil), k...), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	forgetPostDicts()
	if db, err = Open(path, nil); err != nil {
		t.Fatal(err)
	}
	var de *DamagedError
	if err := db.Check(); !errors.As(err, &de) || de.Bucket != "meta" || !strings.Contains(err.Error(), "dictionary") {
		t.Fatalf("check with a damaged dictionary: %v", err)
	}
	last := posts[len(posts)-1]
	if _, err := db.Get(last.Platform, last.ID); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a post of the damaged dictionary: %v", err)
	}
	more := []Post{randomPost(r, 1<<20)}
	if _, err := db.Append(more, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Get(more[0].Platform, more[0].ID); err != nil || !reflect.DeepEqual(got, more[0]) {
		t.Fatalf("a post after the damage: %v", err)
	}
	// The next training passes over the posts that do not read.
	lowerDictThresholds(t, 602, 1<<20)
	more = []Post{randomPost(r, 1<<21)}
	if _, err := db.Append(more, nil); err != nil {
		t.Fatal(err)
	}
	if n := storedDicts(t, db); n != 2 {
		t.Fatalf("%d dictionaries after training anew, want 2", n)
	}
	if got, err := db.Get(more[0].Platform, more[0].ID); err != nil || !reflect.DeepEqual(got, more[0]) {
		t.Fatalf("a post after training anew: %v", err)
	}
}

// TestSmallStoreNotCompressed: a store under the threshold keeps postV3.
func TestSmallStoreNotCompressed(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(7, 8))
	posts := make([]Post, int(dictTrainAt)-1)
	for i := range posts {
		posts[i] = randomPost(r, i)
		posts[i].ID = fmt.Sprint(i + 1)
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	if f := formats(t, db); f[postS2]+f[postS2Head] != 0 || storedDicts(t, db) != 0 {
		t.Fatalf("formats %v, %d dictionaries", f, storedDicts(t, db))
	}
	// One more post: trained at the real threshold, from the real number
	// of samples.
	if _, err := db.Append([]Post{randomPost(r, 1<<20)}, nil); err != nil {
		t.Fatal(err)
	}
	if storedDicts(t, db) != 1 {
		t.Fatalf("%d dictionaries at %d posts", storedDicts(t, db), dictTrainAt)
	}
}

func BenchmarkPostS2(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	samples := encodedSamples(r, 4096)
	raw := trainPostDict(samples)
	id, d, err := registerPostDict(raw)
	if err != nil {
		b.Fatal(err)
	}
	p := benchPost()
	v3 := encodePostV3(&p)
	var scratch []byte
	s := compressPost(d, id, v3, &scratch)
	b.Logf("postV3 %d B, postS2Head %d B", len(v3), len(s))
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			compressPost(d, id, encodePostV3(&p), &scratch)
		}
	})
	b.Run("decode", func(b *testing.B) {
		var q Post
		for b.Loop() {
			decodePost(s, &q)
		}
	})
	b.Run("author", func(b *testing.B) {
		for b.Loop() {
			postAuthor(s)
		}
	})
	b.Run("train", func(b *testing.B) {
		for b.Loop() {
			trainPostDict(samples)
		}
	})
}

// TestMixedStoreWithCompressed: a log holding JSON, postV1, postV2, postV3
// postS2 and postS2Head posts reads back whole, walks, verifies its checksums, gives
// every post's author bucket, and retrains from such a log.
func TestMixedStoreWithCompressed(t *testing.T) {
	lowerDictThresholds(t, 200, 400)
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(11, 12))
	posts := make([]Post, 600)
	for i := range posts {
		posts[i] = randomPost(r, i)
		posts[i].ID = fmt.Sprint(i + 1)
		if i%3 == 0 {
			posts[i].ID = "m" + posts[i].ID // not a decimal: postS2
		}
		if posts[i].Platform == PlatformX {
			posts[i].URL = xURL(posts[i].Author.Handle, posts[i].ID)
		}
		if posts[i].Platform == PlatformBluesky {
			posts[i].URL = "https://bsky.app/x/" + posts[i].ID
		}
	}
	if _, err := db.Append(posts[:250], nil); err != nil {
		t.Fatal(err)
	}
	// Rewrite some of the log as earlier versions wrote it.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		for seq := uint64(1); seq <= 240; seq++ {
			p := &posts[seq-1]
			var v []byte
			switch seq % 4 {
			case 0:
				v = encodePostV1(p)
			case 1:
				v = encodePostV2(p)
			case 2:
				v, _ = json.Marshal(p)
			default:
				continue
			}
			if err := putPost(tx, be64(seq), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Append(posts[250:], nil); err != nil { // retrains at 400 from the mixed log
		t.Fatal(err)
	}
	f := formats(t, db)
	if f[postV1] == 0 || f[postV2] == 0 || f['{'] == 0 || f[postV3] == 0 || f[postS2] == 0 || f[postS2Head] == 0 || storedDicts(t, db) != 2 {
		t.Fatalf("formats %v, %d dictionaries", f, storedDicts(t, db))
	}
	for i, want := range posts {
		if want.Hashtags == nil {
			want.Hashtags = []string{}
		}
		got, err := db.Get(want.Platform, want.ID)
		if i+1 <= 240 && (i+1)%4 == 2 { // JSON: not every text survives it (not UTF-8)
			if err != nil || got.ID != want.ID {
				t.Fatalf("post %d (JSON): %v %+v", i+1, err, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("post %d: %v\n got %+v\nwant %+v", i+1, err, got, want)
		}
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	err = db.bolt.View(func(tx *bolt.Tx) error {
		rt := &RollupTx{tx: tx}
		return rt.PostBuckets(0, 600, func(seq uint64, bucket int) {
			p := &posts[seq-1]
			if bucket != AuthorBucket(p.Author.Key(p.Platform)) {
				t.Errorf("post %d: bucket %d", seq, bucket)
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompressedReadsWhileTraining: readers walking the log while an
// Append trains and retrains dictionaries (and while the registry is
// emptied, as in a process that has not met them) read every post; under
// -race, the registry's reads and writes do not race.
func TestCompressedReadsWhileTraining(t *testing.T) {
	lowerDictThresholds(t, 200, 500)
	db, err := Open(filepath.Join(t.TempDir(), "t.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(13, 14))
	done := make(chan struct{})
	errs := make(chan error, 2)
	for g := 0; g < 2; g++ {
		go func(g int) {
			var err error
			for i := 0; err == nil; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if g == 1 && i%3 == 0 {
					forgetPostDicts()
				}
				var last uint64
				err = db.Posts(0, func(seq uint64, p *Post) error {
					if seq != last+1 {
						return fmt.Errorf("post %d after %d", seq, last)
					}
					last = seq
					return nil
				})
			}
			errs <- err
		}(g)
	}
	for i := 0; i < 2000; i += 100 {
		batch := make([]Post, 100)
		for j := range batch {
			batch[j] = randomPost(r, i+j)
			batch[j].ID = fmt.Sprint(i + j + 1)
		}
		if _, err := db.Append(batch, nil); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for g := 0; g < 2; g++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := storedDicts(t, db); n != 5 {
		t.Fatalf("%d dictionaries, want 5 (at 200, 500, 1000, 1500 and 2000)", n)
	}
}

// requireStoredPosts fails t unless db's log holds want, in order, and Get
// finds the posts of want at the indices probe.
func requireStoredPosts(t *testing.T, db *DB, want []Post, probe ...int) {
	t.Helper()
	i := 0
	err := db.Posts(0, func(seq uint64, p *Post) error {
		if !reflect.DeepEqual(*p, want[i]) {
			return fmt.Errorf("post %d:\n got %+v\nwant %+v", seq, *p, want[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("walked %d of %d: %v", i, len(want), err)
	}
	for _, j := range probe {
		if got, err := db.Get(want[j].Platform, want[j].ID); err != nil || !reflect.DeepEqual(got, want[j]) {
			t.Fatalf("get %d: %v\n got %+v\nwant %+v", j, err, got, want[j])
		}
	}
}

// encodedSamples are n random posts (randomPost) encoded, to train a
// dictionary on.
func encodedSamples(r *rand.Rand, n int) [][]byte {
	var samples [][]byte
	for i := 0; i < n; i++ {
		p := randomPost(r, i)
		samples = append(samples, encodePostV3(&p))
	}
	return samples
}
