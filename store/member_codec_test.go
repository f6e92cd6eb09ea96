package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomMember makes a member record. Half are shaped as the aggregator
// writes them (a campaign record, or a day record whose hour entries share
// most of the day's dimensions); the rest are anything a Member can hold:
// odd grains and periods, extreme times, unknown dimensions and values.
func randomMember(r *rand.Rand) Member {
	if r.IntN(2) == 0 {
		return aggregatorMember(r)
	}
	m := Member{First: randomInstant(r), Periods: []PeriodMember{}}
	for range r.IntN(5) {
		p := PeriodMember{Grain: []Grain{GrainTotal, GrainDay, GrainHour, 'q'}[r.IntN(4)], FirstSeen: randomInstant(r),
			Followers: randomInt(r), Posts: randomInt(r), Handle: randomString(r), In: []DimValue{}}
		p.LastSeen = p.FirstSeen
		if r.IntN(2) == 0 {
			p.LastSeen = randomInstant(r)
		}
		switch r.IntN(3) {
		case 0:
			p.Period = randomPeriod(r, p.Grain)
		case 1:
			p.Period = randomString(r)
		}
		for range r.IntN(12) {
			p.In = append(p.In, randomDimValue(r))
		}
		if r.IntN(3) == 0 && len(m.Periods) > 0 { // shares what an earlier entry has
			q := m.Periods[r.IntN(len(m.Periods))]
			p.In = append([]DimValue{}, q.In...)
			if r.IntN(2) == 0 && len(p.In) > 1 {
				p.In = p.In[r.IntN(len(p.In)):]
			}
			r.Shuffle(len(p.In), func(i, j int) { p.In[i], p.In[j] = p.In[j], p.In[i] })
			p.FirstSeen, p.Followers = q.FirstSeen, q.Followers
		}
		m.Periods = append(m.Periods, p)
	}
	return m
}

// aggregatorMember is a record as the aggregator makes them.
func aggregatorMember(r *rand.Rand) Member {
	day := time.Date(2026, 11, 20+r.IntN(10), 0, 0, 0, 0, time.UTC)
	at := day.Add(time.Duration(r.IntN(86400)) * time.Second).Add(-2 * time.Hour)
	if r.IntN(5) == 0 {
		at = at.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
	}
	in := func(total bool) []DimValue {
		source, kind := []string{SourceX, SourceBluesky, "odd"}[r.IntN(3)], string(Kinds[r.IntN(len(Kinds))])
		l := []DimValue{{DimAll, ""}, {DimCountry, []string{"PS", "GB", UnknownCountry, "uk", "Zz"}[r.IntN(5)]}, {DimSource, source}, {DimKind, kind},
			{DimLang, []string{"en", "ar", "und", "fr", "pt-BR"}[r.IntN(5)]}, {DimMethod, []string{"profile", "place", "none"}[r.IntN(3)]}, {DimArrival, []string{ArrivalLive, ArrivalImport}[r.IntN(2)]}}
		if total {
			l = append(l, DimValue{DimSourceKind, source + "/" + kind})
		}
		for range r.IntN(3) {
			l = append(l, DimValue{[]string{DimKind, DimCountry, DimLang}[r.IntN(3)], []string{"repost", "JO", "ar"}[r.IntN(3)]})
		}
		return l
	}
	follow := int64(r.IntN(100000))
	if r.IntN(2) == 0 {
		m := Member{First: at.UnixNano(), Periods: []PeriodMember{{Grain: GrainTotal, FirstSeen: at.UnixNano(), LastSeen: at.UnixNano(), Followers: follow, Posts: 1, In: in(true)}}}
		if r.IntN(2) == 0 {
			p := &m.Periods[0]
			p.FirstSeen += int64(r.IntN(86400)) * 1e9
			p.LastSeen = p.FirstSeen + int64(r.IntN(86400*5))*1e9
			p.Posts = int64(2 + r.IntN(100))
		}
		return m
	}
	dp := PeriodMember{Grain: GrainDay, Period: day.Format(DayLayout), FirstSeen: at.UnixNano(), LastSeen: at.UnixNano(), Followers: follow, Posts: 1, Handle: fmt.Sprint("supporter", r.IntN(1e6)), In: in(false)}
	m := Member{Periods: []PeriodMember{dp}}
	for h := range 1 + r.IntN(4) {
		start := at.Truncate(time.Hour).Add(time.Duration(h) * time.Hour)
		if r.IntN(8) == 0 {
			start = start.Add(30 * time.Minute) // a zone such as Asia/Kolkata
		}
		hp := PeriodMember{Grain: GrainHour, Period: start.UTC().Format(HourLayout), FirstSeen: start.Add(time.Duration(r.IntN(3600)) * time.Second).UnixNano(), Followers: follow, Posts: 1, In: append([]DimValue{}, dp.In...)}
		if h == 0 {
			hp.FirstSeen = dp.FirstSeen
		}
		hp.LastSeen = hp.FirstSeen
		switch r.IntN(4) {
		case 0:
			hp.In = hp.In[:7]
		case 1:
			hp.In[3].Value = "reply"
		case 2:
			hp.Followers++
			hp.Posts = 3
			hp.LastSeen += 60e9
		}
		m.Periods = append(m.Periods, hp)
		m.Periods[0].Posts += hp.Posts
	}
	return m
}

func randomInstant(r *rand.Rand) int64 {
	switch r.IntN(5) {
	case 0:
		return []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 1e9, -1e9}[r.IntN(7)]
	case 1:
		return int64(r.Uint64())
	case 2:
		return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC).UnixNano() + int64(r.IntN(1e6))*1e6
	}
	return time.Date(1970+r.IntN(200), 1, 1, 0, 0, r.IntN(366*86400), 0, time.UTC).UnixNano()
}

func randomInt(r *rand.Rand) int64 {
	if r.IntN(3) == 0 {
		return int64(r.Uint64())
	}
	return int64(r.IntN(5))
}

func randomString(r *rand.Rand) string {
	return []string{"", "a", "PS", "uk", "Zz", "2026-11-29", "x/repost", "odd/kind", "ü", string([]byte{0, 0xff})}[r.IntN(10)]
}

func randomPeriod(r *rand.Rand, g Grain) string {
	t := time.Unix(r.Int64N(253402300800), 0).UTC() // up to 9999-12-31
	if g == GrainHour {
		return t.Truncate(time.Minute).Format(HourLayout)
	}
	return t.Format(DayLayout)
}

func randomDimValue(r *rand.Rand) DimValue {
	d := append([]string{"future_dim", ""}, memberDims...)[r.IntN(len(memberDims)+2)]
	vs := append([]string{"", "PS", "ar", "Ps", "P", "PSE", "fr-CA", "odd/kind", "x/repost"}, memberValues...)
	return DimValue{d, vs[r.IntN(len(vs))]}
}

// TestMemberV3RoundTrip: any member record comes back from memberV3 as it
// went in, and a record cut short anywhere does not decode.
func TestMemberV3RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	for i := 0; i < 20000; i++ {
		m := randomMember(r)
		b := encodeMember(&m)
		if b[0] != memberV3 {
			t.Fatalf("written as format %d", b[0])
		}
		got, err := decodeMember(b)
		if err != nil {
			t.Fatalf("%d: %v\n%+v", i, err, m)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%d: round trip:\n got %+v\nwant %+v", i, got, m)
		}
		for j := 1; j < len(b); j++ {
			if _, err := decodeMember(b[:j]); err == nil {
				t.Fatalf("%d: a record cut at %d of %d bytes decoded", i, j, len(b))
			}
		}
		if _, err := decodeMember(append(b, 0)); err == nil {
			t.Fatalf("%d: a record with a byte after it decoded", i)
		}
	}
}

// TestMemberV3DoesNotAlias: entries written as their day's In come back
// with their own slices, so the aggregator's appends to one do not show in
// another.
func TestMemberV3DoesNotAlias(t *testing.T) {
	in := []DimValue{{DimAll, ""}, {DimCountry, "PS"}}
	m := Member{Periods: []PeriodMember{
		{Grain: GrainDay, Period: "2026-11-29", In: in},
		{Grain: GrainHour, Period: "2026-11-29T05:00Z", In: append([]DimValue{}, in...)},
		{Grain: GrainHour, Period: "2026-11-29T06:00Z", In: in[1:]},
	}}
	got, err := decodeMember(encodeMember(&m))
	if err != nil {
		t.Fatal(err)
	}
	got.Periods[1].In = append(got.Periods[1].In, DimValue{DimKind, "reply"})
	got.Periods[2].In = append(got.Periods[2].In, DimValue{DimKind, "quote"})
	got.Periods[0].In[1].Value = "GB"
	if len(got.Periods[0].In) != 2 || got.Periods[1].In[1].Value != "PS" || got.Periods[2].In[0].Value != "PS" || got.Periods[1].In[2].Value != "reply" {
		t.Fatalf("entries share their dimensions: %+v", got.Periods)
	}
}

// TestMemberV2ReadsAsV3: a record an earlier tagpulse wrote (memberV2)
// decodes to what it held, and written again as memberV3 it decodes to the
// same.
func TestMemberV2ReadsAsV3(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 4))
	for i := 0; i < 20000; i++ {
		m := randomMember(r)
		if !v2Holds(&m) {
			continue
		}
		old, err := decodeMember(encodeMemberV2(&m))
		if err != nil {
			t.Fatalf("%d: v2: %v\n%+v", i, err, m)
		}
		if !reflect.DeepEqual(old, m) {
			t.Fatalf("%d: v2 round trip:\n got %+v\nwant %+v", i, old, m)
		}
		again, err := decodeMember(encodeMember(&old))
		if err != nil || !reflect.DeepEqual(again, old) {
			t.Fatalf("%d: v2 record written as v3: %v\n got %+v\nwant %+v", i, err, again, old)
		}
	}
}

// v2Holds reports whether memberV2 writes m exactly: its times (and
// LastSeen-FirstSeen) within ±2^62 ns, its days before 2262 (it counted
// them in a time.Duration).
func v2Holds(m *Member) bool {
	ok := func(ns int64) bool { return ns >= -(1<<62) && ns < 1<<62 }
	if !ok(m.First) {
		return false
	}
	for _, p := range m.Periods {
		if d, isDay := parseDay(p.Period); !ok(p.FirstSeen) || !ok(p.LastSeen-p.FirstSeen) || p.Grain == GrainDay && isDay && d >= 106751 {
			return false
		}
	}
	return true
}

// TestMemberV3Smaller: the records the aggregator writes take under half
// the bytes memberV2 took for them.
func TestMemberV3Smaller(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 5))
	var v2, v3 int
	for range 2000 {
		m := aggregatorMember(r)
		v2 += len(encodeMemberV2(&m))
		v3 += len(encodeMember(&m))
	}
	if v3*2 > v2 {
		t.Fatalf("memberV3 %d bytes, memberV2 %d", v3, v2)
	}
	t.Logf("memberV3 %.1f bytes a record, memberV2 %.1f", float64(v3)/2000, float64(v2)/2000)
}

// TestPeriodNumbers: parseDay and parseMinute take exactly the periods
// time.Parse takes and time.Format writes back, from 1970 to 9999, and
// formatDay and formatMinute write what time.Format writes.
func TestPeriodNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 6))
	epoch := time.Unix(0, 0).UTC()
	for i := 0; i < 200000; i++ {
		tm := time.Unix(r.Int64N(253402300800), 0).UTC().Truncate(time.Minute)
		if i%10 == 0 {
			tm = time.Date(1970+r.IntN(8030), time.Month(1+r.IntN(12)), 28+r.IntN(4), 23, 59, 0, 0, time.UTC)
		}
		for _, c := range []struct {
			layout string
			parse  func(string) (int64, bool)
			format func(int64) string
			unit   time.Duration
		}{{DayLayout, parseDay, formatDay, 24 * time.Hour}, {HourLayout, parseMinute, formatMinute, time.Minute}} {
			s := tm.Format(c.layout)
			if i%3 == 0 { // one character changed
				b := []byte(s)
				b[r.IntN(len(b))] = "0123456789-:TZ x"[r.IntN(16)]
				s = string(b)
			}
			n, ok := c.parse(s)
			pt, err := time.Parse(c.layout, s)
			want := err == nil && pt.Format(c.layout) == s && !pt.Before(epoch)
			if ok != want {
				t.Fatalf("%s %q: ok %v, time.Parse %v %v", c.layout, s, ok, pt, err)
			}
			if ok && (pt.Unix()/int64(c.unit/time.Second) != n || c.format(n) != s) {
				t.Fatalf("%s %q: %d, written back %q", c.layout, s, n, c.format(n))
			}
		}
	}
	if formatDay(maxDay) != "9999-12-31" {
		t.Fatalf("maxDay is %s", formatDay(maxDay))
	}
}

func TestMemberV3Errors(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{[]byte{memberV3}, "short uvarint"},
		{[]byte{memberV3, 1, flagRefFirst | 1, 0}, "against no day"},
		{[]byte{memberV3, 1, 1, 0xff, 0xff, 0xff, 0x7f}, "bad day"},
		// a total entry of one post, LastSeen its FirstSeen: period "", FirstSeen, Followers, Handle, In; then First
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 0, 0, 0, 0x00, 0}, ""},
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 0, 0, 0, 0x0f, 0}, "bad dimensions"},
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 0, 0, 0, 0x00, 0, 1}, "bytes after"},
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 1, 0xd0, 0x0f, 0, 0, 0x00, 0}, "fraction"},
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 0, 0, 0, 0x20, 0x7f, 1, 0}, "unknown dimension"},
		{[]byte{memberV3, 1, flagOnePost | flagSameLast, 0, 0, 0, 0, 0x20, 0, 0xff, 0x7f, 0}, "unknown value"},
	} {
		_, err := decodeMember(c.b)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("% x: %v, want %q", c.b, err, c.want)
		}
	}
}

func FuzzDecodeMember(f *testing.F) {
	r := rand.New(rand.NewPCG(17, 7))
	for range 20 {
		m := randomMember(r)
		f.Add(encodeMember(&m))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMember(b) // must not panic
		if err != nil || len(b) == 0 || b[0] != memberV3 {
			return
		}
		again := encodeMember(&m)
		if got, err := decodeMember(again); err != nil || !reflect.DeepEqual(got, m) {
			t.Fatalf("% x decoded to %+v, which writes as % x and reads as %+v (%v)", b, m, again, got, err)
		}
	})
}

// benchMembers are records as the aggregator writes them.
func benchMembers() []Member {
	r := rand.New(rand.NewPCG(17, 9))
	ms := make([]Member, 256)
	for i := range ms {
		ms[i] = aggregatorMember(r)
	}
	return ms
}

func BenchmarkEncodeMember(b *testing.B) {
	ms := benchMembers()
	for _, c := range []struct {
		name string
		enc  func(*Member) []byte
	}{{"v2", encodeMemberV2}, {"v3", encodeMember}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				c.enc(&ms[i%len(ms)])
				i++
			}
		})
	}
}

func BenchmarkDecodeMember(b *testing.B) {
	ms := benchMembers()
	for _, c := range []struct {
		name string
		enc  func(*Member) []byte
	}{{"v2", encodeMemberV2}, {"v3", encodeMember}} {
		encs := make([][]byte, len(ms))
		for i := range ms {
			encs[i] = c.enc(&ms[i])
		}
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := decodeMember(encs[i%len(encs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestMemberValueTableFixed: the values member records name by index are
// those the records already in stores were written with. A new value, or a
// new source (whose source_kind values would shift the indices after it),
// must go at the end of a table that keeps these.
func TestMemberValueTableFixed(t *testing.T) {
	const want = ",original,repost,reply,quote,x,mastodon,bluesky,demo,import,place,coordinates,profile,instance,none,ZZ,und,en,ar," +
		"x/original,x/repost,x/reply,x/quote,mastodon/original,mastodon/repost,mastodon/reply,mastodon/quote,bluesky/original,bluesky/repost,bluesky/reply,bluesky/quote," +
		"instagram/original,instagram/repost,instagram/reply,instagram/quote,threads/original,threads/repost,threads/reply,threads/quote," +
		"youtube/original,youtube/repost,youtube/reply,youtube/quote,telegram/original,telegram/repost,telegram/reply,telegram/quote," +
		"demo/original,demo/repost,demo/reply,demo/quote,import/original,import/repost,import/reply,import/quote"
	if got := strings.Join(memberTable[1:], ","); got != want {
		t.Fatalf("member value table changed:\n got %s\nwant %s", got, want)
	}
	for i, v := range memberTable[1:] {
		if memberValueIndex[v] != byte(i+1) {
			t.Fatalf("%q has index %d, is at %d", v, memberValueIndex[v], i+1)
		}
	}
	for _, v := range []string{UnknownCountry, "en", "x/repost"} {
		if b := appendValue3(nil, v); len(b) != 1 {
			t.Errorf("%q written in %d bytes, not by its index", v, len(b))
		}
	}
}
