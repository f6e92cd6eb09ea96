package platformtest

// The fake YouTube Data API v3: search.list, videos.list and channels.list
// with a project's daily quota, built from the references at
// https://developers.google.com/youtube/v3/docs (search/list, videos/list,
// channels/list, errors) and determine_quota_cost.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// YTVideo is a video on the fake YouTube. Zero fields get defaults.
type YTVideo struct {
	ID          string    // 11 characters; assigned when empty
	ChannelID   string    // default "UC" + 22 characters from the channel's title
	Title       string    // default: the hashtags, each with '#'
	Description string    //
	Hashtags    []string  // written into Title when Title is empty
	PublishedAt time.Time // default: the server's clock when added
	Lang        string    // defaultAudioLanguage
	Views       int64
	Likes       int64
	HideLikes   bool // the owner hid the like count: likeCount is left out
	Comments    int64
}

// YTChannel is a channel on the fake YouTube.
type YTChannel struct {
	ID          string // "UC…"
	Title       string
	Handle      string // customUrl without '@'
	Country     string // ISO 3166-1 alpha-2, as the owner set it
	Subscribers int64
	Hidden      bool // hiddenSubscriberCount: subscriberCount is left out
}

// YTFault is a scripted misbehaviour of the fake YouTube.
type YTFault int

// Faults, one per request, in order.
const (
	// YTRateLimited answers 429 rateLimitExceeded with Retry-After: 30.
	YTRateLimited YTFault = iota + 1
	// YTQuotaExceeded answers 403 quotaExceeded, as when the day's units are spent.
	YTQuotaExceeded
	// YTPageTokenLost answers the next request carrying a pageToken with
	// 400 invalidPageToken (requests without one are served).
	YTPageTokenLost
	// YTBackendError answers 500 backendError.
	YTBackendError
)

// YouTube is a fake www.googleapis.com/youtube/v3. It requires the API
// key, charges each call's documented cost (search 100, videos and
// channels 1; an invalid request 1) against a daily quota that resets at
// midnight Pacific time, answers 403 quotaExceeded past it, and pages
// search results newest first with page tokens. Its base URL is BaseURL().
type YouTube struct {
	*httptest.Server
	mu       sync.Mutex
	key      string
	keyBad   bool
	now      func() time.Time
	quota    int
	day      string
	used     int
	videos   []*YTVideo
	channels map[string]*YTChannel
	faults   []YTFault
	requests []Request
	nextID   int
	holds    []*ytHold
	closing  chan struct{}
}

// ytHold is a request held unanswered: see Hold.
type ytHold struct {
	path    string
	n       int // hold the nth request on path
	seen    int
	arrived chan struct{}
}

// NewYouTube starts a fake YouTube that takes the API key key; with a
// non-nil tb it is closed when the test ends.
func NewYouTube(tb testing.TB, key string) *YouTube {
	s := &YouTube{key: key, now: time.Now, quota: 10000, channels: map[string]*YTChannel{}, closing: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /youtube/v3/search", s.serveSearch)
	mux.HandleFunc("GET /youtube/v3/videos", s.serveVideos)
	mux.HandleFunc("GET /youtube/v3/channels", s.serveChannels)
	s.Server = httptest.NewServer(mux)
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close releases held requests and stops the server.
func (s *YouTube) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.Server.Close()
}

// BaseURL is the API base to configure.
func (s *YouTube) BaseURL() string { return s.URL + "/youtube/v3" }

// Hold makes the nth request to the endpoint ("search", "videos" or
// "channels") hang unanswered until its client goes away or the server
// closes; the returned channel is closed when that request arrives. A test
// uses it to kill a client at a known point.
func (s *YouTube) Hold(endpoint string, n int) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := &ytHold{path: "/youtube/v3/" + endpoint, n: n, arrived: make(chan struct{})}
	s.holds = append(s.holds, h)
	return h.arrived
}

// SetNow replaces the fake's clock (the quota day, default dates).
func (s *YouTube) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetQuota sets the project's daily units (default 10,000).
func (s *YouTube) SetQuota(units int) { s.mu.Lock(); s.quota = units; s.mu.Unlock() }

// ExpireKey makes the key be refused as expired (on), or accepted again.
func (s *YouTube) ExpireKey(on bool) { s.mu.Lock(); s.keyBad = on; s.mu.Unlock() }

// Fail queues faults for the next requests.
func (s *YouTube) Fail(f ...YTFault) { s.mu.Lock(); s.faults = append(s.faults, f...); s.mu.Unlock() }

// Used is the units charged on the current Pacific day.
func (s *YouTube) Used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rollLocked()
	return s.used
}

// Requests returns the requests so far (the key parameter removed).
func (s *YouTube) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// AddChannel adds or replaces a channel.
func (s *YouTube) AddChannel(c YTChannel) { s.mu.Lock(); s.channels[c.ID] = &c; s.mu.Unlock() }

// Add publishes videos and returns them as stored.
func (s *YouTube) Add(videos ...YTVideo) []YTVideo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]YTVideo, 0, len(videos))
	for _, v := range videos {
		if v.ID == "" {
			s.nextID++
			v.ID = fmt.Sprintf("vid%08dXY", s.nextID)[:11]
		}
		if v.Title == "" {
			for _, h := range v.Hashtags {
				v.Title += "#" + h + " "
			}
			v.Title = strings.TrimSpace(v.Title)
		}
		if v.ChannelID == "" {
			v.ChannelID = "UCdefaultchannel0000000a"
		}
		if v.PublishedAt.IsZero() {
			v.PublishedAt = s.now()
		}
		v.PublishedAt = v.PublishedAt.UTC().Truncate(time.Second)
		vv := v
		s.videos = append(s.videos, &vv)
		out = append(out, vv)
	}
	return out
}

var pacificZone = func() *time.Location {
	l, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		panic(err)
	}
	return l
}()

func (s *YouTube) rollLocked() {
	if d := s.now().In(pacificZone).Format(time.DateOnly); d != s.day {
		s.day, s.used = d, 0
	}
}

func ytError(w http.ResponseWriter, status int, reason, domain, msg, grpc string) {
	body := map[string]any{"error": map[string]any{
		"code": status, "message": msg, "status": grpc,
		"errors": []any{map[string]string{"message": msg, "domain": domain, "reason": reason}},
	}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(mustJSON(body))
}

// begin records and charges a request; it returns false when it answered.
func (s *YouTube) begin(w http.ResponseWriter, r *http.Request, cost int) bool {
	s.mu.Lock()
	q := r.URL.Query()
	key := q.Get("key")
	q.Del("key")
	s.requests = append(s.requests, Request{Path: r.URL.Path, Query: q})
	s.rollLocked()
	var f YTFault
	if len(s.faults) > 0 && (s.faults[0] != YTPageTokenLost || q.Get("pageToken") != "") {
		f, s.faults = s.faults[0], s.faults[1:]
	}
	keyBad, used, quota := s.keyBad, s.used, s.quota
	var hold *ytHold
	for _, h := range s.holds {
		if h.path == r.URL.Path {
			if h.seen++; h.seen == h.n {
				hold = h
			}
		}
	}
	s.mu.Unlock()
	if hold != nil {
		close(hold.arrived)
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return false
	}
	charge := func(n int) { s.mu.Lock(); s.used += n; s.mu.Unlock() }
	switch {
	case key == "" || key != s.key:
		ytError(w, http.StatusBadRequest, "badRequest", "global", "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT")
		return false
	case keyBad:
		ytError(w, http.StatusBadRequest, "keyExpired", "global", "API key expired. Please renew the API key.", "INVALID_ARGUMENT")
		return false
	case f == YTQuotaExceeded || used+cost > quota:
		ytError(w, http.StatusForbidden, "quotaExceeded", "youtube.quota",
			`The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.`, "PERMISSION_DENIED")
		return false
	case f == YTRateLimited:
		charge(1)
		w.Header().Set("Retry-After", "30")
		ytError(w, http.StatusTooManyRequests, "rateLimitExceeded", "youtube.quota", "The request cannot be completed because you have exceeded your rate limit.", "RESOURCE_EXHAUSTED")
		return false
	case f == YTPageTokenLost:
		charge(1)
		ytError(w, http.StatusBadRequest, "invalidPageToken", "youtube.parameter", "The request specifies an invalid page token.", "INVALID_ARGUMENT")
		return false
	case f == YTBackendError:
		ytError(w, http.StatusInternalServerError, "backendError", "global", "Backend Error", "INTERNAL")
		return false
	}
	charge(cost)
	return true
}

func (s *YouTube) serveSearch(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, 100) {
		return
	}
	q := r.URL.Query()
	if q.Get("part") != "snippet" {
		ytError(w, http.StatusBadRequest, "invalidPart", "youtube.parameter", "The part parameter must be snippet for search.", "INVALID_ARGUMENT")
		return
	}
	var after, before time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"publishedAfter", &after}, {"publishedBefore", &before}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				ytError(w, http.StatusBadRequest, "invalidPublishedAfter", "youtube.parameter", "Invalid value for "+p.name, "INVALID_ARGUMENT")
				return
			}
			*p.t = t
		}
	}
	limit := 5
	if n, err := strconv.Atoi(q.Get("maxResults")); err == nil && n >= 0 {
		limit = min(n, 50)
	}
	offset := 0
	if tok := q.Get("pageToken"); tok != "" {
		n, ok := parsePageCursor(tok)
		if !ok {
			ytError(w, http.StatusBadRequest, "invalidPageToken", "youtube.parameter", "The request specifies an invalid page token.", "INVALID_ARGUMENT")
			return
		}
		offset = n
	}
	var terms []string
	for _, t := range strings.Split(q.Get("q"), "|") {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			terms = append(terms, t)
		}
	}
	s.mu.Lock()
	var match []*YTVideo
	for _, v := range s.videos {
		if !after.IsZero() && v.PublishedAt.Before(after) || !before.IsZero() && !v.PublishedAt.Before(before) {
			continue
		}
		text := strings.ToLower(v.Title + " " + v.Description)
		for _, t := range terms {
			if strings.Contains(text, t) {
				match = append(match, v)
				break
			}
		}
	}
	if q.Get("order") == "date" {
		slices.SortStableFunc(match, func(a, b *YTVideo) int { return b.PublishedAt.Compare(a.PublishedAt) })
	}
	end := min(len(match), offset+limit)
	items := []any{}
	for _, v := range match[min(offset, len(match)):end] {
		items = append(items, map[string]any{
			"kind": "youtube#searchResult", "etag": "e" + v.ID,
			"id": map[string]string{"kind": "youtube#video", "videoId": v.ID},
			"snippet": map[string]any{
				"publishedAt": v.PublishedAt.Format(time.RFC3339), "channelId": v.ChannelID, "title": v.Title,
				"description": cut(v.Description, 160), "channelTitle": s.channelTitleLocked(v.ChannelID),
				"liveBroadcastContent": "none", "publishTime": v.PublishedAt.Format(time.RFC3339),
				"thumbnails": map[string]any{"default": map[string]any{"url": "https://i.ytimg.com/vi/" + v.ID + "/default.jpg", "width": 120, "height": 90}},
			},
		})
	}
	s.mu.Unlock()
	body := map[string]any{"kind": "youtube#searchListResponse", "etag": "searchetag", "regionCode": "US",
		"pageInfo": map[string]int{"totalResults": len(match), "resultsPerPage": limit}, "items": items}
	if end < len(match) {
		body["nextPageToken"] = pageCursor(end)
	}
	if offset > 0 {
		body["prevPageToken"] = pageCursor(max(0, offset-limit))
	}
	writeMetaJSON(w, body)
}

func (s *YouTube) channelTitleLocked(id string) string {
	if c := s.channels[id]; c != nil {
		return c.Title
	}
	return ""
}

func ids(q string) ([]string, bool) {
	var out []string
	for _, id := range strings.Split(q, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out, len(out) > 0 && len(out) <= 50
}

func (s *YouTube) serveVideos(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, 1) {
		return
	}
	want, ok := ids(r.URL.Query().Get("id"))
	if !ok {
		ytError(w, http.StatusBadRequest, "missingRequiredParameter", "youtube.parameter", "id: 1 to 50 video IDs", "INVALID_ARGUMENT")
		return
	}
	parts := r.URL.Query().Get("part")
	items := []any{}
	s.mu.Lock()
	for _, v := range s.videos {
		if !slices.Contains(want, v.ID) {
			continue
		}
		it := map[string]any{"kind": "youtube#video", "etag": "v" + v.ID, "id": v.ID}
		if strings.Contains(parts, "snippet") {
			sn := map[string]any{"publishedAt": v.PublishedAt.Format(time.RFC3339), "channelId": v.ChannelID, "title": v.Title,
				"description": v.Description, "channelTitle": s.channelTitleLocked(v.ChannelID), "categoryId": "29",
				"liveBroadcastContent": "none", "localized": map[string]string{"title": v.Title, "description": v.Description}}
			if v.Lang != "" {
				sn["defaultAudioLanguage"] = v.Lang
			}
			it["snippet"] = sn
		}
		if strings.Contains(parts, "statistics") {
			st := map[string]string{"viewCount": strconv.FormatInt(v.Views, 10), "favoriteCount": "0", "commentCount": strconv.FormatInt(v.Comments, 10)}
			if !v.HideLikes {
				st["likeCount"] = strconv.FormatInt(v.Likes, 10)
			}
			it["statistics"] = st
		}
		items = append(items, it)
	}
	s.mu.Unlock()
	writeMetaJSON(w, map[string]any{"kind": "youtube#videoListResponse", "etag": "videosetag", "items": items,
		"pageInfo": map[string]int{"totalResults": len(items), "resultsPerPage": len(items)}})
}

func (s *YouTube) serveChannels(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, 1) {
		return
	}
	want, ok := ids(r.URL.Query().Get("id"))
	if !ok {
		ytError(w, http.StatusBadRequest, "missingRequiredParameter", "youtube.parameter", "id: 1 to 50 channel IDs", "INVALID_ARGUMENT")
		return
	}
	items := []any{}
	s.mu.Lock()
	for _, id := range want {
		c := s.channels[id]
		if c == nil {
			continue
		}
		sn := map[string]any{"title": c.Title, "description": "", "publishedAt": "2014-03-01T10:00:00Z"}
		if c.Handle != "" {
			sn["customUrl"] = "@" + c.Handle
		}
		if c.Country != "" {
			sn["country"] = c.Country
		}
		st := map[string]any{"viewCount": "1000", "hiddenSubscriberCount": c.Hidden, "videoCount": "12"}
		if !c.Hidden {
			st["subscriberCount"] = strconv.FormatInt(c.Subscribers, 10)
		}
		items = append(items, map[string]any{"kind": "youtube#channel", "etag": "c" + c.ID, "id": c.ID, "snippet": sn, "statistics": st})
	}
	s.mu.Unlock()
	writeMetaJSON(w, map[string]any{"kind": "youtube#channelListResponse", "etag": "channelsetag", "items": items,
		"pageInfo": map[string]int{"totalResults": len(items), "resultsPerPage": len(items)}})
}
