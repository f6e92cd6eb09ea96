package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
)

// publicKey marks a request that came through a public link; its value is
// the link's campaign.
type publicKey struct{}

// publicCampaign returns the campaign of the public link r came through.
func publicCampaign(r *http.Request) (string, bool) {
	c, ok := r.Context().Value(publicKey{}).(string)
	return c, ok
}

func withPublic(r *http.Request, campaign string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), publicKey{}, campaign))
}

// listSources serves the collectors' health, with the completeness figure
// of those that record the platform's own counts. Through a public link it
// shows what publicSources keeps.
func (h *handler) listSources(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	campaign, public := publicCampaign(r)
	var health []store.SourceHealth
	if h.sources != nil {
		health = h.sources(campaign)
	}
	out, err := h.agg.SourceStatus(health)
	if err != nil {
		h.httpError(w, r, err)
		return
	}
	if public {
		writeJSON(w, publicSources(out, campaign))
		return
	}
	writeJSON(w, out)
}

// publicSource is a collector as a campaign's public link shows it; its
// fields are in alphabetical order, as that view has always listed them.
type publicSource struct {
	Completeness         *aggregator.Completeness `json:"completeness,omitempty"`
	ConsecutiveErrors    int                      `json:"consecutive_errors"`
	CountsError          *store.ErrorInfo         `json:"counts_error,omitempty"`
	Every                string                   `json:"every,omitempty"`
	Kind                 string                   `json:"kind"`
	LastError            any                      `json:"last_error,omitempty"` // *store.ErrorInfo, or *errorAt for a shared collector
	LastSuccess          *time.Time               `json:"last_success,omitempty"`
	Name                 string                   `json:"name"`
	NextAttempt          *time.Time               `json:"next_attempt,omitempty"`
	NotAvailable         []string                 `json:"not_available,omitempty"`
	PostsAdded           *int64                   `json:"posts_added,omitempty"`
	PostsDuplicate       *int64                   `json:"posts_duplicate,omitempty"`
	PostsFetched         *int64                   `json:"posts_fetched,omitempty"`
	PostsMalformed       *int64                   `json:"posts_malformed,omitempty"`
	PostsMatched         *int64                   `json:"posts_matched,omitempty"`
	RateLimit            *store.RateLimitInfo     `json:"rate_limit,omitempty"`
	Source               string                   `json:"source"`
	State                string                   `json:"state"`
	Stored               *store.SourceTally       `json:"stored,omitempty"`
	Warnings             []string                 `json:"warnings,omitempty"` // own collectors only: a shared one's name other campaigns' hashtags
	WaitingForResetUntil *time.Time               `json:"waiting_for_reset_until,omitempty"`
}

// errorAt is when a shared collector last failed, without what it said.
type errorAt struct {
	At time.Time `json:"at"`
}

// publicSources narrows the collectors' health to what a campaign's public
// link may show: the campaign's own collectors, whole, and those that serve
// every campaign with their state and timings only. A shared collector's
// counters add up every campaign's posts and its error messages can name
// another campaign's hashtags (a Mastodon tag timeline's path), so they
// stay private; its last error keeps only when it happened. Another
// campaign's collectors are left out.
func publicSources(all []aggregator.SourceStatus, campaign string) []publicSource {
	out := []publicSource{}
	for _, s := range all {
		own := s.Campaign == campaign
		if !own && !s.Shared() {
			continue
		}
		p := publicSource{ConsecutiveErrors: s.ConsecutiveErrors, Every: s.Every, Kind: s.Kind, LastSuccess: s.LastSuccess,
			Name: s.Name, NextAttempt: s.NextAttempt, NotAvailable: s.NotAvailable, RateLimit: s.RateLimit, Source: s.Source, State: s.State,
			WaitingForResetUntil: s.WaitingForResetUntil}
		if own {
			p.Completeness, p.CountsError, p.Warnings, p.Stored = s.Completeness, s.CountsError, s.Warnings, &s.Stored
			if s.LastError != nil {
				p.LastError = s.LastError
			}
			p.PostsAdded, p.PostsDuplicate, p.PostsFetched = &s.PostsAdded, &s.PostsDuplicate, &s.PostsFetched
			p.PostsMalformed, p.PostsMatched = &s.PostsMalformed, &s.PostsMatched
		} else if s.LastError != nil {
			p.LastError = &errorAt{At: s.LastError.At}
		}
		out = append(out, p)
	}
	return out
}
