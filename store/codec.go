package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"time"
)

// Posts are stored in a compact binary form (encoding and decoding JSON was
// a third of the aggregator's time). The first byte is the format: postV1.
// A value starting with '{' is JSON, as early stores wrote; both are read.
const postV1 = 1

func encodePost(p *Post) []byte {
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

func decodePost(b []byte, p *Post) error {
	if len(b) > 0 && b[0] == '{' {
		return json.Unmarshal(b, p)
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
