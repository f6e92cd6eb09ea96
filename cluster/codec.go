package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// A message on the stream is one post: a version byte (msgV1), then the
// post's fields in a fixed order, strings as uvarint length and bytes,
// numbers as varints, times as Unix nanoseconds (MinInt64 for the zero
// time). A serve node that meets a version it does not know counts and skips
// the message rather than guessing.
//
// A redaction (the platform said a post was deleted: serve nodes remove its
// text and URL, as a single process does) is msgRedactV1, then the
// platform and the id as strings.
const (
	msgV1       = 1
	msgRedactV1 = 2
)

// maxMsgString bounds one string field when decoding, so that a corrupt
// length cannot make a node allocate gigabytes.
const maxMsgString = 1 << 20

var errShort = errors.New("short message")

// EncodePost is a post's message body.
func EncodePost(p *store.Post) []byte {
	b := make([]byte, 0, 160+len(p.Text))
	b = append(b, msgV1)
	for _, s := range [...]string{p.Platform, p.ID, p.Source, string(p.Kind), p.URL, p.Text, p.Lang, p.RefID,
		p.Author.ID, p.Author.Handle, p.Author.Name, p.Signals.PlaceCountry, p.Signals.ProfileLocation, p.Signals.InstanceDomain} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, nanos(p.CreatedAt))
	b = binary.AppendVarint(b, nanos(p.CollectedAt))
	b = binary.AppendVarint(b, p.Author.Followers)
	b = binary.AppendVarint(b, p.Engagement)
	var flags byte
	if p.Redacted {
		flags |= 1
	}
	if p.Signals.Coordinates != nil {
		flags |= 2
	}
	b = append(b, flags)
	if c := p.Signals.Coordinates; c != nil {
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lat))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(c.Lon))
	}
	b = binary.AppendUvarint(b, uint64(len(p.Hashtags)))
	for _, h := range p.Hashtags {
		b = binary.AppendUvarint(b, uint64(len(h)))
		b = append(b, h...)
	}
	return b
}

// EncodeRedaction is the message body of a post's redaction.
func EncodeRedaction(platform, id string) []byte {
	b := []byte{msgRedactV1}
	for _, s := range []string{platform, id} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// DecodeRedaction reads a message body written by EncodeRedaction.
func DecodeRedaction(b []byte) (platform, id string, err error) {
	if len(b) == 0 || b[0] != msgRedactV1 {
		return "", "", errors.New("not a redaction")
	}
	d := decoder{b: b[1:]}
	platform, id = d.string(), d.string()
	switch {
	case d.err != nil:
		return "", "", d.err
	case len(d.b) != 0:
		return "", "", fmt.Errorf("%d bytes after the redaction", len(d.b))
	case platform == "" || id == "":
		return "", "", errors.New("redaction without platform or id")
	}
	return platform, id, nil
}

// DecodePost reads a message body written by EncodePost.
func DecodePost(b []byte) (store.Post, error) {
	var p store.Post
	if len(b) == 0 {
		return p, errors.New("empty message")
	}
	if b[0] != msgV1 {
		return p, fmt.Errorf("unknown message version %d", b[0])
	}
	d := decoder{b: b[1:]}
	var kind string
	for _, s := range [...]*string{&p.Platform, &p.ID, &p.Source, &kind, &p.URL, &p.Text, &p.Lang, &p.RefID,
		&p.Author.ID, &p.Author.Handle, &p.Author.Name, &p.Signals.PlaceCountry, &p.Signals.ProfileLocation, &p.Signals.InstanceDomain} {
		*s = d.string()
	}
	p.Kind = store.Kind(kind)
	p.CreatedAt = fromNanos(d.varint())
	p.CollectedAt = fromNanos(d.varint())
	p.Author.Followers = d.varint()
	p.Engagement = d.varint()
	flags := d.byte()
	p.Redacted = flags&1 != 0
	if flags&2 != 0 {
		lat, lon := d.uint64(), d.uint64()
		p.Signals.Coordinates = &store.LatLon{Lat: math.Float64frombits(lat), Lon: math.Float64frombits(lon)}
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) { // each hashtag takes a byte at least
		d.err = errShort
	}
	if d.err == nil && n > 0 {
		p.Hashtags = make([]string, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			p.Hashtags = append(p.Hashtags, d.string())
		}
	}
	if d.err != nil {
		return store.Post{}, d.err
	}
	if len(d.b) != 0 {
		return store.Post{}, fmt.Errorf("%d bytes after the post", len(d.b))
	}
	if p.Platform == "" || p.ID == "" {
		return store.Post{}, errors.New("post without platform or id")
	}
	return p, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > maxMsgString || n > uint64(len(d.b)) {
		d.err = errShort
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = errShort
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
