package collector_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/tagpulse/tagpulse/collector"
)

// TestScrubRemovesURLUserInfoEverywhere: user info in a URL is cut from the
// URL and wherever else the message repeats it (a server echoing the Basic
// credentials it was sent), in every form.
func TestScrubRemovesURLUserInfoEverywhere(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("alice:s3cret pass"))
	msg := `mastodon:m.example: GET https://alice:s3cret%20pass@m.example/api/v1/timelines/tag/a?access_token=tok123456: 401: ` +
		`{"error":"bad credentials Basic ` + b64 + ` for alice:s3cret pass (s3cret pass)"} Authorization: Bearer abcdef123456`
	got := collector.Scrub(msg, nil)
	for _, leak := range []string{"s3cret", b64, "tok123456", "abcdef123456", "%20pass"} {
		if strings.Contains(got, leak) {
			t.Errorf("scrubbed message still holds %q: %s", leak, got)
		}
	}
	if !strings.Contains(got, "https://m.example/api/v1/timelines/tag/a") {
		t.Errorf("the URL itself is gone: %s", got)
	}
	// Without a URL in the message, the configured address's user info
	// (given as secrets) still goes.
	got = collector.Scrub("401 for Basic "+b64+" and s3cret pass", collector.UserInfoSecrets("alice:s3cret%20pass"))
	if strings.Contains(got, "s3cret") || strings.Contains(got, b64) {
		t.Errorf("scrubbed message still holds the credentials: %s", got)
	}
}
