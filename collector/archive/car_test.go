package archive_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"
	"github.com/multiformats/go-multihash"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/store"
)

// carBuilder writes a Bluesky repository export as com.atproto.sync.getRepo
// does: DAG-CBOR blocks (canonical map order, CIDs as tag 42) named by
// CIDv1 dag-cbor sha2-256, in a CAR v1 written by go-car.
type carBuilder struct {
	t      *testing.T
	enc    cbor.EncMode
	order  []cid.Cid
	blocks map[cid.Cid][]byte
}

func newCARBuilder(t *testing.T) *carBuilder {
	enc, err := cbor.EncOptions{Sort: cbor.SortCanonical}.EncMode() // DAG-CBOR: shorter keys first, then bytewise
	if err != nil {
		t.Fatal(err)
	}
	return &carBuilder{t: t, enc: enc, blocks: map[cid.Cid][]byte{}}
}

func link(c cid.Cid) cbor.Tag { return cbor.Tag{Number: 42, Content: append([]byte{0}, c.Bytes()...)} }

// put encodes v as a block and returns its CID; the block is written in
// the order put is called.
func (b *carBuilder) put(v any) cid.Cid {
	data, err := b.enc.Marshal(v)
	if err != nil {
		b.t.Fatal(err)
	}
	c, err := cid.V1Builder{Codec: cid.DagCBOR, MhType: multihash.SHA2_256}.Sum(data)
	if err != nil {
		b.t.Fatal(err)
	}
	if _, dup := b.blocks[c]; !dup {
		b.order = append(b.order, c)
		b.blocks[c] = data
	}
	return c
}

// mstEntry is a key of a tree node, its record and the subtree after it.
type mstEntry struct {
	key    string
	record cid.Cid
	tree   *cid.Cid
}

// node puts an MST node, compressing each key against the one before it.
func (b *carBuilder) node(left *cid.Cid, entries ...mstEntry) cid.Cid {
	var es []map[string]any
	prev := ""
	for _, e := range entries {
		p := 0
		for p < len(prev) && p < len(e.key) && prev[p] == e.key[p] {
			p++
		}
		m := map[string]any{"p": p, "k": []byte(e.key[p:]), "v": link(e.record), "t": nil}
		if e.tree != nil {
			m["t"] = link(*e.tree)
		}
		es = append(es, m)
		prev = e.key
	}
	n := map[string]any{"l": nil, "e": es}
	if left != nil {
		n["l"] = link(*left)
	}
	return b.put(n)
}

// write writes the CAR with root, its blocks in the order given (all put
// blocks when none is), and returns the file and the number of blocks.
func (b *carBuilder) write(root cid.Cid, order ...cid.Cid) ([]byte, int) {
	if order == nil {
		order = b.order
	}
	var buf bytes.Buffer
	w, err := storage.NewWritable(&buf, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range order {
		if err := w.Put(context.Background(), c.KeyString(), b.blocks[c]); err != nil {
			b.t.Fatal(err)
		}
	}
	return buf.Bytes(), len(order)
}

const carDID = "did:plc:z72i7hdynmk6r22z27h6tvur"

func carURI(coll, rkey string) string { return "at://" + carDID + "/" + coll + "/" + rkey }

func tagFacet(start, end int, tag string) map[string]any {
	return map[string]any{
		"$type":    "app.bsky.richtext.facet",
		"index":    map[string]any{"byteStart": start, "byteEnd": end},
		"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": tag}},
	}
}

// testRepo is an account's repository: four posts (one with an image, a
// reply, a quote, one without tags), a repost of its own post and one of
// someone else's, a like and a profile, in a tree of two levels. The commit
// comes first and the tree nodes last, as getRepo writes them in no
// promised order.
func testRepo(t *testing.T) (b *carBuilder, commit cid.Cid, blocksInOrder []cid.Cid) {
	b, commit, blocksInOrder, _ = testRepoPosts(t)
	return b, commit, blocksInOrder
}

// testRepoPosts is testRepo, and its post records by rkey.
func testRepoPosts(t *testing.T) (b *carBuilder, commit cid.Cid, blocksInOrder []cid.Cid, posts map[string]map[string]any) {
	b = newCARBuilder(t)
	posts = map[string]map[string]any{}
	post := func(rkey string, rec map[string]any) cid.Cid { posts[rkey] = rec; return b.put(rec) }
	other := "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qo2vutsw2b"
	blob, _ := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum([]byte("jpeg"))
	p1 := post("3kaaaaaaaaa2a", map[string]any{
		"$type": "app.bsky.feed.post", "text": "March today #AllForPalestine", "createdAt": "2026-11-29T10:00:00.000+02:00",
		"langs": []any{"en"}, "facets": []any{tagFacet(12, 28, "AllForPalestine")},
		"embed": map[string]any{"$type": "app.bsky.embed.images", "images": []any{map[string]any{
			"alt": "", "image": map[string]any{"$type": "blob", "ref": link(blob), "mimeType": "image/jpeg", "size": 4},
			"aspectRatio": map[string]any{"width": 4, "height": 3}}}},
	})
	p2 := post("3kbbbbbbbbb2a", map[string]any{
		"$type": "app.bsky.feed.post", "text": "#Rstats-powered charts of it", "createdAt": "2026-11-29T09:30:00Z",
		"facets": []any{tagFacet(0, 15, "Rstats-powered")},
		"reply": map[string]any{
			"root":   map[string]any{"uri": other, "cid": "bafyreib2rxk3rh6kzwq"},
			"parent": map[string]any{"uri": other, "cid": "bafyreib2rxk3rh6kzwq"},
		},
	})
	p3 := post("3kccccccccc2a", map[string]any{"$type": "app.bsky.feed.post", "text": "no tag here", "createdAt": "2026-11-29T11:00:00Z"})
	p4 := post("3kddddddddd2a", map[string]any{
		"$type": "app.bsky.feed.post", "text": "this #AllForPalestine", "createdAt": "2026-11-29T12:00:00Z",
		"facets": []any{tagFacet(5, 21, "AllForPalestine")},
		"embed":  map[string]any{"$type": "app.bsky.embed.record", "record": map[string]any{"uri": other, "cid": "bafyreib2rxk3rh6kzwq"}},
	})
	r1 := b.put(map[string]any{"$type": "app.bsky.feed.repost", "createdAt": "2026-11-29T13:00:00Z",
		"subject": map[string]any{"uri": carURI("app.bsky.feed.post", "3kaaaaaaaaa2a"), "cid": p1.String()}})
	r2 := b.put(map[string]any{"$type": "app.bsky.feed.repost", "createdAt": "2026-11-29T14:00:00Z",
		"subject": map[string]any{"uri": other, "cid": "bafyreib2rxk3rh6kzwq"}})
	like := b.put(map[string]any{"$type": "app.bsky.feed.like", "createdAt": "2026-11-29T14:00:00Z",
		"subject": map[string]any{"uri": other, "cid": "bafyreib2rxk3rh6kzwq"}})
	profile := b.put(map[string]any{"$type": "app.bsky.actor.profile", "displayName": "A"})

	leafA := b.node(nil,
		mstEntry{key: "app.bsky.actor.profile/self", record: profile},
		mstEntry{key: "app.bsky.feed.like/3kllllllll22a", record: like},
		mstEntry{key: "app.bsky.feed.post/3kaaaaaaaaa2a", record: p1})
	leafB := b.node(nil,
		mstEntry{key: "app.bsky.feed.post/3kccccccccc2a", record: p3},
		mstEntry{key: "app.bsky.feed.post/3kddddddddd2a", record: p4})
	leafC := b.node(nil, mstEntry{key: "app.bsky.feed.repost/3kfffffffff2a", record: r2})
	root := b.node(&leafA,
		mstEntry{key: "app.bsky.feed.post/3kbbbbbbbbb2a", record: p2, tree: &leafB},
		mstEntry{key: "app.bsky.feed.repost/3keeeeeeeee2a", record: r1, tree: &leafC})
	commit = b.put(map[string]any{"did": carDID, "version": 3, "data": link(root), "rev": "3l3qo2vuowo2b", "prev": nil, "sig": []byte("sig")})
	order := append([]cid.Cid{commit}, b.order[:len(b.order)-1]...) // commit, records, then nodes
	return b, commit, order, posts
}

// asJSON is a record in the AT Protocol's JSON form: CID links as
// {"$link"}, bytes as {"$bytes"}.
func asJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = asJSON(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = asJSON(x)
		}
		return out
	case cbor.Tag:
		c, err := cid.Cast(t.Content.([]byte)[1:])
		if err != nil {
			panic(err)
		}
		return map[string]any{"$link": c.String()}
	case []byte:
		return map[string]any{"$bytes": base64.RawStdEncoding.EncodeToString(t)}
	}
	return v
}

// The posts of a repository export are the posts the same records give
// as listRecords pages (bluesky-records).
func TestImportBlueskyCARAsRecords(t *testing.T) {
	b, commit, order, posts := testRepoPosts(t)
	file, _ := b.write(commit, order...)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	m := mbMatcher("allforpalestine", "rstats-powered")
	var page struct {
		Records []map[string]any `json:"records"`
	}
	for rkey, rec := range posts {
		page.Records = append(page.Records, map[string]any{"uri": carURI("app.bsky.feed.post", rkey), "cid": "bafy", "value": asJSON(rec)})
	}
	js, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]*store.DB{}
	for name, content := range map[string][]byte{"repo.car": file, "records.json": js} {
		db := xOpenStore(t)
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := archive.Import(context.Background(), db, m, path, archive.Options{Now: func() time.Time { return now }}); err != nil {
			t.Fatal(err)
		}
		stores[name] = db
	}
	fromCAR, fromRecords := storedPosts(t, stores["repo.car"]), storedPosts(t, stores["records.json"])
	if len(fromRecords) != 3 {
		t.Fatalf("listRecords import stored %d posts; want 3", len(fromRecords))
	}
	for id, want := range fromRecords {
		if got := fromCAR[id]; !reflect.DeepEqual(got, want) {
			t.Errorf("post %s\nfrom the CAR %+v\nfrom records %+v", id, got, want)
		}
	}
}

func storedPosts(t *testing.T, db *store.DB) map[string]store.Post {
	t.Helper()
	got := map[string]store.Post{}
	if err := db.Posts(0, func(_ uint64, p *store.Post) error { got[p.ID] = *p; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// A repository export is read whole: the commit, the tree walked in key
// order with its prefix-compressed keys, each post as the other Bluesky
// formats give it (facet tags whole, createdAt as written), reposts of
// kind repost (carrying the post's hashtags only when it is the account's
// own and in the file), likes and the profile passed over. Importing it
// again adds nothing.
func TestImportBlueskyCAR(t *testing.T) {
	b, commit, order := testRepo(t)
	file, _ := b.write(commit, order...)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	db := xOpenStore(t)
	m := mbMatcher("allforpalestine", "rstats-powered")
	for _, name := range []string{"repo.car", "repo.car.gz"} {
		content := file
		if strings.HasSuffix(name, ".gz") {
			content = gzipped(t, file)
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		var bad []string
		res, err := archive.Import(context.Background(), db, m, path, archive.Options{Now: func() time.Time { return now },
			Malformed: func(m collector.Malformed) { bad = append(bad, m.Error()) }})
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %q", name, err, bad)
		}
		wantAdded := 4
		if name != "repo.car" {
			wantAdded = 0 // the same posts again
		}
		if res.Format != "bluesky-car" || res.Records != 6 || res.Fetched != 6 || res.Matched != 4 || res.Added != wantAdded || res.Added+res.Duplicates != 4 || res.Malformed != 0 {
			t.Fatalf("%s: %+v; want format bluesky-car, 6 records (4 posts, 2 reposts), 4 matched, %d added, nothing malformed", name, res, wantAdded)
		}
	}
	// Streamed, as import -server reads it, a byte at a time: the same posts.
	streamed := xOpenStore(t)
	res, err := archive.ImportReader(context.Background(), streamed, m, "repo.car", iotest.OneByteReader(bytes.NewReader(file)), archive.Options{Now: func() time.Time { return now }})
	if err != nil || res.Added != 4 {
		t.Fatalf("ImportReader: %+v, %v; want 4 added", res, err)
	}
	if a, b := storedPosts(t, db), storedPosts(t, streamed); !reflect.DeepEqual(a, b) {
		t.Fatalf("streamed import stored\n%+v\nwant\n%+v", b, a)
	}
	collected := now
	author := store.Author{ID: carDID}
	other := "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qo2vutsw2b"
	want := map[string]store.Post{}
	for _, p := range []store.Post{
		{ID: carURI("app.bsky.feed.post", "3kaaaaaaaaa2a"), Kind: store.KindOriginal, CreatedAt: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC),
			URL: "https://bsky.app/profile/" + carDID + "/post/3kaaaaaaaaa2a", Text: "March today #AllForPalestine", Lang: "en", Hashtags: []string{"allforpalestine"}},
		{ID: carURI("app.bsky.feed.post", "3kbbbbbbbbb2a"), Kind: store.KindReply, CreatedAt: time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC),
			URL: "https://bsky.app/profile/" + carDID + "/post/3kbbbbbbbbb2a", Text: "#Rstats-powered charts of it", Hashtags: []string{"rstats-powered"}, RefID: other},
		{ID: carURI("app.bsky.feed.post", "3kddddddddd2a"), Kind: store.KindQuote, CreatedAt: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
			URL: "https://bsky.app/profile/" + carDID + "/post/3kddddddddd2a", Text: "this #AllForPalestine", Hashtags: []string{"allforpalestine"}, RefID: other},
		{ID: carURI("app.bsky.feed.repost", "3keeeeeeeee2a"), Kind: store.KindRepost, CreatedAt: time.Date(2026, 11, 29, 13, 0, 0, 0, time.UTC),
			URL: "https://bsky.app/profile/" + carDID + "/post/3kaaaaaaaaa2a", Text: "March today #AllForPalestine", Lang: "en", Hashtags: []string{"allforpalestine"},
			RefID: carURI("app.bsky.feed.post", "3kaaaaaaaaa2a")},
	} {
		p.Platform, p.Source, p.Arrival, p.CollectedAt, p.Author = store.PlatformBluesky, store.SourceBluesky, store.ArrivalImport, collected, author
		want[p.ID] = p
	}
	got := storedPosts(t, db)
	if !reflect.DeepEqual(got, want) {
		for id := range want {
			if !reflect.DeepEqual(got[id], want[id]) {
				t.Errorf("post %s\n got %+v\nwant %+v", id, got[id], want[id])
			}
		}
		t.Fatalf("stored %d posts; want %d", len(got), len(want))
	}
}

func importCAR(t *testing.T, name string, content []byte) (archive.Result, []string, error) {
	t.Helper()
	res, bad, err := importFile(t, xOpenStore(t), mbMatcher("allforpalestine", "rstats-powered"), name, content)
	var where []string
	for _, m := range bad {
		where = append(where, m.Error())
	}
	return res, where, err
}

// A CAR cut short fails naming the file, the block it breaks in and what
// was read; the posts in the blocks before the break are imported, and the
// records and subtrees the lost blocks held are reported by block.
func TestImportBlueskyCARCutShort(t *testing.T) {
	b, commit, order := testRepo(t)
	file, n := b.write(commit, order...)
	// The last block is the tree's root node; cut inside it.
	cut := file[:len(file)-10]
	res, bad, err := importCAR(t, "repo.car", cut)
	want := fmt.Sprintf("breaks in block %d, after %d whole blocks", n, n-1)
	if err == nil || !strings.Contains(err.Error(), "repo.car") || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("err = %v; want it to name repo.car and say %q, cut short", err, want)
	}
	// The root node is lost, so the tree cannot be walked at all.
	if res.Added != 0 || len(bad) != 1 || !strings.Contains(bad[0], "/repo.car:block 1: the tree's root, tree node ") {
		t.Fatalf("result %+v, malformed %q; want nothing added and the lost root reported at the commit (block 1)", res, bad)
	}

	// Cut inside the first block after the header: nothing could be read.
	hdr := 0
	for i := 1; i < len(file); i++ {
		if _, err := car.NewBlockReader(bytes.NewReader(file[:i])); err == nil {
			hdr = i
			break
		}
	}
	_, _, err = importCAR(t, "repo.car", file[:hdr+5])
	if err == nil || !strings.Contains(err.Error(), "repo.car") || !strings.Contains(err.Error(), "breaks in its first block") {
		t.Fatalf("err = %v; want it to name repo.car and say it breaks in its first block", err)
	}
}

// A leaf node lost (a CAR without a block its tree names) costs the records
// under it, reported once at the node that names it; the rest is imported.
func TestImportBlueskyCARMissingAndDamagedBlocks(t *testing.T) {
	b, commit, order := testRepo(t)
	// order: commit, p1, p2, p3, p4, r1, r2, like, profile, leafA, leafB, leafC, root
	leafB := order[10]
	var without []cid.Cid
	for _, c := range order {
		if c != leafB {
			without = append(without, c)
		}
	}
	file, _ := b.write(commit, without...)
	res, bad, err := importCAR(t, "repo.car", file)
	if err != nil {
		t.Fatal(err)
	}
	// root is now block 12 (the 13th block, leafB, is left out).
	if res.Records != 4 || res.Added != 3 || res.Malformed != 1 || len(bad) != 1 ||
		!strings.Contains(bad[0], "/repo.car:block 12: the subtree after key \"app.bsky.feed.post/3kbbbbbbbbb2a\", tree node "+leafB.String()+", is not in the file") {
		t.Fatalf("result %+v, malformed %q; want p3 and p4 lost with leafB, reported once at the root node", res, bad)
	}

	// A record whose bytes no longer match its CID is reported once, where
	// it is in the file, and skipped.
	file, _ = b.write(commit, order...)
	p1 := b.blocks[order[1]]
	i := bytes.Index(file, p1) + bytes.Index(p1, []byte("March"))
	damaged := bytes.Clone(file)
	damaged[i] = 'm'
	res, bad, err = importCAR(t, "repo.car", damaged)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 5 || res.Malformed != 1 || len(bad) != 1 || !strings.Contains(bad[0], "/repo.car:block 2: its bytes do not match its CID "+order[1].String()) {
		t.Fatalf("result %+v, malformed %q; want the damaged post reported once at block 2", res, bad)
	}
}

// A CAR that is not a Bluesky repository (an IPFS export, a CAR whose root
// is not a commit) is refused as such, naming the file.
func TestImportCARNotARepository(t *testing.T) {
	b := newCARBuilder(t)
	rec := b.put(map[string]any{"$type": "app.bsky.feed.post", "text": "#AllForPalestine", "createdAt": "2026-11-29T10:00:00Z"})
	file, _ := b.write(rec)
	_, _, err := importCAR(t, "export.car", file)
	if !errors.Is(err, archive.ErrUnknownFormat) || !strings.Contains(err.Error(), "export.car") ||
		!strings.Contains(err.Error(), "not a Bluesky repository: its root (block 1) is not a repository commit") {
		t.Fatalf("err = %v; want export.car refused as a CAR that is not a repository", err)
	}
	other := newCARBuilder(t)
	missing := other.put(map[string]any{"did": carDID, "version": 3})
	file, _ = b.write(missing)
	_, _, err = importCAR(t, "export.car", file)
	if !errors.Is(err, archive.ErrUnknownFormat) || !strings.Contains(err.Error(), "its root "+missing.String()+" is not among its 1 blocks") {
		t.Fatalf("err = %v; want export.car refused: root not in the file", err)
	}
}

// A repository with no posts or reposts (likes only) is empty.
func TestImportBlueskyCAROnlyLikes(t *testing.T) {
	b := newCARBuilder(t)
	like := b.put(map[string]any{"$type": "app.bsky.feed.like", "createdAt": "2026-11-29T14:00:00Z", "subject": map[string]any{"uri": carURI("app.bsky.feed.post", "x"), "cid": "bafy"}})
	root := b.node(nil, mstEntry{key: "app.bsky.feed.like/3kllllllll22a", record: like})
	commit := b.put(map[string]any{"did": carDID, "version": 3, "data": link(root), "rev": "r", "prev": nil, "sig": []byte("s")})
	file, _ := b.write(commit)
	_, _, err := importCAR(t, "likes.car", file)
	if !errors.Is(err, archive.ErrEmpty) || !strings.Contains(err.Error(), "likes.car") {
		t.Fatalf("err = %v; want likes.car empty", err)
	}
}

// A record that is not a post as the lexicon says (createdAt unreadable, no
// subject) is reported at its block and skipped; the rest is imported.
func TestImportBlueskyCARBadRecord(t *testing.T) {
	b := newCARBuilder(t)
	good := b.put(map[string]any{"$type": "app.bsky.feed.post", "text": "#AllForPalestine", "createdAt": "2026-11-29T10:00:00Z"})
	bad := b.put(map[string]any{"$type": "app.bsky.feed.post", "text": "#AllForPalestine", "createdAt": "yesterday"})
	repost := b.put(map[string]any{"$type": "app.bsky.feed.repost", "createdAt": "2026-11-29T10:00:00Z"})
	root := b.node(nil,
		mstEntry{key: "app.bsky.feed.post/3kaaaaaaaaa2a", record: good},
		mstEntry{key: "app.bsky.feed.post/3kbbbbbbbbb2a", record: bad},
		mstEntry{key: "app.bsky.feed.repost/3kccccccccc2a", record: repost})
	commit := b.put(map[string]any{"did": carDID, "version": 3, "data": link(root), "rev": "r", "prev": nil, "sig": []byte("s")})
	file, _ := b.write(commit)
	res, reports, err := importCAR(t, "repo.car", file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 3 || res.Added != 1 || res.Malformed != 2 || len(reports) != 2 ||
		!strings.Contains(reports[0], "/repo.car:block 2: post "+carURI("app.bsky.feed.post", "3kbbbbbbbbb2a")+": createdAt: ") ||
		!strings.Contains(reports[1], "/repo.car:block 3: repost "+carURI("app.bsky.feed.repost", "3kccccccccc2a")+": subject \"\" is not a post at-URI") {
		t.Fatalf("result %+v, malformed %q; want the bad post and the repost without subject reported at their blocks", res, reports)
	}
}
