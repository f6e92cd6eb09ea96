package store

import (
	"testing"
	"time"
)

func benchPost() Post {
	return Post{Platform: "x", ID: "1860000000000000123", Source: "x", Arrival: ArrivalImport, Kind: KindRepost, RefID: "1860000000000000001",
		CreatedAt: time.Date(2026, 11, 28, 21, 51, 34, 0, time.UTC), CollectedAt: time.Date(2026, 12, 1, 9, 0, 0, 123456789, time.UTC),
		Text: "RT @supporter1: We stand with the Palestinian people today and every day. Free all Palestinian prisoners. Join the day of action in your city #كلنا_لفلسطين #AllForPalestine",
		Lang: "en", Hashtags: []string{"كلنا_لفلسطين", "allforpalestine"}, Author: Author{ID: "60601", Handle: "supporter50601", Name: "Supporter 50601", Followers: 9319},
		Signals: Signals{ProfileLocation: "Karachi"}}
}

func BenchmarkEncodePost(b *testing.B) {
	p := benchPost()
	b.Run("v2", func(b *testing.B) {
		for b.Loop() {
			encodePostV2(&p)
		}
	})
	b.Run("v3", func(b *testing.B) {
		for b.Loop() {
			encodePostV3(&p)
		}
	})
}

func BenchmarkDecodePost(b *testing.B) {
	p := benchPost()
	for name, enc := range map[string][]byte{"v2": encodePostV2(&p), "v3": encodePostV3(&p)} {
		b.Run(name, func(b *testing.B) {
			var q Post
			for b.Loop() {
				decodePost(enc, &q)
			}
		})
	}
}
