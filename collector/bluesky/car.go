package bluesky

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// A Bluesky repository export is a CAR v1 file (com.atproto.sync.getRepo,
// the app's "Export my data": repo.car): a header {roots: [commit CID],
// version: 1}, then blocks of DAG-CBOR, each named by the CID of its bytes,
// in no promised order. The root is the signed commit {did, version: 3,
// data, rev, prev, sig}; data is the root of the repository's Merkle search
// tree (MST), whose nodes {l, e: [{p, k, v, t}]} map record keys
// ("app.bsky.feed.post/<rkey>") to the CIDs of the records. ReadRepo reads
// the blocks with go-car's block reader, checks each block's bytes against
// its CID, walks the tree in key order and hands on each post and repost
// record as JSON (the AT Protocol's JSON form of its data: CID links as
// {"$link"}, bytes as {"$bytes"}); FormatCAR maps them to posts as the
// other Bluesky formats do. A repository's tree is walked once every block
// is read, so the whole file is held in memory while it is imported.
//
// go-car is held at v2.13.1: its later releases require boxo (the IPFS
// toolkit) and the modules it needs, ten times the go.sum, for the same
// CAR v1 format and block reader. Its DAG-CBOR decoder
// (refmt) is not used for records: fxamacker/cbor decodes them into plain
// Go values, with the DAG-CBOR rules (string keys, definite lengths, no
// duplicate keys) enforced.

// ErrNotRepo is returned (wrapped) by ReadRepo for a CAR file that is not a
// Bluesky repository: no root, or a root that is not a repository commit.
var ErrNotRepo = errors.New("a CAR file, but not a Bluesky repository")

// BlockError is a malformed item of a CAR file, located by the index of
// its block (1 for the first block after the header), as "file:line"
// locates a record of a text archive.
type BlockError struct {
	Block int
	Err   error
}

func (e *BlockError) Error() string { return fmt.Sprintf("block %d: %v", e.Block, e.Err) }
func (e *BlockError) Unwrap() error { return e.Err }

// mstMaxDepth bounds the tree walk. A repository of millions of records is
// a tree some six levels deep (fan-out about 16 per level).
const mstMaxDepth = 64

// dagCBOR decodes DAG-CBOR: maps keyed by strings, definite lengths, no
// duplicate keys; tag 42 (a CID link) is left to linkValue.
var dagCBOR = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		MaxNestedLevels:  64,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 20,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// cidLink is a DAG-CBOR CID link (tag 42: a zero byte, then the CID's
// bytes); CBOR null decodes as the undefined CID.
type cidLink struct{ cid.Cid }

func (l *cidLink) UnmarshalCBOR(b []byte) error {
	if bytes.Equal(b, []byte{0xf6}) {
		l.Cid = cid.Undef
		return nil
	}
	var t cbor.Tag
	if err := dagCBOR.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("not a CID link: %w", err)
	}
	c, err := linkValue(t)
	if err != nil {
		return err
	}
	l.Cid = c
	return nil
}

func linkValue(t cbor.Tag) (cid.Cid, error) {
	raw, ok := t.Content.([]byte)
	if t.Number != 42 || !ok || len(raw) < 2 || raw[0] != 0 {
		return cid.Undef, fmt.Errorf("tag %d is not a CID link", t.Number)
	}
	c, err := cid.Cast(raw[1:])
	if err != nil {
		return cid.Undef, fmt.Errorf("CID link: %w", err)
	}
	return c, nil
}

// repoCommit is a repository's signed commit (repo versions 2 and 3).
type repoCommit struct {
	DID     string   `cbor:"did"`
	Version int      `cbor:"version"`
	Data    *cidLink `cbor:"data"`
	Rev     string   `cbor:"rev"`
}

// mstNode is a node of the repository's Merkle search tree: the subtree
// of keys before its first entry (l), then entries in key order, each a
// key given as the length of the prefix it shares with the entry before
// it in this node (p) and the rest (k), its record (v) and the subtree of
// keys between it and the next entry (t).
type mstNode struct {
	Left    *cidLink `cbor:"l"`
	Entries []struct {
		Prefix int      `cbor:"p"`
		Key    []byte   `cbor:"k"`
		Value  *cidLink `cbor:"v"`
		Tree   *cidLink `cbor:"t"`
	} `cbor:"e"`
}

// IsCAR reports whether head, the start of a file, is a CAR header: a
// varint length, then a DAG-CBOR map {roots, version}.
func IsCAR(head []byte) bool {
	n, k := binary.Uvarint(head)
	if k <= 0 || n == 0 || n > uint64(len(head)-k) || head[k]&0xe0 != 0xa0 {
		return false
	}
	var h struct {
		Roots   []cidLink `cbor:"roots"`
		Version *uint64   `cbor:"version"`
	}
	return dagCBOR.Unmarshal(head[k:k+int(n)], &h) == nil && h.Version != nil && (*h.Version == 1 || *h.Version == 2)
}

type carBlock struct {
	index   int
	data    []byte
	damaged bool // reported when read: not again where it is named
}

// errReported is a record whose block was reported damaged when read.
var errReported = errors.New("reported")

// RepoRecord is a post or repost record of a repository, as ReadRepo
// hands it on: the block it was read from and the record as JSON for
// FormatCAR.
type RepoRecord struct {
	Block int
	JSON  []byte
}

// ReadRepo reads a repository export from r and calls emit with its post
// and repost records (app.bsky.feed.post, app.bsky.feed.repost) in key
// order; records of other collections (likes, follows, profile) are passed
// over. A block, tree node or record that cannot be read is reported
// through malformed as a *BlockError and skipped. It fails for a file
// that is not a CAR or not a repository (ErrNotRepo), and for one cut short:
// then the records in the blocks before the break have been emitted.
func ReadRepo(r io.Reader, emit func(RepoRecord) error, malformed func(error)) error {
	cr := &countingReader{r: r}
	br, err := car.NewBlockReader(cr, car.WithTrustedCAR(true)) // checked below, so that one bad block is not the end of the file
	if err != nil {
		return fmt.Errorf("the CAR header cannot be read: %w", err)
	}
	if len(br.Roots) == 0 {
		return fmt.Errorf("%w: its header names no root (a repository's root is its commit)", ErrNotRepo)
	}
	blocks := make(map[cid.Cid]carBlock)
	n := 0
	var cut error
	for {
		blk, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if n == 0 {
				cut = fmt.Errorf("the CAR file breaks in its first block, after the header (%d bytes read): %w; nothing could be read", cr.n, carReadErr(err))
			} else {
				cut = fmt.Errorf("the CAR file breaks in block %d, after %d whole blocks (%d bytes) read: %w; the records found in those blocks were imported, download the repository again for the rest", n+1, n, cr.n, carReadErr(err))
			}
			break
		}
		n++
		c := blk.Cid()
		if sum, err := c.Prefix().Sum(blk.RawData()); err != nil || !sum.Equals(c) {
			malformed(&BlockError{Block: n, Err: fmt.Errorf("its bytes do not match its CID %s (damaged): it and what it holds are skipped", c)})
			if _, dup := blocks[c]; !dup {
				blocks[c] = carBlock{index: n, damaged: true}
			}
			continue
		}
		if b, dup := blocks[c]; !dup || b.damaged {
			blocks[c] = carBlock{index: n, data: blk.RawData()}
		}
	}
	if cut != nil && n == 0 {
		return cut
	}
	root := br.Roots[0]
	rootBlock, ok := blocks[root]
	if !ok {
		if cut != nil {
			return cut
		}
		return fmt.Errorf("%w: its root %s is not among its %d blocks", ErrNotRepo, root, n)
	}
	var commit repoCommit
	if root.Type() != cid.DagCBOR || rootBlock.damaged || dagCBOR.Unmarshal(rootBlock.data, &commit) != nil || commit.DID == "" || commit.Data == nil || !commit.Data.Defined() {
		return fmt.Errorf("%w: its root (block %d) is not a repository commit {did, version, data}", ErrNotRepo, rootBlock.index)
	}
	if commit.Version != 2 && commit.Version != 3 {
		return fmt.Errorf("%w: its commit (block %d) is of repository version %d; version 3 (and 2) are read", ErrNotRepo, rootBlock.index, commit.Version)
	}
	w := &repoWalk{did: commit.DID, blocks: blocks, malformed: malformed, posts: map[string]cid.Cid{}}
	w.walk(commit.Data.Cid, rootBlock.index, 0, "the tree's root")
	for _, e := range w.entries {
		rec, err := w.record(e)
		if errors.Is(err, errReported) {
			continue
		}
		if err != nil {
			if be := (*BlockError)(nil); !errors.As(err, &be) {
				err = &BlockError{Block: e.at, Err: err}
			}
			malformed(err)
			continue
		}
		if err := emit(rec); err != nil {
			return err
		}
	}
	return cut
}

func carReadErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the file is cut short")
	}
	return err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repoEntry is a post or repost key of the tree and the record it names.
type repoEntry struct {
	collection, rkey string
	record           cid.Cid
	at               int // the block of the tree node naming it
}

type repoWalk struct {
	did       string
	blocks    map[cid.Cid]carBlock
	malformed func(error)
	entries   []repoEntry
	posts     map[string]cid.Cid // rkey → record, to give a repost of the account's own post its hashtags
}

// walk visits the subtree at c in key order; from (a block index) and what
// say where it is named, for reports.
func (w *repoWalk) walk(c cid.Cid, from, depth int, what string) {
	blk, ok := w.blocks[c]
	if blk.damaged {
		return
	}
	if !ok {
		w.malformed(&BlockError{Block: from, Err: fmt.Errorf("%s, tree node %s, is not in the file: the records under it are skipped", what, c)})
		return
	}
	if depth > mstMaxDepth {
		w.malformed(&BlockError{Block: blk.index, Err: fmt.Errorf("the tree is more than %d levels deep here: the records under it are skipped", mstMaxDepth)})
		return
	}
	var node mstNode
	if err := dagCBOR.Unmarshal(blk.data, &node); err != nil {
		w.malformed(&BlockError{Block: blk.index, Err: fmt.Errorf("%s is not a tree node: %w; the records under it are skipped", what, err)})
		return
	}
	if node.Left != nil && node.Left.Defined() {
		w.walk(node.Left.Cid, blk.index, depth+1, "the subtree left of its first entry")
	}
	var key []byte
	for i, e := range node.Entries {
		if e.Prefix < 0 || e.Prefix > len(key) {
			w.malformed(&BlockError{Block: blk.index, Err: fmt.Errorf("tree entry %d shares %d bytes with a key of %d: the rest of this node is skipped", i, e.Prefix, len(key))})
			return
		}
		key = append(key[:e.Prefix:e.Prefix], e.Key...)
		if e.Value != nil && e.Value.Defined() {
			w.add(string(key), e.Value.Cid, blk.index)
		}
		if e.Tree != nil && e.Tree.Defined() {
			w.walk(e.Tree.Cid, blk.index, depth+1, fmt.Sprintf("the subtree after key %q", key))
		}
	}
}

func (w *repoWalk) add(key string, record cid.Cid, at int) {
	coll, rkey, ok := strings.Cut(key, "/")
	if !ok || (coll != bskyCollectionPost && coll != bskyCollectionRepost) {
		return // a like, follow, profile…: not a post
	}
	if rkey == "" || strings.Contains(rkey, "/") {
		w.malformed(&BlockError{Block: at, Err: fmt.Errorf("tree key %q is not collection/rkey", key)})
		return
	}
	if coll == bskyCollectionPost {
		w.posts[rkey] = record
	}
	w.entries = append(w.entries, repoEntry{collection: coll, rkey: rkey, record: record, at: at})
}

// carRecord is a record as ReadRepo hands it to FormatCAR: where it was
// read, its at-URI and CID, the record, and for a repost of the account's
// own post, that post.
type carRecord struct {
	Block   int             `json:"carBlock"`
	URI     string          `json:"uri"`
	CID     string          `json:"cid"`
	Value   json.RawMessage `json:"value"`
	Subject *carRecord      `json:"subject,omitempty"`
}

func (w *repoWalk) record(e repoEntry) (RepoRecord, error) {
	rec, err := w.recordJSON(e.collection, e.rkey, e.record)
	if err != nil {
		return RepoRecord{}, err
	}
	if e.collection == bskyCollectionRepost {
		var rp bskyRepostRecord
		if json.Unmarshal(rec.Value, &rp) == nil {
			if did, coll, rkey, ok := bskyParseATURI(rp.Subject.URI); ok && did == w.did && coll == bskyCollectionPost {
				if c, held := w.posts[rkey]; held {
					if s, err := w.recordJSON(coll, rkey, c); err == nil {
						rec.Subject = &s
					}
				}
			}
		}
	}
	b, err := json.Marshal(rec)
	return RepoRecord{Block: rec.Block, JSON: b}, err
}

func (w *repoWalk) recordJSON(coll, rkey string, c cid.Cid) (carRecord, error) {
	uri := bskyATURI(w.did, coll, rkey)
	blk, ok := w.blocks[c]
	if blk.damaged {
		return carRecord{}, errReported
	}
	if !ok {
		return carRecord{}, fmt.Errorf("record %s (%s) is not in the file", uri, c)
	}
	var v any
	if err := dagCBOR.Unmarshal(blk.data, &v); err != nil {
		return carRecord{}, &BlockError{Block: blk.index, Err: fmt.Errorf("record %s is not DAG-CBOR: %w", uri, err)}
	}
	j, err := atprotoJSON(v)
	if err != nil {
		return carRecord{}, &BlockError{Block: blk.index, Err: fmt.Errorf("record %s: %w", uri, err)}
	}
	raw, err := json.Marshal(j)
	if err != nil {
		return carRecord{}, &BlockError{Block: blk.index, Err: fmt.Errorf("record %s: %w", uri, err)}
	}
	return carRecord{Block: blk.index, URI: uri, CID: c.String(), Value: raw}, nil
}

// atprotoJSON turns decoded DAG-CBOR into the AT Protocol's JSON form of
// the same data: a CID link is {"$link": "bafy…"}, bytes are {"$bytes":
// base64}.
func atprotoJSON(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			j, err := atprotoJSON(x)
			if err != nil {
				return nil, err
			}
			t[k] = j
		}
		return t, nil
	case []any:
		for i, x := range t {
			j, err := atprotoJSON(x)
			if err != nil {
				return nil, err
			}
			t[i] = j
		}
		return t, nil
	case []byte:
		return map[string]any{"$bytes": base64.RawStdEncoding.EncodeToString(t)}, nil
	case cbor.Tag:
		c, err := linkValue(t)
		if err != nil {
			return nil, err
		}
		return map[string]any{"$link": c.String()}, nil
	}
	return v, nil
}

// FormatCAR is a Bluesky repository export (a CAR file, see ReadRepo), as
// the archive importer reads it: one record a post or repost. A repost
// record names only the post it reposts, so it carries that post's
// hashtags only when the post is the account's own and in the file;
// otherwise it matches no campaign.
var FormatCAR = collector.Format{
	Name:   "bluesky-car",
	Detect: isCARRecord,
	Parse:  parseCARRecord,
}

func isCARRecord(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"carBlock"`)) {
		return false
	}
	var r carRecord
	return json.Unmarshal(rec, &r) == nil && r.Block > 0 && strings.HasPrefix(r.URI, "at://") && len(r.Value) > 0
}

func parseCARRecord(raw []byte, now time.Time) ([]store.Post, []error) {
	var r carRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, []error{fmt.Errorf("not a repository record: %w", err)}
	}
	p, err := carPost(&r, now)
	if err != nil {
		return nil, []error{&BlockError{Block: r.Block, Err: err}}
	}
	return []store.Post{p}, nil
}

func carPost(r *carRecord, now time.Time) (store.Post, error) {
	did, coll, _, ok := bskyParseATURI(r.URI)
	if !ok {
		return store.Post{}, fmt.Errorf("%q is not an at-URI", r.URI)
	}
	switch coll {
	case bskyCollectionPost:
		var pr bskyPostRecord
		if err := json.Unmarshal(r.Value, &pr); err != nil {
			return store.Post{}, fmt.Errorf("post %s: %w", r.URI, err)
		}
		return bskyPost(r.URI, &pr, time.Time{}, store.SourceImport, now) // createdAt as written: an archive is not live
	case bskyCollectionRepost:
		var rp bskyRepostRecord
		if err := json.Unmarshal(r.Value, &rp); err != nil {
			return store.Post{}, fmt.Errorf("repost %s: %w", r.URI, err)
		}
		sdid, scoll, srkey, ok := bskyParseATURI(rp.Subject.URI)
		if !ok || scoll != bskyCollectionPost {
			return store.Post{}, fmt.Errorf("repost %s: subject %q is not a post at-URI", r.URI, rp.Subject.URI)
		}
		of := store.Post{ID: rp.Subject.URI, URL: "https://bsky.app/profile/" + sdid + "/post/" + srkey, Hashtags: []string{}}
		if r.Subject != nil && r.Subject.URI == rp.Subject.URI {
			var pr bskyPostRecord
			if err := json.Unmarshal(r.Subject.Value, &pr); err == nil {
				if p, err := bskyPost(r.Subject.URI, &pr, time.Time{}, store.SourceImport, now); err == nil {
					of = p
				}
			}
		}
		return bskyRepost(of, r.URI, did, rp.CreatedAt, time.Time{}, store.SourceImport, now, store.Author{ID: did})
	}
	return store.Post{}, fmt.Errorf("%s is neither a post nor a repost", r.URI)
}
