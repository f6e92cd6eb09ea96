package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/collector"
)

// DefaultAppView is Bluesky's public AppView: profiles and post views, no login.
const DefaultAppView = "https://public.api.bsky.app"

// DefaultPDS is where a Bluesky account logs in (createSession) and whose
// proxy answers searchPosts for logged-in sessions.
const DefaultPDS = "https://bsky.social"

// AppPasswordEnv is the environment variable holding the app password of
// the account that backfills with searchPosts.
const AppPasswordEnv = "TAGPULSE_BLUESKY_APP_PASSWORD"

// xrpcBatch is how many actors getProfiles, and URIs getPosts, take per call.
const xrpcBatch = 25

// xrpcClient calls XRPC methods on one host, reading the rate-limit headers
// every answer carries (ratelimit-limit, -remaining, -reset in epoch
// seconds, -policy "3000;w=300").
type xrpcClient struct {
	base *url.URL
	hc   *http.Client
	name string // the source, for errors
	now  func() time.Time

	mu sync.Mutex
	rl *collector.RateLimit // as the last answer said
}

func newXRPC(raw, def, name string, timeout time.Duration, now func() time.Time) (*xrpcClient, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s %q: not an http(s) URL", name, raw)
	}
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	return &xrpcClient{base: u, hc: &http.Client{Timeout: timeout}, name: name, now: now}, nil
}

// xrpcError is an XRPC error answer: {"error": "InvalidToken", "message": …}.
type xrpcError struct {
	Status  int
	Name    string `json:"error"`
	Message string `json:"message"`
	Method  string
}

func (e *xrpcError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Method, e.Status)
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// expiredToken reports whether the answer says the session must be renewed.
func (e *xrpcError) expiredToken() bool {
	return e.Status == http.StatusUnauthorized || e.Name == "ExpiredToken" || e.Name == "InvalidToken"
}

// rateLimit returns the rate-limit state of the last answer (nil before one).
func (c *xrpcClient) rateLimit() *collector.RateLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rl == nil {
		return nil
	}
	rl := *c.rl
	return &rl
}

// spent returns the reset time when the last answer left nothing.
func (c *xrpcClient) spent() (time.Time, bool) {
	rl := c.rateLimit()
	if rl == nil || rl.Remaining > 0 || rl.Reset.IsZero() || !rl.Reset.After(c.now()) {
		return time.Time{}, false
	}
	return rl.Reset, true
}

// parseRateLimit reads the ratelimit-* headers. Without a reset, the
// policy's window ("3000;w=300": 300 seconds) stands in for it.
func parseRateLimit(h http.Header, now time.Time) *collector.RateLimit {
	lim, err1 := strconv.Atoi(h.Get("Ratelimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("Ratelimit-Remaining"))
	if err1 != nil || err2 != nil {
		return nil
	}
	rl := &collector.RateLimit{Limit: lim, Remaining: rem}
	if s, err := strconv.ParseInt(h.Get("Ratelimit-Reset"), 10, 64); err == nil && s > 0 {
		rl.Reset = time.Unix(s, 0).UTC()
	} else if _, w, ok := strings.Cut(h.Get("Ratelimit-Policy"), ";w="); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(w, ";", 2)[0])); err == nil && n > 0 {
			rl.Reset = now.Add(time.Duration(n) * time.Second).UTC()
		}
	}
	return rl
}

// call runs one XRPC method: a query (GET with params) or, with body, a
// procedure (POST JSON). token, when set, is a session's access JWT.
func (c *xrpcClient) call(ctx context.Context, method string, params url.Values, body any, token string, out any) error {
	if until, ok := c.spent(); ok {
		return &collector.RateLimitedError{Source: c.name, Until: until}
	}
	u := *c.base
	u.Path += "/xrpc/" + method
	u.RawQuery = params.Encode()
	verb, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		verb, rd = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, verb, u.String(), rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tagpulse (+https://github.com/tagpulse/tagpulse)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", c.name, method, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s: %s: read: %w", c.name, method, err)
	}
	rl := parseRateLimit(resp.Header, c.now())
	if rl != nil {
		c.mu.Lock()
		c.rl = rl
		c.mu.Unlock()
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		until := c.now().Add(time.Minute)
		if rl != nil && !rl.Reset.IsZero() {
			until = rl.Reset
		} else if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			until = c.now().Add(time.Duration(s) * time.Second)
		}
		if rl != nil {
			c.mu.Lock()
			c.rl.Remaining = 0
			c.mu.Unlock()
		}
		return &collector.RateLimitedError{Source: c.name, Until: until}
	}
	if resp.StatusCode != http.StatusOK {
		e := &xrpcError{Status: resp.StatusCode, Method: method}
		json.Unmarshal(data, e)
		return fmt.Errorf("%s: %w", c.name, e)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %s: answer is not the documented JSON: %w", c.name, method, err)
	}
	return nil
}

// profileView is what tagpulse reads of app.bsky.actor.defs#profileViewDetailed.
type profileView struct {
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	DisplayName    string `json:"displayName"`
	FollowersCount int64  `json:"followersCount"`
}

// getProfiles calls app.bsky.actor.getProfiles for up to 25 DIDs. Actors the
// AppView does not know (deleted, taken down) are left out of its answer.
func (c *xrpcClient) getProfiles(ctx context.Context, dids []string) ([]profileView, error) {
	q := url.Values{}
	for _, d := range dids {
		q.Add("actors", d)
	}
	var out struct {
		Profiles []profileView `json:"profiles"`
	}
	err := c.call(ctx, "app.bsky.actor.getProfiles", q, nil, "", &out)
	return out.Profiles, err
}

// getPosts calls app.bsky.feed.getPosts for up to 25 at-URIs.
func (c *xrpcClient) getPosts(ctx context.Context, uris []string) ([]json.RawMessage, error) {
	q := url.Values{}
	for _, u := range uris {
		q.Add("uris", u)
	}
	var out struct {
		Posts []json.RawMessage `json:"posts"`
	}
	err := c.call(ctx, "app.bsky.feed.getPosts", q, nil, "", &out)
	return out.Posts, err
}
