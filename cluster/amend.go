package cluster

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/tagpulse/tagpulse/store"
)

// amendChunk bounds the amendments and profiles of one message (a few
// hundred bytes each: well under NATS's 1 MB message limit).
const amendChunk = 256

// Amender is the sink of the Bluesky AppView lookups on a serve node of a
// cluster (what store.DB.Amend is in a single process): Amend publishes the
// amendments, the profiles and the lookup cursors to the stream, on the
// subject of the amendments' platform, and returns once this node's own
// applier has applied them, so that the lookups, which read this node's
// store, see what they wrote (as they would with a local Amend). Every
// serve node applies the same messages in stream order with store.DB.Amend,
// so every one ends with the same handles, follower counts and engagement.
//
// The lookups run on one node at a time, under a lease (see Leases.Guard);
// a cursor whose lease this node does not hold is refused (ErrNotHeld).
type Amender struct {
	c       *Conn
	applier *Applier
	leases  *Leases // nil: no lease checks

	published atomic.Int64
}

// NewAmender returns the lookups' sink on a node whose applier is a.
func (c *Conn) NewAmender(a *Applier, leases *Leases) *Amender {
	return &Amender{c: c, applier: a, leases: leases}
}

// Amend publishes; see Amender. Large writes go as several messages (at
// most amendChunk amendments and profiles each), the cursors in the last,
// so a cursor never covers amendments not yet in the stream. The result
// counts the amendments published as Amended: what each store made of them
// is its own (Applier.Amended).
func (m *Amender) Amend(amends []store.Amend, profiles []store.Profile, cursors map[string][]byte) (store.AmendResult, error) {
	if m.leases != nil {
		for name := range cursors {
			if !m.leases.Held(name) {
				return store.AmendResult{}, fmt.Errorf("%w: %s", ErrNotHeld, name)
			}
		}
	}
	if len(amends) == 0 && len(profiles) == 0 && len(cursors) == 0 {
		return store.AmendResult{}, nil
	}
	platform := store.PlatformBluesky
	switch {
	case len(amends) > 0:
		platform = amends[0].Platform
	case len(profiles) > 0:
		platform = profiles[0].Platform
	}
	n := len(amends)
	ctx, cancel := context.WithTimeout(context.Background(), 3*opTimeout)
	defer cancel()
	var last uint64
	for len(amends) > 0 || len(profiles) > 0 || cursors != nil {
		msg := Amendment{Amends: amends[:min(amendChunk, len(amends))], Profiles: profiles[:min(amendChunk, len(profiles))]}
		amends, profiles = amends[len(msg.Amends):], profiles[len(msg.Profiles):]
		if len(amends) == 0 && len(profiles) == 0 {
			msg.Cursors, cursors = cursors, nil
		}
		ack, err := m.c.js.PublishMsg(ctx, &nats.Msg{Subject: Subject(platform), Data: EncodeAmendment(&msg)})
		if err != nil {
			return store.AmendResult{}, fmt.Errorf("cluster: publish amendment: %w", err)
		}
		last = ack.Sequence
		m.published.Add(int64(len(msg.Amends)))
	}
	if m.applier != nil {
		if err := m.applier.WaitApplied(ctx, last); err != nil {
			return store.AmendResult{}, err
		}
	}
	return store.AmendResult{Amended: n}, nil
}

// Published is how many amendments this node published.
func (m *Amender) Published() int64 { return m.published.Load() }
