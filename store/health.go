package store

import "time"

// Source kinds in a SourceHealth.
const (
	KindPoll   = "poll"
	KindStream = "stream"
)

// Source states in a SourceHealth.
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

// SourceHealth is one collector's state as the collector's scheduler knows
// it and /api/v1/sources shows it. Counts are since the process started;
// the store holds the lasting figures. The completeness figure (the
// platform's own counts beside ours) is not part of it: it is read from the
// store, by the aggregator.
type SourceHealth struct {
	Name   string `json:"name"`            // unique, keys the cursor: "mastodon:mastodon.social", "x:allforpalestine", "bluesky"
	Source string `json:"source"`          // x, mastodon, bluesky, demo
	Kind   string `json:"kind"`            // KindPoll or KindStream
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

	// Stored is what the source's pages brought over the store's life (it
	// survives restarts; the posts_ figures above are this process's):
	// posts it stored first and matching posts already held. Per Mastodon
	// instance, added + duplicate is every campaign post it saw.
	Stored SourceTally `json:"stored"`

	// Backfill says how far back a source's first poll paged (Mastodon).
	Backfill *Backfill `json:"backfill,omitempty"`

	// Warnings are what the source cannot do while it otherwise works: an
	// Instagram hashtag refused past the account's 7-day limit while the
	// others poll. Empty when nothing is held back.
	Warnings []string `json:"warnings,omitempty"`

	// NotAvailable names what the platform does not give this source, so
	// its posts add nothing to those figures (see the NotAvailable
	// constants): Threads search gives no follower counts, Instagram no
	// authors. Empty when the source gives everything it counts for.
	NotAvailable []string `json:"not_available,omitempty"`

	// CountsError is the last failure to fetch the platform's own counts.
	CountsError *ErrorInfo `json:"counts_error,omitempty"`

	// Campaign is the campaign a per-campaign collector serves ("x:afp"
	// serves afp); "" for one that serves every campaign (a Mastodon
	// instance, Bluesky's Jetstream, the demo).
	Campaign string `json:"-"`
	// RecordsCounts says the collector records the platform's own counts
	// for Campaign (X API v2), so a completeness figure can be set beside it.
	RecordsCounts bool `json:"-"`
}

// Shared reports whether the collector serves every campaign.
func (h *SourceHealth) Shared() bool { return h.Campaign == "" }

// Serves reports whether the collector collects for campaign.
func (h *SourceHealth) Serves(campaign string) bool {
	return h.Campaign == "" || h.Campaign == campaign
}

// What a platform does not give a source, in SourceHealth.NotAvailable.
const (
	NotAvailableAuthors    = "authors"    // posts name no author: no participants
	NotAvailableFollowers  = "followers"  // no follower counts: no reach
	NotAvailableEngagement = "engagement" // no likes, reposts, replies
	NotAvailableLocation   = "location"   // no place or profile location: Unknown country
)

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
	// Class is what kind of failure it was (see the Error constants), so
	// the page can say it in plain words; Host is the host it concerned
	// and Status the HTTP status, where known.
	Class  string `json:"class,omitempty"`
	Host   string `json:"host,omitempty"`
	Status int    `json:"status,omitempty"`
}

// Classes of a collector's failure, in ErrorInfo.Class.
const (
	ErrorDNS          = "dns"          // the host's name did not resolve
	ErrorDial         = "dial"         // no connection to the host
	ErrorTimeout      = "timeout"      // the host did not answer in time
	ErrorUnauthorized = "unauthorized" // HTTP 401: the token was refused
	ErrorForbidden    = "forbidden"    // HTTP 403: access refused
	ErrorRateLimited  = "rate_limited" // HTTP 429 or a spent quota
	ErrorServer       = "server"       // HTTP 5xx: the platform is failing
	ErrorHTTP         = "http"         // another HTTP status
	ErrorOther        = "other"        // anything else
)

// RateLimitInfo is a platform's rate-limit window.
type RateLimitInfo struct {
	Limit     int        `json:"limit,omitempty"`
	Remaining int        `json:"remaining"`
	Reset     *time.Time `json:"reset,omitempty"`
}
