package collector

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// Source kinds in the health view.
const (
	KindPoll   = "poll"
	KindStream = "stream"
)

// Source states in the health view.
const (
	StateStarting        = "starting"          // not polled yet
	StatePolling         = "polling"           // a poll is in flight
	StateOK              = "ok"                // last poll succeeded; waiting for the interval
	StateCatchingUp      = "catching_up"       // the platform has more pages; polling again at once
	StateStreaming       = "streaming"         // a stream is connected (or connecting)
	StateBackoff         = "backoff"           // the last attempt failed; retrying after a backoff
	StateWaitingForReset = "waiting_for_reset" // the platform's rate limit is spent; waiting for its reset
	StateStopped         = "stopped"           // the scheduler has stopped
)

// SourceHealth is one source's state as /api/v1/sources shows it. Counts are
// since the process started; the store holds the lasting figures.
type SourceHealth struct {
	Name   string `json:"name"`            // unique, keys the cursor: "mastodon:mastodon.social", "x:allforpalestine", "bluesky"
	Source string `json:"source"`          // x, mastodon, bluesky, demo
	Kind   string `json:"kind"`            // poll or stream
	State  string `json:"state"`           // see the State constants
	Every  string `json:"every,omitempty"` // poll interval (before ±10% jitter)

	LastSuccess          *time.Time `json:"last_success,omitempty"`            // last page stored
	LastError            *ErrorInfo `json:"last_error,omitempty"`              // kept after later successes
	ConsecutiveErrors    int        `json:"consecutive_errors"`                // since the last success
	WaitingForResetUntil *time.Time `json:"waiting_for_reset_until,omitempty"` // set while rate-limited
	NextAttempt          *time.Time `json:"next_attempt,omitempty"`            // when the scheduler tries again

	RateLimit *RateLimitInfo `json:"rate_limit,omitempty"` // as the platform's last response said

	PostsFetched   int64 `json:"posts_fetched"`   // items the platform returned
	PostsMatched   int64 `json:"posts_matched"`   // of those, carrying a campaign hashtag
	PostsAdded     int64 `json:"posts_added"`     // newly stored
	PostsDuplicate int64 `json:"posts_duplicate"` // already stored
	PostsMalformed int64 `json:"posts_malformed"` // unparseable, skipped

	// Backfill says how far back a source's first poll paged (Mastodon).
	Backfill *Backfill `json:"backfill,omitempty"`

	// CountsError is the last failure to fetch the platform's own counts.
	CountsError *ErrorInfo `json:"counts_error,omitempty"`
	// Completeness compares the platform's counts with ours, for sources
	// that record them (X API v2).
	Completeness *Completeness `json:"completeness,omitempty"`
}

// Backfill is how far back a source's first poll of a campaign paged: the
// oldest post time it reached, whether it has finished, and why it stopped
// ("timeline_start": the platform had nothing older; "window_start": it
// reached the campaign window's start; "limit": it took as many pages as it
// may, and older posts are left to an archive import).
type Backfill struct {
	Reached *time.Time `json:"reached,omitempty"`
	Done    bool       `json:"done"`
	Stopped string     `json:"stopped,omitempty"`
}

// ErrorInfo is an error as the health view shows it: its message, with
// credentials, query strings and configured secrets removed.
type ErrorInfo struct {
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// RateLimitInfo is a platform's rate-limit window.
type RateLimitInfo struct {
	Limit     int        `json:"limit,omitempty"`
	Remaining int        `json:"remaining"`
	Reset     *time.Time `json:"reset,omitempty"`
}

// Completeness sets how many posts the platform says exist (its counts
// endpoint) beside how many we hold from that source, over the same whole
// hours: From (inclusive) to To (exclusive), the hours the platform reported
// in the last 7 days and the campaign's window, up to the current hour.
type Completeness struct {
	Campaign string    `json:"campaign"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Hours    int       `json:"hours"`    // hours compared
	Platform int64     `json:"platform"` // posts the platform counted
	Held     int64     `json:"held"`     // posts we hold for those hours
	// Ratio is Held/Platform (1 when the platform counted none). It can
	// exceed 1: the platform's counts leave out posts it has since removed.
	Ratio float64 `json:"ratio"`
}

// Health returns every source's state, sorted by name.
func (s *Scheduler) Health() []SourceHealth {
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
		if _, ok := src.poller.(countsPoller); ok && s.opts.Aggregator != nil {
			h.Completeness = s.completeness(campaignOf(src))
		}
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b SourceHealth) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// campaignOf is the campaign a per-campaign source serves: its Campaign
// method, else the part of its name after ':' ("x:allforpalestine").
func campaignOf(src *source) string {
	if c, ok := src.poller.(interface{ Campaign() string }); ok {
		return c.Campaign()
	}
	_, c, _ := strings.Cut(src.name, ":")
	return c
}

// completenessTTL bounds how long a computed completeness figure is
// reused while nothing changed (the hours compared move with the clock). It
// is recomputed at once when posts are stored or folded into the rollups, or
// new platform counts arrive: it reads the rollups, and health is polled by
// every open dashboard.
const completenessTTL = time.Minute

type completenessEntry struct {
	at  time.Time
	key completenessKey
	c   *Completeness
}

// completenessKey is what a completeness figure depends on besides the clock.
type completenessKey struct {
	lastSeq, lag uint64
	counts       int64
}

// completeness compares the X counts recorded for campaign with the
// posts we hold from source x for the same hours.
func (s *Scheduler) completeness(campaign string) *Completeness {
	now := s.opts.Now()
	lag, err := s.opts.Aggregator.Lag()
	if err != nil {
		return nil
	}
	key := completenessKey{lastSeq: s.db.LastSeq(), lag: lag, counts: s.countsGen.Load()}
	s.compMu.Lock()
	defer s.compMu.Unlock()
	if e, ok := s.compCache[campaign]; ok && e.key == key && now.Sub(e.at) < completenessTTL && !now.Before(e.at) {
		return e.c
	}
	c, err := computeCompleteness(s.db, s.opts.Aggregator, campaign, store.SourceX, now)
	if err != nil {
		s.log.Debug("completeness", "campaign", campaign, "err", err)
	}
	s.compCache[campaign] = completenessEntry{at: now, key: key, c: c}
	return c
}

// computeCompleteness compares platform counts with our hourly posts from
// source over the last 7 days' whole hours before now. It returns nil when
// the platform reported nothing for those hours.
func computeCompleteness(db *store.DB, agg *aggregator.Aggregator, campaign, source string, now time.Time) (*Completeness, error) {
	c := agg.Campaign(campaign)
	if c == nil {
		return nil, nil
	}
	to := now.UTC().Truncate(time.Hour)
	from := to.Add(-7 * 24 * time.Hour)
	if c.From != "" {
		if start, err := c.DayStart(c.From); err == nil && start.After(from) {
			from = start
		}
	}
	if c.To != "" {
		if end, err := c.DayStart(c.To); err == nil {
			if end = end.AddDate(0, 0, 1); end.Before(to) {
				to = end
			}
		}
	}
	from, to = store.WholeUTCHours(from, to)
	if !to.After(from) {
		return nil, nil // no hours to compare
	}
	platform, err := db.PlatformCounts(campaign, source, from, to)
	if err != nil || len(platform) == 0 {
		return nil, err
	}
	held, err := agg.UTCHours(campaign, source, from, to)
	if err != nil {
		return nil, err
	}
	out := &Completeness{Campaign: campaign}
	for h, n := range platform {
		if out.Hours == 0 || h.Before(out.From) {
			out.From = h
		}
		if end := h.Add(time.Hour); end.After(out.To) {
			out.To = end
		}
		out.Hours++
		out.Platform += n
		out.Held += held[h]
	}
	out.Ratio = 1
	if out.Platform > 0 {
		out.Ratio = float64(out.Held) / float64(out.Platform)
	}
	return out, nil
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
