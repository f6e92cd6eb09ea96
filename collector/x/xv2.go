package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// Config is the 'sources: x:' section: X API v2 recent search. The bearer
// token comes from the environment through ${…} in the file; it is never
// logged (Config formats itself with the token redacted).
type Config struct {
	BearerToken string        `yaml:"bearer_token"` // app-only bearer token (paid API tiers)
	BaseURL     string        `yaml:"base_url"`     // default https://api.x.com; tests point it at a fake
	Every       time.Duration `yaml:"every"`        // poll interval, for the scheduler (default 1m)
	CountsEvery time.Duration `yaml:"counts_every"` // counts/recent interval; default and minimum 15m
	MaxResults  int           `yaml:"max_results"`  // tweets per request, 10–100 (default 100)
	Timeout     time.Duration `yaml:"timeout"`      // deadline of one request (default 30s)
	// MaxQueryLength is the longest search query the account's access
	// level takes, in characters (default 512, the self-serve tiers';
	// raise it if your plan allows longer queries).
	MaxQueryLength int `yaml:"max_query_length"`
}

// Defaults for Config.
const (
	DefaultXBaseURL     = "https://api.x.com"
	DefaultXEvery       = time.Minute
	DefaultXCountsEvery = 15 * time.Minute
	defaultHTTPTimeout  = 30 * time.Second
	maxResponseBytes    = 64 << 20

	// DefaultXMaxQueryLength is X API v2 recent search's query limit on
	// the self-serve tiers; TwitterV1MaxQueryLength is v1.1 standard
	// search's. Both count characters, operators included.
	DefaultXMaxQueryLength  = 512
	TwitterV1MaxQueryLength = 500
)

// String keeps the token out of %v and %+v.
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s Every:%s CountsEvery:%s MaxResults:%d Timeout:%s BearerToken:%s}",
		c.BaseURL, c.Every, c.CountsEvery, c.MaxResults, c.Timeout, redacted(c.BearerToken))
}

// GoString keeps the token out of %#v.
func (c Config) GoString() string { return "x.Config" + c.String() }

// LogValue keeps the token out of slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.Duration("every", c.Every),
		slog.String("bearer_token", redacted(c.BearerToken)))
}

func redacted(secret string) string {
	if secret == "" {
		return "(none)"
	}
	return "(redacted)"
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultXBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Every <= 0 {
		c.Every = DefaultXEvery
	}
	if c.CountsEvery < DefaultXCountsEvery {
		c.CountsEvery = DefaultXCountsEvery
	}
	if c.MaxResults <= 0 || c.MaxResults > 100 {
		c.MaxResults = 100
	}
	if c.MaxResults < 10 {
		c.MaxResults = 10
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultHTTPTimeout
	}
	if c.MaxQueryLength <= 0 {
		c.MaxQueryLength = DefaultXMaxQueryLength
	}
	return c
}

// CheckQuery is an error naming the campaign if Config's limit cannot take
// the search query for its hashtags, so that run stops before the platform
// answers every poll with a 400.
func (c Config) CheckQuery(campaign store.Campaign) error {
	return checkQuery(campaign, c.withDefaults().MaxQueryLength, "sources.x.max_query_length")
}

func checkQuery(campaign store.Campaign, limit int, limitKey string) error {
	q := Query(campaign.Hashtags)
	n := utf8.RuneCountInString(q)
	if n <= limit {
		return nil
	}
	head := q
	if r := []rune(q); len(r) > 40 {
		head = string(r[:40]) + "…"
	}
	more := ""
	if limitKey != "" {
		more = fmt.Sprintf(", or raise %s if your access level allows longer queries", limitKey)
	}
	return fmt.Errorf("campaign %q: its %d hashtags make a search query of %d characters (%s) and the platform takes at most %d: "+
		"drop hashtags or split the campaign%s", campaign.Name, len(campaign.Hashtags), n, head, limit, more)
}

// V2 polls X API v2 recent search for one campaign's hashtags. It is a
// collector.Poller; PollCounts records the platform's own hourly counts beside it.
type V2 struct {
	cfg      Config
	campaign store.Campaign
	client   *http.Client
	log      *slog.Logger
	query    string
	// Now is the clock; it can be replaced in tests.
	Now func() time.Time

	mu         sync.Mutex
	countsNext time.Time // PollCounts does nothing before this
}

// xv2Fields are the fields and expansions every search asks for.
var xv2Fields = url.Values{
	"expansions":   {"author_id,geo.place_id,referenced_tweets.id,referenced_tweets.id.author_id"},
	"tweet.fields": {"created_at,lang,public_metrics,referenced_tweets,entities,geo,conversation_id,note_tweet"},
	"user.fields":  {"location,public_metrics,username,name"},
	"place.fields": {"country_code,full_name,geo"},
}

// NewV2 returns the X API v2 poller for one campaign. httpClient may be nil
// (http.DefaultClient); every request also gets cfg.Timeout as a deadline.
func NewV2(cfg Config, campaign store.Campaign, httpClient *http.Client, logger *slog.Logger) *V2 {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	x := &V2{cfg: cfg.withDefaults(), campaign: campaign, client: httpClient, Now: time.Now}
	x.query = Query(campaign.Hashtags)
	x.log = logger.With("source", x.Name())
	return x
}

// Query is the search query for a campaign's hashtags: "#a OR #b".
// Retweets are kept: they count as reposts.
func Query(tags []string) string {
	parts := make([]string, 0, len(tags))
	for _, t := range tags {
		parts = append(parts, "#"+strings.TrimLeft(t, "#"))
	}
	return strings.Join(parts, " OR ")
}

// Name is "x:" and the campaign name; it keys the cursor.
func (x *V2) Name() string { return "x:" + x.campaign.Name }

// Every is the configured poll interval.
func (x *V2) Every() time.Duration { return x.cfg.Every }

// xv2Cursor is the poller's position. SinceID is the newest tweet fully
// caught up to. While paging back through a burst, NextToken is the page to
// fetch next and Newest the top of the burst, which becomes SinceID once the
// last page is in: a restart mid-burst resumes the same pages.
type xv2Cursor struct {
	SinceID   string `json:"since_id,omitempty"`
	NextToken string `json:"next_token,omitempty"`
	Newest    string `json:"newest,omitempty"`
}

// Poll fetches the next page of recent search. A page with a next_token
// left says More; the cursor holds that token so a crash resumes it.
func (x *V2) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	var cur xv2Cursor
	if len(cursor) > 0 {
		if err := json.Unmarshal(cursor, &cur); err != nil {
			// Start over rather than stall: the store drops what it already holds.
			x.log.Warn("unreadable cursor, searching from the start", "err", err)
			cur = xv2Cursor{}
		}
	}
	q := url.Values{"query": {x.query}, "max_results": {strconv.Itoa(x.cfg.MaxResults)}}
	for k, v := range xv2Fields {
		q[k] = v
	}
	if cur.SinceID != "" {
		q.Set("since_id", cur.SinceID)
	} else if st := x.startTime(); !st.IsZero() {
		q.Set("start_time", st.Format(time.RFC3339))
	}
	if cur.NextToken != "" {
		q.Set("next_token", cur.NextToken)
	}
	body, rl, status, err := x.get(ctx, "/2/tweets/search/recent", q)
	if err != nil {
		return collector.Page{RateLimit: rl}, err
	}
	if status == http.StatusBadRequest && cur.NextToken != "" {
		// An expired pagination token: search again from since_id. The
		// pages already stored come back as duplicates; nothing is missed.
		x.log.Warn("next_token refused, restarting the catch-up from since_id", "detail", problemDetail(body))
		c, _ := json.Marshal(xv2Cursor{SinceID: cur.SinceID})
		return collector.Page{Cursor: c, More: true, RateLimit: rl}, nil
	}
	if status == http.StatusBadRequest && cur.SinceID != "" && bytes.Contains(body, []byte("since_id")) {
		// since_id fell out of recent search's 7 days (tagpulse was down
		// longer than that): search the whole window again. What was
		// posted before it is out of reach; import an archive for it.
		x.log.Warn("since_id is older than recent search reaches, searching the last 7 days again", "since_id", cur.SinceID)
		c, _ := json.Marshal(xv2Cursor{})
		return collector.Page{Cursor: c, More: true, RateLimit: rl}, nil
	}
	if status != http.StatusOK {
		return collector.Page{RateLimit: rl}, fmt.Errorf("%s: search: HTTP %d%s", x.Name(), status, problemDetail(body))
	}
	res, err := parseV2Page(body, store.SourceX, x.Now())
	if err != nil {
		return collector.Page{RateLimit: rl}, fmt.Errorf("%s: search: %w", x.Name(), err)
	}
	if res.Partial > 0 {
		x.log.Debug("page carries partial errors", "errors", res.Partial)
	}
	page := collector.Page{Posts: res.Posts, Fetched: res.Fetched, RateLimit: rl}
	for _, e := range res.Bad {
		page.Malformed = append(page.Malformed, collector.Malformed{Where: x.Name() + " search/recent", Err: e})
	}
	newest := cur.Newest
	if cur.NextToken == "" {
		newest = res.Meta.NewestID
		for _, p := range res.Posts {
			if newest == "" || idLess(newest, p.ID) {
				newest = p.ID
			}
		}
	}
	next := xv2Cursor{SinceID: cur.SinceID}
	if res.Meta.NextToken != "" {
		next.NextToken, next.Newest = res.Meta.NextToken, newest
		page.More = true
	} else if newest != "" && (next.SinceID == "" || idLess(next.SinceID, newest)) {
		next.SinceID = newest
	}
	page.Cursor, _ = json.Marshal(next)
	return page, nil
}

// startTime is where a first search starts: the campaign's first day when
// that is inside recent search's 7 days, else (a first day further back or
// still to come, or none) the zero time: the API's default, 7 days back.
func (x *V2) startTime() time.Time {
	if x.campaign.From == "" {
		return time.Time{}
	}
	from, err := x.campaign.DayStart(x.campaign.From)
	if err != nil || !from.After(x.Now().Add(-7*24*time.Hour+time.Minute)) || from.After(x.Now()) {
		return time.Time{}
	}
	return from.UTC()
}

// PollCounts asks /2/tweets/counts/recent how many posts X holds for the
// campaign's query per hour over the last 7 days, and stores them as the
// campaign's platform counts for source "x" (store.PutPlatformCounts): the
// completeness figure compares them with the posts we hold. It sends at most
// one request per CountsEvery (15 minutes or more) and returns nil without a
// request before then, so the scheduler may call it after every Poll. A 429
// returns *collector.RateLimitedError and holds further calls until the
// reset.
func (x *V2) PollCounts(ctx context.Context, db *store.DB) error {
	now := x.Now()
	x.mu.Lock()
	due := !now.Before(x.countsNext)
	x.mu.Unlock()
	if !due {
		return nil
	}
	counts, status, err := x.counts(ctx)
	var rl *collector.RateLimitedError
	x.mu.Lock()
	switch {
	case errors.As(err, &rl):
		x.countsNext = rl.Until
	case err == nil, status >= 400 && status < 500:
		// A 4xx other than 429 (the tier has no counts, a bad token) will
		// not mend in a minute: ask again next interval. 5xx and time-outs
		// are tried again at the next call.
		x.countsNext = now.Add(x.cfg.CountsEvery)
	}
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if err := db.PutPlatformCounts(x.campaign.Name, store.SourceX, counts); err != nil {
		return fmt.Errorf("%s: counts: %w", x.Name(), err)
	}
	return nil
}

// Counts fetches the platform's hourly counts (hour start, UTC → posts) for
// the campaign's query. The oldest bucket starts mid-hour (7 days ago to the
// second) and is left out, as it would undercount its hour; the newest is the
// current hour so far and is overwritten by the next call.
func (x *V2) Counts(ctx context.Context) (map[time.Time]int64, error) {
	counts, _, err := x.counts(ctx)
	return counts, err
}

func (x *V2) counts(ctx context.Context) (map[time.Time]int64, int, error) {
	q := url.Values{"query": {x.query}, "granularity": {"hour"}}
	body, _, status, err := x.get(ctx, "/2/tweets/counts/recent", q)
	if err != nil {
		return nil, status, err
	}
	if status != http.StatusOK {
		return nil, status, fmt.Errorf("%s: counts: HTTP %d%s", x.Name(), status, problemDetail(body))
	}
	counts, err := parseV2Counts(body)
	return counts, status, err
}

// parseV2Counts reads a counts/recent response into hour → count.
func parseV2Counts(body []byte) (map[time.Time]int64, error) {
	var resp struct {
		Data []struct {
			Start      time.Time `json:"start"`
			End        time.Time `json:"end"`
			TweetCount int64     `json:"tweet_count"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("counts: %w", err)
	}
	out := make(map[time.Time]int64, len(resp.Data))
	for _, b := range resp.Data {
		h := b.Start.UTC().Truncate(time.Hour)
		if !b.Start.Equal(h) {
			continue // a partial first bucket
		}
		out[h] = b.TweetCount
	}
	return out, nil
}

// get sends one GET with the bearer token and a deadline, and reads the
// body. It returns an error for transport failures, time-outs, truncated
// bodies, 429 (as *collector.RateLimitedError) and 5xx; other statuses are the
// caller's to judge. Errors never carry the token.
func (x *V2) get(ctx context.Context, path string, q url.Values) ([]byte, *collector.RateLimit, int, error) {
	ctx, cancel := context.WithTimeout(ctx, x.cfg.Timeout)
	defer cancel()
	u := x.cfg.BaseURL + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", x.Name(), err)
	}
	req.Header.Set("Authorization", "Bearer "+x.cfg.BearerToken)
	req.Header.Set("User-Agent", "tagpulse")
	resp, err := x.client.Do(req)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %s: %w", x.Name(), path, err)
	}
	defer resp.Body.Close()
	rl := rateLimitFromHeaders(resp.Header)
	if resp.StatusCode == http.StatusTooManyRequests {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, rl, resp.StatusCode, &collector.RateLimitedError{Source: x.Name(), Until: retryUntil(resp.Header, rl, x.Now())}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, rl, resp.StatusCode, fmt.Errorf("%s: %s: read body: %w", x.Name(), path, err)
	}
	if resp.StatusCode >= 500 {
		return nil, rl, resp.StatusCode, fmt.Errorf("%s: %s: HTTP %d%s", x.Name(), path, resp.StatusCode, problemDetail(body))
	}
	return body, rl, resp.StatusCode, nil
}

// rateLimitFromHeaders reads X's x-rate-limit-limit/remaining/reset (reset
// in epoch seconds); nil when the response carried none.
func rateLimitFromHeaders(h http.Header) *collector.RateLimit {
	reset, err := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err != nil {
		return nil
	}
	rl := &collector.RateLimit{Reset: time.Unix(reset, 0).UTC()}
	rl.Limit, _ = strconv.Atoi(h.Get("x-rate-limit-limit"))
	rl.Remaining, _ = strconv.Atoi(h.Get("x-rate-limit-remaining"))
	return rl
}

// retryUntil is when a 429 says to come back: Retry-After (seconds or a
// date) when present, else x-rate-limit-reset, else 15 minutes (X's window).
func retryUntil(h http.Header, rl *collector.RateLimit, now time.Time) time.Time {
	if ra := h.Get("Retry-After"); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			return now.Add(time.Duration(s) * time.Second)
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t
		}
	}
	if rl != nil && !rl.Reset.IsZero() {
		return rl.Reset
	}
	return now.Add(15 * time.Minute)
}

// problemDetail is a short, safe description of an error body: the v2
// problem's title and detail, or v1.1's first error message.
func problemDetail(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	s := strings.TrimSpace(p.Title + " " + p.Detail)
	if s == "" && len(p.Errors) > 0 {
		s = p.Errors[0].Message
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return ""
	}
	return ": " + s
}
