package bluesky

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// Engagement refreshes the like, repost, reply and quote counts of the
// Bluesky posts that can reach a top list (Jetstream carries none), from the
// AppView's getPosts (25 URIs a call), on a schedule and within a budget:
// every few seconds (Every) it spends at most EngagementCalls calls on, in
// this order, the posts never looked up (newest first), then those last
// looked up EngagementEvery ago or more (most engagement first, then least
// recently looked up). Reposts never enter a top list and are not
// followed; a post is followed for EngagementWindow after it was posted or
// collected, whichever is later. Each count that grew goes to the store as
// an amendment (the top lists rank by it, see store.Amend).
type Engagement struct {
	cfg    AppViewConfig
	db     *store.DB
	xrpc   *xrpcClient
	logger *slog.Logger
	// Sink takes the amendments (nil: db itself).
	Sink AmendSink
	// Now is the clock; mockable in tests.
	Now func() time.Time

	tail    uint64 // the log has been read up to here (in memory: a restart reads it again)
	tracked map[string]*followed
}

type followed struct {
	seq        uint64
	since      time.Time // posted or collected, whichever is later
	checked    time.Time // zero: never looked up
	engagement int64
}

// maxLogRead bounds the posts one poll reads of the log (a first start on
// a large store reads it in several polls).
const maxLogRead = 100_000

// EngagementName is the Engagement source's name.
const EngagementName = "bluesky:engagement"

// NewEngagement returns the engagement refresher over db.
func NewEngagement(cfg AppViewConfig, db *store.DB, logger *slog.Logger) (*Engagement, error) {
	cfg = cfg.withDefaults()
	e := &Engagement{cfg: cfg, db: db, Now: time.Now, tracked: map[string]*followed{}}
	x, err := newXRPC(cfg.BaseURL, DefaultAppView, EngagementName, cfg.Timeout, func() time.Time { return e.Now() })
	if err != nil {
		return nil, fmt.Errorf("bluesky appview: %w", err)
	}
	e.xrpc = x
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e.logger = logger.With("source", EngagementName)
	return e, nil
}

// Name is "bluesky:engagement".
func (e *Engagement) Name() string { return EngagementName }

// Every is how often it looks for posts due (ProfilesEvery, default 5s).
func (e *Engagement) Every() time.Duration { return e.cfg.ProfilesEvery }

// Poll runs one refresh. It writes its own amendments; Fetched is the posts
// the AppView returned.
func (e *Engagement) Poll(ctx context.Context, _ []byte) (collector.Page, error) {
	now := e.Now().UTC()
	var added []*followed
	read := 0
	err := e.db.PostsAfter(e.tail, maxLogRead, func(seq uint64, p *store.Post) error {
		e.tail, read = seq, read+1
		since := p.CreatedAt
		if p.CollectedAt.After(since) {
			since = p.CollectedAt
		}
		if p.Platform == store.PlatformBluesky && p.Kind != store.KindRepost && now.Sub(since) < e.cfg.EngagementWindow {
			if _, ok := e.tracked[p.ID]; !ok {
				f := &followed{seq: seq, since: since, engagement: p.Engagement}
				e.tracked[p.ID] = f
				added = append(added, f)
			}
		}
		return nil
	})
	if err != nil {
		return collector.Page{}, err
	}
	// After a restart: what was learnt before counts as looked up then
	// (read after the walk: no read transaction inside another).
	for _, f := range added {
		am, ok, err := e.db.PostAmend(f.seq)
		if err != nil {
			return collector.Page{}, err
		}
		if ok && am.Engagement > 0 {
			f.engagement, f.checked = am.Engagement, am.At
		}
	}
	// The AppView's window is per client address and shared with the
	// profile lookups, which come first: with less than a quarter of it
	// left, this round asks nothing.
	if rl := e.xrpc.rateLimit(); rl != nil && rl.Limit > 0 && rl.Remaining < rl.Limit/4 && rl.Reset.After(now) {
		return collector.Page{RateLimit: rl}, nil
	}
	var fresh, engaged []string
	for uri, f := range e.tracked {
		switch {
		case now.Sub(f.since) >= e.cfg.EngagementWindow:
			delete(e.tracked, uri)
		case f.checked.IsZero():
			fresh = append(fresh, uri)
		case now.Sub(f.checked) >= e.cfg.EngagementEvery:
			engaged = append(engaged, uri)
		}
	}
	slices.SortFunc(fresh, func(a, b string) int {
		return cmp.Or(e.tracked[b].since.Compare(e.tracked[a].since), cmp.Compare(a, b))
	})
	slices.SortFunc(engaged, func(a, b string) int {
		x, y := e.tracked[a], e.tracked[b]
		return cmp.Or(cmp.Compare(y.engagement, x.engagement), x.checked.Compare(y.checked), cmp.Compare(a, b))
	})
	queue := append(fresh, engaged...)
	queue = queue[:min(len(queue), e.cfg.EngagementCalls*xrpcBatch)]

	page := collector.Page{}
	var callErr error
	oneByOne := 0 // after a refused batch: ask its posts one at a time
	for calls := 0; len(queue) > 0 && calls < e.cfg.EngagementCalls+xrpcBatch; calls++ {
		size := xrpcBatch
		if oneByOne > 0 {
			size = 1
			oneByOne--
		}
		batch := queue[:min(size, len(queue))]
		raws, err := e.xrpc.getPosts(ctx, batch)
		var xe *xrpcError
		if errors.As(err, &xe) && xe.Status == http.StatusBadRequest {
			// One URI the AppView refuses fails the whole call.
			if len(batch) > 1 {
				oneByOne = len(batch)
				continue
			}
			page.Malformed = append(page.Malformed, collector.Malformed{Where: "getPosts " + batch[0], Err: err})
			delete(e.tracked, batch[0])
			queue = queue[1:]
			continue
		}
		if err != nil {
			callErr = err
			break
		}
		queue = queue[len(batch):]
		var amends []store.Amend
		for _, raw := range raws {
			var v bskyPostView
			if json.Unmarshal(raw, &v) != nil {
				page.Malformed = append(page.Malformed, collector.Malformed{Where: "getPosts", Err: fmt.Errorf("not a post view")})
				continue
			}
			f, ok := e.tracked[v.URI]
			if !ok {
				continue
			}
			page.Fetched++
			n := v.LikeCount + v.RepostCount + v.ReplyCount + v.QuoteCount
			if n > f.engagement {
				f.engagement = n
				amends = append(amends, store.Amend{Seq: f.seq, Platform: store.PlatformBluesky, ID: v.URI, Engagement: n, At: now})
			}
		}
		for _, uri := range batch {
			if f, ok := e.tracked[uri]; ok {
				f.checked = now // a post the AppView did not return (deleted) is not asked again at once either
			}
		}
		if len(amends) > 0 {
			sink := e.Sink
			if sink == nil {
				sink = e.db
			}
			if _, err := sink.Amend(amends, nil, nil); err != nil {
				return page, err
			}
		}
	}
	page.RateLimit = e.xrpc.rateLimit()
	page.More = callErr == nil && read >= maxLogRead
	return page, callErr
}

var _ collector.Poller = (*Engagement)(nil)
