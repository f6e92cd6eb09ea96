package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
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
//
// An amendment (what Bluesky's AppView said of stored posts after they were
// stored: authors' profiles, posts' engagement; see store.Amend) is
// msgAmendV1, then the amendments, the profiles and the lookup cursors,
// each list as a uvarint count and its entries. An amendment names its
// post by platform and ID only: sequence numbers are each store's own.
const (
	msgV1       = 1
	msgRedactV1 = 2
	msgAmendV1  = 3
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

// Amendment is the content of an amendment message: what store.DB.Amend
// takes.
type Amendment struct {
	Amends   []store.Amend
	Profiles []store.Profile
	Cursors  map[string][]byte
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// EncodeAmendment is an amendment message's body. The amendments' sequence
// numbers are left out (each serve node finds the post by platform and ID);
// the cursors are written in name order, so equal content is equal bytes.
func EncodeAmendment(m *Amendment) []byte {
	b := []byte{msgAmendV1}
	b = binary.AppendUvarint(b, uint64(len(m.Amends)))
	for i := range m.Amends {
		a := &m.Amends[i]
		b = appendString(b, a.Platform)
		b = appendString(b, a.ID)
		if a.Author == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			for _, s := range [...]string{a.Author.ID, a.Author.Handle, a.Author.Name} {
				b = appendString(b, s)
			}
			b = binary.AppendVarint(b, a.Author.Followers)
		}
		b = binary.AppendVarint(b, a.Engagement)
		b = binary.AppendVarint(b, nanos(a.At))
	}
	b = binary.AppendUvarint(b, uint64(len(m.Profiles)))
	for i := range m.Profiles {
		p := &m.Profiles[i]
		for _, s := range [...]string{p.Platform, p.ID, p.Handle, p.Name} {
			b = appendString(b, s)
		}
		b = binary.AppendVarint(b, p.Followers)
		b = binary.AppendVarint(b, nanos(p.FetchedAt))
	}
	names := make([]string, 0, len(m.Cursors))
	for name := range m.Cursors {
		names = append(names, name)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, name := range names {
		b = appendString(b, name)
		b = appendString(b, string(m.Cursors[name]))
	}
	return b
}

// DecodeAmendment reads a message body written by EncodeAmendment.
func DecodeAmendment(b []byte) (Amendment, error) {
	var m Amendment
	if len(b) == 0 || b[0] != msgAmendV1 {
		return m, errors.New("not an amendment")
	}
	d := decoder{b: b[1:]}
	// count reads a list's length; every entry takes a byte at least.
	count := func() int {
		n := d.uvarint()
		if d.err == nil && n > uint64(len(d.b)) {
			d.err = errShort
		}
		if d.err != nil {
			return 0
		}
		return int(n)
	}
	if n := count(); n > 0 {
		m.Amends = make([]store.Amend, 0, n)
		for range n {
			a := store.Amend{Platform: d.string(), ID: d.string()}
			switch d.byte() {
			case 0:
			case 1:
				au := store.Author{ID: d.string(), Handle: d.string(), Name: d.string()}
				au.Followers = d.varint()
				a.Author = &au
			default:
				if d.err == nil {
					d.err = errors.New("amendment: unknown author flag")
				}
			}
			a.Engagement = d.varint()
			a.At = fromNanos(d.varint())
			if d.err != nil {
				return Amendment{}, d.err
			}
			if a.Platform == "" || a.ID == "" {
				return Amendment{}, errors.New("amendment without platform or id")
			}
			m.Amends = append(m.Amends, a)
		}
	}
	if n := count(); n > 0 {
		m.Profiles = make([]store.Profile, 0, n)
		for range n {
			p := store.Profile{Platform: d.string(), ID: d.string(), Handle: d.string(), Name: d.string()}
			p.Followers = d.varint()
			p.FetchedAt = fromNanos(d.varint())
			if d.err != nil {
				return Amendment{}, d.err
			}
			if p.Platform == "" || p.ID == "" {
				return Amendment{}, errors.New("profile without platform or id")
			}
			m.Profiles = append(m.Profiles, p)
		}
	}
	if n := count(); n > 0 {
		m.Cursors = make(map[string][]byte, n)
		for range n {
			name, c := d.string(), d.string()
			if d.err != nil {
				return Amendment{}, d.err
			}
			if name == "" || strings.HasPrefix(name, "cluster:") {
				return Amendment{}, fmt.Errorf("amendment cursor %q: not a lookup's", name)
			}
			m.Cursors[name] = []byte(c)
		}
	}
	if d.err != nil {
		return Amendment{}, d.err
	}
	if len(d.b) != 0 {
		return Amendment{}, fmt.Errorf("%d bytes after the amendment", len(d.b))
	}
	return m, nil
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
