package cluster

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tagpulse/tagpulse/store"
)

// Applier defaults.
const (
	DefaultBatch   = 512
	DefaultMaxWait = time.Second
)

// ApplierOptions tune an Applier. The zero value works.
type ApplierOptions struct {
	Logger *slog.Logger
	// Batch is how many messages go into one store transaction at most
	// (DefaultBatch).
	Batch int
	// MaxWait bounds one fetch when the stream has nothing new
	// (DefaultMaxWait): the longest a new post waits to be applied while the
	// node is idle, and how soon Run sees its ctx end.
	MaxWait time.Duration
	// OnApply is called after each transaction that stored posts (the run
	// command wakes the aggregator with it). It must not block.
	OnApply func()
}

// Applier is the serve role: it reads the stream through this node's
// durable consumer and appends the posts to the local store, with the
// stream sequence it has applied as the cursor "cluster:<stream>" in the
// same transaction.
type Applier struct {
	c    *Conn
	db   *store.DB
	opts ApplierOptions
	log  *slog.Logger

	applied    atomic.Uint64 // stream sequence applied to the store
	streamLast atomic.Uint64 // the stream's last sequence, as last seen
	caughtUp   atomic.Bool
	skipped    atomic.Int64 // messages that could not be decoded
	stored     atomic.Int64 // posts new to the store
	dups       atomic.Int64 // posts the store already had
	amendMsgs  atomic.Int64 // amendment messages applied
	amended    atomic.Int64 // amendments that said something new

	mu       sync.Mutex
	progress chan struct{} // closed and replaced whenever applied moves
}

// NewApplier returns the serve role's consumer into db.
func (c *Conn) NewApplier(db *store.DB, opts ApplierOptions) *Applier {
	if opts.Logger == nil {
		opts.Logger = c.log
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	return &Applier{c: c, db: db, opts: opts, log: opts.Logger.With("node", c.cfg.Node), progress: make(chan struct{})}
}

// setApplied records that the store holds the stream up to seq and wakes
// those waiting in WaitApplied.
func (a *Applier) setApplied(seq uint64) {
	a.applied.Store(seq)
	a.mu.Lock()
	close(a.progress)
	a.progress = make(chan struct{})
	a.mu.Unlock()
}

// WaitApplied returns once this node's store holds the stream up to seq,
// or with ctx's error.
func (a *Applier) WaitApplied(ctx context.Context, seq uint64) error {
	for {
		a.mu.Lock()
		ch := a.progress
		a.mu.Unlock()
		if a.applied.Load() >= seq {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: waiting for stream %s to be applied up to %d (at %d): %w", a.c.cfg.Stream, seq, a.applied.Load(), ctx.Err())
		case <-ch:
		}
	}
}

// Amended is how many amendment messages this node applied, and how many
// amendments in them said something new to its store.
func (a *Applier) Amended() (messages, amendments int64) { return a.amendMsgs.Load(), a.amended.Load() }

// CursorName is the store cursor holding the applied stream sequence.
func (a *Applier) CursorName() string { return "cluster:" + a.c.cfg.Stream }

// ConsumerName is this node's durable consumer on the stream.
func (a *Applier) ConsumerName() string { return "tagpulse-serve-" + kvKey(a.c.cfg.Node) }

// Applied is the stream sequence applied to the store.
func (a *Applier) Applied() uint64 { return a.applied.Load() }

// Lag is how many stream messages this node has not applied yet: the
// stream's last sequence as last seen minus the applied one.
func (a *Applier) Lag() uint64 {
	last, applied := a.streamLast.Load(), a.applied.Load()
	if last < applied {
		return 0
	}
	return last - applied
}

// CaughtUp reports whether the node has applied everything the stream had
// at some moment since it started: /readyz answers 503 until then.
func (a *Applier) CaughtUp() bool { return a.caughtUp.Load() }

// Skipped is how many messages could not be decoded (counted and skipped).
func (a *Applier) Skipped() int64 { return a.skipped.Load() }

// AppliedSeq reads the applied stream sequence from the store.
func AppliedSeq(db *store.DB, stream string) (uint64, error) {
	c, err := db.Cursor("cluster:" + stream)
	if err != nil || c == nil {
		return 0, err
	}
	if len(c) != 8 {
		return 0, fmt.Errorf("cluster: cursor cluster:%s: %d bytes, want 8", stream, len(c))
	}
	return binary.BigEndian.Uint64(c), nil
}

// Run applies the stream until ctx ends. Failures of NATS are retried
// (with the consumer made afresh at the applied sequence); a store failure
// is returned.
func (a *Applier) Run(ctx context.Context) error {
	applied, err := AppliedSeq(a.db, a.c.cfg.Stream)
	if err != nil {
		return err
	}
	a.setApplied(applied)
	if last, err := a.c.StreamLastSeq(ctx); err == nil {
		a.streamLast.Store(max(last, applied))
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		cons, err := a.consumer(ctx)
		if err == nil {
			err = a.consume(ctx, cons)
			var se *storeError
			if errors.As(err, &se) {
				return se.err
			}
			if err == nil {
				backoff = 100 * time.Millisecond
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		a.log.Warn("stream consumer failed", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
	return nil
}

type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// consumer makes this node's durable consumer afresh, starting after the
// applied sequence: the store, not the server, says where this node is (a
// store restored from a backup starts where the backup ends).
func (a *Applier) consumer(ctx context.Context) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	name := a.ConsumerName()
	if err := a.c.stream.DeleteConsumer(ctx, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("delete consumer %s: %w", name, err)
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		Description:   "tagpulse serve node " + a.c.cfg.Node,
		AckPolicy:     jetstream.AckAllPolicy, // one ack per transaction
		AckWait:       time.Minute,
		MaxAckPending: 4 * a.opts.Batch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if applied := a.applied.Load(); applied > 0 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = applied + 1
	}
	cons, err := a.c.stream.CreateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create consumer %s: %w", name, err)
	}
	return cons, nil
}

// consume fetches and applies batches until ctx ends or the consumer fails.
func (a *Applier) consume(ctx context.Context, cons jetstream.Consumer) error {
	for ctx.Err() == nil {
		batch, err := cons.Fetch(a.opts.Batch, jetstream.FetchMaxWait(a.opts.MaxWait))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		posts := make([]store.Post, 0, a.opts.Batch)
		var last jetstream.Msg
		var lastSeq, pending uint64
		applied := a.applied.Load()
		// flush stores the posts gathered so far with the cursor at seq.
		flush := func(seq uint64) error {
			if seq <= applied {
				return nil
			}
			res, err := a.db.Append(posts, map[string][]byte{a.CursorName(): binary.BigEndian.AppendUint64(nil, seq)})
			if err != nil {
				return &storeError{fmt.Errorf("cluster: apply stream %s up to %d: %w", a.c.cfg.Stream, seq, err)}
			}
			a.setApplied(seq)
			applied = seq
			posts = posts[:0]
			a.stored.Add(int64(res.Added))
			a.dups.Add(int64(res.Duplicates))
			if res.Added > 0 && a.opts.OnApply != nil {
				a.opts.OnApply()
			}
			return nil
		}
		var ferr error
		for msg := range batch.Messages() {
			if ferr != nil {
				continue // drain; the next fetch delivers these again
			}
			md, err := msg.Metadata()
			if err != nil {
				ferr = fmt.Errorf("message metadata: %w", err)
				continue
			}
			seq := md.Sequence.Stream
			if seq <= applied {
				last, pending = msg, md.NumPending
				continue // delivered again: already in the store
			}
			data := msg.Data()
			if len(data) > 0 && data[0] == msgRedactV1 {
				// Posts before it first, then the redaction; a crash
				// between the two delivers it again (redacting is idempotent).
				if ferr = flush(lastSeq); ferr != nil {
					continue
				}
				if platform, id, err := DecodeRedaction(data); err != nil {
					a.skip(seq, msg.Subject(), err)
				} else if err := a.db.Redact(platform, id); err != nil && !errors.Is(err, store.ErrNotFound) {
					ferr = &storeError{fmt.Errorf("cluster: redact %s %s: %w", platform, id, err)}
					continue
				}
				last, pending, lastSeq = msg, md.NumPending, seq
				continue
			}
			if len(data) > 0 && data[0] == msgAmendV1 {
				// Posts before it first (it amends them), then the
				// amendment with the stream sequence in one transaction:
				// applied exactly once.
				if ferr = flush(lastSeq); ferr != nil {
					continue
				}
				last, pending, lastSeq = msg, md.NumPending, seq
				m, err := DecodeAmendment(data)
				if err != nil {
					a.skip(seq, msg.Subject(), err)
					continue
				}
				if ferr = a.amend(&m, seq); ferr != nil {
					continue
				}
				applied = seq
				continue
			}
			last, pending, lastSeq = msg, md.NumPending, seq
			p, err := DecodePost(data)
			if err != nil {
				a.skip(seq, msg.Subject(), err)
				continue
			}
			posts = append(posts, p)
		}
		if ferr != nil {
			return ferr
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, context.DeadlineExceeded) && !isNoMessages(err) {
			if last == nil {
				return fmt.Errorf("fetch: %w", err)
			}
			// What arrived before the error is applied; the next fetch retries.
			a.log.Debug("fetch ended early", "err", err)
		}
		if last == nil {
			// Nothing new within MaxWait: everything is applied.
			a.streamLast.Store(max(a.streamLast.Load(), a.applied.Load()))
			a.caughtUp.Store(true)
			continue
		}
		if err := flush(lastSeq); err != nil {
			return err
		}
		a.streamLast.Store(max(applied+pending, applied))
		if pending == 0 {
			a.caughtUp.Store(true)
		}
		// Acknowledged after the commit: a crash in between delivers the
		// batch again, and the sequence check skips it.
		if err := last.Ack(); err != nil {
			a.log.Debug("ack failed", "err", err)
		}
	}
	return nil
}

// amend applies an amendment message at stream sequence seq.
func (a *Applier) amend(m *Amendment, seq uint64) error {
	cursors := make(map[string][]byte, len(m.Cursors)+1)
	for name, c := range m.Cursors {
		cursors[name] = c
	}
	cursors[a.CursorName()] = binary.BigEndian.AppendUint64(nil, seq)
	res, err := a.db.Amend(m.Amends, m.Profiles, cursors)
	if errors.Is(err, store.ErrNotFound) {
		// An amendment of a post this store does not hold (the lookup
		// node's store had it: a store restored from an older backup may
		// not). Posts reach this store only through this applier, so what
		// it holds now is what the transaction sees: apply the others.
		held := m.Amends[:0:0]
		for _, am := range m.Amends {
			if _, gerr := a.db.Get(am.Platform, am.ID); gerr == nil {
				held = append(held, am)
			} else if !errors.Is(gerr, store.ErrNotFound) {
				return &storeError{fmt.Errorf("cluster: apply amendment at %d of stream %s: %w", seq, a.c.cfg.Stream, gerr)}
			}
		}
		a.log.Warn("amendments of posts this store does not hold, skipped", "stream", a.c.cfg.Stream, "seq", seq, "missing", len(m.Amends)-len(held))
		res, err = a.db.Amend(held, m.Profiles, cursors)
	}
	if err != nil {
		return &storeError{fmt.Errorf("cluster: apply amendment at %d of stream %s: %w", seq, a.c.cfg.Stream, err)}
	}
	a.setApplied(seq)
	a.amendMsgs.Add(1)
	a.amended.Add(int64(res.Amended))
	if res.Amended > 0 && a.opts.OnApply != nil {
		a.opts.OnApply()
	}
	return nil
}

func (a *Applier) skip(seq uint64, subject string, err error) {
	a.skipped.Add(1)
	a.log.Warn("message skipped", "stream", a.c.cfg.Stream, "seq", seq, "subject", subject, "err", err)
}

func isNoMessages(err error) bool {
	return errors.Is(err, jetstream.ErrNoMessages) || strings.Contains(err.Error(), "no messages")
}

// Stored is how many posts this node's applier added to the store, and how
// many the store already had.
func (a *Applier) Stored() (added, duplicates int64) { return a.stored.Load(), a.dups.Load() }
