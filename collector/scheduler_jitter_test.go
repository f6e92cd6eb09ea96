package collector_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// retryLog is a slog.Handler that keeps the retry_in of every "source
// failed" line, by source: the waits the scheduler tells operators about.
type retryLog struct {
	mu    *sync.Mutex
	waits map[string][]time.Duration
}

func (l retryLog) Enabled(context.Context, slog.Level) bool { return true }
func (l retryLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l retryLog) WithGroup(string) slog.Handler            { return l }
func (l retryLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "source failed" {
		return nil
	}
	var src string
	var wait time.Duration
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "source":
			src = a.Value.String()
		case "retry_in":
			wait = a.Value.Duration()
		}
		return true
	})
	l.mu.Lock()
	l.waits[src] = append(l.waits[src], wait)
	l.mu.Unlock()
	return nil
}

// TestSchedulerBackoffJitter: two sources that fail together (an outage)
// retry at different times, each within ±10% of its exponential backoff,
// with the scheduler's own random source (no Rand given).
func TestSchedulerBackoffJitter(t *testing.T) {
	db := storetest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const failures = 6
	log := retryLog{mu: &sync.Mutex{}, waits: map[string][]time.Duration{}}
	var mu sync.Mutex
	done := 0
	outage := func(name string) *fakePoller {
		calls := 0
		return &fakePoller{name: name, poll: func(pctx context.Context, _ []byte) (collector.Page, error) {
			calls++
			if calls > failures {
				mu.Lock()
				if done++; done == 2 {
					cancel()
				}
				mu.Unlock()
				<-pctx.Done()
				return collector.Page{}, pctx.Err()
			}
			return collector.Page{}, errors.New("dial tcp: connection refused")
		}}
	}
	sched := collector.NewScheduler(db, collector.NewMatcher([]store.Campaign{campaign()}), collector.SchedulerOptions{
		Logger:      slog.New(log),
		PollTimeout: time.Hour,
		Sleep:       func(ctx context.Context, d time.Duration) error { return ctx.Err() }, // retry at once
	})
	sched.Add(outage("mastodon:a.example"), time.Minute)
	sched.Add(outage("mastodon:b.example"), time.Minute)
	if err := sched.Run(ctx); err != nil {
		t.Fatal(err)
	}

	a, b := log.waits["mastodon:a.example"], log.waits["mastodon:b.example"]
	if len(a) != failures || len(b) != failures {
		t.Fatalf("retries logged: a %v, b %v; want %d each", a, b, failures)
	}
	for name, waits := range map[string][]time.Duration{"a": a, "b": b} {
		base := time.Second
		for i, w := range waits {
			if lo, hi := base*9/10, base*11/10; w < lo || w > hi || w == base {
				t.Errorf("source %s retry %d after %v: want within [%v, %v] and jittered (not exactly %v)", name, i+1, w, lo, hi, base)
			}
			base *= 2
		}
	}
	if slices.Equal(a, b) {
		t.Errorf("both sources retry after %v: in lockstep", a)
	}
	for i := range a {
		if a[i] == b[i] {
			t.Errorf("retry %d: both sources wait %v", i+1, a[i])
		}
	}
}
