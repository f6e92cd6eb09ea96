package collector

import (
	"cmp"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/tagpulse/tagpulse/store"
)

// The health view's types are the store's domain types (the dashboard
// reads them without depending on the collector); these names keep the
// collector's code short.
type (
	SourceHealth  = store.SourceHealth
	ErrorInfo     = store.ErrorInfo
	RateLimitInfo = store.RateLimitInfo
	Backfill      = store.Backfill
)

// Source kinds and states in the health view (see store).
const (
	KindPoll   = store.KindPoll
	KindStream = store.KindStream

	StateStarting        = store.StateStarting
	StatePolling         = store.StatePolling
	StateOK              = store.StateOK
	StateCatchingUp      = store.StateCatchingUp
	StateStreaming       = store.StateStreaming
	StateBackoff         = store.StateBackoff
	StateWaitingForReset = store.StateWaitingForReset
	StateStopped         = store.StateStopped
)

// Health returns every source's state, sorted by name.
func (s *Scheduler) Health() []SourceHealth { return s.HealthFor("") }

// HealthFor returns the state of the sources that collect for campaign
// (its own and those that serve every campaign), sorted by name; campaign
// "" gives every source.
func (s *Scheduler) HealthFor(campaign string) []SourceHealth {
	s.mu.Lock()
	sources := slices.Clone(s.sources)
	s.mu.Unlock()
	out := make([]SourceHealth, 0, len(sources))
	for _, src := range sources {
		src.mu.Lock()
		h := src.h
		src.mu.Unlock()
		if bp, ok := src.poller.(interface{ Backfill() *Backfill }); ok {
			h.Backfill = bp.Backfill()
		}
		if wp, ok := src.poller.(interface{ Warnings() []string }); ok {
			h.Warnings = nil
			for _, w := range wp.Warnings() {
				h.Warnings = append(h.Warnings, s.clean(w))
			}
		}
		if campaign == "" || h.Serves(campaign) {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b SourceHealth) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// campaignOf is the campaign a per-campaign source serves: its poller's
// Campaign method, else the part of an X or Twitter source's name after ':'
// ("x:allforpalestine"); "" for a source that serves every campaign.
func campaignOf(src *source) string {
	if c, ok := src.poller.(interface{ Campaign() string }); ok {
		return c.Campaign()
	}
	kind, c, _ := strings.Cut(src.name, ":")
	if kind == "x" || kind == "twitter" {
		return c
	}
	return ""
}

// urlRE finds URLs in error messages (net/http puts the whole request URL
// in its errors).
var urlRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// maxErrorLen bounds an error message in the health view.
const maxErrorLen = 500

// clean makes an error message safe to show (see Scrub), bounded in length.
func (s *Scheduler) clean(msg string) string {
	msg = Scrub(msg, s.opts.Secrets)
	if len(msg) > maxErrorLen {
		msg = strings.ToValidUTF8(msg[:maxErrorLen], "") + "…"
	}
	return msg
}

// credentialRE finds HTTP credentials a server may echo back in an error
// body: "Basic dXNlcjpwYXNz", "Bearer abc…".
var credentialRE = regexp.MustCompile(`(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{6,}`)

// Scrub makes an error message safe for logs and the health view: URLs lose
// their user info, query and fragment (where tokens travel); the user info
// found in them (user, password, "user:pass" and its Base64, as Basic auth
// sends it) and the given secrets are cut out wherever else they appear;
// so are Basic and Bearer credentials.
func Scrub(msg string, secrets []string) string {
	var found []string
	msg = urlRE.ReplaceAllStringFunc(msg, func(u string) string {
		scheme, rest, _ := strings.Cut(u, "://")
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
		host, path, _ := strings.Cut(rest, "/")
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			found = append(found, UserInfoSecrets(host[:i])...)
			host = host[i+1:]
		}
		if path != "" {
			path = "/" + path
		}
		return scheme + "://" + host + path
	})
	msg = credentialRE.ReplaceAllString(msg, "$1 (redacted)")
	for _, secret := range append(found, secrets...) {
		if len(secret) >= 4 {
			msg = strings.ReplaceAll(msg, secret, "(redacted)")
		}
	}
	return msg
}

// httpStatusRE finds the HTTP status the platform clients put in their
// errors ("…: HTTP 401: …", or net/http's Status, "…: 503 Service Unavailable").
var httpStatusRE = regexp.MustCompile(`(?:\bHTTP |: )([45]\d\d)\b`)

// classify says what kind of failure err is (store.ErrorDNS, …), with the
// host it concerned and the HTTP status, where the error tells: the net
// package's typed errors for names, connections and timeouts, a
// RateLimitedError, else the status the platform clients write.
func classify(err error) (class, host string, status int) {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Hostname()
		}
	}
	var dns *net.DNSError
	var op *net.OpError
	var rl *RateLimitedError
	switch {
	case errors.As(err, &rl):
		return store.ErrorRateLimited, host, 0
	case errors.As(err, &dns):
		if host == "" {
			host = dns.Name
		}
		return store.ErrorDNS, host, 0
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return store.ErrorTimeout, host, 0
	case errors.As(err, &op) && op.Op == "dial":
		return store.ErrorDial, host, 0
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return store.ErrorDial, host, 0
	}
	if m := httpStatusRE.FindStringSubmatch(err.Error()); m != nil {
		status, _ = strconv.Atoi(m[1])
		switch {
		case status == 401:
			return store.ErrorUnauthorized, host, status
		case status == 403:
			return store.ErrorForbidden, host, status
		case status == 429:
			return store.ErrorRateLimited, host, status
		case status >= 500:
			return store.ErrorServer, host, status
		default:
			return store.ErrorHTTP, host, status
		}
	}
	return store.ErrorOther, host, 0
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// UserInfoSecrets returns the forms in which a URL's user info
// ("user:pass", percent-encoded or not) can appear in an error: the whole,
// decoded, its password alone and its Base64 (as in a Basic header).
func UserInfoSecrets(userinfo string) []string {
	out := []string{userinfo}
	dec := userinfo
	if d, err := url.PathUnescape(userinfo); err == nil {
		dec = d
		out = append(out, d)
	}
	if _, pass, ok := strings.Cut(dec, ":"); ok && pass != "" {
		out = append(out, pass)
	}
	out = append(out, base64.StdEncoding.EncodeToString([]byte(dec)))
	return out
}
