package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tagpulse/tagpulse/store"
)

// publishChunk is how many posts are in flight at once: acks are awaited
// per chunk, which bounds memory and keeps the client's async window open.
const publishChunk = 256

// Publisher is the collect role's sink: what the scheduler's Ingest (and
// import) append to instead of the local store. Append publishes the posts
// to the stream and waits for the stream's acknowledgements, then moves the
// cursors in the cursors bucket by compare-and-set on the revision this
// node last read or wrote, so a cursor never moves without its posts being
// in the stream, and never back.
type Publisher struct {
	c      *Conn
	leases *Leases // nil: no lease checks (import)

	mu     sync.Mutex
	revs   map[string]uint64 // source → cursor revision last read or written
	recent map[string]store.Post
	order  []string // keys of recent, oldest first, at most recentPosts

	added, duplicates atomic.Int64
}

// NewPublisher returns the sink; with leases, Append refuses to move the
// cursor of a source whose lease this node does not hold.
func (c *Conn) NewPublisher(leases *Leases) *Publisher {
	return &Publisher{c: c, leases: leases, revs: map[string]uint64{}, recent: map[string]store.Post{}}
}

// recentPosts bounds the posts a Publisher remembers for Get.
const recentPosts = 20000

// Cursor returns a source's cursor from the cluster, nil when it has none.
func (p *Publisher) Cursor(name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	e, err := p.c.cursors.Get(ctx, kvKey(name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		p.setRev(name, 0)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: read cursor %s: %w", name, err)
	}
	p.setRev(name, e.Revision())
	return e.Value(), nil
}

func (p *Publisher) setRev(name string, rev uint64) {
	p.mu.Lock()
	p.revs[name] = rev
	p.mu.Unlock()
}

// Append publishes the posts, then writes the cursors. Added and
// Duplicates are as the stream counted them (a post already in the stream's
// dedupe window is a duplicate); LastSeq is the stream sequence of the last
// post.
func (p *Publisher) Append(posts []store.Post, cursors map[string][]byte) (store.AppendResult, error) {
	var res store.AppendResult
	if p.leases != nil {
		for name := range cursors {
			if !p.leases.Held(name) {
				return res, fmt.Errorf("%w: %s", ErrNotHeld, name)
			}
		}
	}
	for i := range posts {
		if posts[i].Platform == "" || posts[i].ID == "" {
			return res, errors.New("cluster: publish: post without platform or id")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*opTimeout)
	defer cancel()
	for start := 0; start < len(posts); start += publishChunk {
		r, err := p.publish(ctx, posts[start:min(start+publishChunk, len(posts))])
		res.Added += r.Added
		res.Duplicates += r.Duplicates
		res.LastSeq = max(res.LastSeq, r.LastSeq)
		if err != nil {
			return res, err
		}
	}
	p.added.Add(int64(res.Added))
	p.duplicates.Add(int64(res.Duplicates))
	p.remember(posts)
	for name, c := range cursors {
		if err := p.moveCursor(ctx, name, c); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (p *Publisher) publish(ctx context.Context, posts []store.Post) (store.AppendResult, error) {
	var res store.AppendResult
	futures := make([]jetstream.PubAckFuture, 0, len(posts))
	for i := range posts {
		msg := &nats.Msg{Subject: Subject(posts[i].Platform), Data: EncodePost(&posts[i]), Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, MsgID(&posts[i]))
		f, err := p.c.js.PublishMsgAsync(msg)
		if err != nil {
			return res, fmt.Errorf("cluster: publish: %w", err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				res.Duplicates++
			} else {
				res.Added++
			}
			res.LastSeq = max(res.LastSeq, ack.Sequence)
		case err := <-f.Err():
			return res, fmt.Errorf("cluster: publish: %w", err)
		case <-ctx.Done():
			return res, fmt.Errorf("cluster: publish: %w", ctx.Err())
		}
	}
	return res, nil
}

func (p *Publisher) moveCursor(ctx context.Context, name string, c []byte) error {
	p.mu.Lock()
	rev := p.revs[name]
	p.mu.Unlock()
	var err error
	var nrev uint64
	if rev == 0 {
		nrev, err = p.c.cursors.Create(ctx, kvKey(name), c)
	} else {
		nrev, err = p.c.cursors.Update(ctx, kvKey(name), c, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("%w: %s: its cursor moved", ErrLeaseLost, name)
	}
	if err != nil {
		return fmt.Errorf("cluster: write cursor %s: %w", name, err)
	}
	p.setRev(name, nrev)
	return nil
}

// Published is how many posts this node published that the stream took as
// new, and as duplicates.
func (p *Publisher) Published() (added, duplicates int64) {
	return p.added.Load(), p.duplicates.Load()
}

// Subject is the stream subject of a platform's posts.
func Subject(platform string) string {
	return SubjectPrefix + "." + subjectToken(platform)
}

// subjectToken keeps a subject token to characters that are no wildcard or
// separator.
func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == '.' || r == '*' || r == '>' || r > '~' {
			return '_'
		}
		return r
	}, s)
}

// MsgID is a post's Nats-Msg-Id: platform:id, an id too long for a header
// standing as its SHA-256, as in the store's own keys.
func MsgID(p *store.Post) string {
	id := p.ID
	if len(id) > 1024 {
		sum := sha256.Sum256([]byte(id))
		id = "sha256:" + hex.EncodeToString(sum[:])
	}
	return p.Platform + ":" + id
}

func (p *Publisher) remember(posts []store.Post) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range posts {
		k := posts[i].Key()
		if _, ok := p.recent[k]; !ok {
			p.order = append(p.order, k)
		}
		p.recent[k] = posts[i]
	}
	if over := len(p.order) - recentPosts; over > 0 {
		for _, k := range p.order[:over] {
			delete(p.recent, k)
		}
		p.order = append(p.order[:0], p.order[over:]...)
	}
}

// Get returns a post this node published lately, or store.ErrNotFound. A
// collect node's sources that look up posts (Bluesky reposts) ask it
// before the local store, which on a collect-only node holds none.
func (p *Publisher) Get(platform, id string) (store.Post, error) {
	probe := store.Post{Platform: platform, ID: id}
	p.mu.Lock()
	defer p.mu.Unlock()
	if post, ok := p.recent[probe.Key()]; ok {
		return post, nil
	}
	return store.Post{}, store.ErrNotFound
}

// Redact publishes a post's redaction (the platform said it was deleted):
// every serve node removes its text and URL, as a single process does.
func (p *Publisher) Redact(platform, id string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	msg := &nats.Msg{Subject: Subject(platform), Data: EncodeRedaction(platform, id), Header: nats.Header{}}
	probe := store.Post{Platform: platform, ID: id}
	msg.Header.Set(jetstream.MsgIDHeader, "redact:"+MsgID(&probe))
	if _, err := p.c.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("cluster: publish redaction: %w", err)
	}
	p.mu.Lock()
	if post, ok := p.recent[probe.Key()]; ok {
		post.Text, post.URL, post.Redacted = "", "", true
		p.recent[probe.Key()] = post
	}
	p.mu.Unlock()
	return nil
}
