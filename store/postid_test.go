package store_test

import (
	"testing"

	"github.com/tagpulse/tagpulse/store"
)

func TestValidID(t *testing.T) {
	for _, c := range []struct {
		platform, id string
		ok           bool
	}{
		{"x", "1864321987654321098", true},
		{"x", " ", false},
		{"x", "javascript:alert(1)", false},
		{"x", "12a", false},
		{"x", "123456789012345678901", false},
		{"x", "12345678901234567890", true},
		{"x", "0", true},
		{"x", "", false},
		{"x", "١٢٣", false}, // digits, not ASCII ones
		{"x", "12 3", false},
		{"mastodon", "https://mastodon.social/users/a/statuses/1", true},
		{"mastodon", "tag:mastodon.social,2017-04-21:objectId=3610569:objectType=Status", true},
		{"mastodon", "javascript:alert(1)", false},
		{"mastodon", "https://user:pass@evil.example/s/1", false},
		{"mastodon", "https://evil.example/s/1\n", false},
		{"mastodon", "/statuses/1", false},
		{"bluesky", "at://did:plc:abc123/app.bsky.feed.post/3kxyz", true},
		{"bluesky", "at://did:plc:abc/app.bsky.feed.post/a b", false},
		{"bluesky", "at://javascript:alert(1)/app.bsky.feed.post/x", false},
		{"bluesky", "at://did:plc:abc/app.bsky.feed.post/x\x00", false},
		{"demo", "d-1", true},
		{"demo", " ", false},
		{"demo", "", false},
	} {
		if err := store.ValidID(c.platform, c.id); (err == nil) != c.ok {
			t.Errorf("ValidID(%s, %q) = %v, want ok %v", c.platform, c.id, err, c.ok)
		}
	}
}
