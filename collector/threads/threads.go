// Package threads polls the Threads API's keyword and topic tag search for
// campaign hashtags: GET /keyword_search?q=…&search_type=RECENT with
// search_mode=TAG (Threads' topic tags, the default) or KEYWORD (the
// hashtag as a keyword, "#tag"), a since/until window and after-cursor
// paging.
//
// It needs a Threads user access token with the threads_basic and
// threads_keyword_search permissions (App Review; without approval the
// search sees only the token owner's own posts). A user may send 2,200
// queries in a rolling 24 hours, across all apps; a query that returns
// nothing does not count. The poller tracks the queries it sent in its
// cursor, per hour, so a restart remembers them, reports what is left as
// its rate limit, refuses to poll past the budget, and its Every() is
// raised so that polling every hashtag lasts the day.
//
// What Threads does not give through search: follower counts (reach is not
// available from Threads search), the author's stable ID (the owner field
// is excluded from search results, so authors are keyed by username, which
// a user can change), engagement (likes and replies are insights, visible
// to the owner only), and location.
//
// References (read 2026-12):
//   - https://developers.facebook.com/docs/threads/keyword-search
//   - https://developers.facebook.com/docs/threads/reference/media-retrieval
//   - https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
package threads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/collector/internal/meta"
	"github.com/tagpulse/tagpulse/store"
)

// Defaults and platform limits.
const (
	DefaultBaseURL = "https://graph.threads.net/v1.0"
	DefaultEvery   = 2 * time.Minute
	// DailyQueries is the documented keyword search budget of a user in a
	// rolling 24 hours.
	DailyQueries = 2200
	// budgetShare is the part of the budget pacing plans for; the rest is
	// headroom for catching up and restarts.
	budgetShare     = 0.9
	pageLimit       = 100
	defaultMaxPages = 5
	defaultTimeout  = 30 * time.Second
	defaultBackfill = 24 * time.Hour
	// overlap re-reads the end of the last window: search indexes posts
	// with a delay. The store drops what it already holds.
	overlap = 5 * time.Minute
	// minSince is the earliest since/until the API takes (2023-07-05).
	minSince = 1688540400
)

// Fields asked of every result. owner cannot be asked of search results.
const Fields = "id,text,media_type,permalink,timestamp,username,has_replies,is_quote_post,is_reply,topic_tag,replied_to,quoted_post,reposted_post"

// Search modes.
const (
	ModeTag     = "tag"
	ModeKeyword = "keyword"
)

// Config is the 'sources: threads:' section. The token comes from the
// environment (${TAGPULSE_THREADS_TOKEN}) and is never logged.
type Config struct {
	AccessToken string        `yaml:"access_token"` // threads_basic + threads_keyword_search
	BaseURL     string        `yaml:"base_url"`     // default DefaultBaseURL
	Every       time.Duration `yaml:"every"`        // poll interval (default 2m), raised to fit the budget
	SearchMode  string        `yaml:"search_mode"`  // tag (default) or keyword
	// DailyQueries lowers the 2,200 queries per 24 hours tagpulse allows
	// itself, to leave some to other apps of the same user.
	DailyQueries int           `yaml:"daily_queries"`
	MaxPages     int           `yaml:"max_pages"` // pages per hashtag per poll (default 5)
	Backfill     time.Duration `yaml:"backfill"`  // how far back a first search reaches (default 24h)
	Timeout      time.Duration `yaml:"timeout"`   // deadline of one request (default 30s)
}

// Validate reports a configuration Threads would refuse.
func (c Config) Validate() error {
	if c.AccessToken == "" {
		return errors.New("threads: access_token is required: set it from the environment, e.g. access_token: ${TAGPULSE_THREADS_TOKEN}")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("threads: base_url %q is not an http(s) URL", c.BaseURL)
		}
	}
	switch strings.ToLower(c.SearchMode) {
	case "", ModeTag, ModeKeyword:
	default:
		return fmt.Errorf("threads: search_mode %q: want tag or keyword", c.SearchMode)
	}
	if c.DailyQueries < 0 || c.DailyQueries > DailyQueries {
		return fmt.Errorf("threads: daily_queries %d: Threads allows 1 to %d queries per 24 hours", c.DailyQueries, DailyQueries)
	}
	if c.Every < 0 || c.Timeout < 0 || c.MaxPages < 0 || c.Backfill < 0 {
		return errors.New("threads: every, timeout, max_pages and backfill cannot be negative")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SearchMode = strings.ToLower(c.SearchMode)
	if c.SearchMode == "" {
		c.SearchMode = ModeTag
	}
	if c.Every <= 0 {
		c.Every = DefaultEvery
	}
	if c.DailyQueries <= 0 {
		c.DailyQueries = DailyQueries
	}
	if c.MaxPages <= 0 {
		c.MaxPages = defaultMaxPages
	}
	if c.Backfill <= 0 {
		c.Backfill = defaultBackfill
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	return c
}

// String keeps the token out of %v.
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s Every:%s SearchMode:%s AccessToken:%s}", c.BaseURL, c.Every, c.SearchMode, meta.Redacted(c.AccessToken))
}

// GoString keeps the token out of %#v.
func (c Config) GoString() string { return "threads.Config" + c.String() }

// LogValue keeps the token out of slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("access_token", meta.Redacted(c.AccessToken)))
}

// Poller searches Threads for every campaign hashtag with one user's
// budget. It is a collector.Poller.
type Poller struct {
	cfg    Config
	tags   []string
	client *http.Client
	log    *slog.Logger
	// Now is the clock; it can be replaced in tests.
	Now func() time.Time

	mu   sync.Mutex
	sent map[int64]int // queries sent this process per hour, beyond what the cursor held
}

// New returns the poller for the campaigns' hashtags (any spelling).
// httpClient nil means http.DefaultClient.
func New(cfg Config, tags []string, httpClient *http.Client, logger *slog.Logger) (*Poller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var uniq []string
	for _, t := range tags {
		if n := hashtag.Normalize(t); n != "" && !slices.Contains(uniq, n) {
			uniq = append(uniq, n)
		}
	}
	if len(uniq) == 0 {
		return nil, errors.New("threads: no hashtags to search")
	}
	if len(uniq) > cfg.DailyQueries {
		return nil, fmt.Errorf("threads: %d hashtags would spend more than the %d queries a day on one poll", len(uniq), cfg.DailyQueries)
	}
	slices.Sort(uniq)
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Poller{cfg: cfg, tags: uniq, client: httpClient, Now: time.Now, sent: map[int64]int{}}
	p.log = logger.With("source", p.Name())
	return p, nil
}

// Name is "threads": the budget is the token's user's, so one poller
// serves every campaign.
func (p *Poller) Name() string { return store.SourceThreads }

// Every is the poll interval: the configured one, raised so that one query
// per hashtag per poll fits in 90% of the daily budget.
func (p *Poller) Every() time.Duration {
	paced := time.Duration(float64(24*time.Hour) * float64(len(p.tags)) / (budgetShare * float64(p.cfg.DailyQueries)))
	return max(p.cfg.Every, paced.Round(time.Second))
}

// Cursor is the poller's state in the store.
type Cursor struct {
	Tags map[string]*TagState `json:"tags"`
	// Queries counts the queries that counted against the budget, by the
	// hour (Unix seconds) they were sent in; hours older than a day are dropped.
	Queries map[int64]int `json:"queries,omitempty"`
}

// TagState is one hashtag's search window. Since is where the next window
// starts; while paging back through a window, Until is its end and After
// the next page, so a restart resumes the same pages.
type TagState struct {
	Since int64  `json:"since"`
	Until int64  `json:"until,omitempty"`
	After string `json:"after,omitempty"`
}

// DecodeCursor reads a stored cursor; nil gives an empty one.
func DecodeCursor(b []byte) (Cursor, error) {
	c := Cursor{Tags: map[string]*TagState{}, Queries: map[int64]int{}}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c); err != nil {
			return Cursor{Tags: map[string]*TagState{}, Queries: map[int64]int{}}, err
		}
	}
	if c.Tags == nil {
		c.Tags = map[string]*TagState{}
	}
	if c.Queries == nil {
		c.Queries = map[int64]int{}
	}
	return c, nil
}

// Used is the number of queries that count against the budget at now: those
// sent in hours that began less than 25 hours ago (an hour's queries count
// until the whole hour has left the rolling 24 hours).
func (c Cursor) Used(now time.Time) int {
	n := 0
	for h, q := range c.Queries {
		if now.Sub(time.Unix(h, 0)) < 25*time.Hour {
			n += q
		}
	}
	return n
}

// freesAt is when the oldest counted hour leaves the window.
func (c Cursor) freesAt(now time.Time) time.Time {
	var t time.Time
	for h := range c.Queries {
		if e := time.Unix(h, 0).Add(25 * time.Hour); e.After(now) && (t.IsZero() || e.Before(t)) {
			t = e
		}
	}
	return t.UTC()
}

func (c Cursor) prune(now time.Time) {
	for h := range c.Queries {
		if now.Sub(time.Unix(h, 0)) >= 25*time.Hour {
			delete(c.Queries, h)
		}
	}
}

// Poll searches each hashtag's window. An error after some progress
// returns the progress with More set; before any, the error. A poll that
// the budget cannot pay for returns *collector.RateLimitedError until the
// oldest counted queries leave the 24 hours.
func (p *Poller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	now := p.Now()
	cur, err := DecodeCursor(cursor)
	if err != nil {
		p.log.Warn("unreadable cursor, searching the backfill window again", "err", err)
	}
	p.mu.Lock()
	for h, n := range p.sent {
		cur.Queries[h] = max(cur.Queries[h], n) // queries of failed polls this process
	}
	p.mu.Unlock()
	cur.prune(now)
	if used := cur.Used(now); used+len(p.tags) > p.cfg.DailyQueries {
		until := cur.freesAt(now)
		if until.IsZero() {
			until = now.Add(time.Hour)
		}
		p.log.Warn("query budget spent, waiting", "used", used, "budget", p.cfg.DailyQueries, "until", until)
		return collector.Page{RateLimit: p.budget(cur, now)}, &collector.RateLimitedError{Source: p.Name(), Until: until}
	}
	var page collector.Page
	progressed := false
	for _, tag := range p.tags {
		st := cur.Tags[tag]
		if st == nil {
			st = &TagState{Since: max(now.Add(-p.cfg.Backfill).Unix(), minSince)}
			cur.Tags[tag] = st
		}
		more, err := p.searchTag(ctx, tag, st, &cur, &page)
		if err != nil {
			if progressed {
				p.log.Warn("poll stopped early, keeping what came before", "err", err)
				page.More = true
				break
			}
			rl := page.RateLimit
			return collector.Page{RateLimit: rl}, err
		}
		progressed = true
		page.More = page.More || more
	}
	page.RateLimit = p.budget(cur, now)
	page.Cursor, _ = json.Marshal(cur)
	return page, nil
}

// budget is the query budget as the scheduler's rate-limit state.
func (p *Poller) budget(cur Cursor, now time.Time) *collector.RateLimit {
	return &collector.RateLimit{Limit: p.cfg.DailyQueries, Remaining: max(0, p.cfg.DailyQueries-cur.Used(now)), Reset: cur.freesAt(now)}
}

// searchPage is a keyword_search response.
type searchPage struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// searchTag pages through one hashtag's window, up to MaxPages; it reports
// whether pages remain.
func (p *Poller) searchTag(ctx context.Context, tag string, st *TagState, cur *Cursor, page *collector.Page) (bool, error) {
	now := p.Now()
	if st.After == "" || st.Until == 0 {
		st.Until, st.After = now.Unix(), ""
	}
	q := url.Values{"q": {tag}, "search_type": {"RECENT"}, "fields": {Fields}, "limit": {strconv.Itoa(pageLimit)}}
	if p.cfg.SearchMode == ModeTag {
		q.Set("search_mode", "TAG")
	} else {
		q.Set("q", "#"+tag)
		q.Set("search_mode", "KEYWORD")
	}
	for n := 0; n < p.cfg.MaxPages; n++ {
		if n > 0 && cur.Used(now) >= p.cfg.DailyQueries {
			return true, nil // the budget is spent: the rest of the window waits
		}
		q.Set("since", strconv.FormatInt(st.Since, 10))
		q.Set("until", strconv.FormatInt(st.Until, 10))
		q.Del("after")
		if st.After != "" {
			q.Set("after", st.After)
		}
		resp, err := meta.Get(ctx, p.client, p.cfg.BaseURL, "/keyword_search", q, p.cfg.AccessToken, p.cfg.Timeout)
		if err != nil {
			return false, fmt.Errorf("%s: %w", p.Name(), err)
		}
		if resp.Status != http.StatusOK {
			me := meta.ParseError(resp.Status, resp.Body)
			if me == nil {
				me = &meta.Error{Status: resp.Status, Message: strings.TrimSpace(string(resp.Body[:min(len(resp.Body), 200)]))}
			}
			switch {
			case me.RateLimited():
				return false, &collector.RateLimitedError{Source: p.Name(), Until: meta.RetryUntil(resp.Header, resp.Usage, p.Now())}
			case me.TokenInvalid():
				return false, fmt.Errorf("%s: the access token was refused (expired, revoked or wrong; renew it and restart): %w", p.Name(), me)
			case st.After != "" && resp.Status == http.StatusBadRequest:
				p.log.Warn("keyword_search refused the page cursor, searching the window again", "tag", tag, "err", me)
				st.After = ""
				return true, nil
			}
			return false, fmt.Errorf("%s: keyword_search #%s: %w", p.Name(), tag, me)
		}
		var sp searchPage
		if err := json.Unmarshal(resp.Body, &sp); err != nil {
			return false, fmt.Errorf("%s: keyword_search #%s: %w", p.Name(), tag, err)
		}
		if len(sp.Data) > 0 { // a query with no results does not count
			hour := now.Truncate(time.Hour).Unix()
			cur.Queries[hour]++
			p.mu.Lock()
			p.sent[hour] = cur.Queries[hour]
			p.mu.Unlock()
		}
		page.Fetched += len(sp.Data)
		for i, raw := range sp.Data {
			post, err := ParsePost(raw, p.tagOf(tag), now)
			if err != nil {
				page.Malformed = append(page.Malformed, collector.Malformed{Where: fmt.Sprintf("%s keyword_search #%s [%d]", p.Name(), tag, i), Err: err})
				continue
			}
			page.Posts = append(page.Posts, post)
		}
		if sp.Paging.Next == "" || sp.Paging.Cursors.After == "" || len(sp.Data) == 0 {
			st.Since = max(st.Until-int64(overlap/time.Second), st.Since)
			st.Until, st.After = 0, ""
			return false, nil
		}
		st.After = sp.Paging.Cursors.After
	}
	return true, nil
}

// tagOf is the hashtag a result is known to carry: the topic tag searched
// for in tag mode; none in keyword mode, where the text must show it.
func (p *Poller) tagOf(tag string) string {
	if p.cfg.SearchMode == ModeTag {
		return tag
	}
	return ""
}

// threadsMedia is a Threads media object as keyword_search returns it.
type threadsMedia struct {
	ID           string `json:"id"`
	Text         string `json:"text"`
	MediaType    string `json:"media_type"`
	Permalink    string `json:"permalink"`
	Timestamp    string `json:"timestamp"`
	Username     string `json:"username"`
	IsQuotePost  bool   `json:"is_quote_post"`
	IsReply      bool   `json:"is_reply"`
	TopicTag     string `json:"topic_tag"`
	RepliedTo    *ref   `json:"replied_to"`
	QuotedPost   *ref   `json:"quoted_post"`
	RepostedPost *ref   `json:"reposted_post"`
}

type ref struct {
	ID string `json:"id"`
}

// ParsePost maps one Threads media object to a post. tag, when not empty,
// is a hashtag the post is known to carry (the topic tag searched for).
func ParsePost(raw []byte, tag string, now time.Time) (store.Post, error) {
	var m threadsMedia
	if err := json.Unmarshal(raw, &m); err != nil {
		return store.Post{}, err
	}
	if m.ID == "" {
		return store.Post{}, errors.New("media without id")
	}
	if m.Username == "" {
		return store.Post{}, fmt.Errorf("media %s: no username (request fields=username)", m.ID)
	}
	if m.Timestamp == "" {
		return store.Post{}, fmt.Errorf("media %s: no timestamp (request fields=timestamp)", m.ID)
	}
	created, err := meta.Timestamp(m.Timestamp)
	if err != nil {
		return store.Post{}, fmt.Errorf("media %s: %w", m.ID, err)
	}
	p := store.Post{
		Platform:    store.PlatformThreads,
		ID:          m.ID,
		Source:      store.SourceThreads,
		Kind:        store.KindOriginal,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		URL:         m.Permalink,
		Text:        m.Text,
		Author:      store.Author{ID: m.Username, Handle: m.Username},
	}
	switch {
	case m.MediaType == "REPOST_FACADE" || m.RepostedPost != nil:
		p.Kind = store.KindRepost
		if m.RepostedPost != nil {
			p.RefID = m.RepostedPost.ID
		}
	case m.IsReply:
		p.Kind = store.KindReply
		if m.RepliedTo != nil {
			p.RefID = m.RepliedTo.ID
		}
	case m.IsQuotePost:
		p.Kind = store.KindQuote
		if m.QuotedPost != nil {
			p.RefID = m.QuotedPost.ID
		}
	}
	p.Hashtags = hashtag.Extract(m.Text)
	for _, t := range []string{m.TopicTag, tag} {
		if n := hashtag.Normalize(t); n != "" && !slices.Contains(p.Hashtags, n) {
			p.Hashtags = append(p.Hashtags, n)
		}
	}
	return p, nil
}

// NotAvailable is what Threads search does not give (see the package
// comment): follower counts, engagement and location. Follower counts exist
// behind another permission only (GET /profile_lookup with
// threads_profile_discovery, which needs App Review for anyone but Meta's
// own accounts, answers only for public profiles with at least 1,000
// followers, and allows 1,000 lookups per user in 24 hours); tagpulse does
// not use it yet.
func (p *Poller) NotAvailable() []string {
	return []string{store.NotAvailableFollowers, store.NotAvailableEngagement, store.NotAvailableLocation}
}

var _ collector.Poller = (*Poller)(nil)
