package bluesky

import (
	"net/http"
	"testing"
	"time"
)

// TestParseRateLimit reads the AppView's ratelimit-* headers; without a
// reset the policy's window stands in for it.
func TestParseRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	h := http.Header{}
	if parseRateLimit(h, now) != nil {
		t.Error("no headers gave a rate limit")
	}
	h.Set("RateLimit-Limit", "3000")
	h.Set("RateLimit-Remaining", "2999")
	h.Set("RateLimit-Reset", "1795942800")
	h.Set("RateLimit-Policy", "3000;w=300")
	if rl := parseRateLimit(h, now); rl == nil || rl.Limit != 3000 || rl.Remaining != 2999 || !rl.Reset.Equal(time.Unix(1795942800, 0)) {
		t.Errorf("rate limit = %+v", rl)
	}
	h.Del("RateLimit-Reset")
	if rl := parseRateLimit(h, now); rl == nil || !rl.Reset.Equal(now.Add(300*time.Second)) {
		t.Errorf("from the policy: %+v", rl)
	}
	h.Set("RateLimit-Remaining", "lots")
	if parseRateLimit(h, now) != nil {
		t.Error("an unreadable remaining gave a rate limit")
	}
}
