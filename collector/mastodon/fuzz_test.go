package mastodon_test

import (
	"testing"

	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/store"
)

// FuzzParseStatus: any input parses or is refused, never panics; a parsed
// post has a status uri for id, a follower count in range and at most
// hashtag.MaxPerPost hashtags.
func FuzzParseStatus(f *testing.F) {
	f.Add(hostileStatus(1, "a@b.example", "https://b.example/@a", "9223372036854775807"))
	f.Add(hostileStatus(2, "a", "javascript:alert(1)", "-1"))
	f.Add([]byte(`{"id":"3","uri":"tag:m.example,2017:objectId=1","created_at":"2026-11-29T10:00:00Z","account":{},"reblog":{"uri":"x","tags":[{"name":"a"}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := mastodon.ParseStatus(raw, "m.example", store.SourceMastodon, mbNow)
		if err != nil {
			return
		}
		if err := store.ValidID(p.Platform, p.ID); err != nil {
			t.Fatalf("parsed post with a bad id: %v", err)
		}
		if p.Author.Followers < 0 || p.Author.Followers > store.MaxFollowers || len(p.Hashtags) > hashtag.MaxPerPost {
			t.Fatalf("followers %d, %d hashtags", p.Author.Followers, len(p.Hashtags))
		}
	})
}
