package store

import (
	"encoding/binary"
	"time"
)

// encodeMemberV2 writes a member record as tagpulse did before memberV3,
// for the tests of reading old stores.
func encodeMemberV2(m *Member) []byte {
	n := 16
	for i := range m.Periods {
		n += 24 + len(m.Periods[i].Handle) + len(m.Periods[i].In)*4
	}
	b := make([]byte, 0, n)
	b = append(b, memberV2)
	b = appendTime(b, m.First)
	b = binary.AppendUvarint(b, uint64(len(m.Periods)))
	for i := range m.Periods {
		p := &m.Periods[i]
		b = append(b, byte(p.Grain))
		b = appendPeriod(b, p.Grain, p.Period)
		b = appendTime(b, p.FirstSeen)
		b = appendTime(b, p.LastSeen-p.FirstSeen)
		b = binary.AppendVarint(b, p.Followers)
		b = binary.AppendVarint(b, p.Posts)
		b = appendString(b, p.Handle)
		b = binary.AppendUvarint(b, uint64(len(p.In)))
		for _, dv := range p.In {
			b = appendDim(b, dv.Dim)
			b = appendValue(b, dv.Value)
		}
	}
	return b
}

// appendTime writes a UnixNano time (or a difference of two): whole seconds,
// as post times mostly are, in five bytes rather than nine.
func appendTime(b []byte, ns int64) []byte {
	if ns%1e9 == 0 && ns/1e9 < 1<<61 && ns/1e9 > -(1<<61) {
		return binary.AppendVarint(b, ns/1e9<<1)
	}
	return binary.AppendVarint(b, ns<<1|1) // 2·ns fits: |ns| < 2^62 for any year before 2116
}

// appendPeriod writes a period: a day as its day number, an hour as its
// minute (hours start on the minute in every zone), each plus one; 0 and
// the string when it is not in that form.
func appendPeriod(b []byte, g Grain, period string) []byte {
	switch g {
	case GrainDay:
		if t, err := time.Parse(DayLayout, period); err == nil && t.Format(DayLayout) == period && !t.Before(epochDay) {
			return binary.AppendUvarint(b, uint64(t.Sub(epochDay)/(24*time.Hour))+1)
		}
	case GrainHour:
		if t, err := time.Parse(HourLayout, period); err == nil && t.Format(HourLayout) == period && !t.Before(epochDay) {
			return binary.AppendUvarint(b, uint64(t.Unix()/60)+1)
		}
	}
	return appendString(binary.AppendUvarint(b, 0), period)
}

func appendValue(b []byte, v string) []byte {
	if i, ok := memberValueIndex[v]; ok {
		return append(b, i)
	}
	return appendString(append(b, 0), v)
}
