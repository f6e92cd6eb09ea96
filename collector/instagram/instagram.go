// Package instagram polls Instagram's hashtag search for campaign hashtags:
// the Instagram Graph API (Instagram API with Facebook Login) resolves each
// hashtag to its node with GET /ig_hashtag_search?user_id=…&q=…, then lists
// the media published with it in the last 24 hours with
// GET /{hashtag-id}/recent_media?user_id=…&fields=…, paged by an after cursor.
//
// It needs an Instagram professional (Business or Creator) account's user
// ID and a user access token for it, with the instagram_basic permission
// and the Instagram Public Content Access feature (App Review). The account
// may query at most 30 distinct hashtags in a rolling 7 days: the poller
// counts the hashtags it queried in its cursor (so a restart remembers),
// adds those Meta lists under recently_searched_hashtags, and refuses a
// hashtag beyond the limit with a message saying when a slot frees.
//
// What Instagram does not give: the author of a media object (username and
// owner cannot be requested on hashtag media), so Instagram posts have no
// author (store.Author with an empty ID): participants and reach are not
// available from Instagram. No location either. Engagement is
// like_count + comments_count (like_count is left out where the owner hid it).
//
// References (read 2026-12):
//   - https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/hashtag-search
//   - https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-hashtag/recent-media
//   - https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-hashtag
//   - https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
package instagram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
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
	DefaultBaseURL = "https://graph.facebook.com/v24.0"
	DefaultEvery   = 5 * time.Minute
	// HashtagLimit is Instagram's limit of distinct hashtags an account
	// may query in a rolling HashtagWindow.
	HashtagLimit  = 30
	HashtagWindow = 7 * 24 * time.Hour
	// relistEvery is how often, at the limit, Meta's list of the
	// account's searched hashtags is read again.
	relistEvery = time.Hour
	// pageLimit is recent_media's largest page.
	pageLimit       = 50
	defaultMaxPages = 10
	defaultTimeout  = 30 * time.Second
	// seenSlack: recent_media is "not always in chronological order", so
	// paging stops only at a page wholly older than the newest media seen
	// by this much.
	seenSlack = time.Hour
)

// Fields asked of every media object.
const Fields = "id,caption,media_type,permalink,timestamp,like_count,comments_count"

// Config is the 'sources: instagram:' section. The token comes from the
// environment (${TAGPULSE_INSTAGRAM_TOKEN} in the file) and is never logged.
type Config struct {
	UserID      string        `yaml:"user_id"`      // the professional account's Instagram user ID
	AccessToken string        `yaml:"access_token"` // user access token (instagram_basic, Public Content Access)
	BaseURL     string        `yaml:"base_url"`     // default DefaultBaseURL (versioned); tests point it at a fake
	Every       time.Duration `yaml:"every"`        // poll interval (default 5m)
	MaxPages    int           `yaml:"max_pages"`    // recent_media pages per hashtag per poll (default 10, 500 media)
	Timeout     time.Duration `yaml:"timeout"`      // deadline of one request (default 30s)
	// HashtagLimit lowers the 30 distinct hashtags per 7 days tagpulse
	// allows itself, to leave some to other tools using the same account.
	HashtagLimit int `yaml:"hashtag_limit"`
}

var numericRE = regexp.MustCompile(`^[0-9]+$`)

// Validate reports a configuration Instagram would refuse.
func (c Config) Validate() error {
	if c.UserID == "" {
		return errors.New("instagram: user_id is required (the Instagram professional account's user ID)")
	}
	if !numericRE.MatchString(c.UserID) {
		return fmt.Errorf("instagram: user_id %q is not an Instagram user ID (digits only)", c.UserID)
	}
	if c.AccessToken == "" {
		return errors.New("instagram: access_token is required: set it from the environment, e.g. access_token: ${TAGPULSE_INSTAGRAM_TOKEN}")
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("instagram: base_url %q is not an http(s) URL", c.BaseURL)
		}
	}
	if c.Every < 0 || c.Timeout < 0 || c.MaxPages < 0 {
		return errors.New("instagram: every, timeout and max_pages cannot be negative")
	}
	if c.HashtagLimit < 0 || c.HashtagLimit > HashtagLimit {
		return fmt.Errorf("instagram: hashtag_limit %d: Instagram allows 1 to %d distinct hashtags per 7 days", c.HashtagLimit, HashtagLimit)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Every <= 0 {
		c.Every = DefaultEvery
	}
	if c.MaxPages <= 0 {
		c.MaxPages = defaultMaxPages
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.HashtagLimit <= 0 {
		c.HashtagLimit = HashtagLimit
	}
	return c
}

// String keeps the token out of %v.
func (c Config) String() string {
	return fmt.Sprintf("{UserID:%s BaseURL:%s Every:%s AccessToken:%s}", c.UserID, c.BaseURL, c.Every, meta.Redacted(c.AccessToken))
}

// GoString keeps the token out of %#v.
func (c Config) GoString() string { return "instagram.Config" + c.String() }

// LogValue keeps the token out of slog.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("user_id", c.UserID), slog.String("base_url", c.BaseURL),
		slog.String("access_token", meta.Redacted(c.AccessToken)))
}

// Poller polls recent_media of every campaign hashtag for one account. It
// is a collector.Poller.
type Poller struct {
	cfg    Config
	tags   []string
	client *http.Client
	log    *slog.Logger
	// Now is the clock; it can be replaced in tests.
	Now func() time.Time

	mu         sync.Mutex
	reconciled bool
	readAt     time.Time       // when Meta's list was last read
	platform   map[string]bool // hashtag IDs Meta lists as searched this week
	refused    []string
	warning    string // the last poll's LimitError, while hashtags are refused
}

// New returns the poller for the account in cfg and the campaigns'
// hashtags (any spelling; they are normalised). It refuses more distinct
// hashtags than the account may query in 7 days. httpClient nil means
// http.DefaultClient.
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
		return nil, errors.New("instagram: no hashtags to search")
	}
	if len(uniq) > cfg.HashtagLimit {
		return nil, fmt.Errorf("instagram: the campaigns have %d distinct hashtags, and an Instagram account may query at most %d in 7 days: "+
			"drop %d of them from the campaigns, or leave Instagram out", len(uniq), cfg.HashtagLimit, len(uniq)-cfg.HashtagLimit)
	}
	slices.Sort(uniq)
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p := &Poller{cfg: cfg, tags: uniq, client: httpClient, Now: time.Now}
	p.log = logger.With("source", p.Name())
	return p, nil
}

// Name is "instagram:" and the account's user ID: the hashtag limit is the
// account's, so one poller serves every campaign.
func (p *Poller) Name() string { return store.SourceInstagram + ":" + p.cfg.UserID }

// Every is the configured poll interval.
func (p *Poller) Every() time.Duration { return p.cfg.Every }

// Refused returns the hashtags the last poll did not query because the
// account's 7-day hashtag limit was reached.
func (p *Poller) Refused() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.refused)
}

// Warnings says, for the health view, which hashtags the last poll refused
// past the account's 7-day limit, how many count and when a slot frees;
// none when every hashtag was searched.
func (p *Poller) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.warning == "" {
		return nil
	}
	return []string{p.warning}
}

// NotAvailable is what Instagram's hashtag search does not give: the
// media's owner, so no authors and no follower counts, and no location.
func (p *Poller) NotAvailable() []string {
	return []string{store.NotAvailableAuthors, store.NotAvailableFollowers, store.NotAvailableLocation}
}

// Cursor is the poller's state in the store. Tags holds, for every hashtag
// queried in the last 7 days (also ones no campaign uses any more: they
// still count against the limit), its node ID and when it was first queried.
type Cursor struct {
	Tags map[string]*TagState `json:"tags"`
}

// TagState is one hashtag's part of the cursor.
type TagState struct {
	ID           string    `json:"id"`            // the hashtag's node ID (static)
	FirstQueried time.Time `json:"first_queried"` // counts against the limit for 7 days from here
	// Floor is the newest media of the last finished sweep (first page to
	// the media stored before): a later sweep stops at a page wholly older.
	Floor time.Time `json:"floor,omitzero"`
	// Top is the newest media of the sweep under way; Floor once it ends.
	Top   time.Time `json:"top,omitzero"`
	After string    `json:"after,omitempty"` // the next recent_media page while sweeping
}

// active reports whether the hashtag still counts against the limit.
func (s *TagState) active(now time.Time) bool {
	return s != nil && s.ID != "" && now.Sub(s.FirstQueried) < HashtagWindow
}

// DecodeCursor reads a stored cursor; nil or unreadable gives an empty one.
func DecodeCursor(b []byte) (Cursor, error) {
	c := Cursor{Tags: map[string]*TagState{}}
	if len(b) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Cursor{Tags: map[string]*TagState{}}, err
	}
	if c.Tags == nil {
		c.Tags = map[string]*TagState{}
	}
	return c, nil
}

// Queried is how many distinct hashtags count against the limit at now:
// those in the cursor queried in the last 7 days, and those Meta listed
// that the cursor does not know.
func (c Cursor) Queried(now time.Time, platform map[string]bool) int {
	ids := map[string]bool{}
	for _, s := range c.Tags {
		if s.active(now) {
			ids[s.ID] = true
		}
	}
	for id := range platform {
		ids[id] = true
	}
	return len(ids)
}

// nextSlot is when the oldest hashtag in the cursor stops counting.
func (c Cursor) nextSlot(now time.Time) time.Time {
	var t time.Time
	for _, s := range c.Tags {
		if s.active(now) {
			if e := s.FirstQueried.Add(HashtagWindow); t.IsZero() || e.Before(t) {
				t = e
			}
		}
	}
	return t
}

// Poll queries every campaign hashtag's recent media. A hashtag the account
// has not queried in 7 days is resolved first, if the limit allows. An
// error after some progress returns the progress with More set; an error
// before any returns the error (throttling as *collector.RateLimitedError).
func (p *Poller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	now := p.Now()
	cur, err := DecodeCursor(cursor)
	if err != nil {
		// The hashtags queried are lost with it; Meta's own list (read
		// below) still counts them.
		p.log.Warn("unreadable cursor, starting over", "err", err)
	}
	var page collector.Page
	p.mu.Lock()
	reconciled := p.reconciled
	p.mu.Unlock()
	if !reconciled {
		ids, err := p.recentlySearched(ctx, &page)
		if err != nil {
			return collector.Page{RateLimit: page.RateLimit}, err
		}
		p.mu.Lock()
		p.platform, p.reconciled, p.readAt = ids, true, now
		p.mu.Unlock()
	}
	p.mu.Lock()
	platform, readAt := p.platform, p.readAt
	p.mu.Unlock()
	// At the limit, Meta's list is read again (at most hourly): hashtags
	// other tools searched leave it after their 7 days, and only Meta knows
	// when. A failed re-read keeps the list read before.
	if reconciled && now.Sub(readAt) >= relistEvery && cur.Queried(now, platform) >= p.cfg.HashtagLimit {
		if ids, err := p.recentlySearched(ctx, &page); err != nil {
			p.log.Warn("recently_searched_hashtags not read again, keeping the list read before", "err", err)
		} else {
			platform = ids
			p.mu.Lock()
			p.platform, p.readAt = ids, now
			p.mu.Unlock()
		}
	}
	progressed := false
	var refused []string
	var tagErr error // the last error of one hashtag alone
	for _, tag := range p.tags {
		st := cur.Tags[tag]
		if !st.active(now) {
			known := st != nil && st.ID != "" && platform[st.ID]
			if !known && cur.Queried(now, platform) >= p.cfg.HashtagLimit {
				refused = append(refused, tag)
				continue
			}
			id, err := p.search(ctx, tag, &page)
			if err != nil {
				if perTag(err) {
					p.log.Warn("hashtag skipped", "tag", tag, "err", err)
					tagErr = err
					continue
				}
				if progressed {
					p.log.Warn("poll stopped early, keeping what came before", "err", err)
					page.More = true
					break
				}
				return collector.Page{RateLimit: page.RateLimit}, err
			}
			if st == nil || st.ID != id {
				st = &TagState{ID: id}
			}
			st.FirstQueried = now
			cur.Tags[tag] = st
			progressed = true
		}
		more, err := p.recent(ctx, tag, st, &page)
		if err != nil {
			if perTag(err) {
				p.log.Warn("hashtag skipped", "tag", tag, "err", err)
				tagErr = err
				continue
			}
			if progressed {
				p.log.Warn("poll stopped early, keeping what came before", "err", err)
				page.More = true
				break
			}
			return collector.Page{RateLimit: page.RateLimit}, err
		}
		progressed = true
		page.More = page.More || more
	}
	if !progressed && tagErr != nil && len(refused) == 0 {
		return collector.Page{RateLimit: page.RateLimit}, tagErr
	}
	for tag, st := range cur.Tags {
		if !st.active(now) && !slices.Contains(p.tags, tag) {
			delete(cur.Tags, tag)
		}
	}
	var limitErr error
	if len(refused) > 0 {
		limitErr = p.limitError(refused, cur, platform, now)
	}
	p.mu.Lock()
	p.refused, p.warning = refused, ""
	if limitErr != nil {
		p.warning = limitErr.Error()
	}
	p.mu.Unlock()
	if limitErr != nil {
		err := limitErr
		if !progressed {
			return collector.Page{RateLimit: page.RateLimit}, err
		}
		p.log.Error("hashtags not searched", "err", err)
	}
	page.Cursor, _ = json.Marshal(cur)
	return page, nil
}

// perTag reports an error that concerns one hashtag only (Instagram
// refused that request: an unknown or sensitive hashtag), so the others
// are still polled; throttling, a refused token and transport failures
// concern them all.
func perTag(err error) bool {
	var me *meta.Error
	var rl *collector.RateLimitedError
	return errors.As(err, &me) && !me.TokenInvalid() && !me.RateLimited() && !errors.As(err, &rl) && me.Status < 500 ||
		errors.Is(err, errNoSuchHashtag)
}

var errNoSuchHashtag = errors.New("no such hashtag on Instagram")

// LimitError is the refusal of hashtags beyond the account's 7-day limit.
type LimitError struct {
	Tags     []string
	Queried  int
	Limit    int
	NextSlot time.Time // when the oldest counted hashtag stops counting (zero: unknown)
}

func (e *LimitError) Error() string {
	tags := make([]string, len(e.Tags))
	for i, t := range e.Tags {
		tags[i] = "#" + t
	}
	s := fmt.Sprintf("instagram: not searching %s: this account has queried %d distinct hashtags in the last 7 days and Instagram allows %d",
		strings.Join(tags, ", "), e.Queried, e.Limit)
	if !e.NextSlot.IsZero() {
		s += "; the next slot frees at " + e.NextSlot.UTC().Format(time.RFC3339)
	}
	return s
}

func (p *Poller) limitError(refused []string, cur Cursor, platform map[string]bool, now time.Time) error {
	return &LimitError{Tags: refused, Queried: cur.Queried(now, platform), Limit: p.cfg.HashtagLimit, NextSlot: cur.nextSlot(now)}
}

// get sends one request and turns error answers into errors: throttling
// as *collector.RateLimitedError, the rest as *meta.Error wrapped with the
// source's name. It records the usage headers in page.
func (p *Poller) get(ctx context.Context, path string, q url.Values, page *collector.Page) (*meta.Response, *meta.Error, error) {
	resp, err := meta.Get(ctx, p.client, p.cfg.BaseURL, path, q, p.cfg.AccessToken, p.cfg.Timeout)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p.Name(), err)
	}
	now := p.Now()
	if resp.HasUse {
		page.RateLimit = resp.Usage.RateLimit(now)
	}
	if resp.Status == http.StatusOK {
		return resp, nil, nil
	}
	me := meta.ParseError(resp.Status, resp.Body)
	if me == nil {
		me = &meta.Error{Status: resp.Status, Message: strings.TrimSpace(string(resp.Body[:min(len(resp.Body), 200)]))}
	}
	if me.RateLimited() {
		return nil, me, &collector.RateLimitedError{Source: p.Name(), Until: meta.RetryUntil(resp.Header, resp.Usage, now)}
	}
	if me.TokenInvalid() {
		return nil, me, fmt.Errorf("%s: the access token was refused (expired, revoked or wrong; renew it and restart): %w", p.Name(), me)
	}
	return resp, me, nil
}

// recentlySearched reads the hashtag IDs Meta counts for the account this week.
func (p *Poller) recentlySearched(ctx context.Context, page *collector.Page) (map[string]bool, error) {
	q := url.Values{"limit": {strconv.Itoa(HashtagLimit)}}
	resp, me, err := p.get(ctx, "/"+p.cfg.UserID+"/recently_searched_hashtags", q, page)
	if err != nil {
		return nil, err
	}
	if me != nil && me.Status >= 500 {
		return nil, fmt.Errorf("%s: recently_searched_hashtags: %w", p.Name(), me)
	}
	if me != nil {
		// Not fatal: the cursor still counts what this poller queried.
		p.log.Warn("recently_searched_hashtags refused: counting only the hashtags tagpulse queried", "err", me)
		return map[string]bool{}, nil
	}
	var body struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return nil, fmt.Errorf("%s: recently_searched_hashtags: %w", p.Name(), err)
	}
	ids := map[string]bool{}
	for _, d := range body.Data {
		if d.ID != "" {
			ids[d.ID] = true
		}
	}
	return ids, nil
}

// search resolves a hashtag to its node ID.
func (p *Poller) search(ctx context.Context, tag string, page *collector.Page) (string, error) {
	q := url.Values{"user_id": {p.cfg.UserID}, "q": {tag}}
	resp, me, err := p.get(ctx, "/ig_hashtag_search", q, page)
	if err != nil {
		return "", err
	}
	if me != nil {
		return "", fmt.Errorf("%s: ig_hashtag_search #%s: %w", p.Name(), tag, me)
	}
	var body struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil {
		return "", fmt.Errorf("%s: ig_hashtag_search #%s: %w", p.Name(), tag, err)
	}
	if len(body.Data) == 0 || body.Data[0].ID == "" {
		return "", fmt.Errorf("%s: ig_hashtag_search #%s: %w", p.Name(), tag, errNoSuchHashtag)
	}
	return body.Data[0].ID, nil
}

// mediaPage is a recent_media response.
type mediaPage struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Cursors struct {
			After string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// recent sweeps a hashtag's recent media from the first page (or st.After,
// to go on with a sweep), adding posts to page, up to MaxPages, and ends
// the sweep at the last page or at a page wholly older than the last
// finished sweep's newest media. It reports whether pages remain (st.After
// then holds the next one).
func (p *Poller) recent(ctx context.Context, tag string, st *TagState, page *collector.Page) (bool, error) {
	now := p.Now()
	seenUpTo := st.Floor.Add(-seenSlack)
	for n := 0; n < p.cfg.MaxPages; n++ {
		q := url.Values{"user_id": {p.cfg.UserID}, "fields": {Fields}, "limit": {strconv.Itoa(pageLimit)}}
		if st.After != "" {
			q.Set("after", st.After)
		}
		path := "/" + st.ID + "/recent_media"
		resp, me, err := p.get(ctx, path, q, page)
		if err != nil {
			return false, err
		}
		if me != nil {
			if st.After != "" && resp.Status == http.StatusBadRequest {
				// The page cursor is no longer honoured: start again at the
				// first page. What was stored comes back as duplicates.
				p.log.Warn("recent_media refused the page cursor, starting again from the newest page", "tag", tag, "err", me)
				st.After = "" // a new sweep; Floor stays that of the last finished one
				return true, nil
			}
			return false, fmt.Errorf("%s: recent_media #%s: %w", p.Name(), tag, me)
		}
		var mp mediaPage
		if err := json.Unmarshal(resp.Body, &mp); err != nil {
			return false, fmt.Errorf("%s: recent_media #%s: %w", p.Name(), tag, err)
		}
		page.Fetched += len(mp.Data)
		allSeen := len(mp.Data) > 0 && !st.Floor.IsZero()
		for i, raw := range mp.Data {
			post, err := ParseMedia(raw, tag, now)
			if err != nil {
				page.Malformed = append(page.Malformed, collector.Malformed{Where: fmt.Sprintf("%s %s [%d]", p.Name(), path, i), Err: err})
				continue
			}
			if post.CreatedAt.After(st.Top) {
				st.Top = post.CreatedAt
			}
			if post.CreatedAt.After(seenUpTo) {
				allSeen = false
			}
			page.Posts = append(page.Posts, post)
		}
		next := mp.Paging.Cursors.After
		if mp.Paging.Next == "" || next == "" || len(mp.Data) == 0 || allSeen {
			st.After = ""
			if st.Top.After(st.Floor) {
				st.Floor = st.Top
			}
			return false, nil
		}
		st.After = next
	}
	return true, nil
}

// media is an IG Media object as recent_media returns it.
type media struct {
	ID            string `json:"id"`
	Caption       string `json:"caption"`
	MediaType     string `json:"media_type"`
	Permalink     string `json:"permalink"`
	Timestamp     string `json:"timestamp"`
	LikeCount     *int64 `json:"like_count"`
	CommentsCount *int64 `json:"comments_count"`
}

// ParseMedia maps one IG Media object found under hashtag tag to a post.
// The hashtag is among the post's hashtags even when the caption does not
// carry it (Instagram also matches the owner's comments).
func ParseMedia(raw []byte, tag string, now time.Time) (store.Post, error) {
	var m media
	if err := json.Unmarshal(raw, &m); err != nil {
		return store.Post{}, err
	}
	if m.ID == "" {
		return store.Post{}, errors.New("media without id")
	}
	if m.Timestamp == "" {
		return store.Post{}, fmt.Errorf("media %s: no timestamp (request fields=timestamp)", m.ID)
	}
	created, err := meta.Timestamp(m.Timestamp)
	if err != nil {
		return store.Post{}, fmt.Errorf("media %s: %w", m.ID, err)
	}
	p := store.Post{
		Platform:    store.PlatformInstagram,
		ID:          m.ID,
		Source:      store.SourceInstagram,
		Kind:        store.KindOriginal,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		URL:         m.Permalink,
		Text:        m.Caption,
		Hashtags:    hashtag.Extract(m.Caption),
	}
	if n := hashtag.Normalize(tag); n != "" && !slices.Contains(p.Hashtags, n) {
		p.Hashtags = append(p.Hashtags, n)
	}
	if m.LikeCount != nil {
		p.Engagement += *m.LikeCount
	}
	if m.CommentsCount != nil {
		p.Engagement += *m.CommentsCount
	}
	return p, nil
}

var _ collector.Poller = (*Poller)(nil)
