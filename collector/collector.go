// Package collector is the platform-neutral core of collection: what a
// source returns (Page, Malformed, RateLimit), the two kinds of source
// (Poller, Streamer), the campaign hashtag Matcher, Ingest, which appends a
// page's matching posts and the source's cursor in one store transaction,
// and the Scheduler that runs sources with backoff, rate-limit waits, health
// and Prometheus metrics. Format describes an archive format for the
// importer.
//
// The platforms live in packages above this one, as Litestream's replica
// backends live above litestream: collector/x (X API v2, Twitter v1.1,
// twarc2), collector/mastodon, collector/bluesky (post views and Jetstream),
// collector/demo (the simulated campaign) and collector/archive (the
// importer, which knows every platform's formats). They import collector;
// collector imports none of them.
package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// Page is one batch of posts from a source, with the cursor that follows them.
type Page struct {
	Posts     []store.Post
	Cursor    []byte      // the source's cursor after these posts; nil leaves it unchanged
	Malformed []Malformed // items the source could not parse; counted and skipped
	Fetched   int         // items the platform returned, before matching
	// More is set when the platform has more pages right now (catching up):
	// the scheduler polls again at once instead of waiting for the interval.
	More bool
	// RateLimit is the platform's rate-limit state after this request, when it said.
	RateLimit *RateLimit
}

// RateLimit is a platform's rate-limit state as its response headers gave it.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time // when Remaining refills
}

// RateLimitedError is returned by a source the platform told to wait (HTTP
// 429, or a quota at zero). The scheduler sleeps until Until, then resumes
// from the same cursor.
type RateLimitedError struct {
	Source string
	Until  time.Time
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("%s: rate limited until %s", e.Source, e.Until.UTC().Format(time.RFC3339))
}

// Malformed is one item that could not be parsed. Where says where it was:
// "file.jsonl:17" for archives, a URL or stream position for live sources.
type Malformed struct {
	Where string
	Err   error
}

func (m Malformed) Error() string { return fmt.Sprintf("%s: %v", m.Where, m.Err) }

// Poller is a source polled on an interval: each Poll fetches what came after
// cursor (nil on first use).
type Poller interface {
	// Name is the source's unique name; it keys its cursor in the store.
	Name() string
	// Poll fetches the next page. An error leaves the cursor where it was.
	Poll(ctx context.Context, cursor []byte) (Page, error)
}

// Streamer is a source that pushes posts: Stream runs until ctx ends or the
// connection fails, calling emit for each batch; emit's error stops it.
type Streamer interface {
	Name() string
	Stream(ctx context.Context, cursor []byte, emit func(Page) error) error
}

// Matcher decides which posts belong to some campaign.
type Matcher struct {
	tags      store.HashtagSet
	campaigns []store.Campaign // for telling which posts fall outside every window
}

// NewMatcher matches posts carrying any hashtag of any of the campaigns.
func NewMatcher(campaigns []store.Campaign) *Matcher {
	m := &Matcher{tags: store.NewHashtagSet(), campaigns: make([]store.Campaign, len(campaigns))}
	for i, c := range campaigns {
		if r, err := store.NewCampaign(c); err == nil {
			c = r // resolved: zone and hashtag set built once
		}
		m.campaigns[i] = c
		for _, h := range c.Hashtags {
			m.tags.Add(h)
		}
	}
	return m
}

// Match reports whether any of the normalised tags is a campaign hashtag.
func (m *Matcher) Match(tags []string) bool { return m.tags.Matches(tags) }

// Tags returns the campaign hashtags, sorted, for building platform queries.
func (m *Matcher) Tags() []string { return m.tags.Tags() }

// Campaigns returns the campaigns the matcher was made from, in
// configuration order. The caller must not change them.
func (m *Matcher) Campaigns() []store.Campaign { return m.campaigns }

// IngestResult says what one Ingest did.
type IngestResult struct {
	Fetched    int // items the source returned
	Matched    int // posts carrying a campaign hashtag
	Added      int // new posts stored
	Duplicates int // matched posts already stored
	Malformed  int // items skipped as unparseable
}

// Sink is what Ingest appends to: the local store (*store.DB), or with
// cluster: the stream a collect node publishes to (cluster.Publisher).
// Append writes the posts and the cursors so that a cursor never moves
// without the posts it covers.
type Sink interface {
	Cursor(name string) ([]byte, error)
	Append(posts []store.Post, cursors map[string][]byte) (store.AppendResult, error)
}

// Ingest keeps the page's posts that match a campaign and appends them,
// with the page's cursor under name, in one transaction.
func Ingest(db Sink, m *Matcher, name string, page Page) (IngestResult, error) {
	res := IngestResult{Fetched: page.Fetched, Malformed: len(page.Malformed)}
	if res.Fetched == 0 {
		res.Fetched = len(page.Posts)
	}
	// The page itself when every post matches (an import's batch, read
	// with the campaigns' query): no copy of each post.
	keep := page.Posts
	for i := range page.Posts {
		if !m.Match(page.Posts[i].Hashtags) {
			keep = make([]store.Post, i, len(page.Posts))
			copy(keep, page.Posts[:i])
			for j := i + 1; j < len(page.Posts); j++ {
				if m.Match(page.Posts[j].Hashtags) {
					keep = append(keep, page.Posts[j])
				}
			}
			break
		}
	}
	res.Matched = len(keep)
	var cursors map[string][]byte
	if page.Cursor != nil {
		cursors = map[string][]byte{name: page.Cursor}
	}
	if len(keep) == 0 && cursors == nil {
		return res, nil
	}
	ar, err := db.Append(keep, cursors)
	if err != nil {
		if name == "" { // an import: the caller names the file
			return res, fmt.Errorf("storing %d posts: %w", len(keep), err)
		}
		return res, fmt.Errorf("ingest %s: %w", name, err)
	}
	res.Added, res.Duplicates = ar.Added, ar.Duplicates
	return res, nil
}
