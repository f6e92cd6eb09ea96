package mastodon

import (
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

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Config configures the Mastodon source: one poller per instance,
// each reading the hashtag timelines of every campaign hashtag.
type Config struct {
	// Instances are the servers' base URLs, e.g. https://mastodon.social.
	Instances []string `yaml:"instances"`
	// Every is the poll interval (scheduler; default 1m).
	Every time.Duration `yaml:"every"`
	// Tokens are optional bearer tokens, by instance host (as in the
	// instance URL: "mastodon.social", or "host:port"), for instances that
	// show tag timelines only to logged-in users. Most need none. A token
	// goes only to the instance that issued it.
	Tokens map[string]string `yaml:"tokens,omitempty"`
	// Token is Tokens for a configuration with a single instance.
	Token string `yaml:"token,omitempty"`
	// MaxPages bounds the pages one poll follows per tag group when catching
	// up after downtime (default 10, i.e. 400 statuses); the rest comes with
	// the next poll, which the scheduler runs at once (collector.Page.More).
	MaxPages int `yaml:"max_pages,omitempty"`
	// Timeout is the deadline for one request (default 20s).
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// BackfillPages bounds how far the first poll of a tag group pages back
	// from the newest status (max_id paging) towards the campaign window's
	// start: default 25 pages, i.e. 1,000 statuses per tag group. Statuses
	// older than that are left to an archive import; /api/v1/sources says
	// how far back the backfill reached and why it stopped.
	BackfillPages int `yaml:"backfill_pages,omitempty"`
}

// tokenFor is the token for the instance at u: Tokens by host (with or
// without the port), else Token, which Validate allows only with a single
// instance.
func (c Config) tokenFor(u *url.URL) string {
	if t, ok := c.Tokens[u.Host]; ok {
		return t
	}
	if t, ok := c.Tokens[u.Hostname()]; ok {
		return t
	}
	return c.Token
}

// Validate refuses a token that would reach instances other than the one
// that issued it, and tokens for hosts not among the instances.
func (c Config) Validate() error {
	if c.Token != "" && len(c.Instances) > 1 {
		return errors.New("token would be sent to every instance: give each its own under tokens: {HOST: ${VARIABLE}}")
	}
	hosts := map[string]bool{}
	for _, inst := range c.Instances {
		if !strings.Contains(inst, "://") {
			inst = "https://" + inst
		}
		if u, err := url.Parse(strings.TrimRight(inst, "/")); err == nil {
			hosts[u.Host], hosts[u.Hostname()] = true, true
		}
	}
	for h := range c.Tokens {
		if !hosts[h] {
			return fmt.Errorf("tokens: %q is not the host of any of the instances", h)
		}
	}
	return nil
}

// Mastodon defaults and limits.
const (
	mastodonLimit         = 40 // the tag timeline's maximum page size
	mastodonTagsPerQuery  = 5  // the path tag plus Mastodon's 4 any[] tags
	mastodonMaxBody       = 16 << 20
	mastodonDefaultPages  = 10
	mastodonBackfillPages = 25
	mastodonDefaultWait   = time.Minute // a 429 without a usable reset header
)

// Poller polls one instance's hashtag timelines forward with min_id.
//
// Requests go to GET /api/v1/timelines/tag/:tag with the other hashtags as
// any[] (Mastodon matches up to 4 of them), so one request covers up to five
// hashtags; more hashtags make more groups, each with its own min_id in the
// cursor. We speak HTTP directly rather than through go-mastodon, whose
// client retries 429 internally for up to an hour and hides the rate-limit
// and Link headers this poller reads.
type Poller struct {
	name      string
	base      *url.URL
	host      string
	groups    [][]string
	client    *http.Client
	token     string
	maxPages  int
	backPages int
	timeout   time.Duration
	logger    *slog.Logger
	// Now is the clock, for CollectedAt and rate-limit fallbacks; mockable in tests.
	Now func() time.Time
	// Since is where the first poll's backfill may stop: the start of the
	// earliest campaign window (zero: no window, page back as far as
	// BackfillPages allows).
	Since time.Time

	backfillMu sync.Mutex
	backfill   collector.Backfill // as of the last Poll, for the health view
}

// New returns the poller for one instance (a base URL; "https://" is
// assumed without a scheme). tags are the campaign hashtags, normalised.
// httpClient nil means http.DefaultClient.
func New(cfg Config, instance string, tags []string, httpClient *http.Client, logger *slog.Logger) (*Poller, error) {
	if !strings.Contains(instance, "://") {
		instance = "https://" + instance
	}
	u, err := url.Parse(strings.TrimRight(instance, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("mastodon instance %q: not a URL", instance)
	}
	if len(tags) == 0 {
		return nil, fmt.Errorf("mastodon %s: no hashtags", u.Host)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Poller{
		name:      "mastodon:" + u.Host,
		base:      u,
		host:      u.Hostname(),
		client:    httpClient,
		token:     cfg.tokenFor(u),
		maxPages:  cfg.MaxPages,
		backPages: cfg.BackfillPages,
		timeout:   cfg.Timeout,
		Now:       time.Now,
	}
	m.logger = logger.With("source", m.name)
	if m.maxPages <= 0 {
		m.maxPages = mastodonDefaultPages
	}
	if m.timeout <= 0 {
		m.timeout = 20 * time.Second
	}
	if m.backPages <= 0 {
		m.backPages = mastodonBackfillPages
	}
	var uniq []string
	seen := map[string]bool{}
	for _, t := range tags {
		t = hashtag.Normalize(t)
		if t != "" && !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	for len(uniq) > 0 {
		n := min(mastodonTagsPerQuery, len(uniq))
		m.groups = append(m.groups, uniq[:n])
		uniq = uniq[n:]
	}
	return m, nil
}

// Name is "mastodon:" and the instance's host.
func (m *Poller) Name() string { return m.name }

// mastodonCursor is the poller's cursor: per tag group, the newest status id
// seen; and while a group's first poll is paging back, under backKey, the
// max_id it goes on from and the pages taken ("123 4"); under reachedKey,
// how far back that went ("2026-11-22T00:00:00Z window"). It is stored as
// JSON. Hashtags have no ':', so these keys cannot clash with a group's.
type mastodonCursor map[string]string

func backKey(group string) string    { return "back:" + group }
func reachedKey(group string) string { return "reached:" + group }

// Why a first poll's backfill stopped, in the health view.
const (
	BackfillTimelineStart = "timeline_start" // the instance has nothing older
	BackfillWindowStart   = "window_start"   // it reached the campaign window's start
	BackfillLimit         = "limit"          // BackfillPages were taken; older statuses are not collected
)

// Poll fetches what each tag group has after its min_id, following up to
// MaxPages pages per group. On the very first poll (no cursor) a group takes
// the newest page and starts from there, then pages back (max_id) towards
// Since, MaxPages pages per poll and BackfillPages in all, each poll storing
// its posts with the cursor, so a crash loses nothing. An error after some progress
// returns that progress with More set, so nothing fetched is lost; an error
// before any returns the error (a 429 as *collector.RateLimitedError).
func (m *Poller) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	cur := mastodonCursor{}
	if len(cursor) > 0 {
		if err := json.Unmarshal(cursor, &cur); err != nil {
			m.logger.Warn("unreadable cursor, starting from the newest statuses", "err", err)
			cur = mastodonCursor{}
		}
	}
	// A group without a min_id of its own (the campaign's hashtags changed)
	// starts from the oldest min_id of the groups it replaces, so a
	// restart with new hashtags pages forward instead of jumping to now.
	var oldest string
	for key, id := range cur {
		if strings.Contains(key, ":") {
			continue // backfill state, not a min_id
		}
		if oldest == "" || mastodonNewer(oldest, id) {
			oldest = id
		}
	}
	keys := map[string]bool{}
	for _, g := range m.groups {
		key := strings.Join(g, " ")
		keys[key], keys[backKey(key)], keys[reachedKey(key)] = true, true, true
		if cur[key] == "" && oldest != "" {
			cur[key] = oldest
		}
	}
	for key := range cur {
		if !keys[key] {
			delete(cur, key)
		}
	}
	defer func() { m.noteBackfill(cur) }()
	var page collector.Page
	moved := false
	for _, g := range m.groups {
		key := strings.Join(g, " ")
		more, err := m.pollGroup(ctx, g, key, cur, &page, &moved)
		if err != nil {
			if !moved {
				return collector.Page{RateLimit: page.RateLimit}, err // a 429's headers tell what is left
			}
			m.logger.Warn("poll stopped early, keeping what came before", "err", collector.Scrub(err.Error(), []string{m.token}))
			page.More = true
			break
		}
		page.More = page.More || more
	}
	if moved {
		b, err := json.Marshal(cur)
		if err != nil {
			return collector.Page{}, err
		}
		page.Cursor = b
	}
	return page, nil
}

// pollGroup pages forward through one group's timeline from cur[key],
// adding posts to page and moving cur[key]. It reports whether pages remain.
func (m *Poller) pollGroup(ctx context.Context, tags []string, key string, cur mastodonCursor, page *collector.Page, moved *bool) (bool, error) {
	minID := cur[key]
	if minID == "" {
		// The first poll: the newest page, then back from its oldest.
		items, next, err := m.fetch(ctx, tags, "", "", page)
		if err != nil {
			return false, err
		}
		*moved = true
		if next == "" {
			cur[reachedKey(key)] = "- " + BackfillTimelineStart // an empty timeline
			return false, nil
		}
		cur[key] = next
		if m.backStep(items, key, 1, cur) {
			return m.pollBack(ctx, tags, key, cur, page)
		}
		return false, nil
	}
	forward := false
	for n := 0; n < m.maxPages; n++ {
		items, next, err := m.fetch(ctx, tags, minID, "", page)
		if err != nil {
			return false, err
		}
		if !mastodonNewer(next, minID) {
			break // nothing newer: caught up
		}
		minID = next
		cur[key] = next
		*moved = true
		if len(items) < mastodonLimit {
			break // caught up
		}
		if n == m.maxPages-1 {
			forward = true
		}
	}
	if cur[backKey(key)] != "" {
		more, err := m.pollBack(ctx, tags, key, cur, page)
		if err != nil && *moved {
			m.logger.Warn("backfill stopped early, keeping what came before", "err", collector.Scrub(err.Error(), []string{m.token}))
			return true, nil
		}
		return forward || more, err
	}
	return forward, nil
}

// pollBack pages back (max_id) from where cur's backfill of the group
// stands, up to MaxPages pages, and reports whether it has more to do.
func (m *Poller) pollBack(ctx context.Context, tags []string, key string, cur mastodonCursor, page *collector.Page) (bool, error) {
	for range m.maxPages {
		maxID, n, ok := strings.Cut(cur[backKey(key)], " ")
		pages, err := strconv.Atoi(n)
		if !ok || err != nil {
			delete(cur, backKey(key))
			return false, nil
		}
		items, _, err := m.fetch(ctx, tags, "", maxID, page)
		if err != nil {
			return false, err
		}
		if !m.backStep(items, key, pages+1, cur) {
			return false, nil
		}
	}
	return true, nil
}

// backStep records in cur how far back the page of items (newest first),
// the pages-th of the group's backfill, reached, and reports whether the
// backfill goes on: the page was full, older than nothing in the window,
// and fewer than BackfillPages were taken.
func (m *Poller) backStep(items []json.RawMessage, key string, pages int, cur mastodonCursor) bool {
	var oldestID string
	var oldestAt time.Time
	for _, raw := range items {
		var probe struct {
			ID        flexID `json:"id"`
			CreatedAt string `json:"created_at"`
		}
		if json.Unmarshal(raw, &probe) != nil || probe.ID == "" {
			continue
		}
		if oldestID == "" || mastodonNewer(oldestID, string(probe.ID)) {
			oldestID = string(probe.ID)
			if t, err := time.Parse(time.RFC3339Nano, probe.CreatedAt); err == nil {
				oldestAt = t.UTC()
			}
		}
	}
	reached := cur[reachedKey(key)]
	at, _, _ := strings.Cut(reached, " ")
	if !oldestAt.IsZero() {
		at = oldestAt.Format(time.RFC3339)
	}
	if at == "" {
		at = "-"
	}
	stop := ""
	switch {
	case len(items) < mastodonLimit || oldestID == "":
		stop = BackfillTimelineStart
	case !m.Since.IsZero() && !oldestAt.IsZero() && !oldestAt.After(m.Since):
		stop = BackfillWindowStart
	case pages >= m.backPages:
		stop = BackfillLimit
	}
	if stop != "" {
		delete(cur, backKey(key))
		cur[reachedKey(key)] = at + " " + stop
		return false
	}
	cur[backKey(key)] = oldestID + " " + strconv.Itoa(pages)
	cur[reachedKey(key)] = at
	return true
}

// noteBackfill keeps, for the health view, how far back the first polls
// reached: a tag group still paging back if there is one, else the group
// that reached least far back.
func (m *Poller) noteBackfill(cur mastodonCursor) {
	var b collector.Backfill
	seen := false
	for _, grp := range m.groups {
		v, ok := cur[reachedKey(strings.Join(grp, " "))]
		if !ok {
			continue
		}
		at, stop, _ := strings.Cut(v, " ")
		g := collector.Backfill{Done: stop != "", Stopped: stop}
		if t, err := time.Parse(time.RFC3339, at); err == nil {
			g.Reached = &t
		}
		later := g.Reached != nil && (b.Reached == nil || g.Reached.After(*b.Reached))
		switch {
		case !seen, b.Done && !g.Done, b.Done == g.Done && later:
			b = g
		}
		seen = true
	}
	if !seen {
		return
	}
	m.backfillMu.Lock()
	m.backfill = b
	m.backfillMu.Unlock()
}

// Backfill says how far back the first polls reached, for /api/v1/sources.
func (m *Poller) Backfill() *collector.Backfill {
	m.backfillMu.Lock()
	defer m.backfillMu.Unlock()
	if m.backfill == (collector.Backfill{}) {
		return nil
	}
	b := m.backfill
	return &b
}

// fetch requests one page and adds its posts (oldest first) to page. It
// returns the raw items and the newest id they reach: the Link header's
// rel="prev" min_id, or the largest id in the page.
func (m *Poller) fetch(ctx context.Context, tags []string, minID, maxID string, page *collector.Page) ([]json.RawMessage, string, error) {
	u := *m.base
	u.Path = strings.TrimRight(u.Path, "/") + "/api/v1/timelines/tag/" + tags[0] // String() escapes it
	u.RawPath = ""
	q := url.Values{}
	q.Set("limit", strconv.Itoa(mastodonLimit))
	for _, t := range tags[1:] {
		q.Add("any[]", t)
	}
	if minID != "" {
		q.Set("min_id", minID)
	}
	if maxID != "" {
		q.Set("max_id", maxID)
	}
	u.RawQuery = q.Encode()
	where := u.String()

	rctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", m.name, err)
	}
	defer resp.Body.Close()
	now := m.Now()
	if rl := mastodonRateLimit(resp.Header); rl != nil {
		page.RateLimit = rl
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, "", &collector.RateLimitedError{Source: m.name, Until: mastodonRetryUntil(resp.Header, now)}
	case resp.StatusCode != http.StatusOK:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, "", fmt.Errorf("%s: GET %s: %s: %s", m.name, u.Path, resp.Status, strings.TrimSpace(string(body)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, mastodonMaxBody))
	if err != nil {
		return nil, "", fmt.Errorf("%s: read response: %w", m.name, err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, "", fmt.Errorf("%s: %w: %v", m.name, errNoStatuses, err)
	}
	page.Fetched += len(items)
	newest := mastodonLinkParam(resp.Header.Values("Link"), "prev", "min_id")
	posts := make([]store.Post, 0, len(items))
	for i, raw := range items {
		var probe struct {
			ID flexID `json:"id"`
		}
		if json.Unmarshal(raw, &probe) == nil && mastodonNewer(string(probe.ID), newest) {
			newest = string(probe.ID)
		}
		p, err := ParseStatus(raw, m.host, store.SourceMastodon, now)
		if err != nil {
			page.Malformed = append(page.Malformed, collector.Malformed{Where: fmt.Sprintf("%s [%d]", where, i), Err: err})
			continue
		}
		posts = append(posts, p)
	}
	for i := len(posts) - 1; i >= 0; i-- { // the timeline is newest first
		page.Posts = append(page.Posts, posts[i])
	}
	return items, newest, nil
}

// mastodonNewer reports whether Mastodon id a sorts after b. Ids are numeric
// strings (snowflakes) or, on some servers, fixed-width sortable strings.
func mastodonNewer(a, b string) bool {
	if a == "" {
		return false
	}
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// mastodonLinkParam returns query parameter param of the Link header entry with
// relation rel, e.g. min_id of rel="prev".
func mastodonLinkParam(links []string, rel, param string) string {
	for _, h := range links {
		for _, part := range strings.Split(h, ",") {
			segs := strings.Split(part, ";")
			target := strings.TrimSpace(segs[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			isRel := false
			for _, s := range segs[1:] {
				k, v, ok := strings.Cut(strings.TrimSpace(s), "=")
				if ok && strings.EqualFold(k, "rel") {
					for _, r := range strings.Fields(strings.Trim(v, `"`)) {
						isRel = isRel || r == rel
					}
				}
			}
			if !isRel {
				continue
			}
			u, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				continue
			}
			return u.Query().Get(param)
		}
	}
	return ""
}

// mastodonRateLimit reads X-RateLimit-Limit, -Remaining and -Reset (ISO 8601).
func mastodonRateLimit(h http.Header) *collector.RateLimit {
	lim, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	if err1 != nil || err2 != nil {
		return nil
	}
	rl := &collector.RateLimit{Limit: lim, Remaining: rem}
	if t, err := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset")); err == nil {
		rl.Reset = t.UTC()
	}
	return rl
}

// mastodonRetryUntil is when a 429 says to come back: Retry-After (seconds or an
// HTTP date), else X-RateLimit-Reset (ISO 8601), else a minute from now.
func mastodonRetryUntil(h http.Header, now time.Time) time.Time {
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.Atoi(ra); err == nil && s >= 0 {
			return now.Add(time.Duration(s) * time.Second).UTC()
		}
		if t, err := http.ParseTime(ra); err == nil {
			return t.UTC()
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Get("X-RateLimit-Reset")); err == nil && t.After(now) {
		return t.UTC()
	}
	return now.Add(mastodonDefaultWait).UTC()
}

var _ collector.Poller = (*Poller)(nil)
