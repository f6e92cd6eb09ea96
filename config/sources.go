package config

import (
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sources is the sources: section: which platforms 'tagpulse run' collects
// from. A platform whose key is absent (or null) is not collected;
// "bluesky: {}" collects Bluesky with the defaults. Secrets are written as
// ${ENV_NAME}; every remote address (base_url, instances, jetstream) can
// point at a mirror or a test fake. Defaults not set here are the
// collectors'.
//
//	sources:
//	  x:        {bearer_token: "${TAGPULSE_X_BEARER_TOKEN}", every: 1m, base_url: https://api.x.com}
//	  twitter:  {consumer_key: "${…}", consumer_secret: "${…}", access_token: "${…}", access_secret: "${…}"}
//	  mastodon: {instances: [https://mastodon.social, https://mastodon.online], every: 1m}
//	  bluesky:  {jetstream: wss://jetstream2.us-east.bsky.network/subscribe}
//	  instagram: {user_id: "17841405309211844", access_token: "${TAGPULSE_INSTAGRAM_TOKEN}"}
//	  threads:  {access_token: "${TAGPULSE_THREADS_TOKEN}"}
//	  youtube:  {api_key: "${TAGPULSE_YOUTUBE_API_KEY}"}
//	  poll_timeout: 1m
type Sources struct {
	X        *X        `yaml:"x"`        // X API v2 recent search, one poller per campaign
	Twitter  *Twitter  `yaml:"twitter"`  // Twitter v1.1 search/tweets, one poller per campaign
	Mastodon *Mastodon `yaml:"mastodon"` // hashtag timelines, one poller per instance
	Bluesky  *Bluesky  `yaml:"bluesky"`  // Jetstream, one stream for all campaigns
	// Instagram, Threads and YouTube: one poller each for all campaigns.
	Instagram *Instagram `yaml:"instagram"` // Graph API hashtag search
	Threads   *Threads   `yaml:"threads"`   // keyword and topic tag search
	YouTube   *YouTube   `yaml:"youtube"`   // Data API v3 search, videos, channels
	// PollTimeout is the deadline of one poll with all its requests (0:
	// the scheduler's default).
	PollTimeout time.Duration `yaml:"poll_timeout"`
}

// X is sources.x: X API v2 recent search. BearerToken is required.
type X struct {
	BearerToken Secret        `yaml:"bearer_token"` // app-only bearer token (paid API tiers)
	BaseURL     string        `yaml:"base_url"`     // default https://api.x.com; tests point it at a fake
	Every       time.Duration `yaml:"every"`        // poll interval (default 1m)
	CountsEvery time.Duration `yaml:"counts_every"` // counts/recent interval; default and minimum 15m
	MaxResults  int           `yaml:"max_results"`  // tweets per request, 10–100 (default 100)
	Timeout     time.Duration `yaml:"timeout"`      // deadline of one request (default 30s)
	// MaxQueryLength is the longest search query the account's access
	// level takes, in characters (default 512, the self-serve tiers').
	MaxQueryLength int `yaml:"max_query_length"`
}

// Twitter is sources.twitter: Twitter API v1.1 search/tweets, for accounts
// that still have legacy or enterprise access. Either the four OAuth 1.0a
// user-context keys or an app-only bearer token.
type Twitter struct {
	ConsumerKey    Secret        `yaml:"consumer_key"`
	ConsumerSecret Secret        `yaml:"consumer_secret"`
	AccessToken    Secret        `yaml:"access_token"`
	AccessSecret   Secret        `yaml:"access_secret"`
	BearerToken    Secret        `yaml:"bearer_token"` // app-only auth, instead of the four keys
	BaseURL        string        `yaml:"base_url"`     // default https://api.twitter.com (…/1.1/ is appended)
	Every          time.Duration `yaml:"every"`        // poll interval (default 1m)
	Count          int           `yaml:"count"`        // tweets per request, up to 100 (default 100)
	Timeout        time.Duration `yaml:"timeout"`      // deadline of one request (default 30s)
}

// Mastodon is sources.mastodon: one poller per instance, each reading the
// hashtag timelines of every campaign hashtag.
type Mastodon struct {
	// Instances are the servers' base URLs, e.g. https://mastodon.social
	// ("https://" is assumed without a scheme). Required.
	Instances []string      `yaml:"instances"`
	Every     time.Duration `yaml:"every"` // poll interval (default 1m)
	// Tokens are optional bearer tokens, by instance host (as in the
	// instance URL: "mastodon.social", or "host:port"), for instances
	// that show tag timelines only to logged-in users. A token goes only
	// to the instance that issued it.
	Tokens map[string]Secret `yaml:"tokens"`
	// Token is Tokens for a configuration with a single instance.
	Token Secret `yaml:"token"`
	// MaxPages bounds the pages one poll follows per tag group when
	// catching up after downtime (default 10).
	MaxPages int           `yaml:"max_pages"`
	Timeout  time.Duration `yaml:"timeout"` // deadline of one request (default 20s)
	// BackfillPages bounds how far a tag group's first poll pages back
	// towards the campaign window's start (default 25 pages of 40).
	BackfillPages int `yaml:"backfill_pages"`
}

// Bluesky is sources.bluesky: a Jetstream subscription, the AppView for
// authors' profiles and posts' engagement, and, with an account, a
// searchPosts backfill of the hours before the first start.
type Bluesky struct {
	Jetstream string `yaml:"jetstream"` // the subscribe URL (default: Bluesky's public one)
	// Rewind is how far before the saved cursor a (re)connection resumes
	// (default 5s).
	Rewind time.Duration `yaml:"rewind"`
	// AppView is the public AppView (default https://public.api.bsky.app).
	AppView         string        `yaml:"appview"`
	EngagementEvery time.Duration `yaml:"engagement_every"` // engagement refresh interval (default 10m)
	EngagementCalls int           `yaml:"engagement_calls"` // getPosts calls per round, 25 posts each (default 20)
	// Handle and AppPassword are the account that backfills with
	// searchPosts (which needs a logged-in session); without them there is
	// no backfill. AppPassword is written ${TAGPULSE_BLUESKY_APP_PASSWORD}.
	Handle      string        `yaml:"handle"`
	AppPassword Secret        `yaml:"app_password"`
	PDS         string        `yaml:"pds"`      // where the account logs in (default https://bsky.social)
	Backfill    time.Duration `yaml:"backfill"` // how far before the first start to search (default 24h)
}

// Instagram is sources.instagram: the Instagram Graph API's hashtag search
// for one professional account (see collector/instagram).
type Instagram struct {
	UserID       string        `yaml:"user_id"`       // the professional account's Instagram user ID (required)
	AccessToken  Secret        `yaml:"access_token"`  // its user access token (required)
	BaseURL      string        `yaml:"base_url"`      // default https://graph.facebook.com/v24.0
	Every        time.Duration `yaml:"every"`         // poll interval (default 5m)
	MaxPages     int           `yaml:"max_pages"`     // recent_media pages per hashtag per poll (default 10)
	HashtagLimit int           `yaml:"hashtag_limit"` // distinct hashtags per 7 days tagpulse may use (default and most 30)
	Timeout      time.Duration `yaml:"timeout"`       // deadline of one request (default 30s)
}

// Threads is sources.threads: the Threads API keyword search (see
// collector/threads).
type Threads struct {
	AccessToken  Secret        `yaml:"access_token"`  // threads_basic + threads_keyword_search (required)
	BaseURL      string        `yaml:"base_url"`      // default https://graph.threads.net/v1.0
	Every        time.Duration `yaml:"every"`         // poll interval (default 2m, raised to fit the budget)
	SearchMode   string        `yaml:"search_mode"`   // tag (default) or keyword
	DailyQueries int           `yaml:"daily_queries"` // queries per 24 hours tagpulse may send (default and most 2,200)
	MaxPages     int           `yaml:"max_pages"`     // pages per hashtag per poll (default 5)
	Backfill     time.Duration `yaml:"backfill"`      // how far back a first search reaches (default 24h)
	Timeout      time.Duration `yaml:"timeout"`       // deadline of one request (default 30s)
}

// YouTube is sources.youtube: the YouTube Data API v3 (see
// collector/youtube).
type YouTube struct {
	APIKey     Secret        `yaml:"api_key"`     // an API key with the YouTube Data API v3 enabled (required)
	BaseURL    string        `yaml:"base_url"`    // default https://www.googleapis.com/youtube/v3
	Every      time.Duration `yaml:"every"`       // the shortest poll interval; raised so the quota lasts the day
	DailyUnits int           `yaml:"daily_units"` // the project's daily quota (default 10,000)
	SearchCost int           `yaml:"search_cost"` // units a search.list call costs (default 100)
	MaxPages   int           `yaml:"max_pages"`   // search pages per poll (default 3)
	Backfill   time.Duration `yaml:"backfill"`    // how far back a first search reaches (default 24h)
	Timeout    time.Duration `yaml:"timeout"`     // deadline of one request (default 30s)
}

// Secrets lists the configured credentials, to keep them out of the
// sources' health and logs.
func (s Sources) Secrets() []string {
	var all []Secret
	if s.X != nil {
		all = append(all, s.X.BearerToken)
	}
	if t := s.Twitter; t != nil {
		all = append(all, t.ConsumerKey, t.ConsumerSecret, t.AccessToken, t.AccessSecret, t.BearerToken)
	}
	if b := s.Bluesky; b != nil {
		all = append(all, b.AppPassword)
	}
	if m := s.Mastodon; m != nil {
		all = append(all, m.Token)
		for _, h := range slices.Sorted(maps.Keys(m.Tokens)) {
			all = append(all, m.Tokens[h])
		}
	}
	if s.Instagram != nil {
		all = append(all, s.Instagram.AccessToken)
	}
	if s.Threads != nil {
		all = append(all, s.Threads.AccessToken)
	}
	if s.YouTube != nil {
		all = append(all, s.YouTube.APIKey)
	}
	var out []string
	for _, v := range all {
		if v != "" {
			out = append(out, string(v))
		}
	}
	// Credentials in an address (https://user:pass@host) travel as Basic
	// auth, and a server may echo them back in an error without the URL.
	var urls []string
	if s.X != nil {
		urls = append(urls, s.X.BaseURL)
	}
	if s.Twitter != nil {
		urls = append(urls, s.Twitter.BaseURL)
	}
	if s.Mastodon != nil {
		urls = append(urls, s.Mastodon.Instances...)
	}
	if s.Bluesky != nil {
		urls = append(urls, s.Bluesky.Jetstream)
	}
	for _, raw := range urls {
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			out = append(out, userInfoSecrets(u.User.String())...)
		}
	}
	return out
}

// userInfoSecrets are the forms in which a URL's user info can appear in
// an error: as written, decoded, the password alone, and the Base64 of
// "user:pass" a Basic header carries (collector.UserInfoSecrets, which
// this package may not import, says the same).
func userInfoSecrets(userinfo string) []string {
	out := []string{userinfo}
	dec := userinfo
	if d, err := url.PathUnescape(userinfo); err == nil {
		dec = d
		out = append(out, d)
	}
	if _, pass, ok := strings.Cut(dec, ":"); ok && pass != "" {
		out = append(out, pass)
	}
	return append(out, base64.StdEncoding.EncodeToString([]byte(dec)))
}

// MastodonHost is the host an instance's pollers are named and deduplicated
// by (host:port as in the URL), and whether instance is a usable URL.
func MastodonHost(instance string) (*url.URL, bool) {
	if !strings.Contains(instance, "://") {
		instance = "https://" + instance
	}
	u, err := url.Parse(strings.TrimRight(instance, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, false
	}
	return u, true
}

func (p *parser) checkSources(s *Sources) {
	if x := s.X; x != nil {
		if x.BearerToken == "" {
			p.errorAt("sources.x.bearer_token", "missing (write it as ${TAGPULSE_X_BEARER_TOKEN} and set that variable)")
		}
		p.checkURL("sources.x.base_url", x.BaseURL, "http", "https")
	}
	if t := s.Twitter; t != nil {
		keys := map[string]Secret{"consumer_key": t.ConsumerKey, "consumer_secret": t.ConsumerSecret, "access_token": t.AccessToken, "access_secret": t.AccessSecret}
		var missing []string
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if keys[k] == "" {
				missing = append(missing, k)
			}
		}
		if t.BearerToken == "" && len(missing) > 0 {
			p.errorAt("sources.twitter", "give consumer_key, consumer_secret, access_token and access_secret, or bearer_token (missing: %s)", strings.Join(missing, ", "))
		}
		p.checkURL("sources.twitter.base_url", t.BaseURL, "http", "https")
	}
	if m := s.Mastodon; m != nil {
		p.checkMastodon(m)
	}
	if b := s.Bluesky; b != nil {
		p.checkURL("sources.bluesky.jetstream", b.Jetstream, "wss", "ws", "https", "http")
		p.checkURL("sources.bluesky.appview", b.AppView, "https", "http")
		p.checkURL("sources.bluesky.pds", b.PDS, "https", "http")
		if b.EngagementCalls < 0 {
			p.errorAt("sources.bluesky.engagement_calls", "must not be negative")
		}
		if b.Handle != "" && b.AppPassword == "" {
			p.errorAt("sources.bluesky.handle", "the backfill needs the account's app password: app_password: ${TAGPULSE_BLUESKY_APP_PASSWORD}")
		}
		if b.Handle == "" && b.AppPassword != "" {
			p.errorAt("sources.bluesky.app_password", "give the account's handle too (handle: you.bsky.social)")
		}
	}
	if ig := s.Instagram; ig != nil {
		if ig.UserID == "" {
			p.errorAt("sources.instagram.user_id", "missing (the Instagram professional account's user ID)")
		} else if strings.Trim(ig.UserID, "0123456789") != "" {
			p.errorAt("sources.instagram.user_id", "%q is not an Instagram user ID (digits only)", ig.UserID)
		}
		if ig.AccessToken == "" {
			p.errorAt("sources.instagram.access_token", "missing (write it as ${TAGPULSE_INSTAGRAM_TOKEN} and set that variable)")
		}
		if ig.HashtagLimit < 0 || ig.HashtagLimit > 30 {
			p.errorAt("sources.instagram.hashtag_limit", "%d: Instagram allows 1 to 30 distinct hashtags per 7 days", ig.HashtagLimit)
		}
		p.checkURL("sources.instagram.base_url", ig.BaseURL, "http", "https")
	}
	if th := s.Threads; th != nil {
		if th.AccessToken == "" {
			p.errorAt("sources.threads.access_token", "missing (write it as ${TAGPULSE_THREADS_TOKEN} and set that variable)")
		}
		if m := strings.ToLower(th.SearchMode); m != "" && m != "tag" && m != "keyword" {
			p.errorAt("sources.threads.search_mode", "%q: want tag or keyword", th.SearchMode)
		}
		if th.DailyQueries < 0 || th.DailyQueries > 2200 {
			p.errorAt("sources.threads.daily_queries", "%d: Threads allows 1 to 2200 queries per 24 hours", th.DailyQueries)
		}
		p.checkURL("sources.threads.base_url", th.BaseURL, "http", "https")
	}
	if yt := s.YouTube; yt != nil {
		if yt.APIKey == "" {
			p.errorAt("sources.youtube.api_key", "missing (write it as ${TAGPULSE_YOUTUBE_API_KEY} and set that variable)")
		}
		p.checkURL("sources.youtube.base_url", yt.BaseURL, "http", "https")
	}
}

func (p *parser) checkMastodon(m *Mastodon) {
	if len(m.Instances) == 0 {
		p.errorAt("sources.mastodon.instances", "missing (e.g. [https://mastodon.social])")
	}
	hosts := map[string]bool{}
	byHost := map[string]int{}
	for i, inst := range m.Instances {
		key := "sources.mastodon.instances[" + strconv.Itoa(i) + "]"
		u, ok := MastodonHost(inst)
		if !ok {
			p.errorAt(key, "%q is not an http(s) URL such as https://mastodon.social", inst)
			continue
		}
		if j, dup := byHost[u.Host]; dup {
			p.errorAt(key, "%s is listed twice (as instances[%d] too)", inst, j)
			continue
		}
		byHost[u.Host] = i
		hosts[u.Host], hosts[u.Hostname()] = true, true
	}
	if m.Token != "" && len(m.Instances) > 1 {
		p.errorAt("sources.mastodon.token", "would be sent to every instance: give each its own under tokens: {HOST: \"${VARIABLE}\"}")
	}
	for _, h := range slices.Sorted(maps.Keys(m.Tokens)) {
		if !hosts[h] {
			p.errorAt("sources.mastodon.tokens."+h, "%q is not the host of any of the instances", h)
		}
	}
}

// checkURL refuses a set address that is not a URL of one of schemes.
func (p *parser) checkURL(key, raw string, schemes ...string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !slices.Contains(schemes, u.Scheme) {
		p.errorAt(key, "%q is not a URL (%s://host…)", raw, strings.Join(schemes, ", "))
	}
}
