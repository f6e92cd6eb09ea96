package collector

import (
	"cmp"
	"context"
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

// clean makes an error message safe to show: URLs lose their user info,
// query and fragment (where tokens travel), configured secrets are cut out,
// and the message is bounded.
func (s *Scheduler) clean(msg string) string {
	msg = urlRE.ReplaceAllStringFunc(msg, func(u string) string {
		scheme, rest, _ := strings.Cut(u, "://")
		if i := strings.IndexAny(rest, "?#"); i >= 0 {
			rest = rest[:i]
		}
		host, path, _ := strings.Cut(rest, "/")
		if i := strings.LastIndexByte(host, '@'); i >= 0 {
			host = host[i+1:]
		}
		if path != "" {
			path = "/" + path
		}
		return scheme + "://" + host + path
	})
	for _, secret := range s.opts.Secrets {
		if len(secret) >= 4 {
			msg = strings.ReplaceAll(msg, secret, "(redacted)")
		}
	}
	if len(msg) > maxErrorLen {
		msg = strings.ToValidUTF8(msg[:maxErrorLen], "") + "…"
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
