// Package youtube polls the YouTube Data API v3 for videos carrying
// campaign hashtags: search.list (q="#a|#b", type=video, order=date,
// publishedAfter/publishedBefore, paged by pageToken) finds them,
// videos.list adds their statistics (likes, comments) and full text, and
// channels.list their channels' subscriber counts, so reach works.
//
// It needs an API key of a Google Cloud project with the YouTube Data API
// enabled. The project's default quota is 10,000 units a day, reset at
// midnight Pacific time; search.list costs 100 units, videos.list and
// channels.list 1 each, so a page costs 102. The poller counts the units it
// spends in its cursor (a restart remembers them), spreads them over the
// day (its Every() and a token bucket refilled through the Pacific day),
// and on quotaExceeded waits until the quota resets. Google's quota page
// now also describes search.list as a bucket of its own, 100 calls a day:
// the default accounting (100 units of 10,000 per search) never exceeds
// that either.
//
// What YouTube does not give: the country of a video (the channel's
// self-declared country is used as the author's profile location), and
// subscriber counts a channel hides (reach counts those channels as 0).
// Search finds what YouTube has indexed, with a delay, so each window
// re-reads the hour before it.
//
// References (read 2026-12):
//   - https://developers.google.com/youtube/v3/docs/search/list
//   - https://developers.google.com/youtube/v3/docs/videos/list
//   - https://developers.google.com/youtube/v3/docs/channels/list
//   - https://developers.google.com/youtube/v3/determine_quota_cost
//   - https://developers.google.com/youtube/v3/docs/errors
package youtube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the quota's Pacific day, also on hosts without a zone database

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Defaults and platform figures.
const (
	DefaultBaseURL = "https://www.googleapis.com/youtube/v3"
	// DefaultMinEvery is the shortest poll interval when none is
	// configured, however large the quota.
	DefaultMinEvery = time.Minute
	// DailyUnits is a project's default daily quota.
	DailyUnits = 10000
	// Costs of the calls the poller makes, in quota units.
	SearchCost   = 100
	VideosCost   = 1
	ChannelsCost = 1

	maxResults      = 50
	defaultMaxPages = 3
	defaultTimeout  = 30 * time.Second
	defaultBackfill = 24 * time.Hour
	// overlap re-reads the end of the last window: search indexes videos
	// with a delay. The store drops what it already holds.
	overlap = time.Hour
	// burstPages is how many pages the token bucket holds: a little room
	// for the scheduler's jitter and for catching up.
	burstPages      = 3
	maxBody         = 16 << 20
	defaultWait429  = time.Minute
	maxQueryHashtag = 20 // hashtags per search query; more make more queries
)

// pacific is the zone YouTube's daily quota resets in.
var pacific = func() *time.Location {
	l, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return l
}()

// Config is the 'sources: youtube:' section. The key comes from the
// environment (${TAGPULSE_YOUTUBE_API_KEY}) and is never logged.
type Config struct {
	APIKey  string        `yaml:"api_key"`  // a Google Cloud API key with the YouTube Data API v3 enabled
	BaseURL string        `yaml:"base_url"` // default DefaultBaseURL
	Every   time.Duration `yaml:"every"`    // the shortest poll interval; raised to last the day
	// DailyUnits is the project's daily quota (default 10,000); lower it
	// to leave some to other uses of the same project.
	DailyUnits int `yaml:"daily_units"`
	// SearchCost is what a search.list call is charged (default 100).
	SearchCost int           `yaml:"search_cost"`
	MaxPages   int           `yaml:"max_pages"` // search pages per poll (default 3)
	Backfill   time.Duration `yaml:"backfill"`  // how far back a first search reaches (default 24h)
	Timeout    time.Duration `yaml:"timeout"`   // deadline of one request (default 30s)
}

// Validate reports a configuration YouTube would refuse.
func (c Config) Validate() error {
	if c.APIKey == "" {
		return errors.New("youtube: api_key is required: set it from the environment, e.g. api_key: ${TAGPULSE_YOUTUBE_API_KEY}")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("youtube: base_url %q is not an http(s) URL", c.BaseURL)
		}
	}
	if c.Every < 0 || c.Timeout < 0 || c.MaxPages < 0 || c.Backfill < 0 || c.DailyUnits < 0 || c.SearchCost < 0 {
		return errors.New("youtube: every, timeout, max_pages, backfill, daily_units and search_cost cannot be negative")
	}
	if c := c.withDefaults(); c.DailyUnits < c.pageCost() {
		return fmt.Errorf("youtube: daily_units %d does not pay for one search page (%d units)", c.DailyUnits, c.pageCost())
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.DailyUnits <= 0 {
		c.DailyUnits = DailyUnits
	}
	if c.SearchCost <= 0 {
		c.SearchCost = SearchCost
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

// pageCost is what one page of results costs: a search, the videos' and
// the channels' lookups.
func (c Config) pageCost() int { return c.SearchCost + VideosCost + ChannelsCost }

// String keeps the key out of %v.
func (c Config) String() string {
	return fmt.Sprintf("{BaseURL:%s Every:%s DailyUnits:%d APIKey:%s}", c.BaseURL, c.Every, c.DailyUnits, redacted(c.APIKey))
}

// GoString keeps the key out of %#v.
func (c Config) GoString() string { return "youtube.Config" + c.String() }

// LogValue keeps the key out of slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("api_key", redacted(c.APIKey)))
}

func redacted(s string) string {
	if s == "" {
		return "(none)"
	}
	return "(redacted)"
}

// Poller searches YouTube for the campaigns' hashtags within one project's
// quota. It is a collector.Poller.
type Poller struct {
	cfg     Config
	queries []string // "#a|#b|…", at most maxQueryHashtag hashtags each
	client  *http.Client
	log     *slog.Logger
	// Now is the clock; it can be replaced in tests.
	Now func() time.Time

	mu       sync.Mutex
	day      string // the quota day of spent
	spent    int    // units spent that day by this process, also in failed polls
	exceeded bool   // YouTube said quotaExceeded that day
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
		return nil, errors.New("youtube: no hashtags to search")
	}
	slices.Sort(uniq)
	p := &Poller{cfg: cfg, client: httpClient, Now: time.Now}
	for len(uniq) > 0 {
		n := min(len(uniq), maxQueryHashtag)
		parts := make([]string, n)
		for i, t := range uniq[:n] {
			parts[i] = "#" + t
		}
		p.queries = append(p.queries, strings.Join(parts, "|"))
		uniq = uniq[n:]
	}
	if p.client == nil {
		p.client = http.DefaultClient
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p.log = logger.With("source", p.Name())
	return p, nil
}

// Name is "youtube": the quota is the project's, so one poller serves
// every campaign.
func (p *Poller) Name() string { return store.SourceYouTube }

// Every is the poll interval that spends the daily quota evenly: one page
// per query per poll; at least the configured interval, or a minute when
// none is configured.
func (p *Poller) Every() time.Duration {
	paced := time.Duration(float64(24*time.Hour) * float64(p.cfg.pageCost()*len(p.queries)) / float64(p.cfg.DailyUnits))
	floor := p.cfg.Every
	if floor <= 0 {
		floor = DefaultMinEvery
	}
	return max(floor, paced.Round(time.Second))
}

// Cursor is the poller's state in the store. Per query: the window's start
// (PublishedAfter), and while paging back its end and the next page token,
// so a restart resumes the same pages. Day and Used are the quota spent on
// the Pacific day Day.
type Cursor struct {
	Queries map[string]*Window `json:"queries"`
	Day     string             `json:"quota_day,omitempty"`
	Used    int                `json:"quota_used,omitempty"`
}

// Window is one search query's position.
type Window struct {
	PublishedAfter  time.Time `json:"published_after"`
	PublishedBefore time.Time `json:"published_before,omitzero"`
	PageToken       string    `json:"page_token,omitempty"`
}

// DecodeCursor reads a stored cursor; nil gives an empty one.
func DecodeCursor(b []byte) (Cursor, error) {
	c := Cursor{Queries: map[string]*Window{}}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &c); err != nil {
			return Cursor{Queries: map[string]*Window{}}, err
		}
	}
	if c.Queries == nil {
		c.Queries = map[string]*Window{}
	}
	return c, nil
}

// QuotaDay is the Pacific day t falls in, and that day's start and end.
func QuotaDay(t time.Time) (day string, start, end time.Time) {
	pt := t.In(pacific)
	start = time.Date(pt.Year(), pt.Month(), pt.Day(), 0, 0, 0, 0, pacific)
	end = start.AddDate(0, 0, 1)
	return start.Format(time.DateOnly), start.UTC(), end.UTC()
}

// allowance is how many units may have been spent by now: the day's quota
// refilled evenly through the day, plus a few pages, capped at the quota.
func (p *Poller) allowance(now time.Time) int {
	_, start, end := QuotaDay(now)
	frac := float64(now.Sub(start)) / float64(end.Sub(start))
	return min(p.cfg.DailyUnits, int(frac*float64(p.cfg.DailyUnits))+burstPages*p.cfg.pageCost())
}

// affordableAt is when the allowance first covers used+cost.
func (p *Poller) affordableAt(now time.Time, used, cost int) time.Time {
	_, start, end := QuotaDay(now)
	if used+cost > p.cfg.DailyUnits {
		return end
	}
	need := used + cost - burstPages*p.cfg.pageCost()
	t := start.Add(time.Duration(float64(end.Sub(start)) * float64(need) / float64(p.cfg.DailyUnits)))
	if t.Before(now) {
		t = now
	}
	return t.Add(time.Second)
}

// quota is the spend as the scheduler's rate-limit state.
func (p *Poller) quota(cur *Cursor, now time.Time) *collector.RateLimit {
	_, _, end := QuotaDay(now)
	return &collector.RateLimit{Limit: p.cfg.DailyUnits, Remaining: max(0, p.cfg.DailyUnits-cur.Used), Reset: end}
}

// spend records units spent now in the cursor and in the process.
func (p *Poller) spend(cur *Cursor, units int) {
	cur.Used += units
	p.mu.Lock()
	if p.day == cur.Day {
		p.spent = max(p.spent, cur.Used)
	} else {
		p.day, p.spent, p.exceeded = cur.Day, cur.Used, false
	}
	p.mu.Unlock()
}

// Poll searches each query's window, a page at a time while the quota's
// pace allows, up to MaxPages. Before a page it cannot afford it returns
// what it has (More set), or, with nothing yet, *collector.RateLimitedError
// until the page is affordable (the next Pacific midnight when the day's
// quota is spent).
func (p *Poller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	now := p.Now()
	cur, err := DecodeCursor(cursor)
	if err != nil {
		p.log.Warn("unreadable cursor, searching the backfill window again", "err", err)
	}
	day, _, end := QuotaDay(now)
	if cur.Day != day {
		cur.Day, cur.Used = day, 0
	}
	p.mu.Lock()
	if p.day == day {
		cur.Used = max(cur.Used, p.spent) // units of failed polls
		if p.exceeded {
			p.mu.Unlock()
			return collector.Page{RateLimit: &collector.RateLimit{Limit: p.cfg.DailyUnits, Remaining: 0, Reset: end}},
				&collector.RateLimitedError{Source: p.Name(), Until: end}
		}
	}
	p.mu.Unlock()
	for q := range cur.Queries {
		if !slices.Contains(p.queries, q) {
			delete(cur.Queries, q)
		}
	}
	var page collector.Page
	progressed := false
	pages := 0
	for _, q := range p.queries {
		w := cur.Queries[q]
		if w == nil {
			w = &Window{PublishedAfter: now.Add(-p.cfg.Backfill).UTC().Truncate(time.Second)}
			cur.Queries[q] = w
		}
		for {
			if cost := p.cfg.pageCost(); cur.Used+cost > p.allowance(now) {
				until := p.affordableAt(now, cur.Used, cost)
				if !progressed {
					return collector.Page{RateLimit: p.quota(&cur, now)}, &collector.RateLimitedError{Source: p.Name(), Until: until}
				}
				page.More = true
				break
			}
			more, err := p.searchPage(ctx, q, w, &cur, &page)
			if err != nil {
				if progressed {
					p.log.Warn("poll stopped early, keeping what came before", "err", err)
					page.More = true
					break
				}
				return collector.Page{RateLimit: p.quota(&cur, now)}, err
			}
			progressed = true
			pages++
			if !more {
				break
			}
			if pages >= p.cfg.MaxPages {
				page.More = true
				break
			}
		}
		if pages >= p.cfg.MaxPages {
			break
		}
	}
	page.RateLimit = p.quota(&cur, now)
	page.Cursor, _ = json.Marshal(cur)
	return page, nil
}

// APIError is a Google API error answer:
//
//	{"error": {"code": 403, "message": "...", "errors": [{"message": "...",
//	 "domain": "youtube.quota", "reason": "quotaExceeded"}], "status": "..."}}
type APIError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Errors  []struct {
		Message string `json:"message"`
		Domain  string `json:"domain"`
		Reason  string `json:"reason"`
	} `json:"errors"`
	Details []struct {
		Reason string `json:"reason"`
	} `json:"details"`
}

// ParseError reads a Google API error body; nil when it holds none.
func ParseError(body []byte) *APIError {
	var env struct {
		Error *APIError `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return nil
	}
	if len(env.Error.Message) > 300 {
		env.Error.Message = env.Error.Message[:300] + "…"
	}
	return env.Error
}

// Reason is the first error's reason ("quotaExceeded", "invalidPageToken",
// "keyInvalid", …), or the first detail's ("API_KEY_INVALID").
func (e *APIError) Reason() string {
	for _, x := range e.Errors {
		if x.Reason != "" && x.Reason != "badRequest" {
			return x.Reason
		}
	}
	for _, d := range e.Details {
		if d.Reason != "" {
			return d.Reason
		}
	}
	if len(e.Errors) > 0 {
		return e.Errors[0].Reason
	}
	return ""
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.Code)
	if r := e.Reason(); r != "" {
		s += " " + r
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// keyRefused reports an API key that is not valid, expired or not allowed.
func (e *APIError) keyRefused() bool {
	switch e.Reason() {
	case "keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED", "accessNotConfigured", "SERVICE_DISABLED", "API_KEY_SERVICE_BLOCKED":
		return true
	}
	return strings.Contains(e.Message, "API key")
}

// get sends one GET with the key and reads the body; error answers come
// back as *APIError with the status.
func (p *Poller) get(ctx context.Context, path string, q url.Values) ([]byte, int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	q.Set("key", p.cfg.APIKey)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.BaseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tagpulse")
	resp, err := p.client.Do(req)
	if err != nil {
		// The URL carries the key: say only the path.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, nil, fmt.Errorf("%s: GET %s: %w", p.Name(), path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, resp.StatusCode, resp.Header, fmt.Errorf("%s: GET %s: read body: %w", p.Name(), path, err)
	}
	return body, resp.StatusCode, resp.Header, nil
}

// call sends one request and judges its answer: quota and rate limits as
// *collector.RateLimitedError, a refused key as a clear error. It returns
// the *APIError of other error answers for the caller to judge.
func (p *Poller) call(ctx context.Context, path string, q url.Values, cost int, cur *Cursor) ([]byte, *APIError, error) {
	body, status, h, err := p.get(ctx, path, q)
	if err != nil {
		return nil, nil, err
	}
	now := p.Now()
	if status == http.StatusOK {
		p.spend(cur, cost)
		return body, nil, nil
	}
	ae := ParseError(body)
	if ae == nil {
		ae = &APIError{Code: status, Message: strings.TrimSpace(string(body[:min(len(body), 200)]))}
	}
	switch r := ae.Reason(); {
	case r == "quotaExceeded" || r == "dailyLimitExceeded":
		_, _, end := QuotaDay(now)
		p.mu.Lock()
		p.day, p.exceeded = cur.Day, true
		p.spent = max(p.spent, cur.Used)
		p.mu.Unlock()
		p.log.Warn("daily quota exceeded, waiting for the reset at midnight Pacific time", "until", end)
		return nil, ae, &collector.RateLimitedError{Source: p.Name(), Until: end}
	case status == http.StatusTooManyRequests || r == "rateLimitExceeded" || r == "userRateLimitExceeded":
		p.spend(cur, 1)
		return nil, ae, &collector.RateLimitedError{Source: p.Name(), Until: retryAfter(h, now)}
	case ae.keyRefused():
		return nil, ae, fmt.Errorf("%s: the API key was refused (not valid, expired, or the YouTube Data API is not enabled for its project): %w", p.Name(), ae)
	}
	if status < 500 {
		p.spend(cur, 1) // invalid requests cost at least a unit
	}
	return nil, ae, nil
}

func retryAfter(h http.Header, now time.Time) time.Time {
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			return now.Add(time.Duration(s) * time.Second).UTC()
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t.UTC()
		}
	}
	return now.Add(defaultWait429).UTC()
}

type searchResponse struct {
	NextPageToken string `json:"nextPageToken"`
	Items         []struct {
		ID struct {
			Kind    string `json:"kind"`
			VideoID string `json:"videoId"`
		} `json:"id"`
	} `json:"items"`
}

// searchPage fetches one search page of query q and its videos and
// channels; it reports whether pages remain.
func (p *Poller) searchPage(ctx context.Context, q string, w *Window, cur *Cursor, page *collector.Page) (bool, error) {
	now := p.Now()
	if w.PageToken == "" {
		w.PublishedBefore = now.UTC().Truncate(time.Second)
	}
	v := url.Values{"part": {"snippet"}, "q": {q}, "type": {"video"}, "order": {"date"},
		"publishedAfter": {w.PublishedAfter.UTC().Format(time.RFC3339)}, "publishedBefore": {w.PublishedBefore.UTC().Format(time.RFC3339)},
		"maxResults": {strconv.Itoa(maxResults)}}
	if w.PageToken != "" {
		v.Set("pageToken", w.PageToken)
	}
	body, ae, err := p.call(ctx, "/search", v, p.cfg.SearchCost, cur)
	if err != nil {
		return false, err
	}
	if ae != nil {
		if w.PageToken != "" && ae.Reason() == "invalidPageToken" {
			p.log.Warn("search refused the page token, searching the window again", "query", q, "err", ae)
			w.PageToken = ""
			return true, nil
		}
		return false, fmt.Errorf("%s: search %s: %w", p.Name(), q, ae)
	}
	var sr searchResponse
	if err := json.Unmarshal(body, &sr); err != nil {
		return false, fmt.Errorf("%s: search: %w", p.Name(), err)
	}
	var ids []string
	for _, it := range sr.Items {
		if it.ID.VideoID != "" && !slices.Contains(ids, it.ID.VideoID) {
			ids = append(ids, it.ID.VideoID)
		}
	}
	page.Fetched += len(sr.Items)
	if len(ids) > 0 {
		posts, bad, err := p.videos(ctx, ids, cur)
		if err != nil {
			return false, err
		}
		page.Posts = append(page.Posts, posts...)
		page.Malformed = append(page.Malformed, bad...)
	}
	if sr.NextPageToken != "" && len(sr.Items) > 0 {
		w.PageToken = sr.NextPageToken
		return true, nil
	}
	if next := w.PublishedBefore.Add(-overlap); next.After(w.PublishedAfter) {
		w.PublishedAfter = next
	}
	w.PublishedBefore, w.PageToken = time.Time{}, ""
	return false, nil
}

type videosResponse struct {
	Items []json.RawMessage `json:"items"`
}

type video struct {
	ID      string `json:"id"`
	Snippet struct {
		PublishedAt          time.Time `json:"publishedAt"`
		ChannelID            string    `json:"channelId"`
		Title                string    `json:"title"`
		Description          string    `json:"description"`
		ChannelTitle         string    `json:"channelTitle"`
		DefaultLanguage      string    `json:"defaultLanguage"`
		DefaultAudioLanguage string    `json:"defaultAudioLanguage"`
	} `json:"snippet"`
	Statistics struct {
		LikeCount    string `json:"likeCount"`
		CommentCount string `json:"commentCount"`
	} `json:"statistics"`
}

// Channel is what a post takes from channels.list.
type Channel struct {
	ID          string
	Title       string
	Handle      string // customUrl without '@'
	Country     string
	Subscribers int64
}

type channelItem struct {
	ID      string `json:"id"`
	Snippet struct {
		Title     string `json:"title"`
		CustomURL string `json:"customUrl"`
		Country   string `json:"country"`
	} `json:"snippet"`
	Statistics struct {
		SubscriberCount       string `json:"subscriberCount"`
		HiddenSubscriberCount bool   `json:"hiddenSubscriberCount"`
	} `json:"statistics"`
}

// videos looks the videos and their channels up and maps them to posts.
func (p *Poller) videos(ctx context.Context, ids []string, cur *Cursor) ([]store.Post, []collector.Malformed, error) {
	body, ae, err := p.call(ctx, "/videos", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(ids, ",")}, "maxResults": {strconv.Itoa(maxResults)}}, VideosCost, cur)
	if err == nil && ae != nil {
		err = fmt.Errorf("%s: videos: %w", p.Name(), ae)
	}
	if err != nil {
		return nil, nil, err
	}
	var vr videosResponse
	if err := json.Unmarshal(body, &vr); err != nil {
		return nil, nil, fmt.Errorf("%s: videos: %w", p.Name(), err)
	}
	var vids []video
	var bad []collector.Malformed
	for i, raw := range vr.Items {
		var v video
		if err := json.Unmarshal(raw, &v); err != nil || v.ID == "" || v.Snippet.ChannelID == "" || v.Snippet.PublishedAt.IsZero() {
			if err == nil {
				err = errors.New("video without id, channelId or publishedAt")
			}
			bad = append(bad, collector.Malformed{Where: fmt.Sprintf("%s videos [%d]", p.Name(), i), Err: err})
			continue
		}
		vids = append(vids, v)
	}
	var chIDs []string
	for _, v := range vids {
		if !slices.Contains(chIDs, v.Snippet.ChannelID) {
			chIDs = append(chIDs, v.Snippet.ChannelID)
		}
	}
	channels := map[string]Channel{}
	if len(chIDs) > 0 {
		body, ae, err := p.call(ctx, "/channels", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(chIDs, ",")}, "maxResults": {strconv.Itoa(maxResults)}}, ChannelsCost, cur)
		if err == nil && ae != nil {
			err = fmt.Errorf("%s: channels: %w", p.Name(), ae)
		}
		if err != nil {
			return nil, nil, err
		}
		if channels, err = ParseChannels(body); err != nil {
			return nil, nil, fmt.Errorf("%s: channels: %w", p.Name(), err)
		}
	}
	now := p.Now()
	posts := make([]store.Post, 0, len(vids))
	for _, v := range vids {
		posts = append(posts, postOf(v, channels[v.Snippet.ChannelID], now))
	}
	return posts, bad, nil
}

// ParseChannels reads a channels.list response, by channel ID.
func ParseChannels(body []byte) (map[string]Channel, error) {
	var cr struct {
		Items []channelItem `json:"items"`
	}
	if err := json.Unmarshal(body, &cr); err != nil {
		return nil, err
	}
	out := map[string]Channel{}
	for _, it := range cr.Items {
		c := Channel{ID: it.ID, Title: it.Snippet.Title, Handle: strings.TrimPrefix(it.Snippet.CustomURL, "@"), Country: it.Snippet.Country}
		if !it.Statistics.HiddenSubscriberCount {
			c.Subscribers, _ = strconv.ParseInt(it.Statistics.SubscriberCount, 10, 64)
		}
		out[it.ID] = c
	}
	return out, nil
}

// ParseVideo maps one videos.list item with its channel (zero when
// unknown) to a post.
func ParseVideo(raw []byte, ch Channel, now time.Time) (store.Post, error) {
	var v video
	if err := json.Unmarshal(raw, &v); err != nil {
		return store.Post{}, err
	}
	if v.ID == "" || v.Snippet.ChannelID == "" || v.Snippet.PublishedAt.IsZero() {
		return store.Post{}, errors.New("video without id, channelId or publishedAt")
	}
	return postOf(v, ch, now), nil
}

func postOf(v video, ch Channel, now time.Time) store.Post {
	text := v.Snippet.Title
	if v.Snippet.Description != "" {
		text += "\n\n" + v.Snippet.Description
	}
	lang := v.Snippet.DefaultAudioLanguage
	if lang == "" {
		lang = v.Snippet.DefaultLanguage
	}
	p := store.Post{
		Platform:    store.PlatformYouTube,
		ID:          v.ID,
		Source:      store.SourceYouTube,
		Kind:        store.KindOriginal,
		CreatedAt:   v.Snippet.PublishedAt.UTC(),
		CollectedAt: now.UTC(),
		URL:         "https://www.youtube.com/watch?v=" + url.QueryEscape(v.ID),
		Text:        text,
		Lang:        lang,
		Hashtags:    hashtag.Extract(text),
		Author:      store.Author{ID: v.Snippet.ChannelID, Name: v.Snippet.ChannelTitle, Handle: ch.Handle, Followers: store.ClampFollowers(ch.Subscribers)},
	}
	if ch.Title != "" {
		p.Author.Name = ch.Title
	}
	p.Signals.ProfileLocation = ch.Country
	likes, _ := strconv.ParseInt(v.Statistics.LikeCount, 10, 64)
	comments, _ := strconv.ParseInt(v.Statistics.CommentCount, 10, 64)
	p.Engagement = likes + comments
	return p
}

var _ collector.Poller = (*Poller)(nil)
