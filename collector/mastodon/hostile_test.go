package mastodon_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/store"
)

func hostileStatus(n int, acct, url string, followers string) []byte {
	return fmt.Appendf(nil, `{"id":"%d","uri":"https://evil.example/statuses/%d","url":"https://evil.example/@x/%d",
"created_at":"2026-11-29T10:00:00.000Z","content":"<p>#AllForPalestine</p>","tags":[{"name":"AllForPalestine"}],
"account":{"id":"%d","username":"u%d","acct":%q,"url":%q,"uri":%q,"followers_count":%s}}`, n, n, n, n, n, acct, url, url, followers)
}

// TestMastodonAuthorsSharingAURLAreDistinct: 20 accounts whose server gives
// them one url (and uri) were counted as one participant; the key is each
// account's acct@domain, case-insensitively.
func TestMastodonAuthorsSharingAURLAreDistinct(t *testing.T) {
	keys := map[string]bool{}
	for i := range 20 {
		p, err := mastodon.ParseStatus(hostileStatus(i, fmt.Sprintf("user%d@evil.example", i), "https://evil.example/@shared", "1"), "mastodon.social", store.SourceMastodon, mbNow)
		if err != nil {
			t.Fatal(err)
		}
		keys[p.Author.Key(p.Platform)] = true
	}
	if len(keys) != 20 {
		t.Fatalf("20 accounts sharing a url give %d author keys, want 20", len(keys))
	}
	// One account seen from its own instance (acct without domain) and from
	// another (acct with it, other case) is one author.
	a, _ := mastodon.ParseStatus(hostileStatus(1, "Amal", "https://gaza.social/@Amal", "1"), "gaza.social", store.SourceMastodon, mbNow)
	b, _ := mastodon.ParseStatus(hostileStatus(2, "amal@Gaza.Social", "https://gaza.social/users/amal", "1"), "mastodon.social", store.SourceMastodon, mbNow)
	if a.Author.Key(a.Platform) != b.Author.Key(b.Platform) {
		t.Fatalf("one account, two keys: %q, %q", a.Author.Key(a.Platform), b.Author.Key(b.Platform))
	}
	// Posts stored before (Author.ID the url) count by their handle too.
	old := store.Author{ID: "https://evil.example/@shared", Handle: "user3@evil.example"}
	if old.Key(store.PlatformMastodon) != (store.Author{ID: "acct:user3@evil.example", Handle: "user3@evil.example"}).Key(store.PlatformMastodon) {
		t.Fatal("an old post's author is keyed differently from a new one's")
	}
}

// TestMastodonFollowerCountsClamped: followers_count past store.MaxFollowers
// is clamped, a negative one read as 0.
func TestMastodonFollowerCountsClamped(t *testing.T) {
	for raw, want := range map[string]int64{fmt.Sprint(int64(math.MaxInt64)): store.MaxFollowers, "-5": 0, "12": 12} {
		p, err := mastodon.ParseStatus(hostileStatus(1, "a@b.example", "https://b.example/@a", raw), "", store.SourceMastodon, mbNow)
		if err != nil {
			t.Fatal(err)
		}
		if p.Author.Followers != want {
			t.Errorf("followers_count %s → %d, want %d", raw, p.Author.Followers, want)
		}
	}
}

// TestMastodonHostileStatusIDs: a status whose uri (and url) is no status
// uri is refused.
func TestMastodonHostileStatusIDs(t *testing.T) {
	for _, uri := range []string{" ", "javascript:alert(1)", "https://evil.example/s/1\x07"} {
		raw := fmt.Appendf(nil, `{"id":"1","uri":%q,"created_at":"2026-11-29T10:00:00.000Z","content":"#a","account":{"acct":"a@b.example"}}`, uri)
		if _, err := mastodon.ParseStatus(raw, "", store.SourceMastodon, mbNow); err == nil {
			t.Errorf("uri %q accepted", uri)
		}
	}
}
