package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/s2"
	bolt "go.etcd.io/bbolt"
)

// postS2 is a post compressed: the byte postS2, the 8-byte id of the
// dictionary (the first 8 bytes of its SHA-256), then the S2 block
// (klauspost/compress/s2, Dict.Encode) of the post's postV3 encoding.
// postS2Head is the same with the head of the postV3 encoding (up to the
// author's ID) kept as it is before the block of the rest, for a post whose
// own and author's IDs are decimals (X's, Mastodon's): they are written as
// numbers, which hardly compress, and postAuthor reads them without
// decompressing (check reads every post's author once a pass, 21 passes at
// 1M posts). Other IDs (Bluesky's at-URIs and DIDs) share long prefixes and
// are compressed with the rest: 30 bytes a post fewer on the fixtures.
//
// A store trains its own dictionary from its own posts (trainPostDict): the
// posts of one campaign share their hashtags, links, languages, places and
// the layout of postV3, which a general-purpose compressor without a
// dictionary cannot learn from one post of 200 bytes. A post is stored
// compressed only when that is shorter; the posts written before the store
// had a dictionary stay as they were.
//
// A dictionary is kept in the meta bucket under dictKey(id), forever, and
// the one new posts are compressed with under keyPostDict; all of them are
// registered process-wide (postDicts) when the store opens, so that
// decodePost needs no transaction.
const (
	postS2     = 4
	postS2Head = 5
)

const postS2Header = 1 + 8

var (
	keyPostDict      = []byte("postdict")  // the id of the dictionary new posts are compressed with
	prefixPostDict   = []byte("postdict/") // + hex id → the dictionary (s2.Dict.Bytes)
	errShortS2Header = errors.New("short compressed post")
)

// When a store trains its dictionaries: when an Append brings the log
// across a multiple of dictTrainAt posts and it has no dictionary yet (a
// store with fewer posts is never compressed), and again across each
// multiple of dictRetrainAt, from the latest dictTrainAt posts. A training
// that fails (posts too few or too alike to learn from) is tried again at the
// next multiple. Variables so that tests can lower them.
var (
	dictTrainAt   uint64 = 4096
	dictRetrainAt uint64 = 1 << 20
)

// dictSize is the size of a trained dictionary: 16 KB gave 84 bytes a post
// on generated data, 64 KB hardly fewer.
const dictSize = 16 << 10

// maxPostS2 bounds the postV3 encoding a postS2 holds, so that a damaged
// length cannot make a reader allocate gigabytes.
const maxPostS2 = 1 << 24

func dictKey(id uint64) []byte {
	return append(append([]byte(nil), prefixPostDict...), hex.EncodeToString(binary.BigEndian.AppendUint64(nil, id))...)
}

// postDicts holds every dictionary this process has met, by id: read
// without a lock (an immutable map, replaced whole under postDictsMu).
var (
	postDicts   atomic.Pointer[map[uint64]*s2.Dict]
	postDictsMu sync.Mutex
)

func postDictID(raw []byte) uint64 {
	h := sha256.Sum256(raw)
	return binary.BigEndian.Uint64(h[:8])
}

// registerPostDict makes a dictionary known to decodePost and returns its id.
func registerPostDict(raw []byte) (uint64, *s2.Dict, error) {
	id := postDictID(raw)
	if d := lookupPostDict(id); d != nil {
		return id, d, nil
	}
	d := s2.NewDict(bytes.Clone(raw))
	if d == nil {
		return 0, nil, fmt.Errorf("post dictionary %016x is not an S2 dictionary", id)
	}
	postDictsMu.Lock()
	defer postDictsMu.Unlock()
	old := postDicts.Load()
	m := make(map[uint64]*s2.Dict, 1)
	if old != nil {
		if d := (*old)[id]; d != nil {
			return id, d, nil
		}
		for k, v := range *old {
			m[k] = v
		}
	}
	m[id] = d
	postDicts.Store(&m)
	return id, d, nil
}

func lookupPostDict(id uint64) *s2.Dict {
	if m := postDicts.Load(); m != nil {
		return (*m)[id]
	}
	return nil
}

// loadPostDicts registers every dictionary a store holds. One whose bytes
// no longer match its id is not registered (the posts compressed with it
// then fail to read, naming it) and is returned as a DamagedError, after
// the others are registered.
func loadPostDicts(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	var damaged error
	c := meta.Cursor()
	for k, v := c.Seek(prefixPostDict); k != nil && bytes.HasPrefix(k, prefixPostDict); k, v = c.Next() {
		if !bytes.Equal(k, dictKey(postDictID(v))) {
			if damaged == nil {
				damaged = &DamagedError{Bucket: "meta", Cause: fmt.Sprintf("the post dictionary %q no longer matches its id", k)}
			}
			continue
		}
		if _, _, err := registerPostDict(v); err != nil && damaged == nil {
			damaged = &DamagedError{Bucket: "meta", Cause: fmt.Sprintf("%q: %v", k, err)}
		}
	}
	return damaged
}

// UnknownDictError says that a post is compressed with a dictionary the
// store does not hold: the store is damaged. It matches ErrDamaged.
type UnknownDictError struct {
	ID uint64
}

func (e *UnknownDictError) Error() string {
	return fmt.Sprintf("compressed with dictionary %016x, which the store does not hold intact", e.ID)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *UnknownDictError) Is(target error) bool { return target == ErrDamaged }

// compressPost returns a postV3 value compressed with d (whose id is id)
// when that is shorter, else v itself.
func compressPost(d *s2.Dict, id uint64, v []byte, scratch *[]byte) []byte {
	if d == nil || len(v) > maxPostS2 {
		return v
	}
	format, head := byte(postS2), 0
	if h, ok := headLenV3(v); ok && v[5]&(v3IDNum|v3AuthorNum) == v3IDNum|v3AuthorNum {
		format, head = postS2Head, h
	}
	n := s2.MaxEncodedLen(len(v) - head)
	if cap(*scratch) < n {
		*scratch = make([]byte, n)
	}
	block := d.Encode((*scratch)[:n], v[head:])
	size := postS2Header + head + len(block)
	if size >= len(v) {
		return v
	}
	out := make([]byte, size)
	out[0] = format
	binary.BigEndian.PutUint64(out[1:], id)
	copy(out[postS2Header:], v[:head])
	copy(out[postS2Header+head:], block)
	return out
}

// decompressPost returns the postV3 encoding a postS2 or postS2Head value
// holds.
func decompressPost(b []byte) (v []byte, err error) { return decompressPostTo(nil, b) }

// decompressPostTo is decompressPost into dst's memory when it has room
// (else into new memory).
func decompressPostTo(dst, b []byte) (v []byte, err error) {
	if len(b) < postS2Header {
		return nil, errShortS2Header
	}
	head := 0
	if b[0] == postS2Head {
		h, ok := headLenV3(b[postS2Header:])
		if !ok {
			return nil, errShortS2Header
		}
		head = h
	}
	id := binary.BigEndian.Uint64(b[1:])
	d := lookupPostDict(id)
	if d == nil {
		return nil, &UnknownDictError{ID: id}
	}
	block := b[postS2Header+head:]
	n, err := s2.DecodedLen(block)
	if err != nil || n > maxPostS2 {
		return nil, errors.New("compressed post is damaged (its length)")
	}
	defer func() {
		if recover() != nil {
			v, err = nil, errors.New("compressed post is damaged")
		}
	}()
	if cap(dst) >= head+n {
		v = dst[:head+n]
	} else {
		v = make([]byte, head+n)
	}
	copy(v, b[postS2Header:postS2Header+head])
	out, err := d.Decode(v[head:], block)
	if err != nil {
		return nil, fmt.Errorf("compressed post is damaged (%v)", err)
	}
	if len(out) != n || (n > 0 && &out[0] != &v[head]) {
		return nil, errors.New("compressed post is damaged (its length)")
	}
	if len(v) == 0 || v[0] != postV3 {
		return nil, errors.New("compressed post holds no postV3 post")
	}
	return v, nil
}

// postDecoder decodes the posts of a walk of the log (decodeStored), one
// after another, into one Post (and its hashtags' list) and one buffer:
// the decoded strings are copies, so the buffer is free again once a post
// is decoded.
type postDecoder struct {
	p   Post
	buf []byte
}

// decode decodes b, read in tx, into d.p, which stays valid until the next
// decode: its Hashtags's memory is reused too.
func (d *postDecoder) decode(tx *bolt.Tx, b []byte) (*Post, error) {
	tags := d.p.Hashtags
	d.p = Post{}
	if len(b) > 0 && (b[0] == postS2 || b[0] == postS2Head) {
		v, err := decompressPostTo(d.buf, b)
		var u *UnknownDictError
		if errors.As(err, &u) {
			loadPostDicts(tx) // a damaged one stays unknown
			v, err = decompressPostTo(d.buf, b)
		}
		if err != nil {
			return nil, err
		}
		if cap(v) <= 64<<10 { // a huge one is not kept
			d.buf = v[:0]
		}
		return &d.p, decodePostV3Tags(v, &d.p, tags)
	}
	return &d.p, decodeStored(tx, b, &d.p)
}

// decodeStored is decodePost for a value read in tx: a post compressed
// with a dictionary this process has not met (another process trained it
// after this one opened the store) registers the store's dictionaries and
// is decoded again.
func decodeStored(tx *bolt.Tx, b []byte, p *Post) error {
	err := decodePost(b, p)
	var u *UnknownDictError
	if errors.As(err, &u) {
		loadPostDicts(tx) // a damaged one stays unknown
		return decodePost(b, p)
	}
	return err
}

// currentPostDict returns the dictionary new posts are compressed with in
// tx's store, or nil before it has one (or when it is damaged).
func currentPostDict(tx *bolt.Tx) (uint64, *s2.Dict, error) {
	v := tx.Bucket(bucketMeta).Get(keyPostDict)
	if v == nil {
		return 0, nil, nil
	}
	if len(v) != 8 {
		return 0, nil, &DamagedError{Bucket: "meta", Cause: fmt.Sprintf("%q is %d bytes, not 8", keyPostDict, len(v))}
	}
	id := binary.BigEndian.Uint64(v)
	if d := lookupPostDict(id); d != nil {
		return id, d, nil
	}
	loadPostDicts(tx)
	if d := lookupPostDict(id); d != nil {
		return id, d, nil
	}
	// Damaged (Check says so): new posts are stored uncompressed, and a
	// dictionary trained anew at the next multiple of dictTrainAt.
	return 0, nil, nil
}

// postDictDue says whether an Append that takes the log from sequence
// before to after trains a dictionary first, d being the current one.
func postDictDue(d *s2.Dict, before, after uint64) bool {
	every := dictTrainAt
	if d != nil {
		every = dictRetrainAt
	}
	return every != 0 && before/every != after/every
}

// trainPostDictIn trains the dictionary an Append compresses its posts
// with once one is due (postDictDue); fresh are the postV3 values of the
// Append's posts, in log order, the newest samples. It returns the
// dictionary trained, written to meta in tx with the posts it compresses,
// or the current one (id, d) when none could be trained.
func trainPostDictIn(tx *bolt.Tx, before uint64, fresh [][]byte, id uint64, d *s2.Dict) (uint64, *s2.Dict, error) {
	raw := trainPostDict(dictSamples(tx, before, fresh, int(dictTrainAt)))
	if raw == nil {
		return id, d, nil // tried again at the next multiple
	}
	nid, nd, err := registerPostDict(raw)
	if err != nil {
		return id, d, nil
	}
	meta := tx.Bucket(bucketMeta)
	if err := meta.Put(dictKey(nid), raw); err != nil {
		return 0, nil, err
	}
	if err := meta.Put(keyPostDict, binary.BigEndian.AppendUint64(nil, nid)); err != nil {
		return 0, nil, err
	}
	return nid, nd, nil
}

// dictSamples returns the postV3 values of the latest n posts: fresh's,
// then the log's up to seq before, newest first. A post that does not read
// (Check reports it) is no sample: it does not stop the Append.
func dictSamples(tx *bolt.Tx, before uint64, fresh [][]byte, n int) [][]byte {
	samples := make([][]byte, 0, n)
	for i := len(fresh) - 1; i >= 0 && len(samples) < n; i-- {
		samples = append(samples, fresh[i])
	}
	c := tx.Bucket(bucketPosts).Cursor()
	var k, v []byte
	if k, _ = c.Seek(be64(before + 1)); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for walked := 0; k != nil && len(samples) < n && walked < 2*n; k, v = c.Prev() {
		walked++
		switch {
		case len(v) > 0 && v[0] == postV3:
			samples = append(samples, v)
		case len(v) > 0 && (v[0] == postS2 || v[0] == postS2Head):
			if u, err := decompressPost(v); err == nil {
				samples = append(samples, u)
			}
		default:
			var p Post
			if err := decodeStored(tx, v, &p); err == nil {
				samples = append(samples, encodePostV3(&p))
			}
		}
	}
	return samples
}

// trainPostDict builds an S2 dictionary from samples, or returns nil when
// it cannot (the builder says so for too few or too alike samples).
func trainPostDict(samples [][]byte) (raw []byte) {
	if len(samples) == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			raw = nil
		}
	}()
	raw, err := dict.BuildS2Dict(samples, dict.Options{MaxDictSize: dictSize, HashBytes: 6})
	if err != nil || s2.NewDict(raw) == nil {
		return nil
	}
	return raw
}

// postAuthorS2 is postAuthor for postS2 and postS2Head: a postS2Head's
// head is read as it is, a postS2 is decompressed (a fraction of a
// microsecond).
func postAuthorS2(b []byte) (platform, id []byte, ok bool) {
	if len(b) < postS2Header {
		return nil, nil, false
	}
	if b[0] == postS2Head {
		return postAuthorV3(b[postS2Header:])
	}
	v, err := decompressPost(b)
	if err != nil {
		return nil, nil, false
	}
	return postAuthorV3(v)
}

func decodePostS2(b []byte, p *Post) error {
	v, err := decompressPost(b)
	if err != nil {
		return err
	}
	return decodePostV3(v, p)
}

// s2Encoders holds the encoders of codec_s2enc.go, 64 KB each, between
// Appends.
var s2Encoders = sync.Pool{New: func() any { return new(s2DictEncoder) }}

// s2EncDicts caches what the encoder reads of each dictionary, by id.
var s2EncDicts sync.Map // uint64 → *s2EncDict

// encDictFor returns the encoder's form of the dictionary d whose id is
// id, or nil when it cannot build one (s2.Dict.Encode then encodes).
func encDictFor(id uint64, d *s2.Dict) *s2EncDict {
	if d == nil {
		return nil
	}
	if v, ok := s2EncDicts.Load(id); ok {
		return v.(*s2EncDict)
	}
	ed := newS2EncDict(d.Bytes())
	if ed == nil {
		return nil
	}
	v, _ := s2EncDicts.LoadOrStore(id, ed)
	return v.(*s2EncDict)
}

// appendCompressed appends to dst what compressPost returns for the
// postV3 value v, whose head (appendPostV3) is head: v compressed with d
// (whose id is id) when that is shorter, else v. e, an encoder holding d's
// encoder form, encodes the block; without one s2.Dict.Encode does.
func appendCompressed(dst []byte, e *s2DictEncoder, d *s2.Dict, id uint64, v []byte, head int) []byte {
	if d == nil || len(v) > maxPostS2 || len(v) < 6 {
		return append(dst, v...)
	}
	format, h := byte(postS2), 0
	if v[5]&(v3IDNum|v3AuthorNum) == v3IDNum|v3AuthorNum {
		format, h = postS2Head, head
	}
	start := len(dst)
	dst = slices.Grow(dst, postS2Header+h+s2.MaxEncodedLen(len(v)-h))
	dst = dst[:start+postS2Header+h]
	dst[start] = format
	binary.BigEndian.PutUint64(dst[start+1:], id)
	copy(dst[start+postS2Header:], v[:h])
	room := dst[len(dst):cap(dst)]
	var block []byte
	if e != nil && e.dict != nil {
		block = e.encode(d, room, v[h:])
	} else {
		block = d.Encode(room, v[h:])
	}
	size := postS2Header + h + len(block)
	if size >= len(v) {
		return append(dst[:start], v...)
	}
	if len(block) > 0 && &block[0] != &room[0] { // not encoded in place (it always is)
		copy(room, block)
	}
	return dst[:start+size]
}

// encodedBatch is the values under which an Append stores its fresh
// posts, in log order, as worker goroutines encode (postV3) and compress
// them, chunk by chunk: the writer puts a chunk (next) while the workers
// encode the ones after it. Encoding and compressing were most of an
// Append's work on its one goroutine.
type encodedBatch struct {
	values [][]byte
	done   []chan struct{} // closed when the chunk of that index is in values
	next   int             // the chunk next returns
	wg     sync.WaitGroup
}

// encodeChunk is the fewest posts a chunk holds, and a batch of fewer than
// two chunks (a collector's page) is encoded on the Append's goroutine.
const encodeChunk = 256

// encodeBatch starts encoding posts[i] for each i of fresh, stored at the
// seqs after before, compressed with the store's dictionary, trained first
// (written to meta in tx, before any worker starts) when this Append
// brings the log across a multiple of dictTrainAt or dictRetrainAt. The
// workers touch neither tx nor posts once the caller has called wait,
// which it must before it returns.
func encodeBatch(tx *bolt.Tx, before uint64, posts []Post, fresh []int32) (*encodedBatch, error) {
	id, d, err := currentPostDict(tx)
	if err != nil {
		return nil, err
	}
	b := &encodedBatch{values: make([][]byte, len(fresh))}
	var heads []int
	if postDictDue(d, before, before+uint64(len(fresh))) {
		// The newest samples are this batch's posts: encoded first, all.
		heads = make([]int, len(fresh))
		b.run(func(lo, hi int) {
			for j := lo; j < hi; j++ {
				b.values[j], heads[j] = appendPostV3(nil, &posts[fresh[j]])
			}
		})
		b.wait()
		if id, d, err = trainPostDictIn(tx, before, b.values, id, d); err != nil {
			return nil, err
		}
		if d == nil {
			return b, nil // stored uncompressed, as they are
		}
		b.done, b.next = nil, 0
	}
	ed := encDictFor(id, d)
	b.run(func(lo, hi int) {
		var e *s2DictEncoder
		if ed != nil {
			e = s2Encoders.Get().(*s2DictEncoder)
			defer s2Encoders.Put(e)
			e.dict = ed
		}
		var raw []byte
		arena := make([]byte, 0, 256*(hi-lo))
		offs := make([]int, hi-lo+1)
		for j := lo; j < hi; j++ {
			v, head := b.values[j], 0
			if heads != nil {
				head = heads[j]
			} else {
				raw, head = appendPostV3(raw[:0], &posts[fresh[j]])
				v = raw
			}
			arena = appendCompressed(arena, e, d, id, v, head)
			offs[j-lo+1] = len(arena)
		}
		for j := lo; j < hi; j++ {
			b.values[j] = arena[offs[j-lo]:offs[j-lo+1]:offs[j-lo+1]]
		}
	})
	return b, nil
}

// run calls fn on the chunks of [0, len(b.values)): at once for a batch of
// one chunk, else on up to GOMAXPROCS goroutines, which take the chunks in
// order.
func (b *encodedBatch) run(fn func(lo, hi int)) {
	n := len(b.values)
	chunks := max(1, n/encodeChunk)
	b.done = make([]chan struct{}, chunks)
	for c := range b.done {
		b.done[c] = make(chan struct{})
	}
	span := func(c int) (int, int) { return c * n / chunks, (c + 1) * n / chunks }
	if chunks == 1 {
		fn(span(0))
		close(b.done[0])
		return
	}
	var taken atomic.Int64
	for range min(runtime.GOMAXPROCS(0), chunks) {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for {
				c := int(taken.Add(1) - 1)
				if c >= chunks {
					return
				}
				fn(span(c))
				close(b.done[c])
			}
		}()
	}
}

// nextChunk returns the values of the next chunk once they are encoded,
// or nil after the last.
func (b *encodedBatch) nextChunk() [][]byte {
	if b.done == nil || b.next == len(b.done) {
		return nil
	}
	c := b.next
	b.next++
	<-b.done[c]
	n, chunks := len(b.values), len(b.done)
	return b.values[c*n/chunks : (c+1)*n/chunks]
}

// wait returns when every worker has.
func (b *encodedBatch) wait() { b.wg.Wait() }
