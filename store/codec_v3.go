package store

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// postV3 is the current post encoding (postV1 and postV2 still read). It is
// postV2 with
//
//   - decimal IDs (post, author, referenced post) as varints;
//   - a hashtag that occurs in the text as "#tag" (or as "#Tag" whose lower
//     case it is) as an offset and length into the text, not a second copy;
//   - the collection time relative to the creation time;
//   - a Bluesky post's URL, when it is the one the collectors build from
//     its at-URI (bskyURL), not written (an X post's already was not).
//
// Once a store has a dictionary trained from its posts, it is stored
// compressed with it (postS2, codec_s2.go): zstd without a dictionary saved
// only 17% of the log on generated v1.1 data, for 6 µs to encode and 2.5 µs
// to decode each post.
//
// The post and author IDs come right after the header, so that postAuthor
// reads no further.
const postV3 = 3

// postV3's extra flags (the sixth byte; the fifth holds postV2's flags).
const (
	v3IDNum         = 1 << iota // the post ID is a canonical decimal, written as a uvarint
	v3AuthorNum                 // the author ID likewise
	v3RefNum                    // the referenced post's ID likewise
	v3CollectedRel              // CollectedAt is written relative to CreatedAt
	v3URLBsky                   // with postURL clear: the URL is bskyURL's, by DID
	v3URLBskyHandle             // with v3URLBsky: by the author's handle
)

// decimal returns s as a number when it is a canonical decimal (no sign, no
// leading zero), so that formatting the number gives s back.
func decimal(s string) (uint64, bool) {
	if s == "" || len(s) > 20 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	// strconv.ParseUint(s, 10, 64), without the error it allocates for
	// every ID that is no number (Bluesky's, Mastodon's URIs).
	var v uint64
	for i := 0; i < len(s); i++ {
		c := uint64(s[i] - '0')
		if c > 9 || v > (math.MaxUint64-c)/10 {
			return 0, false
		}
		v = v*10 + c
	}
	return v, true
}

func appendID(b []byte, s string, flags2 *byte, bit byte) []byte {
	if v, ok := decimal(s); ok {
		*flags2 |= bit
		return binary.AppendUvarint(b, v)
	}
	return appendString(b, s)
}

// tagInText finds a hashtag in the text, as "#tag" or as "#Tag" whose lower
// case is tag; lower says which.
func tagInText(text, tag string) (off int, lower bool, ok bool) {
	if tag == "" {
		return 0, false, false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], tag)
		if j < 0 {
			break
		}
		if k := i + j; k > 0 && text[k-1] == '#' {
			return k, false, true
		}
		i += j + 1
	}
	// Case differs: look for a "#" whose following len(tag) bytes lower to tag.
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '#')
		if j < 0 {
			break
		}
		s := i + j + 1
		if s+len(tag) <= len(text) && strings.ToLower(text[s:s+len(tag)]) == tag {
			return s, true, true
		}
		i = s
	}
	return 0, false, false
}

// isXURL reports whether url is xURL(handle, id), without building it.
func isXURL(url, handle, id string) bool {
	rest, ok := strings.CutPrefix(url, "https://x.com/")
	if !ok {
		return false
	}
	if handle == "" {
		handle = "i"
	}
	rest, ok = strings.CutPrefix(rest, handle)
	if !ok {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "/status/")
	return ok && rest == id
}

// bskyPostCollection is the collection of a Bluesky post's at-URI.
const bskyPostCollection = "/app.bsky.feed.post/"

// bskyURL is the link to a Bluesky post as the collectors build it from an
// at-URI at://DID/app.bsky.feed.post/RKEY: the post's own, or for a repost
// the reposted post's (RefID); the profile is the DID, or byHandle the
// author's handle. ok is false when the at-URI is not a post's.
func bskyURL(p *Post, byHandle bool) (url string, ok bool) {
	did, rkey, ok := bskySubject(p)
	if !ok {
		return "", false
	}
	if byHandle {
		if p.Author.Handle == "" {
			return "", false
		}
		did = p.Author.Handle
	}
	return "https://bsky.app/profile/" + did + "/post/" + rkey, true
}

func bskySubject(p *Post) (did, rkey string, ok bool) {
	uri := p.ID
	if p.Kind == KindRepost {
		uri = p.RefID
	}
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return "", "", false
	}
	did, rkey, ok = strings.Cut(rest, bskyPostCollection)
	return did, rkey, ok && did != "" && rkey != ""
}

// bskyURLFlags returns the flags under which url is bskyURL's, if it is,
// without building it.
func bskyURLFlags(p *Post) (byte, bool) {
	rest, ok := strings.CutPrefix(p.URL, "https://bsky.app/profile/")
	if !ok {
		return 0, false
	}
	did, rkey, ok := bskySubject(p)
	if !ok {
		return 0, false
	}
	for _, by := range [...]struct {
		profile string
		flags   byte
	}{{did, v3URLBsky}, {p.Author.Handle, v3URLBsky | v3URLBskyHandle}} {
		if by.profile == "" {
			continue
		}
		if r, ok := strings.CutPrefix(rest, by.profile); ok {
			if r, ok := strings.CutPrefix(r, "/post/"); ok && r == rkey {
				return by.flags, true
			}
		}
	}
	return 0, false
}

func encodePostV3(p *Post) []byte {
	b, _ := appendPostV3(make([]byte, 0, 64+len(p.Text)+len(p.Author.Handle)+len(p.Author.Name)+len(p.Signals.ProfileLocation)), p)
	return b
}

// appendPostV3 appends p's postV3 encoding to b; head is the length of
// its head, up to the author's ID, as postHeadV3 reads it.
func appendPostV3(b []byte, p *Post) (_ []byte, head int) {
	start := len(b)
	pc, sc, kc := code(platformCodes, p.Platform), code(sourceCodes, p.Source), code(kindCodes, string(p.Kind))
	var flags, flags2 byte
	if p.Redacted {
		flags |= postRedacted
	}
	if p.Signals.Coordinates != nil {
		flags |= postCoordinates
	}
	switch {
	case p.Platform == PlatformX && isXURL(p.URL, p.Author.Handle, p.ID):
	case p.Platform == PlatformBluesky:
		if f, ok := bskyURLFlags(p); ok {
			flags2 |= f
		} else {
			flags |= postURL
		}
	default:
		flags |= postURL
	}
	if p.CreatedAt.IsZero() {
		flags |= postNoCreated
	}
	if p.CollectedAt.IsZero() {
		flags |= postNoCollected
	}
	if p.Arrival == ArrivalImport {
		flags |= postImported
	}
	if !p.CreatedAt.IsZero() && !p.CollectedAt.IsZero() {
		flags2 |= v3CollectedRel
	}
	b = append(b, postV3, pc, sc, kc, flags, 0)
	for i, s := range [...]string{p.Platform, p.Source, string(p.Kind)} {
		if [...]byte{pc, sc, kc}[i] == 0 {
			b = appendString(b, s)
		}
	}
	b = appendID(b, p.ID, &flags2, v3IDNum)
	b = appendID(b, p.Author.ID, &flags2, v3AuthorNum)
	head = len(b) - start

	if flags&postURL != 0 {
		b = appendString(b, p.URL)
	}
	b = appendString(b, p.Text)
	b = appendString(b, p.Lang)
	b = appendID(b, p.RefID, &flags2, v3RefNum)
	for _, s := range [...]string{p.Author.Handle, p.Author.Name, p.Signals.PlaceCountry, p.Signals.ProfileLocation, p.Signals.InstanceDomain} {
		b = appendString(b, s)
	}
	if flags&postNoCreated == 0 {
		b = appendPostTime(b, p.CreatedAt)
	}
	if flags&postNoCollected == 0 {
		if flags2&v3CollectedRel != 0 {
			d := p.CollectedAt.Unix() - p.CreatedAt.Unix()
			if ns := p.CollectedAt.Nanosecond(); ns != 0 {
				b = binary.AppendUvarint(binary.AppendVarint(b, d<<1|1), uint64(ns))
			} else {
				b = binary.AppendVarint(b, d<<1)
			}
		} else {
			b = appendPostTime(b, p.CollectedAt)
		}
	}
	b = binary.AppendVarint(b, p.Author.Followers)
	b = binary.AppendVarint(b, p.Engagement)
	if c := p.Signals.Coordinates; c != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lat))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lon))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
	for _, h := range p.Hashtags {
		// 0: the tag follows; else (offset+1)<<1 | lower, then its length.
		if off, lower, ok := tagInText(p.Text, h); ok {
			c := uint64(off+1) << 1
			if lower {
				c |= 1
			}
			b = binary.AppendUvarint(b, c)
			b = binary.AppendUvarint(b, uint64(len(h)))
			continue
		}
		b = binary.AppendUvarint(b, 0)
		b = appendString(b, h)
	}

	b[start+5] = flags2
	return b, head
}

func (r *reader) id(num bool) string {
	if num {
		return strconv.FormatUint(r.uvarint(), 10)
	}
	return r.string()
}

func decodePostV3(b []byte, p *Post) error { return decodePostV3Tags(b, p, nil) }

// decodePostV3Tags is decodePostV3, the post's hashtags in tags's memory
// when it has room (its entries are overwritten).
func decodePostV3Tags(b []byte, p *Post, tags []string) error {
	if len(b) < 6 {
		return errors.New("short post")
	}
	codes, flags, flags2 := b[1:4], b[4], b[5]
	r := reader{b: b[6:]}
	if err := r.postCodes(codes, p); err != nil {
		return err
	}
	p.ID = r.id(flags2&v3IDNum != 0)
	p.Author.ID = r.id(flags2&v3AuthorNum != 0)
	if r.err != nil {
		return errors.New("short post")
	}
	p.URL = ""
	if flags&postURL != 0 {
		p.URL = r.string()
	}
	p.Text = r.string()
	p.Lang = r.string()
	p.RefID = r.id(flags2&v3RefNum != 0)
	for _, s := range [...]*string{&p.Author.Handle, &p.Author.Name, &p.Signals.PlaceCountry, &p.Signals.ProfileLocation, &p.Signals.InstanceDomain} {
		*s = r.string()
	}
	switch {
	case flags&postURL != 0:
	case flags2&v3URLBsky != 0:
		var ok bool
		if p.URL, ok = bskyURL(p, flags2&v3URLBskyHandle != 0); !ok {
			return errors.New("post URL not derivable from its at-URI")
		}
	default:
		p.URL = xURL(p.Author.Handle, p.ID)
	}
	p.CreatedAt, p.CollectedAt = time.Time{}, time.Time{}
	if flags&postNoCreated == 0 {
		p.CreatedAt = r.postTime()
	}
	if flags&postNoCollected == 0 {
		if flags2&v3CollectedRel != 0 {
			x := r.varint()
			var ns uint64
			if x&1 != 0 {
				ns = r.uvarint()
			}
			p.CollectedAt = time.Unix(p.CreatedAt.Unix()+x>>1, int64(ns%1e9)).UTC()
		} else {
			p.CollectedAt = r.postTime()
		}
	}
	p.Author.Followers = r.varint()
	p.Engagement = r.varint()
	if r.err != nil {
		return errors.New("short post")
	}
	p.Redacted = flags&postRedacted != 0
	p.Arrival = ""
	if flags&postImported != 0 {
		p.Arrival = ArrivalImport
	}
	p.Signals.Coordinates = nil
	if flags&postCoordinates != 0 {
		if len(r.b) < 16 {
			return errors.New("short post coordinates")
		}
		p.Signals.Coordinates = &LatLon{Lat: math.Float64frombits(binary.BigEndian.Uint64(r.b)), Lon: math.Float64frombits(binary.BigEndian.Uint64(r.b[8:]))}
		r.b = r.b[16:]
	}
	n := r.uvarint()
	if r.err != nil || n >= 1<<12 {
		return errors.New("short post")
	}
	if tags != nil && uint64(cap(tags)) >= n {
		p.Hashtags = tags[:0]
	} else {
		p.Hashtags = make([]string, 0, n)
	}
	for i := uint64(0); i < n; i++ {
		c := r.uvarint()
		if c == 0 {
			p.Hashtags = append(p.Hashtags, r.string())
			continue
		}
		off, l := c>>1-1, r.uvarint()
		if r.err != nil || off > uint64(len(p.Text)) || l > uint64(len(p.Text))-off {
			return errors.New("post hashtag outside its text")
		}
		h := p.Text[off : off+l]
		if c&1 != 0 {
			h = strings.ToLower(h)
		}
		p.Hashtags = append(p.Hashtags, h)
	}
	if r.err != nil {
		return errors.New("short post")
	}
	return nil
}

// postAuthorV3 is postAuthor for postV3.
func postAuthorV3(b []byte) (platform, id []byte, ok bool) {
	platform, id, _, ok = postHeadV3(b)
	return platform, id, ok
}

// postHeadV3 returns a postV3 post's platform and author ID, and the length
// of its head: the bytes up to the end of the author ID. A platform with a
// code is a shared slice (platformCodeBytes), not to be changed.
func postHeadV3(v []byte) (platform, id []byte, head int, ok bool) {
	return scanHeadV3(v, true)
}

// headLenV3 is postHeadV3's head alone, with nothing allocated.
func headLenV3(v []byte) (head int, ok bool) {
	_, _, head, ok = scanHeadV3(v, false)
	return head, ok
}

// scanHeadV3 is postHeadV3; without withID, a decimal author ID is not
// formatted (id is nil).
func scanHeadV3(v []byte, withID bool) (platform, id []byte, head int, ok bool) {
	if len(v) < 6 {
		return nil, nil, 0, false
	}
	codes, flags2 := v[1:4], v[5]
	b := v[6:]
	for i := 0; i < 3; i++ {
		if codes[i] != 0 {
			continue
		}
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, nil, 0, false
		}
		if i == 0 {
			platform = b[k : k+int(n)]
		}
		b = b[k+int(n):]
	}
	if c := int(codes[0]); c != 0 {
		if c > len(platformCodes) {
			return nil, nil, 0, false
		}
		platform = platformCodeBytes[c-1]
	}
	// The post ID, then the author's.
	for i, bit := range [...]byte{v3IDNum, v3AuthorNum} {
		if flags2&bit != 0 {
			x, k := binary.Uvarint(b)
			if k <= 0 {
				return nil, nil, 0, false
			}
			b = b[k:]
			if i == 1 && withID {
				id = strconv.AppendUint(nil, x, 10)
			}
			continue
		}
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, nil, 0, false
		}
		if i == 1 {
			id = b[k : k+int(n)]
		}
		b = b[k+int(n):]
	}
	return platform, id, len(v) - len(b), true
}
