package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// memberV3 writes a member record as memberV2 does (format byte, then its
// periods' entries), with what a record repeats written once. An entry
// starts with a byte of flags (flagGrain…); its reference is the last
// GrainDay entry before it in the record (for a day record's hour entries,
// its day entry):
//
//   - a day as its day number; an hour as its offset from its reference's
//     day in hours (or minutes); the total's "" as an empty string;
//   - FirstSeen from the start of its period (a day from its UTC midnight,
//     an hour from its start), or a flag when it is the reference's;
//     LastSeen as a difference from FirstSeen, or a flag when they are
//     equal; Followers as a flag when they are the reference's; Posts 1 as
//     a flag;
//   - In as "the reference's", as a mask or a list of the reference's
//     entries, or written out: the leading entries in the order the
//     aggregator adds them (standardDims) by value only, DimAll's "" and a
//     derivable source_kind not at all; values of the table in one byte,
//     other two-letter countries and languages in two;
//   - First (campaign records) after the entries, from the first GrainTotal
//     entry's FirstSeen.
//
// Times are seconds and, when not whole seconds, milliseconds or
// nanoseconds (appendInstant): any int64 comes back exactly. Anything not
// in the form a shortcut needs is written out, so every Member comes back
// as it was (a nil In as an empty one, as memberV2 did).
const memberV3 = 3

// The flags of a period entry in a memberV3 record.
const (
	flagGrain       = 0x03 // grain code: 0 total, 1 day, 2 hour, 3 other (a byte follows)
	flagOnePost     = 0x04 // Posts is 1
	flagSameLast    = 0x08 // LastSeen is FirstSeen
	flagRefFollower = 0x10 // Followers is the reference's
	flagRefFirst    = 0x20 // FirstSeen is the reference's
	flagIn          = 0xc0 // how In is written: the inXxx modes << 6
)

// How a memberV3 entry's In is written.
const (
	inOwn     = iota // written out
	inRef            // equal to the reference's
	inRefMask        // the reference's entries a mask names, in the reference's order
	inRefList        // a list of indices of the reference's entries
)

// standardDims are the dimensions, in order, of the entries the aggregator
// adds for a period's first post; memberV3 writes the values of a leading
// run of them without their dimensions.
var standardDims = [...]string{DimAll, DimCountry, DimSource, DimKind, DimLang, DimMethod, DimArrival, DimSourceKind}

// memberRef is what a memberV3 entry is written against.
type memberRef struct {
	ok  bool
	p   *PeriodMember
	day int64 // p's day number, or -1 when its period is not a day in DayLayout
}

func encodeMember(m *Member) []byte {
	return AppendMember(make([]byte, 0, MemberSizeHint(m)), m)
}

// MemberSizeHint is about how many bytes AppendMember writes for m (no
// fewer, mostly).
func MemberSizeHint(m *Member) int {
	n := 8
	for i := range m.Periods {
		n += 16 + len(m.Periods[i].Handle) + len(m.Periods[i].In)*2
	}
	return n
}

// AppendMember appends a member record as the store keeps it to b (see
// RollupTx.PutMemberBytes).
func AppendMember(b []byte, m *Member) []byte {
	b = append(b, memberV3)
	b = binary.AppendUvarint(b, uint64(len(m.Periods)))
	var ref memberRef
	var firstBase int64
	total := false
	for i := range m.Periods {
		p := &m.Periods[i]
		var day int64
		b, day = appendPeriodMember(b, p, &ref)
		if p.Grain == GrainTotal && !total {
			total, firstBase = true, p.FirstSeen
		}
		if p.Grain == GrainDay {
			ref = memberRef{ok: true, p: p, day: day}
		}
	}
	return appendInstant(b, m.First-firstBase)
}

// appendPeriodMember writes one entry; day is its day number, or -1 when
// it is not a day in DayLayout.
func appendPeriodMember(b []byte, p *PeriodMember, ref *memberRef) (_ []byte, day int64) {
	day = -1
	at := len(b)
	b = append(b, 0)
	var flags byte
	switch p.Grain {
	case GrainTotal:
	case GrainDay:
		flags = 1
	case GrainHour:
		flags = 2
	default:
		flags = 3
		b = append(b, byte(p.Grain))
	}
	// the period, and the instant FirstSeen is written from
	var base int64
	switch p.Grain {
	case GrainDay:
		if d, ok := parseDay(p.Period); ok {
			b = binary.AppendUvarint(b, uint64(d)+1)
			base, day = d*86400e9, d
		} else {
			b = appendString(append(b, 0), p.Period)
		}
	case GrainHour:
		if min, ok := parseMinute(p.Period); ok {
			if ref.ok && ref.day >= 0 {
				off := min - ref.day*1440
				if off%60 == 0 {
					b = binary.AppendUvarint(b, (zigzag(off/60)<<1)+1)
				} else {
					b = binary.AppendUvarint(b, (zigzag(off)<<1|1)+1)
				}
			} else {
				b = binary.AppendUvarint(b, uint64(min)+1)
			}
			base = min * 60e9
		} else {
			b = appendString(append(b, 0), p.Period)
		}
	default:
		b = appendString(b, p.Period)
	}
	if ref.ok && p.FirstSeen == ref.p.FirstSeen {
		flags |= flagRefFirst
	} else {
		b = appendInstant(b, p.FirstSeen-base)
	}
	if p.LastSeen == p.FirstSeen {
		flags |= flagSameLast
	} else {
		b = appendInstant(b, p.LastSeen-p.FirstSeen)
	}
	if ref.ok && p.Followers == ref.p.Followers {
		flags |= flagRefFollower
	} else {
		b = binary.AppendVarint(b, p.Followers)
	}
	if p.Posts == 1 {
		flags |= flagOnePost
	} else {
		b = binary.AppendVarint(b, p.Posts)
	}
	b = appendString(b, p.Handle)
	var mode byte
	b, mode = appendIn(b, p.In, ref)
	b[at] = flags | mode<<6
	return b, day
}

// appendIn writes an entry's In: against its reference's where every
// entry is one of the reference's, else written out.
func appendIn(b []byte, in []DimValue, ref *memberRef) ([]byte, byte) {
	if ref.ok {
		rin := ref.p.In
		if dimValuesEqual(in, rin) && in != nil {
			return b, inRef
		}
		// the reference's entries in, in order: a mask
		var mask uint64
		j := 0
		for _, dv := range in {
			for j < len(rin) && rin[j] != dv {
				j++
			}
			if j == len(rin) || j >= 64 {
				mask = 0
				break
			}
			mask |= 1 << j
			j++
		}
		if mask != 0 && bits.OnesCount64(mask) == len(in) {
			return binary.AppendUvarint(b, mask), inRefMask
		}
		// or in any order: a list
		if len(in) > 0 && len(in) <= len(rin) {
			list := binary.AppendUvarint(b, uint64(len(in)))
			found := true
			for _, dv := range in {
				k := indexDimValue(rin, dv)
				if k < 0 {
					found = false
					break
				}
				list = binary.AppendUvarint(list, uint64(k))
			}
			if found {
				return list, inRefList
			}
			b = list[:len(b)]
		}
	}
	std := 0
	if len(in) > 0 && in[0] == (DimValue{DimAll, ""}) {
		for std < len(in) && std < len(standardDims) && in[std].Dim == standardDims[std] {
			std++
		}
	}
	derived := std == len(standardDims) && isSourceKind(in[7].Value, in[2].Value, in[3].Value)
	h := uint64(len(in)-std)<<5 | uint64(std)
	if derived {
		h |= 0x10
	}
	b = binary.AppendUvarint(b, h)
	for i := 1; i < std; i++ {
		if i == 7 && derived {
			break
		}
		b = appendValue3(b, in[i].Value)
	}
	for _, dv := range in[std:] {
		b = appendDim(b, dv.Dim)
		b = appendValue3(b, dv.Value)
	}
	return b, inOwn
}

func dimValuesEqual(a, b []DimValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func indexDimValue(l []DimValue, dv DimValue) int {
	for i := range l {
		if l[i] == dv {
			return i
		}
	}
	return -1
}

// isSourceKind reports whether sk is source + "/" + kind.
func isSourceKind(sk, source, kind string) bool {
	return len(sk) == len(source)+1+len(kind) && sk[:len(source)] == source && sk[len(source)] == '/' && sk[len(source)+1:] == kind
}

// sourceKindValues are the DimSourceKind values of the known sources and
// kinds, so that decoding a derived one allocates nothing.
var sourceKindValues = func() map[[2]string]string {
	m := map[[2]string]string{}
	for _, s := range Sources {
		for _, k := range Kinds {
			m[[2]string{s, string(k)}] = s + "/" + string(k)
		}
	}
	return m
}()

func sourceKindValue(source, kind string) string {
	if v, ok := sourceKindValues[[2]string{source, kind}]; ok {
		return v
	}
	return source + "/" + kind
}

func zigzag(x int64) uint64 { return uint64(x<<1) ^ uint64(x>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// appendInstant writes a UnixNano time or a difference of two, exactly for
// any int64: the seconds (rounded down), with a flag when a fraction
// follows, the fraction as milliseconds or nanoseconds.
func appendInstant(b []byte, ns int64) []byte {
	sec, frac := ns/1e9, ns%1e9
	if frac < 0 {
		sec, frac = sec-1, frac+1e9
	}
	if frac == 0 {
		return binary.AppendUvarint(b, zigzag(sec)<<1)
	}
	b = binary.AppendUvarint(b, zigzag(sec)<<1|1)
	if frac%1e6 == 0 {
		return binary.AppendUvarint(b, uint64(frac/1e6)<<1)
	}
	return binary.AppendUvarint(b, uint64(frac)<<1|1)
}

func (r *reader) instant() int64 {
	u := r.uvarint()
	sec := unzigzag(u >> 1)
	if u&1 == 0 {
		return sec * 1e9
	}
	f := r.uvarint()
	frac := f >> 1
	if f&1 == 0 {
		frac *= 1e6
	}
	if (f>>1 >= 1e9 || frac >= 1e9) && r.err == nil {
		r.err = errors.New("bad fraction of a second")
	}
	return sec*1e9 + int64(frac)
}

// Values of a memberV3 record: 0 and the string, 1 + an index of
// memberValueIndex (below 128), or two letters of an ISO country or
// language code.
const (
	valueUpper = 128                // + 26·a + b: two capital letters
	valueLower = valueUpper + 26*26 // + 26·a + b: two small letters
	valueEnd   = valueLower + 26*26
)

var letterPairs = func() (t [2][26 * 26]string) {
	for i := range 26 * 26 {
		t[0][i] = string([]byte{'A' + byte(i/26), 'A' + byte(i%26)})
		t[1][i] = string([]byte{'a' + byte(i/26), 'a' + byte(i%26)})
	}
	return t
}()

func init() {
	for _, i := range memberValueIndex {
		if i >= valueUpper {
			panic("store: memberValueIndex has outgrown memberV3's one-byte values")
		}
	}
}

func appendValue3(b []byte, v string) []byte {
	if i, ok := memberValueIndex[v]; ok {
		return append(b, i)
	}
	if len(v) == 2 {
		switch a, c := v[0], v[1]; {
		case 'A' <= a && a <= 'Z' && 'A' <= c && c <= 'Z':
			return binary.AppendUvarint(b, valueUpper+uint64(a-'A')*26+uint64(c-'A'))
		case 'a' <= a && a <= 'z' && 'a' <= c && c <= 'z':
			return binary.AppendUvarint(b, valueLower+uint64(a-'a')*26+uint64(c-'a'))
		}
	}
	return appendString(append(b, 0), v)
}

func (r *reader) value3() string {
	i := r.uvarint()
	switch {
	case r.err != nil:
		return ""
	case i == 0:
		return r.string()
	case i < valueUpper:
		return tableValue(r, int(i))
	case i < valueLower:
		return letterPairs[0][i-valueUpper]
	case i < valueEnd:
		return letterPairs[1][i-valueLower]
	}
	r.err = fmt.Errorf("unknown value %d", i)
	return ""
}

// memberTable is the value of each memberValueIndex index.
var memberTable = func() []string {
	t := make([]string, 1+len(memberValues)+len(Sources)*len(Kinds))
	for v, i := range memberValueIndex {
		t[i] = v
	}
	return t
}()

func tableValue(r *reader, i int) string {
	if i < len(memberTable) {
		return memberTable[i]
	}
	r.err = fmt.Errorf("unknown value %d", i)
	return ""
}

func decodeMemberV3(b []byte) (Member, error) {
	var m Member
	r := reader{b: b}
	n := r.uvarint()
	if r.err == nil && n >= 1<<20 {
		r.err = fmt.Errorf("%d periods", n)
	}
	var ref memberRef
	var firstBase int64
	total := false
	if r.err == nil {
		m.Periods = make([]PeriodMember, n, n+3)
		for i := range m.Periods {
			p := &m.Periods[i]
			day := r.periodMember(p, &ref)
			if r.err != nil {
				break
			}
			if p.Grain == GrainTotal && !total {
				total, firstBase = true, p.FirstSeen
			}
			if p.Grain == GrainDay {
				ref = memberRef{ok: true, p: p, day: day}
			}
		}
	}
	m.First = firstBase + r.instant()
	if r.err == nil && len(r.b) != 0 {
		r.err = fmt.Errorf("%d bytes after the record", len(r.b))
	}
	if r.err != nil {
		return Member{}, fmt.Errorf("bad member value: %w", r.err)
	}
	return m, nil
}

// periodMember reads one entry; day is as appendPeriodMember's.
func (r *reader) periodMember(p *PeriodMember, ref *memberRef) (day int64) {
	day = -1
	if len(r.b) == 0 {
		r.err = errors.New("short period")
		return
	}
	flags := r.b[0]
	r.b = r.b[1:]
	if (flags&(flagRefFirst|flagRefFollower) != 0 || flags&flagIn != 0) && !ref.ok {
		r.err = errors.New("a period written against no day")
		return
	}
	switch flags & flagGrain {
	case 0:
		p.Grain = GrainTotal
	case 1:
		p.Grain = GrainDay
	case 2:
		p.Grain = GrainHour
	default:
		if len(r.b) == 0 {
			r.err = errors.New("short period")
			return
		}
		p.Grain = Grain(r.b[0])
		r.b = r.b[1:]
	}
	var base int64
	switch p.Grain {
	case GrainDay, GrainHour:
		u := r.uvarint()
		switch {
		case r.err != nil:
			return
		case u == 0:
			p.Period = r.string()
		case p.Grain == GrainDay:
			d := int64(u - 1)
			if u > maxDay+1 {
				r.err = fmt.Errorf("bad day %d", u)
				return
			}
			p.Period, base, day = formatDay(d), d*86400e9, d
		default:
			min := int64(u - 1)
			if ref.ok && ref.day >= 0 {
				c := u - 1
				off := unzigzag(c >> 1)
				if c&1 == 0 {
					off *= 60
				}
				min = ref.day*1440 + off
			}
			if u > 1<<62 || min < 0 || min >= (maxDay+1)*1440 {
				r.err = fmt.Errorf("bad hour %d", u)
				return
			}
			p.Period, base = formatMinute(min), min*60e9
		}
	default:
		p.Period = r.string()
	}
	if flags&flagRefFirst != 0 {
		p.FirstSeen = ref.p.FirstSeen
	} else {
		p.FirstSeen = base + r.instant()
	}
	p.LastSeen = p.FirstSeen
	if flags&flagSameLast == 0 {
		p.LastSeen += r.instant()
	}
	if flags&flagRefFollower != 0 {
		p.Followers = ref.p.Followers
	} else {
		p.Followers = r.varint()
	}
	p.Posts = 1
	if flags&flagOnePost == 0 {
		p.Posts = r.varint()
	}
	p.Handle = r.string()
	if r.err != nil {
		return
	}
	switch flags >> 6 {
	case inRef:
		p.In = make([]DimValue, len(ref.p.In), len(ref.p.In)+1)
		copy(p.In, ref.p.In)
	case inRefMask:
		mask := r.uvarint()
		rin := ref.p.In
		if r.err == nil && (mask == 0 || len(rin) < 64 && mask>>len(rin) != 0) {
			r.err = fmt.Errorf("bad mask %#x of %d dimensions", mask, len(rin))
		}
		if r.err != nil {
			return
		}
		p.In = make([]DimValue, 0, bits.OnesCount64(mask)+1)
		for j := range rin {
			if mask&(1<<j) != 0 {
				p.In = append(p.In, rin[j])
			}
		}
	case inRefList:
		k := r.uvarint()
		rin := ref.p.In
		if r.err == nil && (k == 0 || k > uint64(len(rin))) {
			r.err = fmt.Errorf("bad list of %d of %d dimensions", k, len(rin))
		}
		if r.err != nil {
			return
		}
		p.In = make([]DimValue, 0, k+1)
		for ; k > 0 && r.err == nil; k-- {
			j := r.uvarint()
			if r.err == nil && j >= uint64(len(rin)) {
				r.err = fmt.Errorf("bad index %d of %d dimensions", j, len(rin))
				return
			}
			p.In = append(p.In, rin[j])
		}
	default:
		r.in(p)
	}
	return day
}

// in reads an In written out.
func (r *reader) in(p *PeriodMember) {
	h := r.uvarint()
	std, derived, extra := int(h&0x0f), h&0x10 != 0, h>>5
	if r.err == nil && (std > len(standardDims) || derived && std != len(standardDims) || extra >= 1<<16) {
		r.err = fmt.Errorf("bad dimensions %#x", h)
	}
	if r.err != nil {
		return
	}
	p.In = make([]DimValue, std, std+int(extra)+1)
	for i := range std {
		p.In[i].Dim = standardDims[i]
		switch {
		case i == 0:
		case i == 7 && derived:
			p.In[i].Value = sourceKindValue(p.In[2].Value, p.In[3].Value)
		default:
			p.In[i].Value = r.value3()
		}
	}
	for ; extra > 0 && r.err == nil; extra-- {
		p.In = append(p.In, DimValue{r.dim(), r.value3()})
	}
}

// maxDay is the day number of 9999-12-31, the last day DayLayout writes
// in four digits.
const maxDay = 2932896

// parseDay returns the day number (days since 1970-01-01) of a day written
// exactly as DayLayout writes it, from 1970 on.
func parseDay(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false
	}
	return daysFromCivil(y, mo, d), true
}

// parseMinute returns the minute number (minutes since 1970-01-01T00:00Z)
// of an hour written exactly as HourLayout writes it, from 1970 on.
func parseMinute(s string) (int64, bool) {
	if len(s) != 17 || s[10] != 'T' || s[13] != ':' || s[16] != 'Z' {
		return 0, false
	}
	day, ok := parseDay(s[:10])
	h, ok1 := digits(s[11:13])
	m, ok2 := digits(s[14:16])
	if !ok || !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	return day*1440 + int64(h)*60 + int64(m), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil and civilFromDays convert between dates and day numbers in
// the proleptic Gregorian calendar (Howard Hinnant's algorithms), for
// years from 1970 on.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	doe := int(z - era*146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + int(era)*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// formatDay writes day number d (0 ≤ d ≤ maxDay) as DayLayout does.
func formatDay(d int64) string {
	var b [10]byte
	putDay(b[:], d)
	return string(b[:])
}

// formatMinute writes minute number min (0 ≤ min < (maxDay+1)·1440) as
// HourLayout does.
func formatMinute(min int64) string {
	var b [17]byte
	putDay(b[:], min/1440)
	h, m := int(min%1440)/60, int(min%60)
	b[10], b[11], b[12], b[13], b[14], b[15], b[16] = 'T', '0'+byte(h/10), '0'+byte(h%10), ':', '0'+byte(m/10), '0'+byte(m%10), 'Z'
	return string(b[:])
}

func putDay(b []byte, d int64) {
	y, m, dd := civilFromDays(d)
	b[0], b[1], b[2], b[3] = '0'+byte(y/1000), '0'+byte(y/100%10), '0'+byte(y/10%10), '0'+byte(y%10)
	b[4], b[5], b[6] = '-', '0'+byte(m/10), '0'+byte(m%10)
	b[7], b[8], b[9] = '-', '0'+byte(dd/10), '0'+byte(dd%10)
}
