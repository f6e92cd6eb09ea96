package meta

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTimestamp(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2017-08-31T18:10:00+0000":  time.Date(2017, 8, 31, 18, 10, 0, 0, time.UTC),
		"2026-11-29T12:00:00+0200":  time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		"2026-11-29T12:00:00Z":      time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
		"2026-11-29T12:00:00-05:00": time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC),
	} {
		if got, err := Timestamp(in); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := Timestamp("yesterday"); err == nil || !strings.Contains(err.Error(), "yesterday") {
		t.Errorf("bad timestamp: %v", err)
	}
}

func TestErrorsAndUsage(t *testing.T) {
	if ParseError(400, []byte(`{"data":[]}`)) != nil || ParseError(502, []byte(`<html>`)) != nil {
		t.Error("a body without an error object parsed as one")
	}
	e := ParseError(400, []byte(`{"error":{"message":"`+strings.Repeat("x", 400)+`","type":"OAuthException","code":613}}`))
	if e == nil || !e.RateLimited() || len(e.Message) > 310 || !strings.HasPrefix(e.Error(), "HTTP 400: OAuthException code 613: ") {
		t.Errorf("%v", e)
	}
	h := http.Header{}
	if _, ok := UsageFromHeaders(h); ok {
		t.Error("usage without headers")
	}
	h.Set("X-App-Usage", `{"call_count":12,"total_time":80,"total_cputime":5}`)
	u, ok := UsageFromHeaders(h)
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	if !ok || u.Percent != 80 || u.Regain != 0 || RetryUntil(h, u, now) != now.Add(DefaultRateLimitWait) {
		t.Errorf("usage %+v", u)
	}
	h.Set("Retry-After", "90")
	if got := RetryUntil(h, u, now); !got.Equal(now.Add(90 * time.Second)) {
		t.Errorf("retry-after: %v", got)
	}
	if rl := u.RateLimit(now); rl.Remaining != 20 || !rl.Reset.IsZero() {
		t.Errorf("rate limit %+v", rl)
	}
}
