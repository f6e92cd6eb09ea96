// Package meta speaks what Meta's Graph APIs (the Instagram Graph API and
// the Threads API) have in common: GET requests with a user access token,
// the error object they answer with, and their rate-limit usage headers.
// The instagram and threads collectors use it.
//
// References:
//   - errors: https://developers.facebook.com/docs/graph-api/guides/error-handling
//   - rate limits and usage headers (X-App-Usage, X-Business-Use-Case-Usage):
//     https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
)

// MaxBody bounds a response body.
const MaxBody = 16 << 20

// DefaultRateLimitWait is how long a throttled source waits when Meta gives
// no time to regain access: its windows roll over an hour, so a quarter of
// one is a fair first wait.
const DefaultRateLimitWait = 15 * time.Minute

// Error is a Graph API error object:
//
//	{"error": {"message": "...", "type": "OAuthException", "code": 190,
//	           "error_subcode": 463, "fbtrace_id": "..."}}
type Error struct {
	Status  int    `json:"-"` // HTTP status
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    int    `json:"code"`
	Subcode int    `json:"error_subcode"`
	TraceID string `json:"fbtrace_id"`
}

// ParseError reads the error object of a response body; nil when the body
// holds none.
func ParseError(status int, body []byte) *Error {
	var env struct {
		Error *Error `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return nil
	}
	env.Error.Status = status
	if len(env.Error.Message) > 300 {
		env.Error.Message = env.Error.Message[:300] + "…"
	}
	return env.Error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("HTTP %d: %s code %d", e.Status, e.Type, e.Code)
	if e.Subcode != 0 {
		s += fmt.Sprintf(" (subcode %d)", e.Subcode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// RateLimited reports whether the error says the app, the user or the
// business use case is throttled: codes 4 (app), 17 (user), 32 (page), 613
// (custom) and 80001–80014 (business use cases, Instagram's among them).
func (e *Error) RateLimited() bool {
	switch {
	case e.Code == 4, e.Code == 17, e.Code == 32, e.Code == 613:
		return true
	case e.Code >= 80000 && e.Code < 80100:
		return true
	}
	return e.Status == http.StatusTooManyRequests
}

// TokenInvalid reports an access token that has expired, was revoked or
// is not valid (OAuthException code 190, or 102 for a session).
func (e *Error) TokenInvalid() bool { return e.Code == 190 || e.Code == 102 }

// Usage is the highest usage a response's headers reported, in percent of
// the allowance, and how long until access comes back when throttled.
type Usage struct {
	Percent int
	Regain  time.Duration // estimated_time_to_regain_access (minutes on the wire)
}

// usageEntry is one usage figure as the headers carry it.
type usageEntry struct {
	CallCount    float64 `json:"call_count"`
	TotalCPUTime float64 `json:"total_cputime"`
	TotalTime    float64 `json:"total_time"`
	Regain       float64 `json:"estimated_time_to_regain_access"`
}

func (u *Usage) add(e usageEntry) {
	p := int(max(e.CallCount, e.TotalCPUTime, e.TotalTime))
	u.Percent = max(u.Percent, p)
	u.Regain = max(u.Regain, time.Duration(e.Regain*float64(time.Minute)))
}

// UsageFromHeaders reads X-App-Usage ({"call_count":…}) and
// X-Business-Use-Case-Usage ({"<id>":[{"type":"instagram","call_count":…,
// "estimated_time_to_regain_access":…}]}); ok is false when neither was sent.
func UsageFromHeaders(h http.Header) (Usage, bool) {
	var u Usage
	ok := false
	if v := h.Get("X-App-Usage"); v != "" {
		var e usageEntry
		if json.Unmarshal([]byte(v), &e) == nil {
			u.add(e)
			ok = true
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]usageEntry
		if json.Unmarshal([]byte(v), &m) == nil {
			for _, l := range m {
				for _, e := range l {
					u.add(e)
				}
			}
			ok = true
		}
	}
	return u, ok
}

// RateLimit is the usage as the scheduler's rate-limit state: a limit of
// 100 (percent), what is left, and the reset when Meta said when access
// comes back.
func (u Usage) RateLimit(now time.Time) *collector.RateLimit {
	rl := &collector.RateLimit{Limit: 100, Remaining: max(0, 100-u.Percent)}
	if u.Regain > 0 {
		rl.Reset = now.Add(u.Regain).UTC()
	}
	return rl
}

// RetryUntil is when a throttled request may be sent again: the time to
// regain access from the usage headers, else Retry-After, else
// DefaultRateLimitWait.
func RetryUntil(h http.Header, u Usage, now time.Time) time.Time {
	if u.Regain > 0 {
		return now.Add(u.Regain).UTC()
	}
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			return now.Add(time.Duration(s) * time.Second).UTC()
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t.UTC()
		}
	}
	return now.Add(DefaultRateLimitWait).UTC()
}

// Response is one answered request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Usage  Usage
	HasUse bool // the usage headers were present
}

// Get sends GET base+path?query with the token as a bearer token (never in
// the URL, so it stays out of logs and error messages) and reads the body.
// Transport failures and truncated bodies are errors; statuses are the
// caller's to judge.
func Get(ctx context.Context, client *http.Client, base, path string, q url.Values, token string, timeout time.Duration) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u := strings.TrimRight(base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tagpulse")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", path, err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	r.Usage, r.HasUse = UsageFromHeaders(resp.Header)
	return r, nil
}

// Timestamp parses Meta's timestamps: ISO 8601 with a numeric zone and no
// colon ("2017-08-31T18:10:00+0000"), or RFC 3339.
func Timestamp(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04:05-0700", s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: not ISO 8601", s)
	}
	return t.UTC(), nil
}

// Redacted stands for a secret in String and LogValue methods.
func Redacted(secret string) string {
	if secret == "" {
		return "(none)"
	}
	return "(redacted)"
}
