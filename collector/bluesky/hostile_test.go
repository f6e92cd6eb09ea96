package bluesky_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/store"
)

func bskyView(uri, followers string) []byte {
	return fmt.Appendf(nil, `{"uri":%q,"cid":"bafy","author":{"did":"did:plc:abc","handle":"a.bsky.social","followersCount":%s},
"record":{"$type":"app.bsky.feed.post","text":"#AllForPalestine","createdAt":"2026-11-29T10:00:00Z"},"indexedAt":"2026-11-29T10:00:01Z"}`, uri, followers)
}

// TestBlueskyHostileViews: at-URIs with spaces, control characters or a
// script for a DID are refused; follower counts are clamped.
func TestBlueskyHostileViews(t *testing.T) {
	for _, uri := range []string{"at://did:plc:abc/app.bsky.feed.post/a b", "at://javascript:alert(1)/app.bsky.feed.post/x", "at://did:plc:abc/app.bsky.feed.post/\x01"} {
		if _, err := bluesky.ParseView(bskyView(uri, "1"), store.SourceImport, mbNow); err == nil {
			t.Errorf("uri %q accepted", uri)
		}
	}
	for raw, want := range map[string]int64{fmt.Sprint(int64(math.MaxInt64)): store.MaxFollowers, "-5": 0, "12": 12} {
		p, err := bluesky.ParseView(bskyView("at://did:plc:abc/app.bsky.feed.post/3k", raw), store.SourceImport, mbNow)
		if err != nil {
			t.Fatal(err)
		}
		if p.Author.Followers != want {
			t.Errorf("followersCount %s → %d, want %d", raw, p.Author.Followers, want)
		}
	}
}
