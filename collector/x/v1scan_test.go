package x

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/bench/v11gen"
	"github.com/tagpulse/tagpulse/internal/testneed"
	"github.com/tagpulse/tagpulse/store"
)

// v1Corpus is every v1.1 status of the shared fixtures and archives, and
// the given number of generated ones.
func v1Corpus(t testing.TB, generated int) (statuses [][]byte, fixtures int) {
	var files []string
	for _, sub := range []string{"twitter_v1", filepath.Join("archives", "twitter")} {
		dir := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", sub))
		m, err := filepath.Glob(filepath.Join(dir, "*.json*"))
		if err != nil || len(m) == 0 {
			t.Fatalf("no fixtures in %s: %v", dir, err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".headers.json") {
			continue
		}
		statuses = append(statuses, v1Statuses(t.(*testing.T), f)...)
	}
	fixtures = len(statuses)
	var gen bytes.Buffer
	if _, err := v11gen.Write(&gen, generated, v11gen.Options{Seed: 11}); err != nil {
		t.Fatal(err)
	}
	return append(statuses, bytes.Split(bytes.TrimSpace(gen.Bytes()), []byte("\n"))...), fixtures
}

// scanPost is the post through the fast path alone; ok is false when it
// hands the status to the full decoder.
func scanPost(raw []byte, now time.Time) (store.Post, error, bool) {
	var p store.Post
	err, ok := scanPostV1(raw, store.SourceImport, now, &p)
	return p, err, ok
}

// TestScanMatchesStd: wherever the fast path takes a status — every
// generated one, and the fixtures it does not hand on — it gives the post
// encoding/json through go-twitter's types gives, and it hands on what
// encoding/json refuses.
func TestScanMatchesStd(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	statuses, fixtures := v1Corpus(t, 3000)
	taken := 0
	for i, raw := range statuses {
		got, gerr, ok := scanPost(raw, now)
		if !ok {
			if i >= fixtures {
				t.Fatalf("generated status %d handed to the full decoder:\n%s", i-fixtures, raw)
			}
			continue
		}
		taken++
		want, werr := parseTweetV1Std(raw, now)
		if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("status %d: fast path %v\n%+v\nstd %v\n%+v", i, gerr, got, werr, want)
		}
	}
	if taken-(len(statuses)-fixtures) < fixtures/2 {
		t.Errorf("the fast path took only %d of %d fixture statuses", taken-(len(statuses)-fixtures), fixtures)
	}
	t.Logf("fast path took %d of %d fixture statuses and all %d generated", taken-(len(statuses)-fixtures), fixtures, len(statuses)-fixtures)
	// Embedded statuses, of which the scanner sets only what the post
	// reads: taken, and the same post.
	const head = `{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2","screen_name":"a","name":"A","location":"Gaza"}`
	for _, embedded := range []string{
		head + `,"text":"RT @b: x","retweeted_status":{"id_str":"4","created_at":"Sun Nov 29 10:00:00 +0000 2026","lang":"ar","favorite_count":3,"text":"short","place":{"country_code":"PS"},"coordinates":{"type":"Point","coordinates":[1,2]},"user":{"id_str":"3","screen_name":"b","name":"B","location":"Jenin","followers_count":7},"extended_tweet":{"full_text":"long #كلنا_لفلسطين","entities":{"hashtags":[{"text":"كلنا_لفلسطين"}]}},"entities":{"hashtags":[{"text":"short"}]}}}`,
		head + `,"text":"RT @b: x","retweeted_status":{"id_str":"4","full_text":"#AllForPalestine now","entities":{"hashtags":[{"text":"AllForPalestine"}]}}}`,
		head + `,"text":"RT","retweeted_status":{}}`,
		head + `,"text":"q #AllForPalestine","quoted_status":{"id_str":"9","text":"#Other","user":{"screen_name":"c"},"entities":{"hashtags":[{"text":"Other"}]}}}`,
		head + `,"text":"q","quoted_status":{}}`,
		head + `,"text":"q","quoted_status":null,"retweeted_status":null}`,
		// Kept strings with escapes and invalid UTF-8, hashtags null or
		// empty, coordinates short, long, null or of other numbers.
		`{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2","screen_name":"a\u00e9","name":"A\nB","location":"Gaza \ud83c\uddf5"},"full_text":"caf\u00e9 #Caf\u00e9 \"x\"","entities":{"hashtags":[{"text":"Caf\u00e9"},null,{}]},"place":{"country_code":"P\u0053"},"coordinates":{"type":"Po\u0069nt","coordinates":[1,null,3]}}`,
		"{\"id_str\":\"5\",\"created_at\":\"Mon Nov 30 10:00:00 +0000 2026\",\"user\":{\"id_str\":\"2\",\"name\":\"bad \xff\xfe name\"},\"text\":\"#a\xc3 b\",\"coordinates\":{\"type\":\"point\",\"coordinates\":[-0,1e2]}}",
		head + `,"text":"#a","entities":{"hashtags":[null]},"coordinates":{"type":"Point","coordinates":[1.5]}}`,
		head + `,"text":"#a","entities":{"hashtags":[]},"extended_tweet":{"full_text":"","entities":{"hashtags":[{"text":"b"}]}}}`,
		head + `,"text":"#a","entities":null,"extended_tweet":{"full_text":"long #c","entities":null}}`,
		head + `,"text":"RT","retweeted_status":{"id_str":"4","text":"t #x","extended_tweet":{"full_text":"full #y \u00e9","entities":{"hashtags":[{"text":"y"}]}},"user":{"screen_name":"\u0062"}}}`,
	} {
		got, gerr, ok := scanPost([]byte(embedded), now)
		want, werr := parseTweetV1Std([]byte(embedded), now)
		if !ok || (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast path (taken %v) %v\n%+v\nstd %v\n%+v", embedded, ok, gerr, got, werr, want)
		}
	}
	for _, odd := range []string{
		`{"id_str":"1","ID_STR":"2"}`, // folds onto a field
		`{"id_str":"1","id_str":"2"}`, // repeated
		`{"id_str":1}`,                // wrong type
		`{"id":1.5,"id_str":"1"}`,     // not an int
		`{"id_str":"1","x":1e999}`,    // no float64
		`{"id_str":"1"} x`,            // trailing data
		`{"id_str":"1",}`,             // syntax
		`{"id_str":"1","user":{"id_str":"2"},"entities":{"polls":[{"duration_minutes":60}]}}`, // go-twitter's poll type
		"{\"id_str\":\"1\",\"text\":\"a\tb\"}",                                                // a raw control character
		`{"place":{"attributes":{"a":1}}}`,
		`{"id_str":"1","Statuses":[]}`, // perhaps an envelope                                                    // map[string]string
	} {
		if scanV1([]byte(odd)) {
			t.Errorf("%s: taken by the fast path", odd)
		}
	}
}

// TestScanPostsKeepTheirStrings: an import's posts, whose strings are cut
// from blocks shared by many statuses, still hold, once thousands more
// statuses are scanned, the posts encoding/json gives.
func TestScanPostsKeepTheirStrings(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	statuses, _ := v1Corpus(t, 3000)
	var posts []store.Post
	var taken []int
	for i, raw := range statuses {
		p, err, ok := scanPost(raw, now)
		if ok && err == nil {
			posts, taken = append(posts, p), append(taken, i)
		}
	}
	for k, i := range taken {
		want, err := parseTweetV1Std(statuses[i], now)
		if err != nil || !reflect.DeepEqual(posts[k], want) {
			t.Fatalf("status %d, read again: %+v\nstd %v %+v", i, posts[k], err, want)
		}
	}
	if len(taken) < 3000 {
		t.Fatalf("only %d posts", len(taken))
	}
}

// FuzzScanTweetV1: whatever the fast path takes, encoding/json takes too
// and gives the same post.
func FuzzScanTweetV1(f *testing.F) {
	for _, name := range []string{"twitter_v1", filepath.Join("archives", "twitter")} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "fixtures", name, "*.json*"))
		for _, p := range m {
			if b, err := os.ReadFile(p); err == nil && !strings.HasSuffix(p, ".headers.json") {
				for _, line := range bytes.Split(b, []byte("\n")) {
					if len(line) > 0 && len(line) < 20000 {
						f.Add(line)
					}
				}
			}
		}
	}
	var gen bytes.Buffer
	v11gen.Write(&gen, 20, v11gen.Options{Seed: 13})
	for _, line := range bytes.Split(bytes.TrimSpace(gen.Bytes()), []byte("\n")) {
		f.Add(line)
	}
	f.Add([]byte(`{"id_str":"1","user":{"id_str":"2","screen_name":"a"},"created_at":"Mon Nov 30 10:00:00 +0000 2026","coordinates":{"type":"Point","coordinates":[1,2,3]},"entities":{"hashtags":[null,{"text":"a\u00e9"}]}}`))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gerr, ok := scanPost(raw, now)
		if !ok {
			return
		}
		want, werr := parseTweetV1Std(raw, now)
		if (gerr == nil) != (werr == nil) || (gerr == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q:\nfast path %v %+v\nstd %v %+v", raw, gerr, got, werr, want)
		}
	})
}

// BenchmarkParseTweetV1 compares FormatTwitterV1.Parse on generated
// statuses ("now": the scanner) with the path before it ("before": two
// bytes.Contains for an envelope, then goccy/go-json into go-twitter's
// types).
func BenchmarkParseTweetV1(b *testing.B) {
	var gen bytes.Buffer
	if _, err := v11gen.Write(&gen, 1000, v11gen.Options{Seed: 17}); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(gen.Bytes()), []byte("\n"))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	b.Run("now", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, bad := FormatTwitterV1.Parse(lines[i%len(lines)], now); bad != nil {
				b.Fatal(bad)
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			rec := lines[i%len(lines)]
			if bytes.Contains(rec, []byte(`"statuses"`)) || bytes.Contains(rec, []byte(`"results"`)) {
				b.Fatal("an envelope")
			}
			var t tweetV1
			if err := decodeTweetV1(rec, &t); err != nil {
				b.Fatal(err)
			}
			if _, err := postFromTweetV1(&t, store.SourceImport, now, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestScanKeys: the scanner's key reading and field table agree with a
// plain reading of the key and a map of the field names, for every field
// of every struct in the schema, keys that name none (some sharing a
// field's first sixteen bytes), and keys that end near the end of the
// buffer or hold a byte that sends the status to the full decoder.
func TestScanKeys(t *testing.T) {
	var structs []*schema
	seen := map[*schema]bool{}
	var walk func(sc *schema)
	walk = func(sc *schema) {
		if sc == nil || seen[sc] {
			return
		}
		seen[sc] = true
		walk(sc.elem)
		if sc.kind == kStruct {
			structs = append(structs, sc)
			for _, f := range sc.fields {
				walk(f.s)
			}
		}
	}
	walk(tweetSchema())
	for _, sc := range structs {
		var keys []string
		for name := range sc.fields {
			keys = append(keys, name, name+"x", name[:len(name)-1], strings.ToUpper(name))
		}
		keys = append(keys, "", "in_reply_to_status_id_strx", "possibly_sensitive_")
		for _, key := range keys {
			for pad := 0; pad < 20; pad++ {
				// The key at the end of a buffer with pad bytes after its '"'.
				b := []byte(strings.Repeat(" ", 3) + `"` + key + `"` + strings.Repeat(":", pad))
				end, ok := keyEnd(b, 4)
				if !ok || end != 4+len(key) {
					t.Fatalf("key %q: end %d %v", key, end, ok)
				}
				got := sc.lookup(b, 4, end)
				if want := sc.fields[key]; got != want {
					t.Fatalf("%s: key %q found %v, want %v", sc.typ, key, got, want)
				}
			}
		}
	}
	for _, odd := range []string{`a\"b`, "a\x01b", "aé", `abcdefghijklmnopqrstu\"`, "abcdefghijklmnop\x7f\xff"} {
		if end, ok := keyEnd([]byte(`"`+odd+`"`), 1); ok {
			t.Errorf("key %q taken, ending at %d", odd, end)
		}
	}
	if _, ok := keyEnd([]byte(`"abcdefghijklmnopqrstuvwxyz`), 1); ok {
		t.Error("a key that does not end taken")
	}
}

// TestCreatedAtV1: the hand parser of created_at gives the instant
// time.Parse(time.RubyDate) gives, and fails where it fails, on dates
// across the calendar (29 February, days past a month's end), fields out
// of range, odd spacing, names in other cases and other texts.
func TestCreatedAtV1(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 5))
	days := []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "mon", "MON", "Xyz"}
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "feb", "JAN", "Foo"}
	years := []int{0, 1, 1900, 1999, 2000, 2004, 2006, 2024, 2025, 2026, 2100, 2400, 9999}
	texts := []string{"", "Mon Jan 02 15:04:05 -0700 2006", "Mon Jan  2 15:04:05 -0700 2006", "Mon Jan 02 15:04:05.123 -0700 2006",
		"Mon Jan 02 5:04:05 -0700 2006", "Mon Jan 02 15:04:05 +0000 2006 ", "Mon Jan 02 15:04:05 0000 2006", "Mon Jan 02 15:04:05 -07:00 2006",
		"Mon Jan 02 15:04:05 MST 2006", "Mon Jan 02 15:04:05 -0700 06", "Mon Jan 02 15:04:05 -0700 20x6", "2006-01-02T15:04:05Z"}
	for range 200_000 {
		texts = append(texts, fmt.Sprintf("%s %s %02d %02d:%02d:%02d %c%02d%02d %04d",
			days[rnd.IntN(len(days))], months[rnd.IntN(len(months))], rnd.IntN(33), rnd.IntN(26), rnd.IntN(62), rnd.IntN(62),
			"+-"[rnd.IntN(2)], rnd.IntN(26), rnd.IntN(62), years[rnd.IntN(len(years))]))
	}
	fast := 0
	for _, s := range texts {
		if _, ok := rubyDate(s); ok {
			fast++
		}
		got, gerr := createdAtV1(s)
		want, werr := time.Parse(time.RubyDate, s)
		if (gerr == nil) != (werr == nil) || got.UTC() != want.UTC() {
			t.Fatalf("%q: %v %v, want %v %v", s, got.UTC(), gerr, want.UTC(), werr)
		}
	}
	if fast < len(texts)/10 {
		t.Errorf("the hand parser took only %d of %d texts", fast, len(texts))
	}
}

// FuzzCreatedAtV1: the hand parser of created_at agrees with time.Parse on
// any text.
func FuzzCreatedAtV1(f *testing.F) {
	for _, s := range []string{"Mon Jan 02 15:04:05 -0700 2006", "Sun Nov 29 17:17:17 +0000 2026", "Thu Feb 29 23:59:59 +2359 2024", "Mon Jan 02 15:04:05 -0700 06"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gerr := createdAtV1(s)
		want, werr := time.Parse(time.RubyDate, s)
		if (gerr == nil) != (werr == nil) || got.UTC() != want.UTC() {
			t.Fatalf("%q: %v %v, want %v %v", s, got.UTC(), gerr, want.UTC(), werr)
		}
	})
}

// TestScanKeyOrder: the scanner guesses each key from the order of the
// last status; statuses whose keys come in another order (here sorted, as
// encoding/json writes a map, alternating with the generator's order) give
// the same posts as encoding/json.
func TestScanKeyOrder(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	statuses, _ := v1Corpus(t, 300)
	for i, raw := range statuses {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		sorted, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{raw, sorted, raw} {
			got, gerr, ok := scanPost(b, now)
			if !ok {
				continue
			}
			want, werr := parseTweetV1Std(b, now)
			if (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("status %d: fast path %v\n%+v\nstd %v\n%+v", i, gerr, got, werr, want)
			}
		}
	}
}

// TestAppendParseV1: FormatTwitterV1's AppendParse gives, after the posts
// it is handed (left as they were), what Parse gives, for every status of
// the corpus, a search response, a premium page, malformed records and a
// status without an id.
func TestAppendParseV1(t *testing.T) {
	statuses, _ := v1Corpus(t, 200)
	recs := append([][]byte{}, statuses...)
	recs = append(recs,
		[]byte(`{"statuses":[`+string(statuses[len(statuses)-1])+`,{"id_str":"x"},`+string(statuses[len(statuses)-2])+`]}`),
		[]byte(`{"results":[`+string(statuses[len(statuses)-3])+`]}`),
		[]byte(`{"id_str":`), []byte(`{"created_at":"Mon Jan 02 15:04:05 -0700 2006","user":{}}`), []byte(`[]`))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var all []store.Post
	seen := 0
	for _, rec := range recs {
		want, wbad := FormatTwitterV1.Parse(rec, now)
		before := append([]store.Post(nil), all...)
		var bad []error
		all, bad = FormatTwitterV1.AppendParse(all, rec, now)
		if len(before) > 0 && !reflect.DeepEqual(all[:len(before)], before) {
			t.Fatalf("%q: AppendParse changed the posts before it", rec)
		}
		got := all[len(before):]
		if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) || fmt.Sprint(bad) != fmt.Sprint(wbad) {
			t.Fatalf("%q:\nAppendParse %v %+v\nParse %v %+v", rec, bad, got, wbad, want)
		}
		if wbad != nil {
			seen++
		}
	}
	if seen < 4 {
		t.Fatalf("%d records with errors, want at least 4", seen)
	}
}

// TestScanUnreadKeys: keys go-twitter has no field for (v1Unread), which
// the scanner knows in its key order, are skipped as encoding/json skips
// them: repeated, in another case, holding any value; and the statuses
// are taken.
func TestScanUnreadKeys(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	const head = `{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2","screen_name":"a"},"text":"#AllForPalestine"`
	for _, tail := range []string{
		`,"geo":null,"contributors":null,"is_quote_status":false}`,
		`,"geo":{"type":"Point","coordinates":[1,2]},"geo":null,"geo":"twice"}`,
		`,"GEO":1,"Contributors":[1,2,{"a":[]}],"is_quote_status":"not a bool"}`,
		`,"metadata":{"iso_language_code":"en","result_type":"recent"},"timestamp_ms":"1764496800000"}`,
		`,"quoted_status_permalink":{"url":"https://t.co/x","expanded":"https://x.com/a/status/1"},"retweeted_status":{"id_str":"4","geo":[],"is_quote_status":true,"text":"#X"}}`,
	} {
		raw := []byte(head + tail)
		got, gerr, ok := scanPost(raw, now)
		want, werr := parseTweetV1Std(raw, now)
		if !ok || (gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast path (taken %v) %v\n%+v\nstd %v\n%+v", raw, ok, gerr, got, werr, want)
		}
	}
	for _, odd := range []string{
		head + `,"geo":}`,                  // syntax in a skipped value
		head + `,"geo":1e999}`,             // a number no float64 holds: to the full decoder
		head + `,"geo":"a` + "\x01" + `"}`, // a raw control character
	} {
		if scanV1([]byte(odd)) {
			t.Errorf("%s: taken by the fast path", odd)
		}
	}
}

// TestScanNumbers: numbers of 19 and 20 digits, read by hand for ints, go
// the way encoding/json takes them: an id beyond int64 is refused, the
// least int64 is not.
func TestScanNumbers(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []string{"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"9999999999999999999", "18446744073709551615", "18446744073709551616", "1860000000000000000", "-1", "0", "-0", "100000000000000000000"} {
		for _, raw := range []string{
			`{"id":` + n + `,"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2","screen_name":"a"}}`,
			`{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id":` + n + `,"screen_name":"a","followers_count":` + n + `}}`,
			`{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2"},"retweeted_status":{"id":` + n + `,"user":{"id":` + n + `}}}`,
			`{"id_str":"5","created_at":"Mon Nov 30 10:00:00 +0000 2026","user":{"id_str":"2"},"in_reply_to_status_id":` + n + `,"quoted_status_id":` + n + `}`,
		} {
			got, gerr, ok := scanPost([]byte(raw), now)
			want, werr := parseTweetV1Std([]byte(raw), now)
			if ok && ((gerr == nil) != (werr == nil) || !reflect.DeepEqual(got, want)) {
				t.Errorf("%s: fast path %v\n%+v\nstd %v\n%+v", raw, gerr, got, werr, want)
			}
			var v tweetV1
			if stdOK := json.Unmarshal([]byte(raw), &v) == nil; ok != stdOK {
				t.Errorf("%s: taken by the fast path %v, by encoding/json %v", raw, ok, stdOK)
			}
		}
	}
}

// TestScanSourcesAgree: a live status (its strings each of its own) and an
// imported one (its strings pieces of one) give the same post.
func TestScanSourcesAgree(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	statuses, _ := v1Corpus(t, 500)
	for i, raw := range statuses {
		var live, imported store.Post
		lerr, lok := scanPostV1(raw, store.SourceX, now, &live)
		ierr, iok := scanPostV1(raw, store.SourceImport, now, &imported)
		imported.Source = live.Source
		if lok != iok || (lerr == nil) != (ierr == nil) || !reflect.DeepEqual(live, imported) {
			t.Fatalf("status %d: live (taken %v) %v %+v\nimport (taken %v) %v %+v", i, lok, lerr, live, iok, ierr, imported)
		}
	}
}

// TestScanString: the scanner's reading of a string, eight bytes at a time
// and then from the first byte that stops it, agrees with encoding/json on
// whether it is a string, and with a byte-by-byte reading on where it ends
// and whether it holds an escape or a byte beyond ASCII, for strings with
// every special byte at every position of the first words.
func TestScanString(t *testing.T) {
	specials := []string{`"`, `\\`, `\"`, `\n`, `\u00e9`, `\x`, "\x01", "\x1f", "\x7f", "\x80", "é", " ", "a"}
	for n := 0; n < 20; n++ {
		for _, sp := range specials {
			for _, tail := range []string{`"`, `xyz"`, `"  `, ``, `\`} {
				body := strings.Repeat("a", n) + sp + strings.Repeat("b", n%5)
				b := []byte(`"` + body + tail)
				s := v1Scanner{b: b}
				escaped, ascii, ok := s.scanString()
				var str string
				wantOK := json.NewDecoder(bytes.NewReader(b)).Decode(&str) == nil // the first value only
				// By hand: the end, an escape, ASCII.
				i, wantEsc, wantASCII, handOK := 1, false, true, false
				for i < len(b) {
					c := b[i]
					if c == '"' {
						handOK = true
						i++
						break
					}
					if c < 0x20 {
						break
					}
					if c >= 0x80 {
						wantASCII = false
					}
					if c == '\\' {
						wantEsc = true
						i += 2
						continue
					}
					i++
				}
				if ok != wantOK {
					t.Fatalf("%q: taken %v, encoding/json %v", b, ok, wantOK)
				}
				if ok && (s.i != i || escaped != wantEsc || ascii != wantASCII || !handOK) {
					t.Fatalf("%q: end %d escaped %v ascii %v, want %d %v %v", b, s.i, escaped, ascii, i, wantEsc, wantASCII)
				}
			}
		}
	}
}
