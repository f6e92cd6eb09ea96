package store

import (
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// randomURLPost is a post whose URL is the one its collectors would build,
// or one that almost is: another host or scheme, the handle in another
// case, a trailing slash, another post's key, the reposter's profile.
func randomURLPost(r *rand.Rand) Post {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	dids := []string{"did:plc:ewvi7nxzyoun6zhxrhs64oiz", "did:web:example.com", "did:plc:a/b", ""}
	handles := []string{"amal.bsky.social", "Amal.bsky.social", "did:plc:ewvi7nxzyoun6zhxrhs64oiz", "", "i", "Amal", "amal"}
	rkeys := []string{"3kq2nhrwmbk2c", "3lxyz", "", "a/post/b"}
	atURI := func(coll string) string {
		return "at://" + dids[r.IntN(len(dids))] + "/" + coll + "/" + rkeys[r.IntN(len(rkeys))]
	}
	platform := pick(PlatformBluesky, PlatformBluesky, PlatformX, PlatformMastodon)
	kind := []Kind{KindOriginal, KindRepost, KindReply, KindQuote}[r.IntN(4)]
	p := Post{Platform: platform, Kind: kind, Source: platform, Hashtags: []string{},
		CreatedAt: time.Unix(1700000000+r.Int64N(1e7), 0).UTC(), Author: Author{ID: pick(dids...), Handle: pick(handles...)}}
	switch platform {
	case PlatformBluesky:
		p.ID = atURI(pick("app.bsky.feed.post", "app.bsky.feed.post", "app.bsky.feed.repost"))
		if kind != KindOriginal {
			p.RefID = atURI(pick("app.bsky.feed.post", "app.bsky.feed.post", "app.bsky.feed.like"))
		}
		if r.IntN(8) == 0 {
			p.ID = pick("at://x", "at:///app.bsky.feed.post/", "https://bsky.app/x", "")
		}
	default:
		p.ID = pick("1860000000000000123", "7", "007", "")
	}
	// The URL the rule gives, by DID or by handle, then perhaps spoilt.
	u, ok := bskyURL(&p, r.IntN(2) == 0)
	if !ok || platform != PlatformBluesky {
		u = xURL(p.Author.Handle, p.ID)
	}
	switch r.IntN(10) {
	case 0:
		u += "/"
	case 1:
		u = strings.Replace(u, "bsky.app", pick("staging.bsky.app", "bsky.app.evil"), 1)
		u = strings.Replace(u, "x.com", pick("twitter.com", "mobile.x.com"), 1)
	case 2:
		u = strings.Replace(u, "https", "http", 1)
	case 3:
		u = strings.ToUpper(u[:len(u)/2]) + u[len(u)/2:]
	case 4:
		u = strings.Replace(u, "/post/", "/posts/", 1)
		u = strings.Replace(u, "/status/", "/i/web/status/", 1)
	case 5:
		u = ""
	case 6:
		u = "https://bsky.app/profile/" + p.Author.Handle + "/post/" + pick(rkeys...)
	}
	p.URL = u
	return p
}

// TestPostURLDerivedRoundTrip: encode → decode is the identity on posts
// whose URLs are the canonical ones or almost, and a canonical URL is not
// written.
func TestPostURLDerivedRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 400))
	derived := map[string]int{}
	for i := 0; i < 50000; i++ {
		p := randomURLPost(r)
		v := encodePost(&p)
		var got Post
		if err := decodePost(v, &got); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, p)
		}
		canonical := false
		if p.Platform == PlatformBluesky {
			byDID, _ := bskyURL(&p, false)
			byHandle, ok := bskyURL(&p, true)
			canonical = p.URL == byDID && byDID != "" || ok && p.URL == byHandle
		} else if p.Platform == PlatformX {
			canonical = p.URL == xURL(p.Author.Handle, p.ID)
		}
		if written := v[4]&postURL != 0; written == canonical {
			t.Fatalf("URL %q of %+v: written %v", p.URL, p, written)
		}
		if canonical {
			k := p.Platform
			if p.Platform == PlatformBluesky {
				k += map[bool]string{false: " by DID", true: " by handle"}[v[5]&v3URLBskyHandle != 0]
			}
			derived[k]++
		}
	}
	if derived["bluesky by DID"] < 1000 || derived["bluesky by handle"] < 1000 || derived["x"] < 1000 {
		t.Fatalf("too few canonical URLs drawn: %v", derived)
	}
}

// TestPostV3BlueskyURL: the two URLs the Bluesky collectors build, a
// post's and a repost's, are not written; a record whose flag says so but
// whose at-URI is no post's is refused.
func TestPostV3BlueskyURL(t *testing.T) {
	post := Post{Platform: PlatformBluesky, ID: "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kq2nhrwmbk2c", Kind: KindOriginal, Source: SourceBluesky,
		URL: "https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3kq2nhrwmbk2c", Hashtags: []string{}, Author: Author{ID: "did:plc:ewvi7nxzyoun6zhxrhs64oiz"}}
	byHandle := post
	byHandle.Author.Handle, byHandle.URL = "amal.bsky.social", "https://bsky.app/profile/amal.bsky.social/post/3kq2nhrwmbk2c"
	repost := Post{Platform: PlatformBluesky, ID: "at://did:plc:other/app.bsky.feed.repost/3krepost", Kind: KindRepost, Source: SourceBluesky,
		RefID: post.ID, URL: post.URL, Hashtags: []string{}, Author: Author{ID: "did:plc:other", Handle: "other.bsky.social"}}
	for _, p := range []Post{post, byHandle, repost} {
		v := encodePost(&p)
		if v[4]&postURL != 0 || strings.Contains(string(v), "bsky.app") {
			t.Fatalf("%s: URL written", p.URL)
		}
		var got Post
		if err := decodePost(v, &got); err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("%v\n got %+v\nwant %+v", err, got, p)
		}
		if len(v) >= len(encodePostV2(&p))-len(p.URL)+10 {
			t.Fatalf("%s: %d bytes, postV2 %d", p.URL, len(v), len(encodePostV2(&p)))
		}
	}
	// Flag set, at-URI not a post's: an error, not a made-up URL.
	v := encodePost(&post)
	v = []byte(strings.Replace(string(v), "app.bsky.feed.post", "app.bsky.feed.pozt", 1))
	if err := decodePost(v, new(Post)); err == nil || !strings.Contains(err.Error(), "at-URI") {
		t.Fatalf("a derived URL of a post without a post at-URI: %v", err)
	}
}

// TestPostV3OldBlueskyRecords: postV3 records of Bluesky posts as written
// before the URL rule (URL written, postURL set) decode as they did, and
// the same posts are now written shorter.
func TestPostV3OldBlueskyRecords(t *testing.T) {
	for _, c := range []struct {
		old  string // hex, from encodePostV3 before the rule
		want Post
	}{
		{"0303030104084661743a2f2f6469643a706c633a65777669376e787a796f756e367a687872687336346f697a2f6170702e62736b792e666565642e706f73742f336b71326e6872776d626b3263206469643a706c633a65777669376e787a796f756e367a687872687336346f697a3c68747470733a2f2f62736b792e6170702f70726f66696c652f616d616c2e62736b792e736f6369616c2f706f73742f336b71326e6872776d626b32631023416c6c466f7250616c657374696e65000010616d616c2e62736b792e736f6369616c04416d616c00000080bdbfe11a04000001050f",
			Post{Platform: PlatformBluesky, ID: "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kq2nhrwmbk2c", Kind: KindOriginal, Source: SourceBluesky,
				URL: "https://bsky.app/profile/amal.bsky.social/post/3kq2nhrwmbk2c", Text: "#AllForPalestine", Hashtags: []string{"allforpalestine"},
				CreatedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC), CollectedAt: time.Date(2026, 11, 29, 10, 0, 1, 0, time.UTC),
				Author: Author{ID: "did:plc:ewvi7nxzyoun6zhxrhs64oiz", Handle: "amal.bsky.social", Name: "Amal"}}},
		{"030303021c003061743a2f2f6469643a706c633a6f746865722f6170702e62736b792e666565642e7265706f73742f336b7265706f73740d6469643a706c633a6f746865724c68747470733a2f2f62736b792e6170702f70726f66696c652f6469643a706c633a65777669376e787a796f756e367a687872687336346f697a2f706f73742f336b71326e6872776d626b326300004661743a2f2f6469643a706c633a65777669376e787a796f756e367a687872687336346f697a2f6170702e62736b792e666565642e706f73742f336b71326e6872776d626b3263116f746865722e62736b792e736f6369616c00000000000000",
			Post{Platform: PlatformBluesky, ID: "at://did:plc:other/app.bsky.feed.repost/3krepost", Kind: KindRepost, Source: SourceBluesky,
				RefID: "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kq2nhrwmbk2c", URL: "https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3kq2nhrwmbk2c",
				Hashtags: []string{}, Author: Author{ID: "did:plc:other", Handle: "other.bsky.social"}}},
	} {
		old, err := hex.DecodeString(c.old)
		if err != nil {
			t.Fatal(err)
		}
		var got Post
		if err := decodePost(old, &got); err != nil || !reflect.DeepEqual(got, c.want) {
			t.Fatalf("old record: %v\n got %+v\nwant %+v", err, got, c.want)
		}
		if now := encodePost(&c.want); len(now) != len(old)-len(c.want.URL)-1 { // and its length byte
			t.Fatalf("%s: now %d bytes, was %d", c.want.URL, len(now), len(old))
		}
	}
}
