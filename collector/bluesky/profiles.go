package bluesky

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// AppViewConfig configures what tagpulse asks Bluesky's AppView about the
// posts Jetstream brought: their authors' profiles and their engagement.
type AppViewConfig struct {
	// BaseURL is the AppView (default DefaultAppView); no login.
	BaseURL string
	// ProfilesEvery is how often new posts' authors are looked up, and
	// posts due for their engagement (default 5s).
	ProfilesEvery time.Duration
	// ProfileMaxAge is how long a cached profile serves (default and
	// minimum 24h: profiles are refreshed at most daily).
	ProfileMaxAge time.Duration
	// EngagementEvery is how often a post's engagement is looked up again
	// (default 10m).
	EngagementEvery time.Duration
	// EngagementCalls caps the getPosts calls of one round, every
	// ProfilesEvery (default 20: 500 posts). A round with less than a
	// quarter of the AppView's rate-limit window left asks nothing.
	EngagementCalls int
	// EngagementWindow is how long after it was posted a post's engagement
	// is followed (default 48h).
	EngagementWindow time.Duration
	// Timeout bounds one request (default 20s).
	Timeout time.Duration
}

func (c AppViewConfig) withDefaults() AppViewConfig {
	if c.ProfilesEvery <= 0 {
		c.ProfilesEvery = 5 * time.Second
	}
	if c.ProfileMaxAge < 24*time.Hour {
		c.ProfileMaxAge = 24 * time.Hour
	}
	if c.EngagementEvery <= 0 {
		c.EngagementEvery = 10 * time.Minute
	}
	if c.EngagementCalls <= 0 {
		c.EngagementCalls = 20
	}
	if c.EngagementWindow <= 0 {
		c.EngagementWindow = 48 * time.Hour
	}
	return c
}

// Profiles resolves the authors of stored Bluesky posts that carry no
// profile (Jetstream names an author by DID alone): it tails the post log
// from its cursor, takes each author's profile from the store's cache when
// fetched within ProfileMaxAge, else from the AppView's getProfiles (25
// actors a call), and appends to each such post an amendment with the
// handle, display name and follower count, with the cache and its cursor,
// in one transaction. The aggregator then counts the post's author at that
// follower count (see store.Amend).
type Profiles struct {
	cfg    AppViewConfig
	db     *store.DB
	xrpc   *xrpcClient
	logger *slog.Logger
	// Sink takes the amendments, profiles and cursor (nil: db itself).
	Sink AmendSink
	// MaxPosts caps the posts read from the log per poll (default 5000).
	MaxPosts int
	// MaxCalls caps the getProfiles calls per poll (default 20).
	MaxCalls int
	// Now is the clock; mockable in tests.
	Now func() time.Time
}

// AmendSink is where the AppView lookups write what they learnt: the
// amendments, the profiles fetched and their cursor, together (see
// store.DB.Amend, which is the sink of a single process). In a cluster it
// is the stream: every serve node applies them to its own store, and the
// lookups, which read their own node's store, see them once applied there.
type AmendSink interface {
	Amend(amends []store.Amend, profiles []store.Profile, cursors map[string][]byte) (store.AmendResult, error)
}

// ProfilesName is the Profiles source's name (and its cursor's).
const ProfilesName = "bluesky:profiles"

// NewProfiles returns the profile resolver over db.
func NewProfiles(cfg AppViewConfig, db *store.DB, logger *slog.Logger) (*Profiles, error) {
	cfg = cfg.withDefaults()
	p := &Profiles{cfg: cfg, db: db, MaxPosts: 5000, MaxCalls: 20, Now: time.Now}
	x, err := newXRPC(cfg.BaseURL, DefaultAppView, ProfilesName, cfg.Timeout, func() time.Time { return p.Now() })
	if err != nil {
		return nil, fmt.Errorf("bluesky appview: %w", err)
	}
	p.xrpc = x
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p.logger = logger.With("source", ProfilesName)
	return p, nil
}

// Name is "bluesky:profiles".
func (p *Profiles) Name() string { return ProfilesName }

// Every is the poll interval.
func (p *Profiles) Every() time.Duration { return p.cfg.ProfilesEvery }

// pendingPost is a stored post whose author needs a profile.
type pendingPost struct {
	seq uint64
	id  string
	did string
}

// Poll resolves the authors of the posts after its cursor (the log
// sequence number it has reached). It writes its own amendments and cursor,
// so the page it returns carries none; Fetched is the profiles fetched.
func (p *Profiles) Poll(ctx context.Context, _ []byte) (collector.Page, error) {
	raw, err := p.db.Cursor(ProfilesName)
	if err != nil {
		return collector.Page{}, err
	}
	var after uint64
	if len(raw) > 0 {
		if after, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
			p.logger.Warn("unreadable cursor, starting from the first post", "cursor", string(raw))
			after = 0
		}
	}
	var pending []pendingPost
	last, read := after, 0
	err = p.db.PostsAfter(after, p.MaxPosts, func(seq uint64, post *store.Post) error {
		last, read = seq, read+1
		if post.Platform == store.PlatformBluesky && post.Author.Followers == 0 && post.Author.ID != "" {
			pending = append(pending, pendingPost{seq, post.ID, post.Author.ID})
		}
		return nil
	})
	if err != nil {
		return collector.Page{}, err
	}
	if read == 0 {
		return collector.Page{RateLimit: p.xrpc.rateLimit()}, nil
	}
	more := read >= p.MaxPosts

	// The cache first; then the AppView for the rest, in log order, as far
	// as the call budget and the rate limit allow.
	dids := make([]string, 0, len(pending))
	seen := map[string]bool{}
	for _, pp := range pending {
		if !seen[pp.did] {
			seen[pp.did] = true
			dids = append(dids, pp.did)
		}
	}
	cached, err := p.db.Profiles(store.PlatformBluesky, dids)
	if err != nil {
		return collector.Page{}, err
	}
	now := p.Now().UTC()
	known := map[string]*store.Profile{}
	var need []string
	for _, d := range dids {
		if c, ok := cached[d]; ok && now.Sub(c.FetchedAt) < p.cfg.ProfileMaxAge {
			known[d] = &c
			continue
		}
		need = append(need, d)
	}
	var fresh []store.Profile
	asked := map[string]bool{}
	var callErr error
	fetched := 0
	var malformed []collector.Malformed
	take := func(views []profileView) {
		for _, v := range views {
			if !asked[v.DID] {
				continue
			}
			pr := store.Profile{Platform: store.PlatformBluesky, ID: v.DID, Handle: v.Handle, Name: v.DisplayName, Followers: v.FollowersCount, FetchedAt: now}
			fresh = append(fresh, pr)
			known[v.DID] = &fresh[len(fresh)-1]
			fetched++
		}
	}
	for calls := 0; len(need) > 0 && calls < p.MaxCalls; calls++ {
		batch := need[:min(xrpcBatch, len(need))]
		views, err := p.xrpc.getProfiles(ctx, batch)
		var xe *xrpcError
		if errors.As(err, &xe) && xe.Status == http.StatusBadRequest && len(batch) > 1 {
			// One actor the AppView refuses (not a DID) fails the whole
			// call: ask them one by one, and pass over the refused.
			for _, d := range batch {
				if calls++; calls > p.MaxCalls {
					break
				}
				views, err := p.xrpc.getProfiles(ctx, []string{d})
				if errors.As(err, &xe) && xe.Status == http.StatusBadRequest {
					malformed = append(malformed, collector.Malformed{Where: "getProfiles " + d, Err: err})
					err = nil
				}
				if err != nil {
					callErr = err
					break
				}
				need = need[1:]
				asked[d] = true
				take(views)
			}
			if callErr != nil {
				break
			}
			continue
		}
		if errors.As(err, &xe) && xe.Status == http.StatusBadRequest {
			malformed = append(malformed, collector.Malformed{Where: "getProfiles " + batch[0], Err: err})
			err, views = nil, nil
		}
		if err != nil {
			callErr = err
			break
		}
		need = need[len(batch):]
		for _, d := range batch {
			asked[d] = true
		}
		take(views)
	}
	// Amend up to the first post whose author is still to be asked; an
	// author the AppView did not return (deleted, taken down) stays as the
	// post gave it.
	var amends []store.Amend
	cursor := last
	for _, pp := range pending {
		pr, ok := known[pp.did]
		if !ok && !asked[pp.did] {
			cursor = pp.seq - 1
			more = false
			break
		}
		if ok {
			au := pr.Author()
			amends = append(amends, store.Amend{Seq: pp.seq, Platform: store.PlatformBluesky, ID: pp.id, Author: &au, At: now})
		}
	}
	page := collector.Page{Fetched: fetched, More: more && callErr == nil, RateLimit: p.xrpc.rateLimit(), Malformed: malformed}
	if cursor > after || len(fresh) > 0 {
		if _, err := p.sink().Amend(amends, fresh, map[string][]byte{ProfilesName: []byte(strconv.FormatUint(cursor, 10))}); err != nil {
			return page, err
		}
	}
	if callErr != nil {
		return page, callErr
	}
	if cursor < last {
		page.More = true // the call budget ran out: go on at once
	}
	return page, nil
}

func (p *Profiles) sink() AmendSink {
	if p.Sink != nil {
		return p.Sink
	}
	return p.db
}

var _ collector.Poller = (*Profiles)(nil)
