package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Figures are the numbers tagpulse reports for one group of posts. The JSON
// names are the ones used by the API, CSV and report.
type Figures struct {
	Posts           int64 `json:"posts"`
	Originals       int64 `json:"originals"`
	Reposts         int64 `json:"reposts"`
	Replies         int64 `json:"replies"`
	Quotes          int64 `json:"quotes"`
	Participants    int64 `json:"participants"`     // distinct authors
	NewParticipants int64 `json:"new_participants"` // authors whose first campaign post is in this period
	Reach           int64 `json:"reach"`            // potential reach: followers of the distinct authors
}

// Add adds o to f field by field.
func (f *Figures) Add(o Figures) {
	f.Posts += o.Posts
	f.Originals += o.Originals
	f.Reposts += o.Reposts
	f.Replies += o.Replies
	f.Quotes += o.Quotes
	f.Participants += o.Participants
	f.NewParticipants += o.NewParticipants
	f.Reach = AddReach(f.Reach, o.Reach)
}

// CountKind adds one post of kind k.
func (f *Figures) CountKind(k Kind) {
	f.Posts++
	switch k {
	case KindOriginal:
		f.Originals++
	case KindRepost:
		f.Reposts++
	case KindReply:
		f.Replies++
	case KindQuote:
		f.Quotes++
	}
}

// Grain is the time resolution of a rollup cell.
type Grain byte

// The grains. Total covers the whole campaign; Day a campaign day; Hour a UTC hour.
const (
	GrainTotal Grain = 't'
	GrainDay   Grain = 'd'
	GrainHour  Grain = 'h'
)

// Grains lists every grain.
var Grains = []Grain{GrainTotal, GrainDay, GrainHour}

// HourLayout is how an hour period is written in keys: the UTC instant the
// campaign zone's clock hour starts at (minutes matter in zones such as
// Asia/Kolkata, UTC+5:30). Hours are local clock hours, so they nest in
// campaign days; they are shown to people in the campaign's zone.
const HourLayout = "2006-01-02T15:04Z"

// Dimensions a cell can be broken down by. DimAll has the single value "".
const (
	DimAll     = "all"
	DimCountry = "country"
	DimSource  = "source"
	DimKind    = "kind"
	DimLang    = "lang"
	DimMethod  = "method"  // how the country was attributed
	DimArrival = "arrival" // how the post reached tagpulse: live or import
	// DimSourceKind ("x/repost") exists only for GrainTotal: it feeds the
	// tagpulse_posts_total{source,kind} metric.
	DimSourceKind = "source_kind"
	// DimFirstHour exists only for GrainDay: its value is an hour
	// (HourLayout), and its cell counts the participants whose first post
	// of that day falls in that hour, with their reach (no posts). Adding
	// up a day's cells up to an hour gives the participants "so far".
	DimFirstHour = "first_hour"
	// DimSourceUTCHour exists only for GrainDay, and only where the
	// campaign's clock hours are not UTC hours (Asia/Kolkata, UTC+5:30):
	// its value is a source and a UTC hour ("x/2026-11-29T05:00Z"), and its
	// cell counts that source's posts in that UTC hour (posts and kinds
	// only). Platforms count by UTC hour; these cells let such campaigns be
	// compared with them.
	DimSourceUTCHour = "source_utc_hour"
	// DimMinute exists only for GrainDay: its value is a UTC minute
	// (HourLayout, "2026-11-29T05:37Z"), and its cell counts the day's
	// posts (and kinds) made in that minute, and the participants whose
	// first post of the day falls in it, with their reach. Adding up a
	// day's cells before a minute gives the day "so far" to the minute,
	// for comparing today with the same minute yesterday.
	DimMinute = "minute"
	// DimCountryMinute exists only for GrainDay: its value is a country
	// and a UTC minute ("PS/2026-11-29T05:37Z"), and its cell counts that
	// country's posts in that minute (posts and kinds only): the countries
	// with posts "so far", to the minute.
	DimCountryMinute = "country_minute"
)

// Dims lists every dimension.
var Dims = []string{DimAll, DimCountry, DimSource, DimKind, DimLang, DimMethod, DimArrival}

// CellKey names one rollup cell: a campaign, a grain and period, and one
// dimension's value. Period is "" for GrainTotal, a campaign day
// (DayLayout) for GrainDay, an hour (HourLayout) for GrainHour.
type CellKey struct {
	Campaign string
	Grain    Grain
	Dim      string
	Period   string
	Value    string
}

// Cell is a key with its figures.
type Cell struct {
	CellKey
	Figures
}

// Bytes is the key's encoding in the store; byte order is storage order.
func (k CellKey) Bytes() []byte { return k.bytes() }

// Len is the length of the key's encoding.
func (k CellKey) Len() int { return len(k.Campaign) + len(k.Dim) + len(k.Period) + len(k.Value) + 5 }

// Append appends the key's encoding (Bytes) to b.
func (k CellKey) Append(b []byte) []byte {
	b = append(b, k.Campaign...)
	b = append(b, 0, byte(k.Grain), 0)
	b = append(b, k.Dim...)
	b = append(b, 0)
	b = append(b, k.Period...)
	b = append(b, 0)
	return append(b, k.Value...)
}

// cells key: campaign \0 grain \0 dim \0 period \0 value. Dim before period so
// that one prefix walks a dimension over time in order.
func (k CellKey) bytes() []byte {
	b := make([]byte, 0, k.Len())
	b = append(b, k.Campaign...)
	b = append(b, 0, byte(k.Grain), 0)
	b = append(b, k.Dim...)
	b = append(b, 0)
	b = append(b, k.Period...)
	b = append(b, 0)
	b = append(b, k.Value...)
	return b
}

func parseCellKey(b []byte) (CellKey, error) {
	var parts [5]string
	for i := 0; i < 4; i++ {
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return CellKey{}, fmt.Errorf("bad cell key %q", b)
		}
		parts[i], b = string(b[:j]), b[j+1:]
	}
	parts[4] = string(b)
	if len(parts[1]) != 1 {
		return CellKey{}, fmt.Errorf("bad cell key grain %q", parts[1])
	}
	return CellKey{Campaign: parts[0], Grain: Grain(parts[1][0]), Dim: parts[2], Period: parts[3], Value: parts[4]}, nil
}

func encodeFigures(f Figures) []byte { return appendFigures(make([]byte, 0, 8*3), f) }

func appendFigures(b []byte, f Figures) []byte {
	for _, v := range [...]int64{f.Posts, f.Originals, f.Reposts, f.Replies, f.Quotes, f.Participants, f.NewParticipants, f.Reach} {
		b = binary.AppendVarint(b, v)
	}
	return b
}

func decodeFigures(b []byte) (Figures, error) {
	var vs [8]int64
	for i := range vs {
		v, n := binary.Varint(b)
		if n <= 0 {
			return Figures{}, errors.New("bad figures value")
		}
		vs[i], b = v, b[n:]
	}
	return Figures{vs[0], vs[1], vs[2], vs[3], vs[4], vs[5], vs[6], vs[7]}, nil
}

// DimValue is one (dimension, value) pair an author appeared with in a period.
type DimValue struct {
	Dim, Value string
}

// PeriodMember is what the aggregator keeps of one author in one period:
// enough to count them once per cell and to keep reach at their latest
// follower count.
type PeriodMember struct {
	Grain     Grain
	Period    string
	FirstSeen int64      // UnixNano of their first post in the period
	LastSeen  int64      // UnixNano of their latest post in the period; Followers is from it
	Followers int64      // follower count as last seen in the period
	Posts     int64      // their posts in the period
	Handle    string     // as last seen (GrainDay only, for top participants)
	In        []DimValue // the cells of the period they are counted in
}

// Has reports whether the member is counted in the cell with that dimension and value.
func (m *PeriodMember) Has(dim, value string) bool {
	for _, dv := range m.In {
		if dv.Dim == dim && dv.Value == value {
			return true
		}
	}
	return false
}

// Member is one of an author's records in a campaign. The campaign record
// (MemberKey.Day "") holds when they first took part and their GrainTotal
// entry; a day record holds that day's GrainDay entry and its GrainHour
// entries. Two records a post, each of bounded size, however much one
// author posts.
type Member struct {
	First   int64 // campaign record only: UnixNano of their first campaign post
	Periods []PeriodMember
}

// Period returns the index of the author's entry for a period, or -1. It
// looks from the end: posts mostly come in time order.
func (m *Member) Period(g Grain, period string) int {
	for i := len(m.Periods) - 1; i >= 0; i-- {
		if m.Periods[i].Grain == g && m.Periods[i].Period == period {
			return i
		}
	}
	return -1
}

// MemberKey names a Member: campaign, campaign day ("" for the campaign
// record) and the author's key.
type MemberKey struct {
	Campaign string
	Day      string
	Author   string
}

// Bytes is the key's encoding in the store; byte order is storage order.
func (k MemberKey) Bytes() []byte { return k.bytes() }

// AuthorBuckets is how many buckets authors are spread over (see
// AuthorBucket).
const AuthorBuckets = 256

// AuthorBucket is the bucket of an author key (Author.Key): a hash, so
// that every bucket holds about as many authors. Member records are stored
// bucket by bucket, so that a catch-up over a large backlog can fold it in
// passes over a range of buckets each, every pass writing one contiguous
// run of member records once, in memory bounded by the pass.
func AuthorBucket(author string) int {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(author); i++ {
		h ^= uint32(author[i])
		h *= 16777619
	}
	return int(h % AuthorBuckets)
}

// authorBucketOf is AuthorBucket(Author{ID: id}.Key(platform)) without
// building the key.
func authorBucketOf(platform, id []byte) int {
	if len(id) > maxKeyPart {
		return AuthorBucket(Author{ID: string(id)}.Key(string(platform)))
	}
	h := uint32(2166136261)
	for _, part := range [...][]byte{platform, {':'}, id} {
		for _, c := range part {
			h ^= uint32(c)
			h *= 16777619
		}
	}
	return int(h % AuthorBuckets)
}

// members key: campaign \0 bucket \0 day \0 author: one bucket's records
// are contiguous (see AuthorBucket), and within it one day's.
func (k MemberKey) bytes() []byte { return k.Append(make([]byte, 0, k.Len())) }

// Len is the length of the key's encoding.
func (k MemberKey) Len() int { return len(k.Campaign) + len(k.Day) + len(k.Author) + 4 }

// Append appends the key's encoding (Bytes) to b.
func (k MemberKey) Append(b []byte) []byte {
	b = append(b, k.Campaign...)
	b = append(b, 0, byte(AuthorBucket(k.Author)), 0)
	b = append(b, k.Day...)
	b = append(b, 0)
	return append(b, k.Author...)
}

// Member records are written compactly (they are most of the rollups):
// after the format byte, times as seconds when they are whole seconds, a
// period as a day or minute number, and common dimension values by index.
// memberV2 is read (stores written before memberV3); memberV3 is written.
const memberV2 = 2

func decodeMember(b []byte) (Member, error) {
	var m Member
	if len(b) > 0 && b[0] == memberV3 {
		return decodeMemberV3(b[1:])
	}
	if len(b) == 0 || b[0] != memberV2 {
		return Member{}, errors.New("bad member value: a record of an earlier layout (run tagpulse rebuild)")
	}
	r := reader{b: b[1:]}
	m.First = r.time()
	n := r.uvarint()
	if r.err == nil && n < 1<<20 {
		m.Periods = make([]PeriodMember, n, n+3)
		for i := range m.Periods {
			p := &m.Periods[i]
			if len(r.b) == 0 {
				r.err = errors.New("short period")
				break
			}
			p.Grain = Grain(r.b[0])
			r.b = r.b[1:]
			p.Period = r.period(p.Grain)
			p.FirstSeen = r.time()
			p.LastSeen = p.FirstSeen + r.time()
			p.Followers = r.varint()
			p.Posts = r.varint()
			p.Handle = r.string()
			k := r.uvarint()
			if r.err != nil || k >= 1<<16 {
				break
			}
			p.In = make([]DimValue, 0, k)
			for j := uint64(0); j < k && r.err == nil; j++ {
				p.In = append(p.In, DimValue{r.dim(), r.value()})
			}
		}
	}
	if r.err != nil {
		return Member{}, fmt.Errorf("bad member value: %w", r.err)
	}
	return m, nil
}

func (r *reader) time() int64 {
	x := r.varint()
	if x&1 == 0 {
		return x >> 1 * 1e9
	}
	return x >> 1
}

var epochDay = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func (r *reader) period(g Grain) string {
	n := r.uvarint()
	switch {
	case r.err != nil:
		return ""
	case n == 0:
		return r.string()
	case g == GrainDay && n < 1<<24:
		return epochDay.AddDate(0, 0, int(n-1)).Format(DayLayout)
	case g == GrainHour && n < 1<<40:
		return time.Unix(int64(n-1)*60, 0).UTC().Format(HourLayout)
	}
	r.err = fmt.Errorf("bad period %d", n)
	return ""
}

// memberValues are the dimension values a member record names by index
// (1 + index, in one byte); an index never changes meaning. Others are
// written as 0 and the string.
var memberValues = []string{"", string(KindOriginal), string(KindRepost), string(KindReply), string(KindQuote),
	SourceX, SourceMastodon, SourceBluesky, SourceDemo, SourceImport,
	"place", "coordinates", "profile", "instance", "none", UnknownCountry, "und", "en", "ar"}

var memberValueIndex = func() map[string]byte {
	m := map[string]byte{}
	for i, v := range memberValues {
		m[v] = byte(i + 1)
	}
	for i, s := range Sources { // source_kind values
		for j, k := range Kinds {
			m[s+"/"+string(k)] = byte(len(memberValues) + 1 + i*len(Kinds) + j)
		}
	}
	return m
}()

func (r *reader) value() string {
	if r.err != nil {
		return ""
	}
	if len(r.b) == 0 {
		r.err = errors.New("short value")
		return ""
	}
	i := int(r.b[0])
	r.b = r.b[1:]
	switch {
	case i == 0:
		return r.string()
	case i <= len(memberValues):
		return memberValues[i-1]
	case i <= len(memberValues)+len(Sources)*len(Kinds):
		j := i - len(memberValues) - 1
		return Sources[j/len(Kinds)] + "/" + string(Kinds[j%len(Kinds)])
	}
	r.err = fmt.Errorf("unknown value %d", i)
	return ""
}

// memberDims are the dimensions a member record names by index, in one
// byte; an index never changes meaning. Others are written as strings after
// dimOther.
var memberDims = []string{DimAll, DimCountry, DimSource, DimKind, DimLang, DimMethod, DimSourceKind, DimFirstHour, DimArrival}

const dimOther = 0xff

func appendDim(b []byte, dim string) []byte {
	for i, d := range memberDims {
		if d == dim {
			return append(b, byte(i))
		}
	}
	return appendString(append(b, dimOther), dim)
}

func (r *reader) dim() string {
	if r.err != nil {
		return ""
	}
	if len(r.b) == 0 {
		r.err = errors.New("short dimension")
		return ""
	}
	i := r.b[0]
	r.b = r.b[1:]
	if i == dimOther {
		return r.string()
	}
	if int(i) >= len(memberDims) {
		r.err = fmt.Errorf("unknown dimension %d", i)
		return ""
	}
	return memberDims[i]
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errors.New("short varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("short uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) string() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if uint64(len(r.b)) < n {
		r.err = errors.New("short string")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// TopPost is one entry of a day's top posts.
type TopPost struct {
	Platform   string    `json:"platform"`
	ID         string    `json:"id"`
	URL        string    `json:"url,omitempty"`
	Text       string    `json:"text,omitempty"`
	Kind       Kind      `json:"kind"`
	Author     string    `json:"author"` // handle
	Country    string    `json:"country"`
	CreatedAt  time.Time `json:"created_at"`
	Engagement int64     `json:"engagement"`
}

// TopParticipant is one entry of a day's top participants.
type TopParticipant struct {
	Author    string `json:"author"` // author key (platform:id)
	Handle    string `json:"handle"`
	Posts     int64  `json:"posts"`
	Followers int64  `json:"followers"`
}

// RollupTx is a transaction over the rollups and the post log. The aggregator
// reads new posts and writes the figures they change and its watermark in one
// RollupTx, so a crash leaves rollups and watermark in step.
type RollupTx struct {
	tx                         *bolt.Tx
	meta, cells, members, tops *bolt.Bucket
	arena                      []byte // for values written (PutCellBytes), valid until the transaction ends
	// cursors kept for reading single keys (get): bbolt's Bucket.Get
	// allocates a cursor and grows its stack on every call, a kept
	// cursor's Seek reuses them. keyBuf holds the key looked up.
	cellCur, memberCur *bolt.Cursor
	keyBuf             []byte
}

// get is b.Get(key) through the cursor *c, which it makes the first time:
// Seek starts from the bucket's root each time, so the cursor stays right
// across writes to b in the transaction.
func get(c **bolt.Cursor, b *bolt.Bucket, key []byte) []byte {
	if *c == nil {
		*c = b.Cursor()
	}
	k, v := (*c).Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	return v
}

func newRollupTx(tx *bolt.Tx) *RollupTx {
	return &RollupTx{tx: tx, meta: tx.Bucket(bucketMeta), cells: tx.Bucket(bucketCells), members: tx.Bucket(bucketMembers), tops: tx.Bucket(bucketTops)}
}

// UpdateRollups runs fn in a read-write transaction.
func (db *DB) UpdateRollups(fn func(*RollupTx) error) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return fn(newRollupTx(tx)) })
}

// ViewRollups runs fn in a read-only transaction. Keep fn short.
func (db *DB) ViewRollups(fn func(*RollupTx) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(newRollupTx(tx)) })
}

// ViewRollupsN runs fn with n read-only transactions that all see the same
// state of the store, for n goroutines to read at once (a bolt.Tx is for
// one goroutine). Keep fn short, as for ViewRollups.
//
// They are begun while a read-write transaction is held, so that no write
// commits between them, and that one is rolled back before fn runs. A
// read-only transaction begun while another is open can wait forever for a
// writer that waits for the first to end (to grow the file's mapping); here
// the only writer is the one held, and it never writes. A store opened
// read-only has no writer in any process.
func (db *DB) ViewRollupsN(n int, fn func([]*RollupTx) error) error {
	n = max(n, 1)
	w, err := db.bolt.Begin(true)
	if err != nil && !errors.Is(err, bolterrors.ErrDatabaseReadOnly) {
		return err
	}
	txs := make([]*RollupTx, 0, n)
	defer func() {
		for _, t := range txs {
			_ = t.tx.Rollback()
		}
	}()
	for range n {
		tx, err := db.bolt.Begin(false)
		if err != nil {
			if w != nil {
				_ = w.Rollback()
			}
			return err
		}
		txs = append(txs, newRollupTx(tx))
	}
	if w != nil {
		_ = w.Rollback()
	}
	return fn(txs)
}

// Watermark is the sequence number of the last post the rollups include.
func (t *RollupTx) Watermark() uint64 {
	v := t.meta.Get(keyWatermark)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetWatermark records that the rollups include every post up to seq.
func (t *RollupTx) SetWatermark(seq uint64) error { return t.meta.Put(keyWatermark, be64(seq)) }

// LastSeq is the sequence number of the newest post in the log.
func (t *RollupTx) LastSeq() uint64 { return t.tx.Bucket(bucketPosts).Sequence() }

// Pass is a catch-up folded in passes over ranges of author buckets: the
// rollups include every post up to the watermark, and also the posts up to
// Target of the authors in buckets below Next. Width is the number of
// buckets a pass covers. The cells of those later posts are the stored
// cells plus the changes the passes recorded (PassCells): a catch-up writes
// the cells bucket in its last pass only.
type Pass struct {
	Target      uint64
	Next, Width int
}

// Pass returns the catch-up in progress, if any.
func (t *RollupTx) Pass() (Pass, bool) {
	v := t.meta.Get(keyPass)
	if len(v) != 12 {
		return Pass{}, false
	}
	return Pass{Target: binary.BigEndian.Uint64(v), Next: int(binary.BigEndian.Uint16(v[8:])), Width: int(binary.BigEndian.Uint16(v[10:]))}, true
}

// SetPass records the catch-up in progress.
func (t *RollupTx) SetPass(p Pass) error {
	v := binary.BigEndian.AppendUint64(nil, p.Target)
	v = binary.BigEndian.AppendUint16(v, uint16(p.Next))
	v = binary.BigEndian.AppendUint16(v, uint16(p.Width))
	return t.meta.Put(keyPass, v)
}

// ClearPass records that no catch-up is in progress.
func (t *RollupTx) ClearPass() error { return t.meta.Delete(keyPass) }

// PostBuckets calls fn with the sequence number and author bucket of each
// post with after < seq <= upto, in log order, decoding no more of a post
// than its author.
func (t *RollupTx) PostBuckets(after, upto uint64, fn func(seq uint64, bucket int)) error {
	c := t.tx.Bucket(bucketPosts).Cursor()
	for k, v := c.Seek(be64(after + 1)); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		if seq > upto {
			break
		}
		if platform, id, ok := postAuthor(v); ok {
			fn(seq, authorBucketOf(platform, id))
			continue
		}
		var p Post
		if err := decodeStored(t.tx, v, &p); err != nil {
			return fmt.Errorf("post %d: %w", seq, err)
		}
		fn(seq, AuthorBucket(p.Author.Key(p.Platform)))
	}
	return nil
}

// PostsAt calls fn for the posts with the given sequence numbers, in
// increasing order. The posts are decoded into one Post: fn's p is valid
// until fn returns (its strings stay).
func (t *RollupTx) PostsAt(seqs []uint64, fn func(seq uint64, p *Post) error) error {
	c := t.tx.Bucket(bucketPosts).Cursor()
	var k, v []byte
	var dec postDecoder
	for _, seq := range seqs {
		key := be64(seq)
		// The posts are in log order, and mostly near one another: step
		// forward to a near one (a step is mostly within a page), seek a
		// far one.
		for steps := 0; k != nil && steps < postsAtSteps && binary.BigEndian.Uint64(k) < seq; steps++ {
			k, v = c.Next()
		}
		if k == nil || !bytes.Equal(k, key) {
			k, v = c.Seek(key)
		}
		if k == nil || !bytes.Equal(k, key) {
			return fmt.Errorf("post %d: not in the log", seq)
		}
		p, err := dec.decode(t.tx, v)
		if err != nil {
			return fmt.Errorf("post %d: %w", seq, err)
		}
		if err := fn(seq, p); err != nil {
			return err
		}
	}
	return nil
}

// postsAtSteps is how far PostsAt steps forward before it seeks: a seek
// costs a walk down the tree and a search of each page on the way.
const postsAtSteps = 24

// PostsOfBuckets calls fn for each post with after < seq <= upto whose
// author is in a bucket in [lo, hi), in log order. Posts of other authors
// are skipped without being decoded, and without being read at all when
// memo (which may be nil) holds their bucket from an earlier walk. The
// posts are decoded into one Post: fn's p is valid until fn returns (its
// strings stay).
func (t *RollupTx) PostsOfBuckets(after, upto uint64, lo, hi int, memo *BucketMemo, fn func(seq uint64, p *Post) error) error {
	c := t.tx.Bucket(bucketPosts).Cursor()
	var dec postDecoder
	for k, v := c.Seek(be64(after + 1)); k != nil; k, v = c.Next() {
		seq := binary.BigEndian.Uint64(k)
		if seq > upto {
			break
		}
		if b, ok := memo.bucket(seq); ok {
			if b < lo || b >= hi {
				continue
			}
		} else if platform, id, ok := postAuthor(v); ok {
			b := authorBucketOf(platform, id)
			memo.set(seq, b)
			if b < lo || b >= hi {
				continue
			}
		}
		p, err := dec.decode(t.tx, v)
		if err != nil {
			return fmt.Errorf("post %d: %w", seq, err)
		}
		b := AuthorBucket(p.Author.Key(p.Platform))
		memo.set(seq, b)
		if b < lo || b >= hi {
			continue
		}
		if err := fn(seq, p); err != nil {
			return err
		}
	}
	return nil
}

// A BucketMemo remembers the author buckets of the posts PostsOfBuckets
// has read, by seq: one byte and one bit a post. The zero value is
// empty; it is for one goroutine.
type BucketMemo struct {
	buckets []uint8
	known   []uint64 // bit seq of word seq/64
}

func (m *BucketMemo) bucket(seq uint64) (int, bool) {
	if m == nil || seq/64 >= uint64(len(m.known)) || m.known[seq/64]&(1<<(seq%64)) == 0 {
		return 0, false
	}
	return int(m.buckets[seq]), true
}

func (m *BucketMemo) set(seq uint64, b int) {
	if m == nil {
		return
	}
	if seq >= uint64(len(m.buckets)) {
		n := max(int(seq)+1, 2*len(m.buckets), 1<<16)
		m.buckets = append(m.buckets, make([]uint8, n-len(m.buckets))...)
		m.known = append(m.known, make([]uint64, (n+63)/64-len(m.known))...)
	}
	m.buckets[seq] = uint8(b)
	m.known[seq/64] |= 1 << (seq % 64)
}

// Posts calls fn for up to limit posts after seq (limit 0: all), in log order.
func (t *RollupTx) Posts(after uint64, limit int, fn func(seq uint64, p *Post) error) error {
	return scanPosts(t.tx, after, limit, fn)
}

// Cell returns a cell's figures; ok is false when the cell does not exist.
func (t *RollupTx) Cell(k CellKey) (f Figures, ok bool, err error) {
	t.keyBuf = k.Append(t.keyBuf[:0])
	v := get(&t.cellCur, t.cells, t.keyBuf)
	if v == nil {
		return Figures{}, false, nil
	}
	f, err = decodeFigures(v)
	return f, true, err
}

// PutCell writes a cell's figures; a cell of all zeros is deleted.
func (t *RollupTx) PutCell(k CellKey, f Figures) error {
	if f == (Figures{}) {
		return t.cells.Delete(k.bytes())
	}
	return t.cells.Put(k.bytes(), encodeFigures(f))
}

// CellsAt calls fn with each of n cells' figures (ok false when the cell
// does not exist), key(i) giving the ith key encoded (CellKey.Bytes), in
// increasing order: one cursor walks forward, stepping to a near key and
// seeking a far one, instead of a walk down the tree a cell.
func (t *RollupTx) CellsAt(n int, key func(i int) []byte, fn func(i int, f Figures, ok bool) error) error {
	c := t.cells.Cursor()
	var k, v []byte
	for i := range n {
		want := key(i)
		for steps := 0; k != nil && steps < postsAtSteps && bytes.Compare(k, want) < 0; steps++ {
			k, v = c.Next()
		}
		if k == nil || bytes.Compare(k, want) < 0 {
			k, v = c.Seek(want)
		}
		if k == nil || !bytes.Equal(k, want) {
			if err := fn(i, Figures{}, false); err != nil {
				return err
			}
			continue
		}
		f, err := decodeFigures(v)
		if err != nil {
			return fmt.Errorf("cell %q: %w", k, err)
		}
		if err := fn(i, f, true); err != nil {
			return err
		}
	}
	return nil
}

// PutCellBytes is PutCell for a key already encoded (CellKey.Bytes),
// which must not change until the transaction ends. The values of a
// transaction's cells are encoded into blocks of memory it holds rather
// than one allocation each.
func (t *RollupTx) PutCellBytes(key []byte, f Figures) error {
	if f == (Figures{}) {
		return t.cells.Delete(key)
	}
	if cap(t.arena)-len(t.arena) < 8*binary.MaxVarintLen64 {
		t.arena = make([]byte, 0, 64<<10)
	}
	at := len(t.arena)
	t.arena = appendFigures(t.arena, f)
	return t.cells.Put(key, t.arena[at:len(t.arena):len(t.arena)])
}

// Cells calls fn for each cell of a campaign, grain and dimension whose period
// lies in [from, to] (empty bounds are open), in period then value order.
func (t *RollupTx) Cells(campaign string, g Grain, dim, from, to string, fn func(Cell) error) error {
	prefix := CellKey{Campaign: campaign, Grain: g, Dim: dim}.bytes()
	prefix = prefix[:len(prefix)-1] // up to and including dim's \0
	start := append(append([]byte{}, prefix...), from...)
	c := t.cells.Cursor()
	var period string // periods repeat across a period's values: convert each once
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(prefix):]
		j := bytes.IndexByte(rest, 0)
		if j < 0 {
			return fmt.Errorf("bad cell key %q", k)
		}
		if string(rest[:j]) != period {
			period = string(rest[:j])
		}
		if to != "" && period > to {
			break
		}
		ck := CellKey{Campaign: campaign, Grain: g, Dim: dim, Period: period, Value: string(rest[j+1:])}
		f, err := decodeFigures(v)
		if err != nil {
			return fmt.Errorf("cell %q: %w", k, err)
		}
		if err := fn(Cell{ck, f}); err != nil {
			return err
		}
	}
	return nil
}

// AllCells calls fn for every cell in the store, in key order.
func (t *RollupTx) AllCells(fn func(Cell) error) error {
	return t.cells.ForEach(func(k, v []byte) error {
		ck, err := parseCellKey(k)
		if err != nil {
			return err
		}
		f, err := decodeFigures(v)
		if err != nil {
			return fmt.Errorf("cell %q: %w", k, err)
		}
		return fn(Cell{ck, f})
	})
}

// Member returns an author's record in a campaign; ok is false when absent.
func (t *RollupTx) Member(k MemberKey) (m Member, ok bool, err error) {
	t.keyBuf = k.Append(t.keyBuf[:0])
	v := get(&t.memberCur, t.members, t.keyBuf)
	if v == nil {
		return Member{}, false, nil
	}
	m, err = decodeMember(v)
	return m, true, err
}

// DayMembers calls fn for each author's record of a campaign day, bucket
// by bucket (see AuthorBucket), in author key order within each.
func (t *RollupTx) DayMembers(campaign, day string, fn func(author string, m *Member) error) error {
	c := t.members.Cursor()
	for b := 0; b < AuthorBuckets; b++ {
		prefix := make([]byte, 0, len(campaign)+len(day)+4)
		prefix = append(prefix, campaign...)
		prefix = append(prefix, 0, byte(b), 0)
		prefix = append(prefix, day...)
		prefix = append(prefix, 0)
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			m, err := decodeMember(v)
			if err != nil {
				return fmt.Errorf("member %q: %w", k, err)
			}
			if err := fn(string(k[len(prefix):]), &m); err != nil {
				return err
			}
		}
	}
	return nil
}

// FillMembers has member records fill their pages to the brim (bbolt
// splits them in half by default, right for random keys): for a pass, which
// writes one run of records in key order. A page a later pass inserts into
// is split again then, and one left under a quarter full is merged into its
// neighbour, so a store imported in several files does not bloat: at 1M
// posts in two files 585 → 560 bytes/post against 90%.
func (t *RollupTx) FillMembers() { t.members.FillPercent = 1 }

// FillCells has cells fill their pages to the brim, as FillMembers does
// member records: for the last pass of a catch-up in passes, which writes
// every cell the catch-up changed, in key order, in one transaction (into
// an empty bucket, in a rebuild). Split in half, bbolt's default, its pages
// were 49% full (at 200k posts 21.6 MB of pages for 10.5 MB of cells).
func (t *RollupTx) FillCells() { t.cells.FillPercent = 1 }

// PutMember writes an author's record in a campaign.
func (t *RollupTx) PutMember(k MemberKey, m *Member) error {
	return t.members.Put(k.bytes(), encodeMember(m))
}

// PutMemberBytes writes a member record already encoded: key as
// MemberKey.Bytes writes it, value as AppendMember does. Neither may
// change until the transaction ends.
func (t *RollupTx) PutMemberBytes(key, value []byte) error {
	return t.members.Put(key, value)
}

func topKey(campaign, day, list string) []byte {
	return []byte(campaign + "\x00" + day + "\x00" + list)
}

// TopPosts returns the stored top posts of a campaign day.
func (t *RollupTx) TopPosts(campaign, day string) ([]TopPost, error) {
	var l []TopPost
	err := t.getJSON(topKey(campaign, day, "posts"), &l)
	return l, err
}

// PutTopPosts stores the top posts of a campaign day.
func (t *RollupTx) PutTopPosts(campaign, day string, l []TopPost) error {
	return t.putJSON(topKey(campaign, day, "posts"), l)
}

// TopParticipants returns the stored top participants of a campaign day.
func (t *RollupTx) TopParticipants(campaign, day string) ([]TopParticipant, error) {
	var l []TopParticipant
	err := t.getJSON(topKey(campaign, day, "participants"), &l)
	return l, err
}

// PutTopParticipants stores the top participants of a campaign day.
func (t *RollupTx) PutTopParticipants(campaign, day string, l []TopParticipant) error {
	return t.putJSON(topKey(campaign, day, "participants"), l)
}

func (t *RollupTx) getJSON(k []byte, v any) error {
	b := t.tops.Get(k)
	if b == nil {
		return nil
	}
	return json.Unmarshal(b, v)
}

func (t *RollupTx) putJSON(k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.tops.Put(k, b)
}

// Reset deletes every rollup (and the changes of the passes of a catch-up
// in progress, see PutPassCells) and sets the watermark to 0, so the
// aggregator re-derives everything from the post log.
func (t *RollupTx) Reset() error {
	for _, name := range [][]byte{bucketCells, bucketMembers, bucketTops} {
		if err := t.tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := t.tx.CreateBucket(name); err != nil {
			return err
		}
	}
	*t = *newRollupTx(t.tx)
	if err := t.ClearPassCells(); err != nil {
		return err
	}
	if err := t.ClearPass(); err != nil {
		return err
	}
	return t.SetWatermark(0)
}
