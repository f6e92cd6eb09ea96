package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Posts are stored in a compact binary form (encoding and decoding JSON was
// a third of the aggregator's time). The first byte is the format: postS2
// or postS2Head (postV3 compressed with the store's dictionary, codec_s2.go), postV3
// (codec_v3.go), or postV2 or postV1 as earlier stores wrote. A value starting with '{' is JSON, as
// early stores wrote; all are read.
const (
	postV1 = 1
	postV2 = 2 // platform, source and kind by index; an X post's URL derived from handle and ID
)

// postCodes name the platforms, sources and kinds postV2 writes by index
// (1 + index; 0: the string follows). An index never changes meaning.
var (
	platformCodes = []string{PlatformX, PlatformMastodon, PlatformBluesky, PlatformDemo}
	sourceCodes   = []string{SourceX, SourceMastodon, SourceBluesky, SourceDemo, SourceImport}
	kindCodes     = []string{string(KindOriginal), string(KindRepost), string(KindReply), string(KindQuote)}
)

// platformCodeBytes is platformCodes as bytes, for the readers that
// return a platform without allocating it; shared, never changed.
var platformCodeBytes = func() [][]byte {
	b := make([][]byte, len(platformCodes))
	for i, c := range platformCodes {
		b[i] = []byte(c)
	}
	return b
}()

func code(codes []string, s string) byte {
	for i, c := range codes {
		if c == s {
			return byte(i + 1)
		}
	}
	return 0
}

// xURL is the link to an X post, as the collectors write it.
func xURL(handle, id string) string {
	if handle == "" {
		return "https://x.com/i/status/" + id
	}
	return "https://x.com/" + handle + "/status/" + id
}

const (
	postRedacted    = 1
	postCoordinates = 2
	postURL         = 4 // the URL is written (not derived)
	postNoCreated   = 8
	postNoCollected = 16
	postImported    = 32 // Arrival is ArrivalImport (any other is live, read as "")
)

// encodePost is the encoding posts are written in.
func encodePost(p *Post) []byte { return encodePostV3(p) }

// encodePostV2 is the earlier encoding, kept for the tests that read it.
func encodePostV2(p *Post) []byte {
	b := make([]byte, 0, 96+len(p.Text))
	pc, sc, kc := code(platformCodes, p.Platform), code(sourceCodes, p.Source), code(kindCodes, string(p.Kind))
	var flags byte
	if p.Redacted {
		flags |= postRedacted
	}
	if p.Signals.Coordinates != nil {
		flags |= postCoordinates
	}
	if p.Platform != PlatformX || p.URL != xURL(p.Author.Handle, p.ID) {
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
	b = append(b, postV2, pc, sc, kc, flags)
	for i, s := range [...]string{p.Platform, p.Source, string(p.Kind)} {
		if [...]byte{pc, sc, kc}[i] == 0 {
			b = appendString(b, s)
		}
	}
	// ID and author ID first: postAuthor reads no further.
	b = appendString(b, p.ID)
	b = appendString(b, p.Author.ID)
	if flags&postURL != 0 {
		b = appendString(b, p.URL)
	}
	for _, s := range [...]string{p.Text, p.Lang, p.RefID, p.Author.Handle, p.Author.Name, p.Signals.PlaceCountry, p.Signals.ProfileLocation, p.Signals.InstanceDomain} {
		b = appendString(b, s)
	}
	if flags&postNoCreated == 0 {
		b = appendPostTime(b, p.CreatedAt)
	}
	if flags&postNoCollected == 0 {
		b = appendPostTime(b, p.CollectedAt)
	}
	b = binary.AppendVarint(b, p.Author.Followers)
	b = binary.AppendVarint(b, p.Engagement)
	if c := p.Signals.Coordinates; c != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lat))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lon))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
	for _, h := range p.Hashtags {
		b = appendString(b, h)
	}
	return b
}

// appendPostTime writes a time as seconds (a flag in the low bit) and, when
// not whole, nanoseconds: any year a platform may send, not only those
// UnixNano holds (1678 to 2262).
func appendPostTime(b []byte, t time.Time) []byte {
	if ns := t.Nanosecond(); ns != 0 {
		return binary.AppendUvarint(binary.AppendVarint(b, t.Unix()<<1|1), uint64(ns))
	}
	return binary.AppendVarint(b, t.Unix()<<1)
}

func (r *reader) postTime() time.Time {
	x := r.varint()
	var ns uint64
	if x&1 != 0 {
		ns = r.uvarint()
	}
	return time.Unix(x>>1, int64(ns%1e9)).UTC()
}

func decodePostV2(b []byte, p *Post) error {
	if len(b) < 5 {
		return errors.New("short post")
	}
	codes, flags := b[1:4], b[4]
	r := reader{b: b[5:]}
	if err := r.postCodes(codes, p); err != nil {
		return err
	}
	p.ID = r.string()
	p.Author.ID = r.string()
	if flags&postURL != 0 {
		p.URL = r.string()
	}
	for _, s := range [...]*string{&p.Text, &p.Lang, &p.RefID, &p.Author.Handle, &p.Author.Name, &p.Signals.PlaceCountry, &p.Signals.ProfileLocation, &p.Signals.InstanceDomain} {
		*s = r.string()
	}
	if flags&postURL == 0 {
		p.URL = xURL(p.Author.Handle, p.ID)
	}
	p.CreatedAt, p.CollectedAt = time.Time{}, time.Time{}
	if flags&postNoCreated == 0 {
		p.CreatedAt = r.postTime()
	}
	if flags&postNoCollected == 0 {
		p.CollectedAt = r.postTime()
	}
	p.Author.Followers = r.varint()
	p.Engagement = r.varint()
	if r.err != nil {
		return errors.New("short post")
	}
	p.Redacted = flags&postRedacted != 0
	if flags&postImported != 0 {
		p.Arrival = ArrivalImport
	}
	if flags&postCoordinates != 0 {
		if len(r.b) < 16 {
			return errors.New("short post coordinates")
		}
		p.Signals.Coordinates = &LatLon{Lat: math.Float64frombits(binary.BigEndian.Uint64(r.b)), Lon: math.Float64frombits(binary.BigEndian.Uint64(r.b[8:]))}
		r.b = r.b[16:]
	}
	n := r.uvarint()
	if r.err == nil && n < 1<<12 {
		p.Hashtags = make([]string, 0, n)
		for i := uint64(0); i < n; i++ {
			p.Hashtags = append(p.Hashtags, r.string())
		}
	}
	if r.err != nil {
		return errors.New("short post")
	}
	return nil
}

// encodePostV1 is the earlier encoding, kept for the tests that read it.
func encodePostV1(p *Post) []byte {
	b := make([]byte, 0, 160+len(p.Text))
	b = append(b, postV1)
	for _, s := range [...]string{p.Platform, p.ID, p.Source, string(p.Kind), p.URL, p.Text, p.Lang, p.RefID,
		p.Author.ID, p.Author.Handle, p.Author.Name, p.Signals.PlaceCountry, p.Signals.ProfileLocation, p.Signals.InstanceDomain} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, timeNano(p.CreatedAt))
	b = binary.AppendVarint(b, timeNano(p.CollectedAt))
	b = binary.AppendVarint(b, p.Author.Followers)
	b = binary.AppendVarint(b, p.Engagement)
	var flags byte
	if p.Redacted {
		flags |= 1
	}
	if p.Signals.Coordinates != nil {
		flags |= 2
	}
	if p.Arrival == ArrivalImport {
		flags |= 4 // any other arrival is live, stored as ""
	}
	b = append(b, flags)
	if c := p.Signals.Coordinates; c != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lat))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lon))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
	for _, h := range p.Hashtags {
		b = appendString(b, h)
	}
	return b
}

// postAuthor returns a binary post's platform and author ID without
// decoding the rest; ok is false for other encodings.
func postAuthor(b []byte) (platform, id []byte, ok bool) {
	switch {
	case len(b) > 0 && b[0] == postV3:
		return postAuthorV3(b)
	case len(b) > 0 && (b[0] == postS2 || b[0] == postS2Head):
		return postAuthorS2(b)
	case len(b) >= 5 && b[0] == postV2:
		codes := b[1:4]
		b = b[5:]
		var strs [5][]byte // literal platform, source, kind; ID; author ID
		for i := 0; i < 5; i++ {
			if i < 3 && codes[i] != 0 {
				continue
			}
			n, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < n {
				return nil, nil, false
			}
			strs[i] = b[k : k+int(n)]
			b = b[k+int(n):]
		}
		platform = strs[0]
		if c := int(codes[0]); c != 0 {
			if c > len(platformCodes) {
				return nil, nil, false
			}
			platform = platformCodeBytes[c-1]
		}
		return platform, strs[4], true
	case len(b) > 0 && b[0] == postV1:
	default:
		return nil, nil, false
	}
	b = b[1:]
	for i := 0; i < 9; i++ { // Platform … Author.ID, as encodePostV1 writes them
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, nil, false
		}
		s := b[k : k+int(n)]
		b = b[k+int(n):]
		switch i {
		case 0:
			platform = s
		case 8:
			id = s
		}
	}
	return platform, id, true
}

func decodePost(b []byte, p *Post) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, p)
	}
	if len(b) > 0 && b[0] == postV3 {
		return decodePostV3(b, p)
	}
	if len(b) > 0 && (b[0] == postS2 || b[0] == postS2Head) {
		return decodePostS2(b, p)
	}
	if len(b) > 0 && b[0] == postV2 {
		return decodePostV2(b, p)
	}
	if len(b) == 0 || b[0] != postV1 {
		return errors.New("unknown post encoding")
	}
	r := reader{b: b[1:]}
	var kind string
	for _, s := range [...]*string{&p.Platform, &p.ID, &p.Source, &kind, &p.URL, &p.Text, &p.Lang, &p.RefID,
		&p.Author.ID, &p.Author.Handle, &p.Author.Name, &p.Signals.PlaceCountry, &p.Signals.ProfileLocation, &p.Signals.InstanceDomain} {
		*s = r.string()
	}
	p.Kind = Kind(kind)
	p.CreatedAt = nanoTime(r.varint())
	p.CollectedAt = nanoTime(r.varint())
	p.Author.Followers = r.varint()
	p.Engagement = r.varint()
	if r.err != nil || len(r.b) < 1 {
		return errors.New("short post")
	}
	flags := r.b[0]
	r.b = r.b[1:]
	p.Redacted = flags&1 != 0
	if flags&4 != 0 {
		p.Arrival = ArrivalImport
	}
	if flags&2 != 0 {
		if len(r.b) < 16 {
			return errors.New("short post coordinates")
		}
		p.Signals.Coordinates = &LatLon{Lat: math.Float64frombits(binary.BigEndian.Uint64(r.b)), Lon: math.Float64frombits(binary.BigEndian.Uint64(r.b[8:]))}
		r.b = r.b[16:]
	}
	n := r.uvarint()
	if r.err == nil && n < 1<<12 {
		p.Hashtags = make([]string, 0, n)
		for i := uint64(0); i < n; i++ {
			p.Hashtags = append(p.Hashtags, r.string())
		}
	}
	if r.err != nil {
		return errors.New("short post")
	}
	return nil
}

func timeNano(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

func nanoTime(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// postCodes reads a post's platform, source and kind: each a code into its
// table (platformCodes, sourceCodes, kindCodes), or 0 for a string that
// follows. Shared by the v2 and v3 encodings.
func (r *reader) postCodes(codes []byte, p *Post) error {
	var kind string
	for i, dst := range [...]*string{&p.Platform, &p.Source, &kind} {
		table := [...][]string{platformCodes, sourceCodes, kindCodes}[i]
		switch c := int(codes[i]); {
		case c == 0:
			*dst = r.string()
		case c <= len(table):
			*dst = table[c-1]
		default:
			return fmt.Errorf("unknown post code %d", c)
		}
	}
	p.Kind = Kind(kind)
	return nil
}
