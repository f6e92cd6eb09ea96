package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPostCodecRoundTrip(t *testing.T) {
	for name, p := range map[string]Post{
		"full": {Platform: "x", ID: "1", Source: "import", Kind: KindQuote, CreatedAt: time.Date(2026, 11, 29, 10, 0, 0, 5, time.UTC),
			CollectedAt: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC), URL: "https://x.com/a/status/1", Text: "كلنا لفلسطين #x", Lang: "ar",
			Hashtags: []string{"x", "كلنا_لفلسطين"}, RefID: "0", Author: Author{ID: "7", Handle: "a", Name: "A", Followers: 12},
			Signals: Signals{PlaceCountry: "PS", Coordinates: &LatLon{31.5, 34.46}, ProfileLocation: "Gaza", InstanceDomain: "m.ps"}, Engagement: 3, Redacted: true},
		"empty":        {Platform: "demo", ID: "2", Hashtags: []string{}},
		"far future":   {Platform: "x", ID: "7", CreatedAt: time.Date(2300, 1, 1, 0, 0, 0, 9, time.UTC), CollectedAt: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), Hashtags: []string{"a"}},
		"x, no handle": {Platform: "x", ID: "3", URL: "https://x.com/i/status/3", Kind: KindRepost, Source: "x", CreatedAt: time.Unix(1, 0).UTC(), Hashtags: []string{"a"}},
		"x, other url": {Platform: "x", ID: "4", URL: "https://twitter.com/b/status/4", Author: Author{ID: "9", Handle: "b"}, Hashtags: []string{"a"}},
		"x, no url":    {Platform: "x", ID: "5", Author: Author{Handle: "c"}, Hashtags: []string{"a"}},
		// postV3's cases: IDs not canonical decimals, tags in the text in
		// either case or not at all, collection before creation, a text
		// long enough to compress.
		"odd ids": {Platform: "x", ID: "007", RefID: "-1", Author: Author{ID: "18446744073709551616"}, Hashtags: []string{}, CreatedAt: time.Unix(5, 0).UTC(), CollectedAt: time.Unix(2, 7).UTC()},
		"tags in text": {Platform: "x", ID: "18446744073709551615", RefID: "0", Author: Author{ID: "1", Handle: "h"}, Kind: KindRepost,
			Text: "RT @h: " + strings.Repeat("Free all prisoners. ", 8) + "#AllForPalestine #كلنا_لفلسطين #gaza #", Hashtags: []string{"allforpalestine", "كلنا_لفلسطين", "gaza", "notthere", "ـ"},
			CreatedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), CollectedAt: time.Date(2026, 11, 30, 1, 2, 3, 456, time.UTC), Arrival: ArrivalImport, Source: "x"},
		"lower differs in length": {Platform: "x", ID: "8", Text: "#\u0130stanbul #\xff", Hashtags: []string{"i̇stanbul", "\ufffd"}},
		"unknown codes": {Platform: "nostr", ID: "6", Source: "relay", Kind: "zap", URL: "nostr:6", Author: Author{ID: "npub"},
			CollectedAt: time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC), Hashtags: []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			var got Post
			if err := decodePost(encodePost(&p), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, p) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
			}
			// The earlier binary encoding still reads, and both give the
			// author's bucket without a full decode.
			var v1 Post
			if err := decodePost(encodePostV1(&p), &v1); name != "far future" && (err != nil || !reflect.DeepEqual(v1, p)) { // v1 held UnixNano (1678–2262)
				t.Fatalf("v1: %v\n got %+v\nwant %+v", err, v1, p)
			}
			var v2 Post
			if err := decodePost(encodePostV2(&p), &v2); err != nil || !reflect.DeepEqual(v2, p) {
				t.Fatalf("v2: %v\n got %+v\nwant %+v", err, v2, p)
			}
			for _, enc := range [][]byte{encodePost(&p), encodePostV2(&p), encodePostV1(&p)} {
				platform, id, ok := postAuthor(enc)
				if !ok || authorBucketOf(platform, id) != AuthorBucket(p.Author.Key(p.Platform)) {
					t.Fatalf("postAuthor of format %d: %q %q %v", enc[0], platform, id, ok)
				}
			}
			// JSON-encoded posts (as early stores wrote) still read.
			j, _ := json.Marshal(p)
			var fromJSON Post
			if err := decodePost(j, &fromJSON); err != nil || fromJSON.ID != p.ID {
				t.Fatalf("json: %v %+v", err, fromJSON)
			}
		})
	}
	if err := decodePost([]byte{postV1, 5, 'a'}, new(Post)); err == nil {
		t.Fatal("a truncated post decoded without error")
	}
	full := encodePost(&Post{Platform: "x", ID: "1", Text: "hello", Hashtags: []string{"a"}})
	for i := 1; i < len(full); i++ {
		if err := decodePost(full[:i], new(Post)); err == nil {
			t.Fatalf("a post cut at %d of %d bytes decoded without error", i, len(full))
		}
	}
}

func FuzzDecodePost(f *testing.F) {
	f.Add(encodePost(&Post{Platform: "x", ID: "1", Hashtags: []string{"a"}, Signals: Signals{Coordinates: &LatLon{1, 2}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Post
		decodePost(b, &p) // must not panic
	})
}

func TestMemberCodecRoundTrip(t *testing.T) {
	m := Member{First: 42, Periods: []PeriodMember{
		{Grain: GrainTotal, FirstSeen: 1, LastSeen: 2, Followers: 3, Posts: 4, In: []DimValue{{DimAll, ""}, {DimCountry, "PS"}, {DimSourceKind, "x/repost"}}},
		{Grain: GrainDay, Period: "2026-11-29", FirstSeen: 5, LastSeen: 6, Followers: 7, Posts: 8, Handle: "amal", In: []DimValue{{"future_dim", "v"}, {DimLang, "ar"}}},
	}}
	got, err := decodeMember(encodeMember(&m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	// Hours, nanoseconds, values out of the table, periods not in their layout.
	m = Member{First: 1764400000123456789, Periods: []PeriodMember{
		{Grain: GrainHour, Period: "2026-11-29T05:30Z", FirstSeen: 1764394200 * 1e9, LastSeen: 1764395000*1e9 + 7, Followers: -1, Posts: 1, In: []DimValue{{DimSource, "import"}, {DimSourceKind, "bluesky/quote"}, {DimSourceKind, "odd/kind"}, {DimCountry, "ZZ"}, {DimLang, "pt"}}},
		{Grain: GrainDay, Period: "not a day", FirstSeen: -5, LastSeen: -5, In: []DimValue{}},
		{Grain: GrainHour, Period: "1969-12-31T23:00Z", In: []DimValue{}},
	}}
	got, err = decodeMember(encodeMember(&m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	if _, err := decodeMember([]byte{0, 1, 't', 0, 0, 0, 0, 0, 1, 0, 0}); err == nil || !strings.Contains(err.Error(), "earlier layout") {
		t.Fatalf("a record of the earlier layout: %v", err)
	}
	if _, err := decodeMember([]byte{memberV2, 0, 1, 't', 0, 0, 0, 0, 0, 0, 0, 1, 0x7f}); err == nil || !strings.Contains(err.Error(), "unknown dimension") {
		t.Fatal("an unknown dimension index decoded without error")
	}
}

// TestPostV3Smaller: a typical imported post (decimal IDs, its hashtags in
// its text) is written with postV3's numbers and references, in fewer bytes
// than postV2 writes, and a cut anywhere does not decode into the same post.
func TestPostV3Smaller(t *testing.T) {
	p := Post{Platform: "x", ID: "1860000000000000123", Source: "x", Arrival: ArrivalImport, Kind: KindRepost, RefID: "1860000000000000001",
		CreatedAt: time.Date(2026, 11, 28, 21, 51, 34, 0, time.UTC), CollectedAt: time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC),
		Text: "RT @supporter1: We stand with the Palestinian people today and every day. Free all Palestinian prisoners. Join the day of action in your city #كلنا_لفلسطين #AllForPalestine",
		Lang: "en", Hashtags: []string{"كلنا_لفلسطين", "allforpalestine"}, Author: Author{ID: "60601", Handle: "supporter50601", Name: "Supporter 50601", Followers: 9319},
		Signals: Signals{ProfileLocation: "Karachi"}}
	v3, v2 := encodePost(&p), encodePostV2(&p)
	if v3[0] != postV3 || v3[5] != v3IDNum|v3AuthorNum|v3RefNum|v3CollectedRel {
		t.Fatalf("format %d, extra flags %08b", v3[0], v3[5])
	}
	if len(v3) >= len(v2)-40 {
		t.Fatalf("postV3 %d bytes, postV2 %d", len(v3), len(v2))
	}
	var got Post
	if err := decodePost(v3, &got); err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, p)
	}
	for i := 1; i < len(v3); i++ {
		var q Post
		if err := decodePost(v3[:i], &q); err == nil && reflect.DeepEqual(q, p) {
			t.Fatalf("cut at %d of %d bytes decoded as the whole post", i, len(v3))
		}
	}
	t.Logf("postV3 %d bytes, postV2 %d", len(v3), len(v2))
}

func TestIsXURL(t *testing.T) {
	for _, c := range [][3]string{
		{"https://x.com/a/status/1", "a", "1"}, {"https://x.com/i/status/1", "", "1"}, {"https://x.com/i/status/1", "i", "1"},
		{"https://x.com/a/status/12", "a", "1"}, {"https://x.com/ab/status/1", "a", "1"}, {"https://twitter.com/a/status/1", "a", "1"},
		{"", "", ""}, {"https://x.com//status/", "", ""}, {"https://x.com/i/status/", "", ""},
	} {
		if got, want := isXURL(c[0], c[1], c[2]), c[0] == xURL(c[1], c[2]); got != want {
			t.Errorf("isXURL(%q, %q, %q) = %v, want %v", c[0], c[1], c[2], got, want)
		}
	}
}
