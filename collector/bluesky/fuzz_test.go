package bluesky_test

import (
	"testing"

	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// FuzzParseView: any input parses or is refused, never panics; a parsed
// post has an at-URI for id, a follower count in range and at most
// hashtag.MaxPerPost hashtags.
func FuzzParseView(f *testing.F) {
	f.Add(bskyView("at://did:plc:abc/app.bsky.feed.post/3k", "9223372036854775807"))
	f.Add(bskyView("at://did:plc:abc/app.bsky.feed.post/a b", "-3"))
	f.Add([]byte(`{"post":{"uri":"at://did:plc:a/app.bsky.feed.post/1","author":{"did":"did:plc:a"},"record":{"text":"#x","createdAt":"2026-11-29T10:00:00Z","facets":[{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"y"}]}]}},"reason":{"$type":"app.bsky.feed.defs#reasonRepost","by":{"did":"did:plc:b"},"indexedAt":"2026-11-29T10:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := bluesky.ParseView(raw, store.SourceImport, mbNow)
		if err != nil {
			return
		}
		if p.Kind != store.KindRepost {
			if err := store.ValidID(p.Platform, p.ID); err != nil {
				t.Fatalf("parsed post with a bad id: %v", err)
			}
		}
		if p.Author.Followers < 0 || p.Author.Followers > store.MaxFollowers || len(p.Hashtags) > hashtag.MaxPerPost {
			t.Fatalf("followers %d, %d hashtags", p.Author.Followers, len(p.Hashtags))
		}
	})
}
