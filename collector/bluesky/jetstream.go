package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Config configures the Bluesky source: a Jetstream subscription.
type Config struct {
	// Jetstream is the subscribe URL (default DefaultJetstream).
	Jetstream string `yaml:"jetstream"`
	// Rewind is how far before the saved cursor a (re)connection resumes
	// (default 5s): delivery around a reconnect is at-least-once, and
	// replayed posts are deduplicated by at-URI in the store.
	Rewind time.Duration `yaml:"rewind,omitempty"`
}

// DefaultJetstream is a public Jetstream instance run by Bluesky.
const DefaultJetstream = "wss://jetstream2.us-east.bsky.network/subscribe"

// PostLookup returns a stored post, or an error wrapping store.ErrNotFound;
// (*store.DB).Get is one.
type PostLookup func(platform, id string) (store.Post, error)

// PostRedactor removes a deleted post's content, returning an error wrapping
// store.ErrNotFound when the post is not stored; (*store.DB).Redact is one.
type PostRedactor func(platform, id string) error

// Jetstream streams Bluesky posts from a Jetstream websocket and keeps those
// carrying the campaign hashtags, matched locally (Jetstream sends every
// post on the network).
//
// We read the v1 JSON wire with github.com/coder/websocket and a thin reader
// of our own rather than github.com/bluesky-social/jetstream's client: that
// module needs go 1.26.5 and brings pebble, sentry, OpenTelemetry and a newer
// Prometheus client into go.mod for what is a JSON websocket.
type Jetstream struct {
	url    *url.URL
	rewind time.Duration
	tags   store.HashtagSet
	lookup PostLookup
	redact PostRedactor
	logger *slog.Logger

	// CursorEvery is how much stream time may pass between saves of the
	// cursor while no post matches (default 1s). Posts always carry it.
	CursorEvery time.Duration
	// MaxBatch caps the posts emitted together (default 100).
	MaxBatch int
	// IdleTimeout ends a connection that sent nothing for this long (default
	// 1m; the network never is that quiet).
	IdleTimeout time.Duration
	// DialTimeout bounds the websocket handshake (default 15s).
	DialTimeout time.Duration
	// Now is the clock for CollectedAt; mockable in tests.
	Now func() time.Time
}

// NewJetstream returns the Bluesky source. tags are the campaign hashtags
// (normalised). lookup finds stored posts, so that a repost counts only when
// it reposts a post we hold; redact applies delete events. Both are
// typically a *store.DB's Get and Redact.
func NewJetstream(cfg Config, tags []string, lookup PostLookup, redact PostRedactor, logger *slog.Logger) (*Jetstream, error) {
	raw := cfg.Jetstream
	if raw == "" {
		raw = DefaultJetstream
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bluesky jetstream %q: not a URL", raw)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("bluesky jetstream %q: scheme must be wss or ws", raw)
	}
	if len(tags) == 0 {
		return nil, errors.New("bluesky: no hashtags")
	}
	if lookup == nil || redact == nil {
		return nil, errors.New("bluesky: lookup and redact are required")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	j := &Jetstream{
		url:         u,
		rewind:      cfg.Rewind,
		tags:        store.HashtagSet{},
		lookup:      lookup,
		redact:      redact,
		logger:      logger.With("source", store.SourceBluesky),
		CursorEvery: time.Second,
		MaxBatch:    100,
		IdleTimeout: time.Minute,
		DialTimeout: 15 * time.Second,
		Now:         time.Now,
	}
	if j.rewind <= 0 {
		j.rewind = 5 * time.Second
	}
	for _, t := range tags {
		if n := hashtag.NormalizeTag(t); n != "" {
			j.tags.Add(n)
		}
	}
	return j, nil
}

// Name is "bluesky".
func (j *Jetstream) Name() string { return store.SourceBluesky }

// jetstreamEvent is one Jetstream v1 event.
type jetstreamEvent struct {
	DID    string `json:"did"`
	TimeUS int64  `json:"time_us"`
	Kind   string `json:"kind"`
	Commit *struct {
		Operation  string          `json:"operation"`
		Collection string          `json:"collection"`
		RKey       string          `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	} `json:"commit"`
}

// bskyRepostRecord is an app.bsky.feed.repost record.
type bskyRepostRecord struct {
	Subject   bskyRef `json:"subject"`
	CreatedAt string  `json:"createdAt"`
}

func (ev *jetstreamEvent) uri() string {
	return bskyATURI(ev.DID, ev.Commit.Collection, ev.Commit.RKey)
}

func (ev *jetstreamEvent) valid() error {
	if ev.DID == "" || ev.TimeUS <= 0 || ev.Kind == "" {
		return errors.New("not a Jetstream event (did, time_us, kind)")
	}
	if ev.Kind == "commit" && (ev.Commit == nil || ev.Commit.Collection == "" || ev.Commit.RKey == "" || ev.Commit.Operation == "") {
		return fmt.Errorf("commit event at %d: no commit", ev.TimeUS)
	}
	return nil
}

// jetstreamPost maps a post-creating commit; ok is false for every other event.
func jetstreamPost(ev *jetstreamEvent, source string, now time.Time) (p store.Post, ok bool, err error) {
	if ev.Kind != "commit" || ev.Commit.Operation != "create" || ev.Commit.Collection != bskyCollectionPost {
		return store.Post{}, false, nil
	}
	var rec bskyPostRecord
	if err := json.Unmarshal(ev.Commit.Record, &rec); err != nil {
		return store.Post{}, false, fmt.Errorf("post %s: record: %w", ev.uri(), err)
	}
	p, err = bskyPost(ev.uri(), &rec, time.UnixMicro(ev.TimeUS), source, now)
	return p, err == nil, err
}

// Stream connects from cursor (Jetstream time_us, as text; nil means now),
// rewound by Rewind, and emits the matching posts with the cursor that
// follows them until ctx ends or the connection fails. It returns promptly
// on any failure, after emitting what it had, so the scheduler can back off
// and call it again with the saved cursor.
func (j *Jetstream) Stream(ctx context.Context, cursor []byte, emit func(collector.Page) error) error {
	var last int64
	if len(cursor) > 0 {
		c, err := strconv.ParseInt(string(cursor), 10, 64)
		if err != nil || c <= 0 {
			j.logger.Warn("unreadable cursor, starting from now", "cursor", string(cursor))
		} else {
			last = c
		}
	}
	u := *j.url
	q := u.Query()
	q.Del("wantedCollections")
	q.Add("wantedCollections", bskyCollectionPost)
	q.Add("wantedCollections", bskyCollectionRepost)
	q.Del("cursor")
	if last > 0 {
		q.Set("cursor", strconv.FormatInt(max(1, last-j.rewind.Microseconds()), 10))
	}
	u.RawQuery = q.Encode()

	dctx, cancel := context.WithTimeout(ctx, j.DialTimeout)
	conn, _, err := websocket.Dial(dctx, u.String(), nil)
	cancel()
	if err != nil {
		return fmt.Errorf("bluesky: connect %s: %w", j.url.Host, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(4 << 20)

	type frame struct {
		data []byte
		err  error
	}
	frames := make(chan frame, 1024)
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ictx, icancel := context.WithTimeout(rctx, j.IdleTimeout)
			_, data, err := conn.Read(ictx)
			icancel()
			select {
			case frames <- frame{data, err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer stop()

	s := &jetstreamSession{j: j, emit: emit, last: last, saved: last, pending: map[string]store.Post{}}
	for {
		var f frame
		select {
		case f = <-frames:
		case <-ctx.Done():
			if err := s.flush(); err != nil {
				return err
			}
			return ctx.Err()
		}
		if f.err != nil {
			if err := s.flush(); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("bluesky: connection lost: %w", f.err)
		}
		if err := s.handle(f.data); err != nil {
			return err
		}
		// Posts go out when the connection has nothing more queued (so they
		// land within a moment) or a batch is full; the cursor alone goes
		// out every CursorEvery of stream time, busy or not, so a long
		// replay without matches does not hold it back.
		pending := len(s.page.Posts) > 0 || len(s.page.Malformed) > 0
		due := s.last > s.saved && s.last-s.saved >= j.CursorEvery.Microseconds()
		if due || len(s.page.Posts) >= j.MaxBatch || (pending && len(frames) == 0) {
			if err := s.flush(); err != nil {
				return err
			}
		}
	}
}

// jetstreamSession is one connection's batching state.
type jetstreamSession struct {
	j       *Jetstream
	emit    func(collector.Page) error
	page    collector.Page
	pending map[string]store.Post // posts in page, by at-URI
	last    int64                 // time_us of the newest event handled
	saved   int64                 // cursor last emitted
	frames  int64
}

// flush emits the pending posts with the cursor (or the cursor alone when
// it moved); with nothing to say it does nothing.
func (s *jetstreamSession) flush() error {
	if len(s.page.Posts) == 0 && len(s.page.Malformed) == 0 && s.last <= s.saved {
		return nil
	}
	if s.last > 0 {
		s.page.Cursor = []byte(strconv.FormatInt(s.last, 10))
	}
	page := s.page
	s.page = collector.Page{}
	clear(s.pending)
	if err := s.emit(page); err != nil {
		return err
	}
	if page.Cursor != nil {
		s.saved = s.last
	}
	return nil
}

// handle processes one frame.
func (s *jetstreamSession) handle(data []byte) error {
	s.frames++
	s.page.Fetched++
	now := s.j.Now()
	var ev jetstreamEvent
	err := json.Unmarshal(data, &ev)
	if err == nil {
		err = ev.valid()
	}
	if err != nil {
		s.page.Malformed = append(s.page.Malformed, collector.Malformed{Where: fmt.Sprintf("jetstream frame %d", s.frames), Err: err})
		return nil
	}
	if ev.TimeUS > s.last {
		s.last = ev.TimeUS
	}
	if ev.Kind != "commit" {
		return nil
	}
	c := ev.Commit
	switch {
	case c.Operation == "create" && c.Collection == bskyCollectionPost:
		p, _, err := jetstreamPost(&ev, store.SourceBluesky, now)
		if err != nil {
			s.page.Malformed = append(s.page.Malformed, collector.Malformed{Where: fmt.Sprintf("jetstream time_us %d", ev.TimeUS), Err: err})
			return nil
		}
		if s.j.match(p.Hashtags) {
			s.add(p)
		}
	case c.Operation == "create" && c.Collection == bskyCollectionRepost:
		var rec bskyRepostRecord
		if err := json.Unmarshal(c.Record, &rec); err != nil {
			s.page.Malformed = append(s.page.Malformed, collector.Malformed{Where: fmt.Sprintf("jetstream time_us %d", ev.TimeUS), Err: fmt.Errorf("repost %s: %w", ev.uri(), err)})
			return nil
		}
		held, ok := s.pending[rec.Subject.URI]
		if !ok {
			p, err := s.j.lookup(store.PlatformBluesky, rec.Subject.URI)
			if errors.Is(err, store.ErrNotFound) {
				return nil // a repost of a post no campaign holds
			}
			if err != nil {
				return fmt.Errorf("bluesky: look up %s: %w", rec.Subject.URI, err)
			}
			held = p
		}
		p, err := bskyRepost(held, ev.uri(), ev.DID, rec.CreatedAt, time.UnixMicro(ev.TimeUS), store.SourceBluesky, now, store.Author{ID: ev.DID})
		if err != nil {
			return nil
		}
		s.add(p)
	case c.Operation == "delete" && (c.Collection == bskyCollectionPost || c.Collection == bskyCollectionRepost):
		uri := ev.uri()
		if _, ok := s.pending[uri]; ok {
			if err := s.flush(); err != nil { // store it first, then redact it
				return err
			}
		}
		err := s.j.redact(store.PlatformBluesky, uri)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("bluesky: redact %s: %w", uri, err)
		}
		if err == nil {
			s.j.logger.Info("post deleted on Bluesky, content removed", "post_id", uri)
		}
	}
	return nil
}

func (s *jetstreamSession) add(p store.Post) {
	if _, dup := s.pending[p.ID]; dup {
		return
	}
	s.pending[p.ID] = p
	s.page.Posts = append(s.page.Posts, p)
}

func (j *Jetstream) match(tags []string) bool { return j.tags.Matches(tags) }

var _ collector.Streamer = (*Jetstream)(nil)

// FormatJetstream is Jetstream JSONL, one event per line as the
// /subscribe websocket sends them. Post creations become posts. Reposts are
// skipped (they count only for posts already held, which an import cannot
// check line by line), and so are deletes, identity and account events.
var FormatJetstream = collector.Format{
	Name: "jetstream",
	Detect: func(rec []byte) bool {
		var ev jetstreamEvent
		return json.Unmarshal(rec, &ev) == nil && ev.valid() == nil
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		var ev jetstreamEvent
		err := json.Unmarshal(rec, &ev)
		if err == nil {
			err = ev.valid()
		}
		if err != nil {
			return nil, []error{err}
		}
		p, ok, err := jetstreamPost(&ev, store.SourceImport, now)
		if err != nil {
			return nil, []error{err}
		}
		if !ok {
			return nil, nil
		}
		return []store.Post{p}, nil
	},
}
