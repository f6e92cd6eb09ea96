//lint:file-ignore SA1019 go-twitter is the dependency the project names for v1.1; it is deprecated upstream and contained in this package

package x

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dghubble/go-twitter/twitter"
	"github.com/dghubble/oauth1"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// TwitterV1Config is the 'sources: twitter:' section: Twitter API v1.1
// search/tweets, for accounts that still have legacy or enterprise access.
// Either the four OAuth 1.0a user-context keys or an app-only bearer token.
// Secrets come from the environment through ${…}; the config formats itself
// with them redacted.
type TwitterV1Config struct {
	ConsumerKey    string        `yaml:"consumer_key"`
	ConsumerSecret string        `yaml:"consumer_secret"`
	AccessToken    string        `yaml:"access_token"`
	AccessSecret   string        `yaml:"access_secret"`
	BearerToken    string        `yaml:"bearer_token"` // app-only auth, instead of the four keys
	BaseURL        string        `yaml:"base_url"`     // default https://api.twitter.com (…/1.1/ is appended)
	Every          time.Duration `yaml:"every"`        // poll interval, for the scheduler (default 1m)
	Count          int           `yaml:"count"`        // tweets per request, up to 100 (default 100)
	Timeout        time.Duration `yaml:"timeout"`      // deadline of one request (default 30s)
}

// DefaultTwitterV1BaseURL is where go-twitter sends requests; BaseURL
// replaces it.
const DefaultTwitterV1BaseURL = "https://api.twitter.com"

// goTwitterBase is go-twitter's hard-coded API root.
const goTwitterBase = "https://api.twitter.com/1.1/"

// String keeps the secrets out of %v and %+v.
func (c TwitterV1Config) String() string {
	return fmt.Sprintf("{BaseURL:%s Every:%s Count:%d Timeout:%s ConsumerKey:%s ConsumerSecret:%s AccessToken:%s AccessSecret:%s BearerToken:%s}",
		c.BaseURL, c.Every, c.Count, c.Timeout, redacted(c.ConsumerKey), redacted(c.ConsumerSecret),
		redacted(c.AccessToken), redacted(c.AccessSecret), redacted(c.BearerToken))
}

// GoString keeps the secrets out of %#v.
func (c TwitterV1Config) GoString() string { return "x.TwitterV1Config" + c.String() }

// LogValue keeps the secrets out of slog.
func (c TwitterV1Config) LogValue() slog.Value {
	auth := "none"
	switch {
	case c.ConsumerKey != "":
		auth = "oauth1"
	case c.BearerToken != "":
		auth = "bearer"
	}
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.Duration("every", c.Every), slog.String("auth", auth))
}

// CheckQuery is an error naming the campaign if v1.1 search cannot take the
// query for its hashtags (500 characters at most).
func (c TwitterV1Config) CheckQuery(campaign store.Campaign) error {
	return checkQuery(campaign, TwitterV1MaxQueryLength, "")
}

func (c TwitterV1Config) withDefaults() TwitterV1Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultTwitterV1BaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Every <= 0 {
		c.Every = DefaultXEvery
	}
	if c.Count <= 0 || c.Count > 100 {
		c.Count = 100
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultHTTPTimeout
	}
	return c
}

// TwitterV1 polls Twitter v1.1 search/tweets for one campaign through
// github.com/dghubble/go-twitter. Posts are platform and source "x": a tweet
// is the same post whichever API brought it.
type TwitterV1 struct {
	cfg      TwitterV1Config
	campaign store.Campaign
	log      *slog.Logger
	query    string
	auth     http.RoundTripper // signs (OAuth1) or not; bearer is added by v1Transport
	timeout  time.Duration
	// Now is the clock; it can be replaced in tests.
	Now func() time.Time
}

// NewTwitterV1 returns the v1.1 poller for one campaign. httpClient may be
// nil; its Transport carries the requests.
func NewTwitterV1(cfg TwitterV1Config, campaign store.Campaign, httpClient *http.Client, logger *slog.Logger) *TwitterV1 {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	base := http.DefaultTransport
	if httpClient != nil && httpClient.Transport != nil {
		base = httpClient.Transport
	}
	v := &TwitterV1{cfg: cfg, campaign: campaign, query: Query(campaign.Hashtags), auth: base, timeout: cfg.Timeout, Now: time.Now}
	if cfg.ConsumerKey != "" {
		ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: base})
		v.auth = oauth1.NewConfig(cfg.ConsumerKey, cfg.ConsumerSecret).
			Client(ctx, oauth1.NewToken(cfg.AccessToken, cfg.AccessSecret)).Transport
	}
	v.log = logger.With("source", v.Name())
	return v
}

// Name is "twitter:" and the campaign name; it keys the cursor.
func (v *TwitterV1) Name() string { return "twitter:" + v.campaign.Name }

// Every is the configured poll interval.
func (v *TwitterV1) Every() time.Duration { return v.cfg.Every }

// v1Cursor is the poller's position: SinceID is the newest tweet caught up
// to; while paging down through a burst MaxID is the next request's max_id
// and Newest the top of the burst, which becomes SinceID at its bottom.
type v1Cursor struct {
	SinceID string `json:"since_id,omitempty"`
	MaxID   string `json:"max_id,omitempty"`
	Newest  string `json:"newest,omitempty"`
}

// Poll fetches the next page of search/tweets.
func (v *TwitterV1) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	cur := v.readCursor(cursor)
	ctx, cancel := context.WithTimeout(ctx, v.timeout)
	defer cancel()
	search, resp, body, err := v.search(ctx, cur)
	var rl *collector.RateLimit
	if resp != nil {
		rl = rateLimitFromHeaders(resp.Header)
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			return collector.Page{RateLimit: rl}, &collector.RateLimitedError{Source: v.Name(), Until: retryUntil(resp.Header, rl, v.Now())}
		case resp.StatusCode != http.StatusOK:
			return collector.Page{RateLimit: rl}, fmt.Errorf("%s: search/tweets: HTTP %d%s", v.Name(), resp.StatusCode, problemDetail(body))
		}
	}
	if err != nil && (resp == nil || !json.Valid(body)) {
		// No answer, a time-out, or a body cut short.
		return collector.Page{RateLimit: rl}, fmt.Errorf("%s: search/tweets: %w", v.Name(), err)
	}
	page := collector.Page{RateLimit: rl}
	meta, err := v.statuses(search, body, err, &page)
	if err != nil {
		return collector.Page{RateLimit: rl}, fmt.Errorf("%s: search/tweets: %w", v.Name(), err)
	}
	v.advance(cur, meta, &page)
	return page, nil
}

// readCursor decodes the poller's cursor; an unreadable one is logged and
// searching starts from the beginning.
func (v *TwitterV1) readCursor(cursor []byte) v1Cursor {
	var cur v1Cursor
	if len(cursor) > 0 {
		if err := json.Unmarshal(cursor, &cur); err != nil {
			v.log.Warn("unreadable cursor, searching from the start", "err", err)
			cur = v1Cursor{}
		}
	}
	return cur
}

// search asks search/tweets for the page after cur through go-twitter. It
// returns go-twitter's answer, the response (nil when none came) and the
// body as far as it was read, which is still there when go-twitter could
// not decode it.
func (v *TwitterV1) search(ctx context.Context, cur v1Cursor) (*twitter.Search, *http.Response, []byte, error) {
	tr := &v1Transport{ctx: ctx, base: v.cfg.BaseURL + "/1.1/", next: v.auth}
	if v.cfg.ConsumerKey == "" { // OAuth1 signs when configured; else app-only
		tr.bearer = v.cfg.BearerToken
	}
	client := twitter.NewClient(&http.Client{Transport: tr})
	params := &twitter.SearchTweetParams{
		Query:      v.query,
		Count:      v.cfg.Count,
		TweetMode:  "extended",
		ResultType: "recent",
	}
	params.SinceID, _ = strconv.ParseInt(cur.SinceID, 10, 64)
	params.MaxID, _ = strconv.ParseInt(cur.MaxID, 10, 64)
	search, resp, err := client.Search.Tweets(params)
	return search, resp, tr.body(), err
}

// statuses turns a search response's statuses into page's posts, counting
// the ones that cannot be parsed as malformed, and returns its
// search_metadata (nil when it has none). typeErr is go-twitter's error
// decoding body, which is whole JSON: some status in it is malformed, so
// body is parsed status by status and the rest are kept.
func (v *TwitterV1) statuses(search *twitter.Search, body []byte, typeErr error, page *collector.Page) (*twitter.SearchMetadata, error) {
	now := v.Now()
	where := v.Name() + " search/tweets"
	if typeErr == nil {
		page.Fetched = len(search.Statuses)
		for i := range search.Statuses {
			p, perr := postFromTweetV1(&search.Statuses[i], store.SourceX, now, nil)
			if perr != nil {
				page.Malformed = append(page.Malformed, collector.Malformed{Where: where, Err: fmt.Errorf("statuses[%d]: %w", i, perr)})
				continue
			}
			page.Posts = append(page.Posts, p)
		}
		return search.Metadata, nil
	}
	var raw struct {
		Statuses []json.RawMessage `json:"statuses"`
		Metadata json.RawMessage   `json:"search_metadata"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	meta := new(twitter.SearchMetadata)
	if json.Unmarshal(raw.Metadata, meta) != nil {
		meta = nil
	}
	page.Fetched = len(raw.Statuses)
	for i, s := range raw.Statuses {
		p, perr := ParseTweetV1(s, store.SourceX, now)
		if perr != nil {
			page.Malformed = append(page.Malformed, collector.Malformed{Where: where, Err: fmt.Errorf("statuses[%d]: %w", i, perr)})
			continue
		}
		page.Posts = append(page.Posts, p)
	}
	return meta, nil
}

// advance sets page's cursor and More. While there is more below the page
// it pages down through the burst with max_id under its oldest tweet,
// keeping the burst's newest; at its bottom SinceID moves up to the newest
// tweet seen.
func (v *TwitterV1) advance(cur v1Cursor, meta *twitter.SearchMetadata, page *collector.Page) {
	var newest, oldest string
	for _, p := range page.Posts {
		if newest == "" || idLess(newest, p.ID) {
			newest = p.ID
		}
		if oldest == "" || idLess(p.ID, oldest) {
			oldest = p.ID
		}
	}
	if cur.MaxID != "" {
		newest = cur.Newest
	}
	// More below this page: search_metadata.next_results says so; without
	// metadata, a full page is taken to mean more.
	more := oldest != "" && page.Fetched > 0
	if meta != nil {
		more = more && meta.NextResults != ""
	} else {
		more = more && page.Fetched >= v.cfg.Count
	}
	next := v1Cursor{SinceID: cur.SinceID}
	if more {
		o, _ := strconv.ParseUint(oldest, 10, 64)
		next.MaxID, next.Newest = strconv.FormatUint(o-1, 10), newest
		page.More = true
	} else if newest != "" && (next.SinceID == "" || idLess(next.SinceID, newest)) {
		next.SinceID = newest
	}
	page.Cursor, _ = json.Marshal(next)
}

// v1Transport points go-twitter at BaseURL (it hard-codes
// https://api.twitter.com/1.1/), binds each request to the poll's context
// (go-twitter takes none), adds an app-only bearer token when configured,
// and keeps a copy of the response body so a page go-twitter cannot decode
// can still be read status by status.
type v1Transport struct {
	ctx    context.Context
	base   string // replaces goTwitterBase
	next   http.RoundTripper
	bearer string

	mu  sync.Mutex
	buf *bytes.Buffer
}

func (t *v1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(t.ctx)
	if s := req.URL.String(); strings.HasPrefix(s, goTwitterBase) {
		u, err := url.Parse(t.base + strings.TrimPrefix(s, goTwitterBase))
		if err != nil {
			return nil, err
		}
		r.URL, r.Host = u, u.Host
	}
	if t.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+t.bearer)
	}
	r.Header.Set("User-Agent", "tagpulse")
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	buf := new(bytes.Buffer)
	t.mu.Lock()
	t.buf = buf
	t.mu.Unlock()
	resp.Body = &teeBody{r: io.TeeReader(io.LimitReader(resp.Body, maxResponseBytes), buf), c: resp.Body}
	return resp, nil
}

// body is what was read of the last response's body.
func (t *v1Transport) body() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buf == nil {
		return nil
	}
	return t.buf.Bytes()
}

type teeBody struct {
	r io.Reader
	c io.Closer
}

func (b *teeBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b *teeBody) Close() error               { return b.c.Close() }

var _ http.RoundTripper = (*v1Transport)(nil)
