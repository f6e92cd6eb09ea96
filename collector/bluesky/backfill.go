package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// BackfillConfig configures the backfill of the hours before tagpulse
// started, through app.bsky.feed.searchPosts, which needs a logged-in
// session (com.atproto.server.createSession with an app password).
type BackfillConfig struct {
	PDS         string        // where the account logs in and searches (default DefaultPDS)
	Handle      string        // the account's handle or DID
	AppPassword string        // from the environment (AppPasswordEnv)
	Hours       time.Duration // how far before the first start to search (default 24h)
	Every       time.Duration // pause between pages (default 2s)
	Timeout     time.Duration // one request (default 20s)
}

// Backfill searches one hashtag's posts between Hours before its first
// start and that start, newest first, page by page, as a Poller: its
// cursor (JSON) holds the window, the page cursor and the oldest post seen,
// so a restart goes on where it was. searchPosts' cursor gives out after
// about 10,000 results of one query; the search then starts again with
// until at the oldest post seen. When the window is searched through it
// does nothing more.
type Backfill struct {
	cfg    BackfillConfig
	tag    string
	name   string
	xrpc   *xrpcClient
	sess   *session
	logger *slog.Logger
	// Now is the clock; mockable in tests.
	Now func() time.Time
}

// backfillCursor is a Backfill's saved state.
type backfillCursor struct {
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`            // the current search's end (moves back past 10k results)
	Cursor string    `json:"cursor,omitempty"` // searchPosts' page cursor
	Seen   int       `json:"seen"`             // results of the current search so far
	Oldest time.Time `json:"oldest,omitempty"` // the oldest post of the current search
	Done   bool      `json:"done,omitempty"`
}

// session is a logged-in account, shared by the Backfills of one account.
type session struct {
	cfg  BackfillConfig
	xrpc *xrpcClient
	mu   sync.Mutex
	jwt  string
}

// NewBackfills returns one Backfill per hashtag, sharing one session.
func NewBackfills(cfg BackfillConfig, tags []string, logger *slog.Logger) ([]*Backfill, error) {
	if cfg.Handle == "" || cfg.AppPassword == "" {
		return nil, fmt.Errorf("bluesky backfill: needs a handle and the app password (in %s)", AppPasswordEnv)
	}
	if cfg.Hours <= 0 {
		cfg.Hours = 24 * time.Hour
	}
	if cfg.Every <= 0 {
		cfg.Every = 2 * time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var out []*Backfill
	var sess *session
	for _, t := range tags {
		b := &Backfill{cfg: cfg, tag: t, name: "bluesky:backfill:" + t, Now: time.Now}
		x, err := newXRPC(cfg.PDS, DefaultPDS, b.name, cfg.Timeout, func() time.Time { return b.Now() })
		if err != nil {
			return nil, fmt.Errorf("bluesky backfill pds: %w", err)
		}
		if sess == nil {
			sess = &session{cfg: cfg, xrpc: x}
		}
		b.xrpc, b.sess, b.logger = x, sess, logger.With("source", b.name)
		out = append(out, b)
	}
	return out, nil
}

// Name is "bluesky:backfill:TAG".
func (b *Backfill) Name() string { return b.name }

// Every is the pause between pages.
func (b *Backfill) Every() time.Duration { return b.cfg.Every }

// token returns the session's access JWT, logging in when there is none
// (or renew is set, after the AppView said it expired).
func (s *session) token(ctx context.Context, renew bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jwt != "" && !renew {
		return s.jwt, nil
	}
	var out struct {
		AccessJwt string `json:"accessJwt"`
		DID       string `json:"did"`
	}
	err := s.xrpc.call(ctx, "com.atproto.server.createSession", nil, map[string]string{"identifier": s.cfg.Handle, "password": s.cfg.AppPassword}, "", &out)
	if err != nil {
		return "", fmt.Errorf("bluesky: log in as %s: %w", s.cfg.Handle, err)
	}
	if out.AccessJwt == "" {
		return "", errors.New("bluesky: createSession gave no accessJwt")
	}
	s.jwt = out.AccessJwt
	return s.jwt, nil
}

// Poll fetches the next page of the search.
func (b *Backfill) Poll(ctx context.Context, raw []byte) (collector.Page, error) {
	var c backfillCursor
	if len(raw) == 0 || json.Unmarshal(raw, &c) != nil || c.Until.IsZero() {
		now := b.Now().UTC()
		c = backfillCursor{Since: now.Add(-b.cfg.Hours), Until: now}
	}
	if c.Done {
		return collector.Page{}, nil
	}
	q := url.Values{
		"q":     {"#" + b.tag},
		"tag":   {b.tag},
		"sort":  {"latest"},
		"since": {c.Since.Format(time.RFC3339)},
		"until": {c.Until.Format(time.RFC3339)},
		"limit": {"100"},
	}
	if c.Cursor != "" {
		q.Set("cursor", c.Cursor)
	}
	var out struct {
		Cursor string            `json:"cursor"`
		Posts  []json.RawMessage `json:"posts"`
	}
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var tok string
		if tok, err = b.sess.token(ctx, attempt > 0); err != nil {
			break
		}
		err = b.xrpc.call(ctx, "app.bsky.feed.searchPosts", q, nil, tok, &out)
		var xe *xrpcError
		if !errors.As(err, &xe) || !xe.expiredToken() {
			break
		}
	}
	page := collector.Page{RateLimit: b.xrpc.rateLimit()}
	if err != nil {
		return page, err
	}
	now := b.Now()
	for i, r := range out.Posts {
		p, err := ParseView(r, store.SourceBluesky, now)
		if err != nil {
			page.Malformed = append(page.Malformed, collector.Malformed{Where: fmt.Sprintf("searchPosts %s posts[%d]", b.tag, i), Err: err})
			continue
		}
		page.Posts = append(page.Posts, p)
		if c.Oldest.IsZero() || p.CreatedAt.Before(c.Oldest) {
			c.Oldest = p.CreatedAt
		}
	}
	page.Fetched = len(out.Posts)
	c.Seen += len(out.Posts)
	switch {
	case out.Cursor != "" && len(out.Posts) > 0:
		c.Cursor = out.Cursor
		page.More = true
	case !c.Oldest.IsZero() && c.Oldest.After(c.Since) && c.Oldest.Add(time.Second).Before(c.Until):
		// The cursor gave out (searchPosts gives no more than about
		// 10,000 results of one query): search again up to the oldest
		// post seen, as 4CAT does. A search that finds nothing older ends.
		b.logger.Info("search cursor exhausted, restarting before the oldest post", "results", c.Seen, "until", c.Oldest.Format(time.RFC3339))
		c = backfillCursor{Since: c.Since, Until: c.Oldest.Add(time.Second)}
		page.More = true
	default:
		b.logger.Info("backfill done", "since", c.Since.Format(time.RFC3339), "results", c.Seen)
		c.Done, c.Cursor = true, ""
	}
	page.Cursor, _ = json.Marshal(c)
	return page, nil
}

var _ collector.Poller = (*Backfill)(nil)
