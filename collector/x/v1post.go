//lint:file-ignore SA1019 go-twitter is the dependency the project names for v1.1; it is deprecated upstream and contained in this package

package x

import (
	"encoding/json"
	"math"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dghubble/go-twitter/twitter"

	"github.com/tagpulse/tagpulse/store"
)

// scanPostV1 is the import's fast path from a status to its post: a
// single pass over the JSON (v1Scanner) that checks every value against
// go-twitter's types as encoding/json would and notes, without
// reflection, where the values postFromTweetV1 reads stand (v1Obj); then
// only those values are copied into go-twitter's types (a tweet and the
// objects it points to, kept from one status to the next, see v1Scratch)
// and postFromTweetV1 makes the post, so that the mapping from a status
// to a post has one definition. The post holds none of the scratch's
// objects: its fields are values and strings of their own, for an import
// cut from blocks shared by many statuses (v1Strings). ok is false when the scanner
// hands the status on to the full decoder: a syntax error, a value of the
// wrong type, a key repeated, or matching a field only case-insensitively.
// The posts it gives are held to the full path's by TestScanMatchesStd
// and FuzzScanTweetV1.
func scanPostV1(raw []byte, source string, now time.Time, p *store.Post) (err error, ok bool) {
	if len(raw) > math.MaxInt32 {
		return nil, false // spans are int32
	}
	sc := scratchPool.Get().(*v1Scratch)
	defer sc.done()
	if sc.pred == nil {
		tweetSchema() // numbers the fields
		sc.pred = make([]*sfield, tweetIDs)
		sc.wire()
	}
	s := v1Scanner{b: raw, pred: sc.pred, tags: sc.tags[:0]}
	ok = s.tweet(&sc.objs[objTweet])
	sc.tags = s.tags
	if !ok {
		return nil, false
	}
	sc.strs.one = source == store.SourceImport // an import's posts are stored and dropped together
	t := sc.fill(raw)
	if sc.strs.refused {
		return nil, false // encoding/json's path decides (see decodeString)
	}
	*p, err = postFromTweetV1(t, source, now, &sc.strs)
	return err, true
}

// scanV1 reports whether the fast path takes the status raw (tests).
func scanV1(raw []byte) bool {
	var p store.Post
	_, ok := scanPostV1(raw, store.SourceX, time.Time{}, &p)
	return ok
}

// A span is a string value of a status: the body of the JSON string,
// between its quotes. esc says it holds an escape, ascii that every byte
// of it is ASCII; a string with an escape or not valid UTF-8 is decoded
// by encoding/json as it is copied (v1Pieces.add).
type span struct {
	start, end int32
	esc, ascii bool
}

func (sp span) empty() bool { return sp.end == sp.start }

// A v1Obj is one object of a status as the scanner reads it: the values
// of the fields postFromTweetV1 reads (each field's sfield.dest and
// sfield.slot say where it goes), and the objects it points to. Its kids
// are wired once per scratch (v1Scratch.wire): a field whose object no
// post reads has none, and is only checked.
type v1Obj struct {
	v1Vals
	kid [7]*v1Obj
}

// v1Vals are a v1Obj's values, zeroed between statuses.
type v1Vals struct {
	str    [7]span
	num    [6]int64
	coords [2]float64
	tags   [2]int32 // the hashtags' texts, v1Scanner.tags[tags[0]:tags[1]]
	has    uint8    // by kid slot: the field held an object (not null)
}

// What the scanner does with a field postFromTweetV1 reads.
type destKind uint8

const (
	dNone   destKind = iota
	dString          // a string into v1Obj.str[slot]
	dInt             // an integer into v1Obj.num[slot]
	dObj             // an object into v1Obj.kid[slot], marked in has
	dTags            // hashtag entities: their texts into v1Obj.tags
	dCoords          // two floats into v1Obj.coords
)

type dest struct {
	kind destKind
	slot uint8
}

// The slots of each go-twitter type's fields in a v1Obj.
const (
	// Tweet
	tIDStr, tCreatedAt, tText, tFullText, tLang, tInReplyToStatusIDStr, tQuotedStatusIDStr  = 0, 1, 2, 3, 4, 5, 6
	tID, tFavoriteCount, tRetweetCount, tReplyCount, tQuoteCount, tInReplyToStatusID        = 0, 1, 2, 3, 4, 5
	tUser, tEntities, tExtendedTweet, tPlace, tCoordinates, tRetweetedStatus, tQuotedStatus = 0, 1, 2, 3, 4, 5, 6
	// User
	uIDStr, uScreenName, uName, uLocation = 0, 1, 2, 3
	uID, uFollowersCount                  = 0, 1
	// ExtendedTweet: FullText and Entities where a Tweet has them;
	// Place's CountryCode, Coordinates' Type and HashtagEntity's Text
	// are their str[0].
)

// v1Dests says, per go-twitter type and field, what the scanner keeps of
// the fields postFromTweetV1 reads; the other fields are checked and
// skipped. tweetSchema narrows the statuses a status embeds further.
var v1Dests = map[string]map[string]dest{
	"Tweet": {
		"IDStr": {dString, tIDStr}, "CreatedAt": {dString, tCreatedAt}, "Text": {dString, tText}, "FullText": {dString, tFullText},
		"Lang": {dString, tLang}, "InReplyToStatusIDStr": {dString, tInReplyToStatusIDStr}, "QuotedStatusIDStr": {dString, tQuotedStatusIDStr},
		"ID": {dInt, tID}, "FavoriteCount": {dInt, tFavoriteCount}, "RetweetCount": {dInt, tRetweetCount}, "ReplyCount": {dInt, tReplyCount},
		"QuoteCount": {dInt, tQuoteCount}, "InReplyToStatusID": {dInt, tInReplyToStatusID},
		"User": {dObj, tUser}, "Entities": {dObj, tEntities}, "ExtendedTweet": {dObj, tExtendedTweet}, "Place": {dObj, tPlace},
		"Coordinates": {dObj, tCoordinates}, "RetweetedStatus": {dObj, tRetweetedStatus}, "QuotedStatus": {dObj, tQuotedStatus},
	},
	"User": {
		"IDStr": {dString, uIDStr}, "ScreenName": {dString, uScreenName}, "Name": {dString, uName}, "Location": {dString, uLocation},
		"ID": {dInt, uID}, "FollowersCount": {dInt, uFollowersCount},
	},
	"Entities":      {"Hashtags": {dTags, 0}},
	"HashtagEntity": {"Text": {dString, 0}},
	"ExtendedTweet": {"FullText": {dString, tFullText}, "Entities": {dObj, tEntities}},
	"Place":         {"CountryCode": {dString, 0}},
	"Coordinates":   {"Type": {dString, 0}, "Coordinates": {dCoords, 0}},
}

// The objects of a scratch's tree.
const (
	objTweet = iota
	objUser
	objEntities
	objExt
	objExtEntities
	objPlace
	objCoordinates
	objRetweeted
	objRetweetedUser
	objRetweetedEntities
	objRetweetedExt
	objRetweetedExtEntities
	nObjs
)

// v1Scratch is a status being scanned, and the go-twitter objects its
// post is made from, reused.
type v1Scratch struct {
	objs [nObjs]v1Obj
	tags []span    // v1Scanner.tags
	pred []*sfield // v1Scanner.pred, kept from status to status
	strs v1Strings

	t, rt, quoted     tweetV1
	user, rtUser      twitter.User
	ents, extEnts     twitter.Entities
	rtEnts, rtExtEnts twitter.Entities
	ext, rtExt        twitter.ExtendedTweet
	place             twitter.Place
	coords            twitter.Coordinates
}

var scratchPool = sync.Pool{New: func() any { return new(v1Scratch) }}

// wire links the tree of objects a status is scanned into.
func (sc *v1Scratch) wire() {
	o := &sc.objs
	o[objTweet].kid[tUser] = &o[objUser]
	o[objTweet].kid[tEntities] = &o[objEntities]
	o[objTweet].kid[tExtendedTweet] = &o[objExt]
	o[objExt].kid[tEntities] = &o[objExtEntities]
	o[objTweet].kid[tPlace] = &o[objPlace]
	o[objTweet].kid[tCoordinates] = &o[objCoordinates]
	o[objTweet].kid[tRetweetedStatus] = &o[objRetweeted]
	o[objRetweeted].kid[tUser] = &o[objRetweetedUser]
	o[objRetweeted].kid[tEntities] = &o[objRetweetedEntities]
	o[objRetweeted].kid[tExtendedTweet] = &o[objRetweetedExt]
	o[objRetweetedExt].kid[tEntities] = &o[objRetweetedExtEntities]
	// A quoted status has no object: postFromTweetV1 reads only that it
	// is there.
}

// done clears the status and gives the scratch back.
func (sc *v1Scratch) done() {
	for i := range sc.objs {
		sc.objs[i].v1Vals = v1Vals{}
	}
	sc.tags = sc.tags[:0]
	sc.strs.raw, sc.strs.refused = nil, false
	scratchPool.Put(sc)
}

// fill sets, in the scratch's go-twitter objects, every field
// postFromTweetV1 reads from what the scan of raw found, and returns the
// tweet. Fields it cannot read keep their zero value (they are never set);
// of the texts, only the one tweetTextV1 picks is copied.
func (sc *v1Scratch) fill(raw []byte) *tweetV1 {
	o, t, ps := &sc.objs[objTweet], &sc.t, &sc.strs
	ps.raw = raw
	ps.add(&t.IDStr, o.str[tIDStr])
	ps.add(&t.CreatedAt, o.str[tCreatedAt])
	ps.add(&t.Lang, o.str[tLang])
	ps.add(&t.InReplyToStatusIDStr, o.str[tInReplyToStatusIDStr])
	ps.add(&t.QuotedStatusIDStr, o.str[tQuotedStatusIDStr])
	t.ID, t.InReplyToStatusID = o.num[tID], o.num[tInReplyToStatusID]
	t.FavoriteCount, t.RetweetCount = int(o.num[tFavoriteCount]), int(o.num[tRetweetCount])
	t.ReplyCount, t.QuoteCount = int(o.num[tReplyCount]), int(o.num[tQuoteCount])
	t.QuotedStatus = nil
	if o.has&(1<<tQuotedStatus) != 0 {
		t.QuotedStatus = &sc.quoted
	}
	t.User = nil
	if o.has&(1<<tUser) != 0 {
		u, uo := &sc.user, o.kid[tUser]
		t.User = u
		ps.add(&u.IDStr, uo.str[uIDStr])
		ps.add(&u.ScreenName, uo.str[uScreenName])
		ps.add(&u.Name, uo.str[uName])
		ps.add(&u.Location, uo.str[uLocation])
		u.ID, u.FollowersCount = uo.num[uID], int(uo.num[uFollowersCount])
	}
	t.Place = nil
	if o.has&(1<<tPlace) != 0 {
		t.Place = &sc.place
		ps.add(&sc.place.CountryCode, o.kid[tPlace].str[0])
	}
	t.Coordinates = nil
	if o.has&(1<<tCoordinates) != 0 {
		co := o.kid[tCoordinates]
		t.Coordinates = &sc.coords
		ps.add(&sc.coords.Type, co.str[0])
		sc.coords.Coordinates = co.coords
	}
	t.RetweetedStatus = nil
	if o.has&(1<<tRetweetedStatus) != 0 {
		// A retweet's post reads the retweeted status's text, entities,
		// id and author's handle, and nothing of the retweet's text.
		ro, rt := o.kid[tRetweetedStatus], &sc.rt
		t.RetweetedStatus = rt
		ps.add(&rt.IDStr, ro.str[tIDStr])
		rt.User = nil
		if ro.has&(1<<tUser) != 0 {
			rt.User = &sc.rtUser
			ps.add(&sc.rtUser.ScreenName, ro.kid[tUser].str[uScreenName])
		}
		sc.text(ro, rt, &sc.rtEnts, &sc.rtExt, &sc.rtExtEnts)
		sc.text(nil, t, nil, nil, nil)
	} else {
		sc.text(o, t, &sc.ents, &sc.ext, &sc.extEnts)
	}
	return t
}

// text sets the text and entities of t that tweetTextV1 picks from the
// status o, in the objects given (nil o: none, as for a retweet's own).
func (sc *v1Scratch) text(o *v1Obj, t *tweetV1, ents *twitter.Entities, ext *twitter.ExtendedTweet, extEnts *twitter.Entities) {
	t.Text, t.FullText, t.Entities, t.ExtendedTweet = "", "", nil, nil
	if o == nil {
		return
	}
	ps := &sc.strs
	if o.has&(1<<tExtendedTweet) != 0 {
		eo := o.kid[tExtendedTweet]
		t.ExtendedTweet = ext
		ext.FullText, ext.Entities = "", nil
		if !eo.str[tFullText].empty() {
			ps.add(&ext.FullText, eo.str[tFullText])
			ext.Entities = sc.entities(eo, extEnts)
			return
		}
	}
	switch {
	case !o.str[tFullText].empty():
		ps.add(&t.FullText, o.str[tFullText])
	default:
		ps.add(&t.Text, o.str[tText])
	}
	t.Entities = sc.entities(o, ents)
}

// entities returns the status (or extended tweet) o's entities in e, their
// hashtags' texts set; nil when it has none.
func (sc *v1Scratch) entities(o *v1Obj, e *twitter.Entities) *twitter.Entities {
	if o.has&(1<<tEntities) == 0 {
		return nil
	}
	eo := o.kid[tEntities]
	tags := sc.tags[eo.tags[0]:eo.tags[1]]
	e.Hashtags = e.Hashtags[:0]
	for range tags {
		e.Hashtags = append(e.Hashtags, twitter.HashtagEntity{})
	}
	for i, sp := range tags {
		sc.strs.add(&e.Hashtags[i].Text, sp)
	}
	return e
}

// v1Strings makes the strings of a status's post. For an import (one) it
// cuts them from blocks of a few tens of kilobytes, each the buffer of a
// strings.Builder that is only ever appended to, so that the bytes of a
// string once taken never change: one allocation for many statuses rather
// than several for each. A string keeps its whole block alive, so this is
// for posts that live as long as one another, as an import's do (a batch's
// are stored and dropped together). Otherwise each string is its own.
type v1Strings struct {
	one bool
	// refused is set when encoding/json refused a string the scanner
	// took (decodeString)
	refused bool
	raw     []byte // the status
	block   strings.Builder
	tags    []string // postFromTweetV1's, reused
}

// stringBlock is the size of v1Strings' blocks.
const stringBlock = 32 << 10

// add sets *dst to the string at sp in the status, as encoding/json gives
// it (escapes and invalid UTF-8 by encoding/json itself).
func (ps *v1Strings) add(dst *string, sp span) {
	if sp.empty() {
		*dst = ""
		return
	}
	body := ps.raw[sp.start:sp.end]
	switch plain := !sp.esc && (sp.ascii || utf8.Valid(body)); {
	case !plain:
		v, ok := decodeString(ps.raw[sp.start-1 : sp.end+1])
		ps.refused = ps.refused || !ok
		*dst = ps.join(v)
	case ps.one:
		*dst = ps.bytes(body)
	default:
		*dst = string(body)
	}
}

// decodeString is the JSON string q as encoding/json decodes it. The
// scanner checked it, so encoding/json should take it; if it ever does
// not, ok is false and the status goes to encoding/json's path, which
// gives the record's error, rather than the import stopping.
func decodeString(q []byte) (s string, ok bool) {
	return s, json.Unmarshal(q, &s) == nil
}

// room makes room for n more bytes in the block.
func (ps *v1Strings) room(n int) {
	if ps.block.Cap()-ps.block.Len() < n {
		ps.block = strings.Builder{} // the old block stays with its strings
		ps.block.Grow(max(stringBlock, n))
	}
}

// bytes is b as a string.
func (ps *v1Strings) bytes(b []byte) string {
	ps.room(len(b))
	start := ps.block.Len()
	ps.block.Write(b)
	return ps.block.String()[start:]
}

// join is the parts end to end; ps may be nil (each string its own).
func (ps *v1Strings) join(parts ...string) string {
	if ps == nil || !ps.one {
		return strings.Join(parts, "")
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	ps.room(n)
	start := ps.block.Len()
	for _, p := range parts {
		ps.block.WriteString(p)
	}
	return ps.block.String()[start:]
}

// tagBuf is a slice to gather hashtags in, to give back by keepTags.
func (ps *v1Strings) tagBuf() []string {
	if ps == nil {
		return nil
	}
	return ps.tags[:0]
}

func (ps *v1Strings) keepTags(tags []string) {
	if ps != nil {
		clear(tags) // holds no block
		ps.tags = tags[:0]
	}
}
