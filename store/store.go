// Package store keeps tagpulse's data in a bbolt file: the raw post log as
// collected, each source's cursor, and the rollups the aggregator derives. It
// owns the domain types (Post, Campaign, Figures, SourceHealth), imports no
// other tagpulse package, and knows nothing of platforms or HTTP.
//
// Layout (these buckets are created when the store opens; platform_counts,
// see platform_counts.go, by its first write):
//
//	meta     schema version, aggregator watermark, campaigns, settings, the posts' compression dictionaries
//	posts    be64(seq) → Post (binary postS2, codec_s2.go, or postV3, codec_v3.go; postV2, postV1 and early stores' JSON are read too)   the log, in arrival order
//	seen     platform and id → seq (seen.go)  dedupe across sources and polls
//	cursors  source name → opaque bytes      written with the posts they follow
//	cells    rollup figures, see CellKey
//	members  per author and period, see Member
//	tops     bounded top lists per campaign day
//	passcells  while a catch-up in passes is in progress, its finished passes' changes to the cells (passcells.go)
//	sums     CRC-32C of each post as stored, in blocks of seqs (sums.go), verified by Check
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this code reads and writes: 2 since
// the dedupe index has compact keys (seen.go), which a tagpulse reading 1
// would not find. A store of schema 1 is upgraded when opened for writing.
const SchemaVersion = 2

var (
	bucketMeta    = []byte("meta")
	bucketPosts   = []byte("posts")
	bucketSeen    = []byte("seen")
	bucketCursors = []byte("cursors")
	bucketCells   = []byte("cells")
	bucketMembers = []byte("members")
	bucketTops    = []byte("tops")

	allBuckets = [][]byte{bucketMeta, bucketPosts, bucketSeen, bucketCursors, bucketCells, bucketMembers, bucketTops, bucketSums}

	keySchema    = []byte("schema")
	keyWatermark = []byte("watermark")
	keyPass      = []byte("pass") // a catch-up in passes, see Pass
)

// Errors returned by the store.
var (
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("store is in use by another tagpulse process")
	// ErrSchema is returned by Open when the file was written by a newer tagpulse.
	ErrSchema = errors.New("store schema is newer than this tagpulse")
	// ErrNotFound is returned when a post is not in the store.
	ErrNotFound = errors.New("not found")
)

// DB is an open store.
type DB struct {
	bolt *bolt.DB
	path string
}

// Options tune Open. The zero value is right for most callers.
type Options struct {
	// LockTimeout bounds the wait for another process's lock (default 1s).
	LockTimeout time.Duration
	// ReadOnly opens the file shared, for report/export/check alongside a running tagpulse.
	ReadOnly bool
	// NoSync skips fsync on commit. Only for benchmarks and throwaway demo stores.
	NoSync bool
}

// Open opens or creates the store at path with mode 0600.
func Open(path string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = &Options{}
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	// A file shorter than its meta page says would be mapped and then
	// crash the process (SIGBUS) on the first read past its end.
	if err := checkNotTruncated(path); err != nil {
		return nil, err
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType, InitialMmapSize: 1 << 30})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := &DB{bolt: b, path: path}
	if opts.ReadOnly {
		err = b.View(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta) == nil {
				return fmt.Errorf("%s is not a tagpulse store", path)
			}
			if err := checkSchema(tx.Bucket(bucketMeta)); err != nil {
				return err
			}
			// A damaged dictionary is Check's to report: the posts
			// compressed with it name it when read.
			loadPostDicts(tx)
			return nil
		})
	} else {
		err = b.Update(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			meta := tx.Bucket(bucketMeta)
			if meta.Get(keySchema) != nil {
				if err := checkSchema(meta); err != nil {
					return err
				}
			}
			// Schema 1 → 2: compact dedupe keys (seen.go).
			if err := upgradeSeen(tx); err != nil {
				return err
			}
			loadPostDicts(tx) // a damaged one is Check's to report
			if v := meta.Get(keySchema); len(v) == 8 && binary.BigEndian.Uint64(v) == SchemaVersion {
				return nil
			}
			return meta.Put(keySchema, be64(SchemaVersion))
		})
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return db, nil
}

func checkSchema(meta *bolt.Bucket) error {
	v := meta.Get(keySchema)
	if len(v) != 8 {
		return fmt.Errorf("no schema version: not a tagpulse store")
	}
	if got := binary.BigEndian.Uint64(v); got > SchemaVersion {
		return fmt.Errorf("%w (file has %d, this build reads %d)", ErrSchema, got, SchemaVersion)
	}
	return nil
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file the store lives in.
func (db *DB) Path() string { return db.path }

// Size is the store file's size in bytes.
func (db *DB) Size() int64 {
	var n int64
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

// Backup writes a consistent copy of the store to w while it stays in use.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy of the store to path (mode 0600),
// through a temporary file renamed into place.
func (db *DB) BackupFile(path string) (int64, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := db.Backup(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// Check reads every bucket (a damaged page gives a DamagedError naming its
// bucket, not a panic), verifies every raw post against its checksum (a
// ChecksumError naming the post) and every compression dictionary against
// its id, then runs bbolt's own consistency check
// of the file's pages.
func (db *DB) Check() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		if err := readAll(tx); err != nil {
			return err
		}
		if _, err := verifySums(tx); err != nil {
			return err
		}
		if err := loadPostDicts(tx); err != nil {
			return err
		}
		for err := range tx.Check() {
			return err
		}
		return nil
	})
}

// AppendResult says what an Append did.
type AppendResult struct {
	Added      int    // new posts written to the log
	Duplicates int    // posts already in the store (same platform and ID), skipped
	LastSeq    uint64 // sequence number of the newest post in the log
}

// Append writes the posts that are not in the store yet, and the given source
// cursors, in one transaction: a cursor never moves without the posts it covers,
// and a crash leaves either all of it or none. A post whose (platform, ID) is
// already stored is skipped and counted as a duplicate.
// With exactly one cursor, the posts are that source's page, and its tally
// (see Tallies) moves with them.
func (db *DB) Append(posts []Post, cursors map[string][]byte) (AppendResult, error) {
	var res AppendResult
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		res = AppendResult{}
		for i := range posts {
			p := &posts[i]
			if p.Platform == "" || p.ID == "" {
				return fmt.Errorf("append: post without platform or id")
			}
			if strings.IndexByte(p.Platform, 0) >= 0 {
				// It would make dedupe keys ambiguous (see seen.go).
				return fmt.Errorf("append: post platform %q has a NUL byte", p.Platform)
			}
		}
		postsB, seen := tx.Bucket(bucketPosts), openSeen(tx)
		// The log only ever grows at its end, and a post is only ever
		// rewritten shorter (Redact): fill its pages to the brim instead of
		// splitting them in half (bbolt's default, right for random keys).
		// 0.95 left 8% of them empty, 20 bytes a post.
		postsB.FillPercent = 1
		// Post IDs mostly grow with time (snowflakes), so the index mostly
		// grows at its end too.
		seen.b.FillPercent = 0.9
		fresh, keys, err := seen.dedupe(posts)
		if err != nil {
			return err
		}
		res.Added, res.Duplicates = len(fresh), len(posts)-len(fresh)
		before := postsB.Sequence()
		// The dictionary, trained here when due (codec_s2.go), is written
		// with the first posts it compresses.
		values, err := encodeBatch(tx, before, posts, fresh)
		if err != nil {
			return err
		}
		// The workers read posts, which are the caller's once Append returns.
		defer values.wait()
		if len(fresh) > 0 {
			if err := postsB.SetSequence(before + uint64(len(fresh))); err != nil {
				return err
			}
		}
		// The index first, while the posts are encoded. In key order, so
		// that a large batch does not shift a node's keys for every
		// insert. The values (seqs) stay in one array until the commit, as
		// bbolt wants them.
		seqOf := make([]uint64, len(posts))
		for r, i := range fresh {
			seqOf[i] = before + 1 + uint64(r)
		}
		vals := make([]byte, 0, 10*len(fresh))
		for _, i := range keys.order {
			if seqOf[i] == 0 {
				continue // a duplicate
			}
			key, start := keys.key(i), len(vals)
			if key[0] == 0 {
				vals = binary.AppendUvarint(vals, seqOf[i])
			} else {
				vals = binary.BigEndian.AppendUint64(vals, seqOf[i])
			}
			if err := seen.b.Put(key, vals[start:len(vals):len(vals)]); err != nil {
				return err
			}
		}
		sums := newSumWriter(tx)
		k := make([]byte, 8) // bbolt copies a key it puts
		seq := before
		for chunk := values.nextChunk(); chunk != nil; chunk = values.nextChunk() {
			for _, v := range chunk {
				seq++
				binary.BigEndian.PutUint64(k, seq)
				if err := postsB.Put(k, v); err != nil {
					return err
				}
				// A new seq: no per-seq sum of an earlier tagpulse to replace.
				if err := sums.set(seq, v); err != nil {
					return err
				}
			}
		}
		if err := sums.flush(); err != nil {
			return err
		}
		res.LastSeq = postsB.Sequence()
		cb := tx.Bucket(bucketCursors)
		for name, c := range cursors {
			if err := cb.Put([]byte(name), c); err != nil {
				return err
			}
		}
		// One cursor names the source the posts came from (a collector's
		// page): its tally moves with them. Imports pass none.
		if len(cursors) == 1 {
			for name := range cursors {
				if err := tally(tx, name, res.Added, res.Duplicates); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return AppendResult{}, fmt.Errorf("append: %w", err)
	}
	return res, nil
}

// Cursor returns a copy of a source's cursor, or nil when it has none yet.
func (db *DB) Cursor(name string) ([]byte, error) {
	var c []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketCursors).Get([]byte(name)); v != nil {
			c = append([]byte(nil), v...)
		}
		return nil
	})
	return c, err
}

// Cursors returns a copy of every source cursor.
func (db *DB) Cursors() (map[string][]byte, error) {
	m := map[string][]byte{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			m[string(k)] = append([]byte(nil), v...)
			return nil
		})
	})
	return m, err
}

// Redact removes a post's content (text, URL) after the platform reported it
// deleted. The post keeps counting where it was counted: it was posted during
// the campaign. Returns ErrNotFound when the post is not stored.
func (db *DB) Redact(platform, id string) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		n, err := openSeen(tx).seq(platform, id)
		if err != nil {
			return fmt.Errorf("redact %s: %w", id, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		seq := be64(n)
		b := tx.Bucket(bucketPosts)
		var p Post
		if err := decodeStored(tx, b.Get(seq), &p); err != nil {
			return fmt.Errorf("redact %s: %w", id, err)
		}
		if p.Redacted {
			return nil
		}
		p.Text, p.URL, p.Redacted = "", "", true
		did, dict, err := currentPostDict(tx)
		if err != nil {
			return fmt.Errorf("redact %s: %w", id, err)
		}
		var scratch []byte
		return putPost(tx, seq, compressPost(dict, did, encodePost(&p), &scratch))
	})
}

// Get returns the stored post with the given platform and ID.
func (db *DB) Get(platform, id string) (Post, error) {
	var p Post
	err := db.bolt.View(func(tx *bolt.Tx) error {
		seq, err := openSeen(tx).seq(platform, id)
		if err != nil {
			return err
		}
		if seq == 0 {
			return ErrNotFound
		}
		return decodeStored(tx, tx.Bucket(bucketPosts).Get(be64(seq)), &p)
	})
	return p, err
}

// LastSeq is the sequence number of the newest post in the log (0 when empty).
func (db *DB) LastSeq() uint64 {
	var n uint64
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketPosts).Sequence(); return nil })
	return n
}

// PostCount is the number of posts in the log.
func (db *DB) PostCount() int {
	var n int
	db.bolt.View(func(tx *bolt.Tx) error { n = tx.Bucket(bucketPosts).Stats().KeyN; return nil })
	return n
}

// Posts calls fn for each post with a sequence number above after, in log
// order, in one read transaction; fn's error stops the walk and is returned.
// Long walks hold a read transaction: use it for export and recounts, not in
// request handlers.
func (db *DB) Posts(after uint64, fn func(seq uint64, p *Post) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		return scanPosts(tx, after, 0, fn)
	})
}

func scanPosts(tx *bolt.Tx, after uint64, limit int, fn func(seq uint64, p *Post) error) error {
	c := tx.Bucket(bucketPosts).Cursor()
	n := 0
	for k, v := c.Seek(be64(after + 1)); k != nil; k, v = c.Next() {
		var p Post
		if err := decodeStored(tx, v, &p); err != nil {
			return fmt.Errorf("post %d: %w", binary.BigEndian.Uint64(k), err)
		}
		if err := fn(binary.BigEndian.Uint64(k), &p); err != nil {
			return err
		}
		n++
		if limit > 0 && n >= limit {
			break
		}
	}
	return nil
}

func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
