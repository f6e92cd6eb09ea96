package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tagpulse/tagpulse/store"
)

// Scheduler defaults.
const (
	DefaultPollTimeout     = time.Minute
	DefaultBackoffMin      = time.Second
	DefaultBackoffMax      = 5 * time.Minute
	DefaultRateLimitMargin = time.Second
	// jitterFraction spreads each interval by ±10%, so that sources started
	// together (and several tagpulse processes behind one address) do not
	// keep hitting the platforms in step.
	jitterFraction = 0.1
)

// SchedulerOptions tune a Scheduler. The zero value works.
type SchedulerOptions struct {
	Logger *slog.Logger
	// Registerer receives the collector metrics (see metrics.go); nil keeps
	// them unregistered.
	Registerer prometheus.Registerer
	// OnIngest is called after each Ingest that added posts (the run command
	// wakes the aggregator with it). It must not block.
	OnIngest func()
	// PollTimeout is the deadline of one Poll, all its requests included
	// (default DefaultPollTimeout). Sources also bound each request.
	PollTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait after consecutive errors:
	// BackoffMin, doubling per error, capped at BackoffMax (defaults 1s, 5m),
	// then spread by ±10% like the intervals.
	BackoffMin, BackoffMax time.Duration
	// RateLimitMargin is added to a platform's reset time (default 1s): its
	// clock and ours differ a little.
	RateLimitMargin time.Duration
	// Secrets are strings (tokens, keys) cut out of error messages before
	// they reach the health view and the logs.
	Secrets []string
	// Sink, when set, takes the posts and keeps the cursors instead of the
	// store (a cluster's collect node publishes to its stream); platform
	// counts still go to the store.
	Sink Sink

	// Now is the clock; time.Now when nil. Can be mocked for tests.
	Now func() time.Time
	// Sleep waits for d or until ctx ends, returning ctx.Err() then; a
	// timer when nil. Tests replace it to see and control every wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter; math/rand when nil.
	Rand func() float64
}

// Scheduler runs sources: each poller on its interval and each streamer
// for as long as it keeps its connection, every one in its own goroutine so
// that one failing or slow source never holds up another.
//
// A poller is polled again at once while its pages say More (catching up),
// otherwise after its interval ±10%. Errors back off exponentially
// (BackoffMin doubling to BackoffMax, ±10%, reset by a success); a
// *RateLimitedError waits until the platform's reset (plus a margin); every
// Poll has a deadline. A streamer that returns is restarted after the same
// backoff. The cursor moves only inside Ingest, in the transaction that
// stores the posts it covers.
type Scheduler struct {
	db      *store.DB
	sink    Sink // db, or opts.Sink
	matcher *Matcher
	opts    SchedulerOptions
	log     *slog.Logger
	metrics *metrics

	mu      sync.Mutex
	sources []*source
	running bool
}

// source is one scheduled source with its health.
type source struct {
	name     string
	enum     string // the source label: x, mastodon, bluesky, demo
	poller   Poller
	streamer Streamer
	every    time.Duration

	mu sync.Mutex
	h  SourceHealth
}

// NewScheduler returns a scheduler that ingests into db the posts matcher keeps.
func NewScheduler(db *store.DB, matcher *Matcher, opts SchedulerOptions) *Scheduler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PollTimeout <= 0 {
		opts.PollTimeout = DefaultPollTimeout
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = DefaultBackoffMin
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = opts.BackoffMin
	}
	if opts.RateLimitMargin <= 0 {
		opts.RateLimitMargin = DefaultRateLimitMargin
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	var sink Sink = db
	if opts.Sink != nil {
		sink = opts.Sink
	}
	return &Scheduler{
		db:      db,
		sink:    sink,
		matcher: matcher,
		opts:    opts,
		log:     opts.Logger,
		metrics: newMetrics(opts.Registerer),
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Add schedules a poller every interval. Sources are added before Run; a
// name already added panics (two sources would share one cursor).
func (s *Scheduler) Add(p Poller, every time.Duration) {
	if every <= 0 {
		panic(fmt.Sprintf("collector: source %s: interval must be positive", p.Name()))
	}
	s.add(&source{name: p.Name(), poller: p, every: every})
}

// AddStream schedules a streamer. Sources are added before Run.
func (s *Scheduler) AddStream(st Streamer) {
	s.add(&source{name: st.Name(), streamer: st})
}

func (s *Scheduler) add(src *source) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		panic("collector: Scheduler.Add after Run")
	}
	for _, o := range s.sources {
		if o.name == src.name {
			panic(fmt.Sprintf("collector: source %s added twice", src.name))
		}
	}
	src.enum = SourceOf(src.name)
	kind := KindPoll
	if src.streamer != nil {
		kind = KindStream
	}
	_, records := src.poller.(countsPoller)
	src.h = SourceHealth{Name: src.name, Source: src.enum, Kind: kind, State: StateStarting, Campaign: campaignOf(src), RecordsCounts: records}
	if src.every > 0 {
		src.h.Every = src.every.String()
	}
	if na, ok := src.poller.(interface{ NotAvailable() []string }); ok {
		src.h.NotAvailable = slices.Clone(na.NotAvailable())
	}
	s.metrics.init(src.enum, src.name)
	s.sources = append(s.sources, src)
}

// SourceOf is the source label (store.SourceX, …) of a source name: the
// part before the first ':' ("mastodon:mastodon.social" → mastodon), with
// Twitter v1.1 ("twitter:…") counted as x. Names outside the set give
// "other", so metric labels stay bounded.
func SourceOf(name string) string {
	prefix, _, _ := strings.Cut(name, ":")
	switch prefix {
	case store.SourceX, "twitter":
		return store.SourceX
	case store.SourceMastodon, store.SourceBluesky, store.SourceDemo,
		store.SourceInstagram, store.SourceThreads, store.SourceYouTube:
		return prefix
	}
	return "other"
}

// Run runs every source until ctx ends, and returns once all of them have
// stopped. It returns nil after a cancelled ctx: sources' failures are
// retried, logged and shown in Health, never fatal.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("collector: scheduler already running")
	}
	s.running = true
	sources := slices.Clone(s.sources)
	s.mu.Unlock()
	if s.db != nil && s.opts.Sink == nil {
		// The lasting tallies go on from what the store holds (a cluster's
		// sink keeps none).
		if tallies, err := s.db.Tallies(); err != nil {
			s.log.Warn("cannot read the sources' tallies; they start at zero", "err", err)
		} else {
			for _, src := range sources {
				s.update(src, func(h *SourceHealth) { h.Stored = tallies[src.name] })
			}
		}
	}

	var wg sync.WaitGroup
	for _, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.update(src, func(h *SourceHealth) { h.State = StateStopped; h.NextAttempt = nil })
			if src.streamer != nil {
				s.runStreamer(ctx, src)
			} else {
				s.runPoller(ctx, src)
			}
		}()
	}
	wg.Wait()
	return nil
}

// runPoller polls src until ctx ends.
func (s *Scheduler) runPoller(ctx context.Context, src *source) {
	failures := 0
	for ctx.Err() == nil {
		wait := s.pollOnce(ctx, src, &failures)
		if ctx.Err() != nil {
			return
		}
		if wait > 0 {
			next := s.opts.Now().Add(wait)
			s.update(src, func(h *SourceHealth) { h.NextAttempt = &next })
		}
		if err := s.opts.Sleep(ctx, wait); err != nil {
			return
		}
	}
}

// pollOnce runs one Poll and its Ingest and returns how long to wait before
// the next. failures counts consecutive errors, for the backoff.
func (s *Scheduler) pollOnce(ctx context.Context, src *source, failures *int) time.Duration {
	cursor, err := s.sink.Cursor(src.name)
	if err != nil {
		return s.failed(src, failures, ResultError, fmt.Errorf("read cursor: %w", err))
	}
	s.update(src, func(h *SourceHealth) { h.State = StatePolling; h.NextAttempt = nil })
	pctx, cancel := context.WithTimeout(ctx, s.opts.PollTimeout)
	start := s.opts.Now()
	page, err := src.poller.Poll(pctx, cursor)
	elapsed := s.opts.Now().Sub(start)
	timedOut := pctx.Err() == context.DeadlineExceeded && ctx.Err() == nil
	cancel()
	if err != nil && ctx.Err() != nil {
		return 0 // shutting down: not the source's failure
	}
	s.metrics.observeDuration(src.enum, src.name, elapsed)
	if page.RateLimit != nil {
		s.noteRateLimit(src, page.RateLimit)
	}
	if err != nil {
		var rl *RateLimitedError
		switch {
		case errors.As(err, &rl) && rl.Until.IsZero():
			return s.failed(src, failures, ResultRateLimited, err) // no reset given: back off
		case errors.As(err, &rl):
			if page.RateLimit == nil || page.RateLimit.Remaining > 0 {
				// A 429 leaves nothing, whatever an earlier answer said.
				s.noteExhausted(src, rl.Until)
			}
			return s.rateLimited(src, rl.Until)
		case timedOut:
			return s.failed(src, failures, ResultTimeout, fmt.Errorf("poll timed out after %s: %w", s.opts.PollTimeout, err))
		case errors.Is(err, context.DeadlineExceeded):
			return s.failed(src, failures, ResultTimeout, err) // the source's own request deadline
		default:
			return s.failed(src, failures, ResultError, err)
		}
	}
	if _, err := s.ingest(src, page); err != nil {
		return s.failed(src, failures, ResultError, err)
	}
	s.metrics.countRequest(src.enum, src.name, ResultOK)
	*failures = 0
	s.pollCounts(ctx, src)

	// Catching up: poll again at once, unless the quota is spent.
	if rl := page.RateLimit; rl != nil && rl.Remaining <= 0 && !rl.Reset.IsZero() {
		if now := s.opts.Now(); rl.Reset.After(now) {
			return s.rateLimitWait(src, rl.Reset, false)
		}
	}
	if page.More {
		s.update(src, func(h *SourceHealth) { h.State = StateCatchingUp })
		return 0
	}
	s.update(src, func(h *SourceHealth) { h.State = StateOK })
	return s.jitter(src.every)
}

// countsPoller is a source that also records the platform's own counts for
// the completeness figure (Xv2). PollCounts is cheap to call after every
// Poll: it rate-limits itself.
type countsPoller interface {
	PollCounts(ctx context.Context, db *store.DB) error
}

func (s *Scheduler) pollCounts(ctx context.Context, src *source) {
	cp, ok := src.poller.(countsPoller)
	if !ok {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, s.opts.PollTimeout)
	defer cancel()
	err := cp.PollCounts(cctx, s.db)
	if err == nil || ctx.Err() != nil {
		return
	}
	msg := s.clean(err.Error())
	s.log.Warn("platform counts", "source", src.name, "err", msg)
	now := s.opts.Now()
	s.update(src, func(h *SourceHealth) { h.CountsError = &ErrorInfo{Message: msg, At: now} })
}

// runStreamer keeps src's stream connected until ctx ends.
func (s *Scheduler) runStreamer(ctx context.Context, src *source) {
	failures := 0
	for ctx.Err() == nil {
		cursor, err := s.sink.Cursor(src.name)
		var wait time.Duration
		if err != nil {
			wait = s.failed(src, &failures, ResultError, fmt.Errorf("read cursor: %w", err))
		} else {
			s.update(src, func(h *SourceHealth) { h.State = StateStreaming; h.NextAttempt = nil })
			progressed := false
			var emitErr error
			err = src.streamer.Stream(ctx, cursor, func(p Page) error {
				if p.RateLimit != nil {
					s.noteRateLimit(src, p.RateLimit)
				}
				if _, err := s.ingest(src, p); err != nil {
					emitErr = err
					return err
				}
				s.metrics.countRequest(src.enum, src.name, ResultOK)
				progressed = true
				failures = 0
				return nil
			})
			if ctx.Err() != nil {
				return
			}
			if emitErr != nil {
				err = emitErr
			}
			if err == nil {
				err = errors.New("stream ended")
			}
			if progressed {
				// The connection worked for a while: reconnect after the
				// shortest backoff, not a long one left from earlier failures.
				failures = 0
			}
			var rl *RateLimitedError
			if errors.As(err, &rl) && !rl.Until.IsZero() {
				wait = s.rateLimited(src, rl.Until)
			} else {
				wait = s.failed(src, &failures, ResultError, err)
			}
		}
		next := s.opts.Now().Add(wait)
		s.update(src, func(h *SourceHealth) { h.NextAttempt = &next })
		if err := s.opts.Sleep(ctx, wait); err != nil {
			return
		}
	}
}

// ingest stores a page and records what it brought.
func (s *Scheduler) ingest(src *source, page Page) (IngestResult, error) {
	res, err := Ingest(s.sink, s.matcher, src.name, page)
	if err != nil {
		return res, err
	}
	for _, m := range page.Malformed {
		s.log.Debug("malformed item skipped", "source", src.name, "err", s.clean(m.Error()))
	}
	now := s.opts.Now()
	s.metrics.countIngest(src.enum, src.name, res, now)
	s.update(src, func(h *SourceHealth) {
		h.LastSuccess = &now
		h.WaitingForResetUntil = nil
		h.ConsecutiveErrors = 0
		h.PostsFetched += int64(res.Fetched)
		h.PostsMatched += int64(res.Matched)
		h.PostsAdded += int64(res.Added)
		h.PostsDuplicate += int64(res.Duplicates)
		h.PostsMalformed += int64(res.Malformed)
		if page.Cursor != nil && s.opts.Sink == nil { // the store's tally moved with the cursor
			h.Stored.Added += int64(res.Added)
			h.Stored.Duplicate += int64(res.Duplicates)
		}
	})
	if res.Added > 0 && s.opts.OnIngest != nil {
		s.opts.OnIngest()
	}
	return res, nil
}

// failed records an error and returns the backoff before the next attempt,
// spread by ±jitterFraction as intervals are: sources that failed together
// (a network outage, a platform down) must not all retry in the same second.
func (s *Scheduler) failed(src *source, failures *int, result string, err error) time.Duration {
	*failures++
	wait := s.jitter(s.backoff(*failures))
	msg := s.clean(err.Error())
	now := s.opts.Now()
	s.metrics.countRequest(src.enum, src.name, result)
	s.log.Warn("source failed", "source", src.name, "result", result, "err", msg, "retry_in", wait)
	class, host, status := classify(err)
	s.update(src, func(h *SourceHealth) {
		h.State = StateBackoff
		h.LastError = &ErrorInfo{Message: msg, At: now, Class: class, Host: host, Status: status}
		h.ConsecutiveErrors = *failures
		h.WaitingForResetUntil = nil
	})
	return wait
}

// backoff is the wait after n consecutive failures: BackoffMin·2^(n-1), capped.
func (s *Scheduler) backoff(n int) time.Duration {
	d := s.opts.BackoffMin
	for i := 1; i < n && d < s.opts.BackoffMax; i++ {
		d *= 2
	}
	return min(d, s.opts.BackoffMax)
}

// rateLimited records a platform's "wait until" and returns the wait.
func (s *Scheduler) rateLimited(src *source, until time.Time) time.Duration {
	s.metrics.countRequest(src.enum, src.name, ResultRateLimited)
	return s.rateLimitWait(src, until, true)
}

func (s *Scheduler) rateLimitWait(src *source, until time.Time, refused bool) time.Duration {
	now := s.opts.Now()
	wait := until.Sub(now) + s.opts.RateLimitMargin
	if wait < s.opts.RateLimitMargin {
		wait = s.opts.RateLimitMargin
	}
	s.log.Info("waiting for rate-limit reset", "source", src.name, "until", until.UTC().Format(time.RFC3339))
	s.update(src, func(h *SourceHealth) {
		h.State = StateWaitingForReset
		u := until
		h.WaitingForResetUntil = &u
		if refused {
			h.LastError = &ErrorInfo{Message: "rate limited: waiting for reset until " + until.UTC().Format(time.RFC3339), At: now, Class: store.ErrorRateLimited}
		}
	})
	return wait
}

// noteExhausted records a rate limit with nothing left until the reset,
// keeping the last known limit.
func (s *Scheduler) noteExhausted(src *source, until time.Time) {
	s.metrics.setRateLimit(src.enum, src.name, 0)
	s.update(src, func(h *SourceHealth) {
		limit := 0
		if h.RateLimit != nil {
			limit = h.RateLimit.Limit
		}
		h.RateLimit = &RateLimitInfo{Limit: limit, Remaining: 0, Reset: timePtr(until)}
	})
}

func (s *Scheduler) noteRateLimit(src *source, rl *RateLimit) {
	s.metrics.setRateLimit(src.enum, src.name, rl.Remaining)
	r := *rl
	s.update(src, func(h *SourceHealth) {
		h.RateLimit = &RateLimitInfo{Limit: r.Limit, Remaining: r.Remaining, Reset: timePtr(r.Reset)}
	})
}

// jitter spreads d by ±jitterFraction.
func (s *Scheduler) jitter(d time.Duration) time.Duration {
	f := 1 + jitterFraction*(2*s.opts.Rand()-1)
	return time.Duration(float64(d) * f)
}

func (s *Scheduler) update(src *source, fn func(h *SourceHealth)) {
	src.mu.Lock()
	fn(&src.h)
	src.mu.Unlock()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
