package mastodon

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/internal/testneed"
)

// The recorded headers of a real tag-timeline response: Link paging and
// X-RateLimit-* with an ISO 8601 reset.
func TestMastodonRecordedHeaders(t *testing.T) {
	path := testneed.Path(t, filepath.Join("..", "..", "..", "shared", "fixtures", "mastodon", "tag_timeline_hoot_mastodonpy_cassette.headers.json"))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, vs := range rec.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if got := mastodonLinkParam(h.Values("Link"), "prev", "min_id"); got != "117020593741189701" {
		t.Errorf("prev min_id = %q", got)
	}
	if got := mastodonLinkParam(h.Values("Link"), "next", "max_id"); got != "117020593741189701" {
		t.Errorf("next max_id = %q", got)
	}
	rl := mastodonRateLimit(h)
	want := time.Date(2026, 8, 1, 14, 0, 0, 70144000, time.UTC)
	if rl == nil || rl.Limit != 300 || rl.Remaining != 299 || !rl.Reset.Equal(want) {
		t.Fatalf("rate limit = %+v, want 300/299 reset %v", rl, want)
	}
	now := time.Date(2026, 8, 1, 13, 56, 0, 0, time.UTC)
	if got := mastodonRetryUntil(h, now); !got.Equal(want) {
		t.Errorf("retry until %v, want the reset %v", got, want)
	}
	h.Set("Retry-After", "30")
	if got := mastodonRetryUntil(h, now); !got.Equal(now.Add(30 * time.Second)) {
		t.Errorf("Retry-After 30: until %v", got)
	}
}

func TestMastodonHTMLText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`<p><a href="x" class="mention hashtag" rel="tag">#<span>hoot</span></a> (hashtag toot)</p>`, "#hoot (hashtag toot)"},
		{`<p>one<br>two<br />three</p><p>para &amp; &lt;b&gt; &#39;x&#39;</p>`, "one\ntwo\nthree\n\npara & <b> 'x'"},
		{`a < b`, "a < b"},
		{`plain`, "plain"},
	} {
		if got := mastodonHTMLText(c.in); got != c.want {
			t.Errorf("%q → %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMastodonLocationField(t *testing.T) {
	for _, c := range []struct {
		fields []mastodonField
		want   string
	}{
		{[]mastodonField{{"Website", "x"}, {"Location", "Gaza"}}, "Gaza"},
		{[]mastodonField{{"ORT", "<p>Berlin</p>"}}, "Berlin"},
		{[]mastodonField{{"📍 Ubicación:", "Bogotá"}}, "Bogotá"},
		{[]mastodonField{{"الموقع", "رام الله"}}, "رام الله"},
		{[]mastodonField{{"Местоположение", "Москва"}}, "Москва"},
		{[]mastodonField{{"Pronouns", "they/them"}}, ""},
		{[]mastodonField{{"Location", ""}, {"Lieu", "Lyon"}}, "Lyon"},
		{[]mastodonField{{"Місто", "Київ"}}, "Київ"},
		{[]mastodonField{{"Konum", "İstanbul"}}, "İstanbul"},
		{[]mastodonField{{"Standort", "Köln &amp; Bonn"}}, "Köln & Bonn"},
		{[]mastodonField{{"📍", "Nablus"}}, "Nablus"},
		{[]mastodonField{{"🏠:", "<p>Haifa</p>"}}, "Haifa"},
		{[]mastodonField{{"🐘", "Haifa"}}, ""},
		{[]mastodonField{{"From", "Jenin, Palestine"}}, "Jenin, Palestine"},
		// A link is a map or a site, not a place: the next location field counts.
		{[]mastodonField{{"Location", `<a href="https://www.openstreetmap.org/relation/1473938" rel="me nofollow noopener" target="_blank"><span class="invisible">https://www.</span><span class="ellipsis">openstreetmap.org/relation/147</span><span class="invisible">3938</span></a>`}, {"Ort", "Leipzig"}}, "Leipzig"},
		{[]mastodonField{{"Location", "https://example.org/gaza"}}, ""},
	} {
		if got := mastodonLocation(c.fields); got != c.want {
			t.Errorf("%v → %q, want %q", c.fields, got, c.want)
		}
	}
}

func TestMastodonQuoteAndNewer(t *testing.T) {
	raw := `{"id":"5","uri":"https://q.example/s/5","created_at":"2026-11-29T10:00:00Z","content":"<p>look #AllForPalestine</p>",
		"account":{"acct":"q","url":"https://q.example/@q"},"tags":[],
		"quote":{"state":"accepted","quoted_status":{"id":"4","uri":"https://o.example/s/4","created_at":"2026-11-29T09:00:00Z","content":"","account":{"acct":"o@o.example"}}}}`
	p, err := ParseStatus([]byte(raw), "q.example", "mastodon", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != "quote" || p.RefID != "https://o.example/s/4" || len(p.Hashtags) != 1 || p.Hashtags[0] != "allforpalestine" {
		t.Errorf("quote: kind %q ref %q tags %v (tags from text when tags[] is empty)", p.Kind, p.RefID, p.Hashtags)
	}
	if !mastodonNewer("113000000000000010", "99999") || mastodonNewer("5", "6") || mastodonNewer("", "1") || !mastodonNewer("1", "") {
		t.Error("mastodonNewer ordering")
	}
}
