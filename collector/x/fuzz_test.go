package x_test

import (
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

// FuzzParseTweetV1: any input parses or is refused, never panics; a parsed
// post has an id X can produce, a follower count in range and at most
// hashtag.MaxPerPost hashtags.
func FuzzParseTweetV1(f *testing.F) {
	f.Add(v1Status("1", "12"))
	f.Add(v1Status("javascript:alert(1)", "-5"))
	f.Add([]byte(`{"id":5,"user":{"followers_count":9223372036854775807},"created_at":"Sun Nov 29 10:00:00 +0000 2026","retweeted_status":{"id_str":"7","user":{}}}`))
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := x.ParseTweetV1(raw, store.SourceImport, now)
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
