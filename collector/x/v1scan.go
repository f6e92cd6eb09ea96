package x

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// v1Unread names, per go-twitter type, keys statuses carry that the type
// has no field for (encoding/json skips them). The scanner knows them as
// fields that hold any value, so that it guesses them in the key order
// like the others rather than looking each up.
var v1Unread = map[string][]string{
	"Tweet": {"contributors", "geo", "is_quote_status", "quoted_status_permalink", "metadata", "timestamp_ms"},
}

type schemaKind uint8

const (
	kString schemaKind = iota
	kBool
	kInt
	kUint
	kFloat
	kStruct
	kPtr
	kSlice
	kArray
	kMap    // map[string]elem
	kAny    // interface{}: any value
	kOpaque // not handled here: any value but null falls back
)

type schema struct {
	kind   schemaKind
	typ    reflect.Type
	bits   int
	elem   *schema
	length int                // kArray
	fields map[string]*sfield // kStruct, by exact JSON name
	table  []*sfield          // kStruct: the same, by keyHash (schema.lookup)
	folded map[string]bool    // kStruct: lower-cased JSON names
	nField int
	id     int // kStruct: a number of its own among fields and structs (numberFields)
}

// valueKind is what a field's value mostly is, for object's switch: its
// schema's kind, in the field's first 64 bytes.
type valueKind uint8

const (
	vOther     valueKind = iota
	vString              // kString
	vBool                // kBool
	vStructPtr           // kPtr to kStruct
)

type sfield struct {
	// What object reads for each key, in the first 64 bytes.
	owner *schema // the struct it is a field of
	// c0, c1 are colon's first sixteen bytes, and k0, k1 the masks of
	// them, when it is no longer; c2, c3, k2, k3 the next sixteen (below),
	// when it is no longer than 32.
	c0, c1, k0, k1 uint64
	n              int32 // position, for duplicate detection
	id             int32 // a number of its own among fields and structs (numberFields)
	s              *schema
	clen           uint8 // len(colon), or 255 when longer
	needed         bool  // kept (dest); then index has one element
	dest           dest  // where the scanner keeps it, when needed
	envelope       bool  // named "statuses" or "results", in any case
	unread         bool  // a key of v1Unread: no field, and may repeat
	vk             valueKind

	c2, c3, k2, k3 uint64

	colon  string // the name in quotes and a ':', as a key
	name   string
	index  []int
	w0, w1 uint64 // the name's first sixteen bytes (keyWords)
}

var (
	tweetSchemaOnce sync.Once
	tweetSchemaV    *schema
)

func tweetSchema() *schema {
	tweetSchemaOnce.Do(func() {
		full := schemaOf(reflect.TypeOf(tweetV1{}), map[reflect.Type]*schema{})
		// postFromTweetV1 reads less of the statuses a status embeds:
		// of a retweeted one its id, text, entities and author's handle;
		// of a quoted one only that it is there. Their other fields are
		// checked, not set.
		top := narrowed(full, destNames("Tweet"), nil)
		top.fields["retweeted_status"].s = pointerTo(top.fields["retweeted_status"].s, narrowed(full, []string{"IDStr", "Text", "FullText", "ExtendedTweet", "Entities", "User"}, map[string][]string{"User": {"ScreenName"}}))
		top.fields["quoted_status"].s = pointerTo(top.fields["quoted_status"].s, narrowed(full, nil, nil))
		top.index()
		checkDests(top, map[*schema]bool{})
		tweetIDs = numberFields(top, map[*schema]bool{}, 0)
		tweetSchemaV = top
	})
	return tweetSchemaV
}

// destNames lists the fields of the go-twitter type named that
// v1Dests keeps.
func destNames(typ string) []string {
	var names []string
	for n := range v1Dests[typ] {
		names = append(names, n)
	}
	return names
}

// checkDests panics when a field kept is not of the kind its dest reads
// (a change of go-twitter's types, or of v1Dests).
func checkDests(sc *schema, seen map[*schema]bool) {
	if sc == nil || seen[sc] {
		return
	}
	seen[sc] = true
	checkDests(sc.elem, seen)
	for name, f := range sc.fields {
		if f.needed {
			fs := f.s
			ok := false
			switch f.dest.kind {
			case dString:
				ok = fs.kind == kString
			case dInt:
				ok = fs.kind == kInt || fs.kind == kUint
			case dObj:
				ok = fs.kind == kPtr && fs.elem.kind == kStruct
			case dTags:
				ok = fs.kind == kSlice && fs.elem.kind == kStruct && fs.elem.fields["text"] != nil && fs.elem.fields["text"].dest.kind == dString
			case dCoords:
				ok = fs.kind == kArray && fs.length == 2 && fs.elem.kind == kFloat && fs.elem.bits == 64
			}
			if !ok {
				panic("x: field " + name + " of " + sc.typ.String() + " kept as the wrong kind")
			}
		}
		checkDests(f.s, seen)
	}
}

// tweetIDs counts the ids numberFields gave in tweetSchema.
var tweetIDs int

// numberFields numbers every struct schema reached from sc, and each of
// its fields, from next on; it returns the next number free.
func numberFields(sc *schema, seen map[*schema]bool, next int) int {
	if sc == nil || seen[sc] {
		return next
	}
	seen[sc] = true
	next = numberFields(sc.elem, seen, next)
	if sc.kind == kStruct {
		sc.id = next
		next++
		for _, f := range sc.fields {
			f.id = int32(next)
			next++
			next = numberFields(f.s, seen, next)
		}
	}
	return next
}

// narrowed is a copy of the struct schema sc that sets only the fields
// named in needed, and of those whose type inner names only the fields
// named there.
func narrowed(sc *schema, needed []string, inner map[string][]string) *schema {
	n := *sc
	n.fields = map[string]*sfield{}
	want := map[string]bool{}
	for _, name := range needed {
		want[name] = true
	}
	for name, f := range sc.fields {
		c := *f
		c.needed = !f.unread && len(f.index) == 1 && want[sc.typ.FieldByIndex(f.index).Name]
		if !c.needed {
			c.dest = dest{}
		}
		if c.needed {
			if st := c.s; st.kind == kPtr && st.elem.kind == kStruct {
				if names, ok := inner[st.elem.typ.Name()]; ok {
					c.s = pointerTo(st, narrowed(st.elem, names, inner))
				}
			}
		}
		n.fields[name] = &c
	}
	n.index()
	return &n
}

// pointerTo is a copy of the pointer schema p pointing to elem.
func pointerTo(p, elem *schema) *schema {
	c := *p
	c.elem = elem
	return &c
}

func schemaOf(t reflect.Type, seen map[reflect.Type]*schema) *schema {
	if s, ok := seen[t]; ok {
		return s
	}
	s := &schema{typ: t}
	seen[t] = s
	if t.Implements(reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()) || reflect.PointerTo(t).Implements(reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()) {
		s.kind = kOpaque
		return s
	}
	switch t.Kind() {
	case reflect.String:
		s.kind = kString
	case reflect.Bool:
		s.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.kind, s.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s.kind, s.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		s.kind, s.bits = kFloat, t.Bits()
	case reflect.Pointer:
		s.kind, s.elem = kPtr, schemaOf(t.Elem(), seen)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s.kind = kOpaque // []byte is base64 in JSON
			return s
		}
		s.kind, s.elem = kSlice, schemaOf(t.Elem(), seen)
	case reflect.Array:
		s.kind, s.elem, s.length = kArray, schemaOf(t.Elem(), seen), t.Len()
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			s.kind = kOpaque
			return s
		}
		s.kind, s.elem = kMap, schemaOf(t.Elem(), seen)
	case reflect.Interface:
		if t.NumMethod() == 0 {
			s.kind = kAny
		} else {
			s.kind = kOpaque
		}
	case reflect.Struct:
		s.kind = kStruct
		s.fields, s.folded = map[string]*sfield{}, map[string]bool{}
		needed, dests := map[string]bool{}, v1Dests[t.Name()]
		for n := range dests {
			needed[n] = true
		}
		var add func(t reflect.Type, index []int, depth int) bool
		depthOf := map[string]int{}
		add = func(t reflect.Type, index []int, depth int) bool {
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				idx := append(append([]int(nil), index...), i)
				if f.Anonymous {
					if f.Type.Kind() != reflect.Struct || depth > 0 {
						return false
					}
					continue // promoted fields after the struct's own
				}
				if !f.IsExported() {
					continue
				}
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if opts != "" && opts != "omitempty" {
					return false // ",string" and the like
				}
				if name == "" {
					name = f.Name
				}
				if d, ok := depthOf[name]; ok {
					if d == depth {
						return false // ambiguous: encoding/json drops both
					}
					continue // a shallower field wins
				}
				depthOf[name] = depth
				s.fields[name] = &sfield{name: name, index: idx, n: int32(s.nField), s: schemaOf(f.Type, seen), needed: depth == 0 && needed[f.Name], dest: dests[f.Name]}
				s.folded[strings.ToLower(name)] = true
				s.nField++
			}
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); f.Anonymous && depth == 0 {
					if !add(f.Type, append(append([]int(nil), index...), i), depth+1) {
						return false
					}
				}
			}
			return true
		}
		if !add(t, nil, 0) || s.nField > 128 {
			s.kind, s.fields, s.folded = kOpaque, nil, nil
			break
		}
		for _, name := range v1Unread[t.Name()] {
			if _, ok := s.fields[name]; !ok && !s.folded[strings.ToLower(name)] {
				s.fields[name] = &sfield{name: name, s: anySchema, unread: true}
			}
		}
		s.index()
	default:
		s.kind = kOpaque
	}
	return s
}

type v1Scanner struct {
	b []byte
	i int
	// pred is, by the id of a field (or of a struct, for its first key),
	// the field whose key followed it last time; nil: no guessing.
	pred []*sfield
	// tags are the texts of the hashtag entities read (v1Obj.tags).
	tags []span
	tag  v1Obj // a hashtag entity being read
}

// tweet reads the status in s.b into o.
func (s *v1Scanner) tweet(o *v1Obj) bool {
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	if !s.object(tweetSchema(), o, 0) {
		return false
	}
	s.skipSpace()
	return s.i == len(s.b)
}

func (s *v1Scanner) skipSpace() {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return // most often: no space at all
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxScanDepth bounds nesting on the fast path (encoding/json allows
// 10,000; statuses nest a handful of levels).
const maxScanDepth = 64

// value checks the value at s.i against sc, as encoding/json would
// decode it into a Go value of sc's type.
func (s *v1Scanner) value(sc *schema, depth int) bool {
	s.skipSpace()
	if s.i >= len(s.b) || depth > maxScanDepth {
		return false
	}
	c := s.b[s.i]
	if c == 'n' {
		return s.literal("null") // null leaves every Go value as it is
	}
	switch sc.kind {
	case kString:
		if c != '"' {
			return false
		}
		return s.skipString()
	case kBool:
		switch c {
		case 't':
			return s.literal("true")
		case 'f':
			return s.literal("false")
		}
		return false
	case kInt, kUint, kFloat:
		if c >= '0' && c <= '9' && sc.bits == 64 {
			// Most often a plain integer of up to 18 digits, which every
			// 64-bit number type holds: nothing to parse.
			j := s.i + 1
			for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
				j++
			}
			if j-s.i <= 18 && (j == len(s.b) || s.b[j] != '.' && s.b[j] != 'e' && s.b[j] != 'E') && (c != '0' || j == s.i+1) {
				s.i = j
				return true
			}
		}
		if sc.kind == kFloat {
			_, ok := s.float(sc)
			return ok
		}
		_, ok := s.integer(sc)
		return ok
	case kPtr:
		return s.value(sc.elem, depth)
	case kStruct:
		if c != '{' {
			return false
		}
		return s.object(sc, nil, depth)
	case kSlice, kArray:
		if c != '[' {
			return false
		}
		return s.array(sc, depth)
	case kMap:
		if c != '{' {
			return false
		}
		return s.anyObject(sc.elem, depth)
	case kAny:
		return s.anyValue(depth)
	}
	return false // kOpaque, not null
}

// integer reads a number at s.i into an integer of sc (kInt or kUint),
// refusing what encoding/json refuses: a fraction or an exponent, a
// negative uint, a value that does not fit.
func (s *v1Scanner) integer(sc *schema) (int64, bool) {
	num, integral, ok := s.number()
	if !ok || !integral {
		return 0, false
	}
	neg := num[0] == '-'
	if sc.kind == kUint && neg {
		return 0, false // encoding/json: not even -0
	}
	if len(num) > 19+b2i(neg) {
		// More than 19 digits: beyond an int64, perhaps not a uint64.
		if sc.kind == kInt {
			return 0, false
		}
		u, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil || (sc.bits < 64 && reflect.Zero(sc.typ).OverflowUint(u)) {
			return 0, false
		}
		return int64(u), true
	}
	// At most 19 digits fit a uint64: read them here, and refuse what
	// does not fit, as strconv would (a status's ids have 19).
	u := uint64(0)
	for _, d := range num[b2i(neg):] {
		u = u*10 + uint64(d-'0')
	}
	if sc.kind == kInt {
		if !neg && u > math.MaxInt64 || neg && u > 1<<63 {
			return 0, false
		}
		n := int64(u)
		if neg {
			n = -n
		}
		if sc.bits < 64 && reflect.Zero(sc.typ).OverflowInt(n) {
			return 0, false
		}
		return n, true
	}
	if sc.bits < 64 && reflect.Zero(sc.typ).OverflowUint(u) {
		return 0, false
	}
	return int64(u), true
}

// float reads a number at s.i into a float of sc.
func (s *v1Scanner) float(sc *schema) (float64, bool) {
	num, integral, ok := s.number()
	if !ok {
		return 0, false
	}
	if integral && len(num) <= 15 {
		// Exact in a float64 (and a float32 rounds it as ParseFloat would).
		u := int64(0)
		for _, d := range num[b2i(num[0] == '-'):] {
			u = u*10 + int64(d-'0')
		}
		if num[0] == '-' {
			u = -u
		}
		f := float64(u)
		if num[0] == '-' && u == 0 {
			f = math.Copysign(0, -1)
		}
		if sc.bits == 32 {
			f = float64(float32(f))
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(num), sc.bits)
	return f, err == nil
}

// object reads a JSON object of the struct sc, keeping in o (when not
// nil) the values of the fields needed.
func (s *v1Scanner) object(sc *schema, o *v1Obj, depth int) bool {
	s.i++ // '{'
	var seen [2]uint64
	first := true
	prev := sc.id // the last field read, for s.pred
	for {
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		if s.b[s.i] == '}' && first {
			s.i++
			return true
		}
		first = false
		if s.b[s.i] != '"' {
			return false
		}
		// The key. Statuses from one source list their keys in one
		// order: the field that followed the previous one last time is
		// tried first, and is the key when the key's bytes are its name
		// to the closing quote. Otherwise the key is read: one with an
		// escape, a control character or a byte beyond ASCII names no
		// field as it stands (encoding/json would unescape or fold it),
		// and the full decoder takes those.
		// The guess is tried with the ':' after the key (compact JSON),
		// in words when it fits 32 bytes.
		var f *sfield
		if p := s.pred; p != nil {
			if g := p[prev]; g != nil && g.owner == sc {
				if n := int(g.clen); n <= 32 && s.i+32 <= len(s.b) {
					b := s.b[s.i : s.i+32]
					if binary.LittleEndian.Uint64(b)&g.k0 == g.c0 && binary.LittleEndian.Uint64(b[8:])&g.k1 == g.c1 &&
						(n <= 16 || binary.LittleEndian.Uint64(b[16:])&g.k2 == g.c2 && binary.LittleEndian.Uint64(b[24:])&g.k3 == g.c3) {
						f = g
						s.i += n
					}
				} else if n = len(g.colon); len(s.b)-s.i >= n && string(s.b[s.i:s.i+n]) == g.colon {
					f = g
					s.i += n
				}
			}
		}
		if f == nil {
			start := s.i + 1
			end, ok := keyEnd(s.b, start)
			if !ok {
				return false
			}
			key := s.b[start:end]
			s.i = end + 1
			if f = sc.lookup(s.b, start, end); f != nil && s.pred != nil {
				s.pred[prev] = f
			}
			s.skipSpace()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			if f == nil {
				if depth == 0 && (len(key) == 8 && bytes.EqualFold(key, []byte("statuses")) || len(key) == 7 && bytes.EqualFold(key, []byte("results"))) {
					return false // perhaps an envelope: FormatTwitterV1.Parse decides
				}
				// encoding/json would match a field case-insensitively, or
				// after unescaping the key: leave those to it.
				if sc.folded[strings.ToLower(string(key))] {
					return false
				}
				if !s.anyValue(depth + 1) {
					return false
				}
				goto next
			}
		}
		prev = int(f.id)
		if f.unread {
			if !s.anyValue(depth + 1) {
				return false
			}
			goto next
		}
		if depth == 0 && f.envelope {
			return false // perhaps an envelope: FormatTwitterV1.Parse decides
		}
		if seen[uint32(f.n)/64%2]&(1<<(uint32(f.n)%64)) != 0 {
			return false // a repeated key: the full decoder merges them
		}
		seen[uint32(f.n)/64%2] |= 1 << (uint32(f.n) % 64)
		// The commonest values here, the others by value.
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch fs, c := f.s, s.b[s.i]; {
		case c == 'n':
			if !s.literal("null") {
				return false
			}
		case o != nil && f.needed:
			if !s.keep(f, o, c, depth) {
				return false
			}
		case c == '"' && f.vk == vString:
			if !s.skipString() {
				return false
			}
		case c == 't' && f.vk == vBool:
			if !s.literal("true") {
				return false
			}
		case c == 'f' && f.vk == vBool:
			if !s.literal("false") {
				return false
			}
		case c == '{' && f.vk == vStructPtr && depth < maxScanDepth:
			if !s.object(fs.elem, nil, depth+1) {
				return false
			}
		default:
			if !s.value(fs, depth+1) {
				return false
			}
		}
	next:
		if s.i < len(s.b) {
			switch s.b[s.i] {
			case ',':
				s.i++
				continue
			case '}':
				s.i++
				return true
			}
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

const ones, highs = 0x0101010101010101, 0x8080808080808080

// keyEnd returns the index of the '"' that ends the key starting at
// b[start], eight bytes at a time; ok is false when a byte before it is a
// backslash, a control character or beyond ASCII, or the key does not end.
func keyEnd(b []byte, start int) (end int, ok bool) {
	i := start
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		// The lowest flagged byte is exactly the first '"', '\\', control
		// character or non-ASCII byte (above it, borrows can flag more).
		if m := ((q-ones)&^q | (bs-ones)&^bs | (x-ones*0x20)&^x | x) & highs; m != 0 {
			i += bits.TrailingZeros64(m) / 8
			return i, b[i] == '"'
		}
		i += 8
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c < 0x20 || c == '\\' || c >= utf8.RuneSelf {
			return i, c == '"'
		}
	}
	return 0, false
}

// keyWords returns the first sixteen bytes of b[start:end] as two
// little-endian words, zero-padded.
func keyWords(b []byte, start, end int) (w0, w1 uint64) {
	n := end - start
	if n > 16 {
		n = 16
	}
	if start+16 <= len(b) {
		w0, w1 = binary.LittleEndian.Uint64(b[start:]), binary.LittleEndian.Uint64(b[start+8:])
		switch {
		case n < 8:
			w0, w1 = w0&(1<<(8*n)-1), 0
		case n < 16:
			w1 &= 1<<(8*(n-8)) - 1
		}
		return w0, w1
	}
	for j := n - 1; j >= 0; j-- {
		if j >= 8 {
			w1 = w1<<8 | uint64(b[start+j])
		} else {
			w0 = w0<<8 | uint64(b[start+j])
		}
	}
	return w0, w1
}

// index builds the table of a struct schema's fields: open-addressed, at
// most a quarter full, by keyHash.
func (s *schema) index() {
	n := 4
	for n < 4*len(s.fields) {
		n *= 2
	}
	s.table = make([]*sfield, n)
	for name, f := range s.fields {
		f.w0, f.w1 = keyWords([]byte(name), 0, len(name))
		f.colon, f.owner = `"`+name+`":`, s
		switch {
		case f.s.kind == kString:
			f.vk = vString
		case f.s.kind == kBool:
			f.vk = vBool
		case f.s.kind == kPtr && f.s.elem.kind == kStruct:
			f.vk = vStructPtr
		}
		f.clen = uint8(min(len(f.colon), 255))
		f.envelope = strings.EqualFold(name, "statuses") || strings.EqualFold(name, "results")
		if n := len(f.colon); n <= 32 {
			var buf [32]byte
			copy(buf[:], f.colon)
			c, k := [4]*uint64{&f.c0, &f.c1, &f.c2, &f.c3}, [4]*uint64{&f.k0, &f.k1, &f.k2, &f.k3}
			for w := range 4 {
				*c[w] = binary.LittleEndian.Uint64(buf[8*w:])
				switch m := n - 8*w; {
				case m >= 8:
					*k[w] = ^uint64(0)
				case m > 0:
					*k[w] = 1<<(8*m) - 1
				default:
					*k[w] = 0
				}
			}
		}
		j := keyHash(len(name), f.w0, f.w1) & uint32(n-1)
		for s.table[j] != nil {
			j = (j + 1) & uint32(n-1)
		}
		s.table[j] = f
	}
}

// keyHash is the hash of a key from its length and first sixteen bytes.
func keyHash(n int, w0, w1 uint64) uint32 {
	h := (w0 ^ w1*0x9e3779b97f4a7c15 ^ uint64(n)) * 0xff51afd7ed558ccd
	return uint32(h >> 40)
}

// lookup returns the field named b[start:end], or nil.
func (sc *schema) lookup(b []byte, start, end int) *sfield {
	w0, w1 := keyWords(b, start, end)
	n := end - start
	mask := uint32(len(sc.table) - 1)
	for j := keyHash(n, w0, w1) & mask; ; j = (j + 1) & mask {
		f := sc.table[j]
		if f == nil {
			return nil
		}
		if f.w0 == w0 && f.w1 == w1 && len(f.name) == n && (n <= 16 || f.name == string(b[start:end])) {
			return f
		}
	}
}

// array checks a JSON array of the slice or array sc.
func (s *v1Scanner) array(sc *schema, depth int) bool {
	return s.elements(depth, func(n int, _ byte) bool {
		if sc.kind == kArray && n >= sc.length {
			// encoding/json drops the extra elements unchecked.
			return s.anyValue(depth + 1)
		}
		return s.value(sc.elem, depth+1)
	})
}

// keep reads the value, starting with c (not null), of the field f,
// needed, into o.
func (s *v1Scanner) keep(f *sfield, o *v1Obj, c byte, depth int) bool {
	switch f.dest.kind {
	case dString:
		if c != '"' {
			return false
		}
		start := s.i
		escaped, ascii, ok := s.scanString()
		o.str[f.dest.slot] = span{start: int32(start + 1), end: int32(s.i - 1), esc: escaped, ascii: ascii}
		return ok
	case dInt:
		n, ok := s.integer(f.s)
		o.num[f.dest.slot] = n
		return ok
	case dObj:
		if c != '{' || depth >= maxScanDepth {
			return false
		}
		o.has |= 1 << f.dest.slot
		return s.object(f.s.elem, o.kid[f.dest.slot], depth+1)
	case dTags:
		if c != '[' {
			return false
		}
		elem := f.s.elem
		o.tags[0] = int32(len(s.tags))
		ok := s.elements(depth+1, func(n int, c byte) bool {
			s.tag.str[0] = span{}
			if c == 'n' {
				if !s.literal("null") {
					return false
				}
			} else if c != '{' || !s.object(elem, &s.tag, depth+2) {
				return false
			}
			s.tags = append(s.tags, s.tag.str[0])
			return true
		})
		o.tags[1] = int32(len(s.tags))
		return ok
	case dCoords:
		if c != '[' {
			return false
		}
		return s.elements(depth+1, func(n int, c byte) bool {
			switch {
			case n >= 2:
				return s.anyValue(depth + 2) // dropped unchecked
			case c == 'n':
				return s.literal("null")
			}
			x, ok := s.float(f.s.elem)
			o.coords[n] = x
			return ok
		})
	}
	return false
}

// elements reads the elements of the array at s.i ('['), each by elem,
// which is given its number and first byte.
func (s *v1Scanner) elements(depth int, elem func(n int, c byte) bool) bool {
	s.i++ // '['
	if depth > maxScanDepth {
		return false
	}
	for n := 0; ; n++ {
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		if s.b[s.i] == ']' && n == 0 {
			s.i++
			return true
		}
		if !elem(n, s.b[s.i]) {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// anyObject checks an object whose values are of elem (a map).
func (s *v1Scanner) anyObject(elem *schema, depth int) bool {
	s.i++ // '{'
	first := true
	for {
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		if s.b[s.i] == '}' && first {
			s.i++
			return true
		}
		first = false
		if s.b[s.i] != '"' || !s.skipString() {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		if !s.value(elem, depth+1) {
			return false
		}
		s.skipSpace()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

var anySchema = &schema{kind: kAny}

// anyValue checks any JSON value as encoding/json decodes it into an
// interface{} (a number must fit a float64).
func (s *v1Scanner) anyValue(depth int) bool {
	s.skipSpace()
	if s.i >= len(s.b) || depth > maxScanDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		return s.anyObject(anySchema, depth)
	case c == '[':
		s.i++
		first := true
		for {
			s.skipSpace()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == ']' && first {
				s.i++
				return true
			}
			first = false
			if !s.anyValue(depth + 1) {
				return false
			}
			s.skipSpace()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == ',' {
				s.i++
				continue
			}
			if s.b[s.i] != ']' {
				return false
			}
			s.i++
			return true
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		num, integral, ok := s.number()
		if !ok {
			return false
		}
		if integral && len(num) <= 18 {
			return true
		}
		_, err := strconv.ParseFloat(string(num), 64)
		return err == nil
	}
}

func (s *v1Scanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number reads a JSON number (RFC 8259's grammar) and returns its text;
// integral says it has neither fraction nor exponent.
func (s *v1Scanner) number() (num []byte, integral bool, ok bool) {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false, false
	}
	integral = true
	if i < len(b) && b[i] == '.' {
		integral = false
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integral = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false, false
		}
	}
	num = b[s.i:i]
	s.i = i
	return num, integral, true
}

// skipString checks the string at s.i ('"') and moves past it.
func (s *v1Scanner) skipString() bool {
	_, _, ok := s.scanString()
	return ok
}

// scanString checks the string at s.i and moves past it, returning whether
// it holds an escape, and whether every byte of it is ASCII.
func (s *v1Scanner) scanString() (escaped, ascii bool, ok bool) {
	b := s.b
	i := s.i + 1
	var hi uint64 // the bytes passed, or'ed: beyond ASCII when its high bits are
	for i < len(b) {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character.
		// The lowest byte flagged is exactly the first of those (above
		// it, borrows can flag more): the bytes below it are passed too.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			q, bs := x^(ones*'"'), x^(ones*'\\')
			if m := ((q-ones)&^q | (bs-ones)&^bs | (x-ones*0x20)&^x) & highs; m != 0 {
				k := bits.TrailingZeros64(m) / 8
				hi |= x & (1<<(8*k) - 1)
				i += k
				break
			}
			hi |= x
			i += 8
		}
		if i >= len(b) {
			break
		}
		c := b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return escaped, hi&highs == 0, true
		case c < 0x20:
			return false, false, false
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return false, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return false, false, false
				}
				for _, h := range b[i+2 : i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false, false, false
					}
				}
				i += 6
			default:
				return false, false, false
			}
		default:
			hi |= uint64(c)
			i++
		}
	}
	return false, false, false
}
