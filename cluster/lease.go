package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tagpulse/tagpulse/collector"
)

// Leases keeps this node's leases on sources in the leases bucket, whose
// entries expire one lease period after their last write. Run tries every
// third of a period to create each lease it does not hold (which succeeds
// only when no live entry exists) and to renew, by compare-and-set on the
// revision, each it holds. A lease whose renewal fails on a revision
// mismatch, or that has not been renewed for most of a period, is no longer
// held: the node stops using the source.
type Leases struct {
	kv   jetstream.KeyValue
	node string
	ttl  time.Duration
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	names   []string
	held    map[string]*lease
	changed chan struct{} // closed and replaced on every change
	gens    uint64        // counts takings of leases
}

type lease struct {
	rev     uint64
	renewed time.Time
	gen     uint64 // which taking of the lease this is, see taken
}

// NewLeases returns the lease keeper of the named sources.
func (c *Conn) NewLeases(names []string) *Leases {
	return &Leases{
		kv: c.leases, node: c.cfg.Node, ttl: c.cfg.Lease, log: c.log.With("node", c.cfg.Node), now: time.Now,
		names: slices.Clone(names), held: map[string]*lease{}, changed: make(chan struct{}),
	}
}

// Add adds a source name; use it before Run.
func (l *Leases) Add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !slices.Contains(l.names, name) {
		l.names = append(l.names, name)
	}
}

// validFor is how long after its last renewal a lease counts as held: less
// than the period, so that this node stops before the entry expires and
// another node can take it.
func (l *Leases) validFor() time.Duration { return l.ttl * 3 / 4 }

// Held reports whether this node holds the source's lease now.
func (l *Leases) Held(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.heldLocked(name)
}

func (l *Leases) heldLocked(name string) bool {
	h := l.held[name]
	return h != nil && l.now().Sub(h.renewed) < l.validFor()
}

// HeldCount is how many leases this node holds.
func (l *Leases) HeldCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for name := range l.held {
		if l.heldLocked(name) {
			n++
		}
	}
	return n
}

// taken is which taking of the source's lease holds now (0: not held): a
// guard that sees it change reads the cursor afresh, since another node may
// have moved it after the scheduler read it.
func (l *Leases) taken(name string) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.heldLocked(name) {
		return 0
	}
	return l.held[name].gen
}

// watch returns whether the lease is held and a channel closed at the next change.
func (l *Leases) watch(name string) (bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.heldLocked(name), l.changed
}

// Wait returns once this node holds the source's lease, or with ctx's error.
func (l *Leases) Wait(ctx context.Context, name string) error {
	for {
		held, changed := l.watch(name)
		if held {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (l *Leases) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Run keeps the leases until ctx ends, then releases those held (deletes
// them, at their revision) so that another node takes over at once.
func (l *Leases) Run(ctx context.Context) error {
	tick := time.NewTicker(l.ttl / 3)
	defer tick.Stop()
	for {
		l.round(ctx)
		select {
		case <-ctx.Done():
			l.release()
			return nil
		case <-tick.C:
		}
	}
}

// round renews or tries to take every lease once.
func (l *Leases) round(ctx context.Context) {
	l.mu.Lock()
	names := slices.Clone(l.names)
	l.mu.Unlock()
	for _, name := range names {
		if ctx.Err() != nil {
			return
		}
		l.step(ctx, name)
	}
}

func (l *Leases) step(ctx context.Context, name string) {
	key := kvKey(name)
	l.mu.Lock()
	h := l.held[name]
	l.mu.Unlock()
	octx, cancel := context.WithTimeout(ctx, l.ttl/3)
	defer cancel()
	start := l.now()
	var rev uint64
	var err error
	if h != nil {
		rev, err = l.kv.Update(octx, key, []byte(l.node), h.rev)
	} else {
		rev, err = l.kv.Create(octx, key, []byte(l.node))
		if errors.Is(err, jetstream.ErrKeyExists) {
			// Ours from before a restart (same node name)? Then take it back
			// at once instead of waiting for it to expire.
			if e, gerr := l.kv.Get(octx, key); gerr == nil && string(e.Value()) == l.node {
				rev, err = l.kv.Update(octx, key, []byte(l.node), e.Revision())
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	wasHeld := l.heldLocked(name)
	switch {
	case err == nil:
		gen := uint64(0)
		if h != nil && wasHeld {
			gen = h.gen
		} else {
			l.gens++
			gen = l.gens
		}
		l.held[name] = &lease{rev: rev, renewed: start, gen: gen}
		if !wasHeld {
			l.log.Info("lease taken", "source", name)
			l.notifyLocked()
		}
	case h != nil && errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		delete(l.held, name)
		l.log.Warn("lease lost", "source", name)
		l.notifyLocked()
	case h != nil:
		// A network failure: the lease may still be ours. It stops
		// counting once not renewed for validFor.
		if wasHeld && !l.heldLocked(name) {
			l.notifyLocked()
		}
		if !errors.Is(err, context.Canceled) {
			l.log.Warn("lease renewal failed", "source", name, "err", err)
		}
	}
}

// release deletes the held leases at their revisions.
func (l *Leases) release() {
	l.mu.Lock()
	held := l.held
	l.held = map[string]*lease{}
	l.notifyLocked()
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for name, h := range held {
		if err := l.kv.Delete(ctx, kvKey(name), jetstream.LastRevision(h.rev)); err != nil {
			l.log.Warn("lease release failed", "source", name, "err", err)
		}
	}
}

// Guard returns the poller run only while this node holds its lease. Its
// Poll waits for the lease for up to half the poll's deadline; without it by
// then, it returns an empty page (standby, not an error, so the scheduler
// does not back off and tries again after the interval). After taking a
// lease it reads the cursor afresh from the cluster: the scheduler's may
// have been read while another node still moved it. With cursors nil the
// poller keeps its cursor itself (the Bluesky AppView lookups keep theirs in
// the node's store, where the stream's amendments write it).
func (l *Leases) Guard(p collector.Poller, cursors *Publisher) collector.Poller {
	l.Add(p.Name())
	return &guardedPoller{inner: p, l: l, cursors: cursors}
}

type guardedPoller struct {
	inner   collector.Poller
	l       *Leases
	cursors *Publisher
	gen     uint64 // the taking of the lease the last poll ran under
}

func (g *guardedPoller) Name() string { return g.inner.Name() }

func (g *guardedPoller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	name := g.inner.Name()
	if !g.l.Held(name) {
		wait := g.l.ttl
		if d, ok := ctx.Deadline(); ok {
			wait = time.Until(d) / 2
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		err := g.l.Wait(wctx, name)
		cancel()
		if ctx.Err() != nil {
			return collector.Page{}, ctx.Err()
		}
		if err != nil {
			return collector.Page{}, nil // standby: another node holds it
		}
	}
	// Taken since the last poll (the scheduler's cursor may predate the
	// other node's last move): read it afresh.
	if gen := g.l.taken(name); gen != g.gen && g.cursors != nil {
		c, err := g.cursors.Cursor(name)
		if err != nil {
			return collector.Page{}, err
		}
		cursor, g.gen = c, gen
	}
	return g.inner.Poll(ctx, cursor)
}

// GuardStream returns the streamer run only while this node holds its
// lease: Stream waits for the lease, reads the cursor afresh, and stops the
// stream (returning ErrLeaseLost) when the lease is lost.
func (l *Leases) GuardStream(s collector.Streamer, cursors *Publisher) collector.Streamer {
	l.Add(s.Name())
	return &guardedStreamer{inner: s, l: l, cursors: cursors}
}

type guardedStreamer struct {
	inner   collector.Streamer
	l       *Leases
	cursors *Publisher
}

func (g *guardedStreamer) Name() string { return g.inner.Name() }

func (g *guardedStreamer) Stream(ctx context.Context, _ []byte, emit func(collector.Page) error) error {
	name := g.inner.Name()
	if err := g.l.Wait(ctx, name); err != nil {
		return err
	}
	cursor, err := g.cursors.Cursor(name)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan struct{})
	go func() {
		for {
			held, changed := g.l.watch(name)
			if !held {
				close(lost)
				cancel()
				return
			}
			select {
			case <-sctx.Done():
				return
			case <-changed:
			}
		}
	}()
	err = g.inner.Stream(sctx, cursor, emit)
	select {
	case <-lost:
		if ctx.Err() == nil {
			return ErrLeaseLost
		}
	default:
	}
	return err
}

// LeaseHolder is the node holding the source's lease, "" when none does.
func (c *Conn) LeaseHolder(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	e, err := c.leases.Get(ctx, kvKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cluster: lease %s: %w", name, err)
	}
	return string(e.Value()), nil
}
