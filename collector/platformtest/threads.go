package platformtest

// The fake Threads API: keyword and topic tag search, built from
// https://developers.facebook.com/docs/threads/keyword-search and the media
// retrieval reference. Errors, usage headers and faults are the Meta ones
// (see instagram.go).

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ThreadsPost is a post on the fake Threads. Zero fields get defaults.
type ThreadsPost struct {
	ID        string    // assigned when empty
	Username  string    // default "user"
	Text      string    // default: "#" and the topic tag
	TopicTag  string    // the post's one topic tag (without '#')
	Timestamp time.Time // default: the server's clock when added
	Reply     bool      // is_reply (replied_to is the previous post added)
	Quote     bool      // is_quote_post
	Repost    bool      // a repost: media_type REPOST_FACADE
}

// Threads is a fake graph.threads.net serving GET /v1.0/keyword_search with
// q, search_type (RECENT: newest first), search_mode (KEYWORD, TAG), since,
// until (Unix seconds), limit (at most 100), after and fields; paging with
// an after cursor; X-App-Usage headers; a per-user budget of queries in a
// rolling 24 hours (queries without results do not count), answered past
// it with code 613; Meta's error objects. Its base URL is BaseURL().
type Threads struct {
	*httptest.Server
	metaState
	nextID  uint64
	posts   []*ThreadsPost
	budget  int
	queries []time.Time // queries that counted
}

// ThreadsVersion is the API version the fake serves under.
const ThreadsVersion = "v1.0"

// NewThreads starts a fake Threads; with a non-nil tb it is closed when the
// test ends.
func NewThreads(tb testing.TB) *Threads {
	s := &Threads{nextID: 18_050_000_000_000_000, budget: 2200}
	s.now, s.closing = time.Now, make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+ThreadsVersion+"/keyword_search", s.serveSearch)
	s.Server = httptest.NewServer(mux)
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close releases held requests and stops the server.
func (s *Threads) Close() {
	s.release()
	s.Server.Close()
}

// BaseURL is the API base to configure.
func (s *Threads) BaseURL() string { return s.URL + "/" + ThreadsVersion }

// RequireToken makes every request without this token fail with code 190.
func (s *Threads) RequireToken(token string) { s.mu.Lock(); s.token = token; s.mu.Unlock() }

// ExpireToken makes every request fail as with an expired token, or stop.
func (s *Threads) ExpireToken(on bool) { s.mu.Lock(); s.expired = on; s.mu.Unlock() }

// SetNow replaces the fake's clock.
func (s *Threads) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetBudget sets the queries the user may send in 24 hours (default 2,200).
func (s *Threads) SetBudget(n int) { s.mu.Lock(); s.budget = n; s.mu.Unlock() }

// Fail queues faults for the next requests, one per request.
func (s *Threads) Fail(f ...MetaFault) { s.push(f...) }

// Requests returns the requests so far (the access_token parameter removed).
func (s *Threads) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Counted is the number of queries that counted against the budget in the
// last 24 hours.
func (s *Threads) Counted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countedLocked()
}

func (s *Threads) countedLocked() int {
	n, now := 0, s.now()
	for _, t := range s.queries {
		if now.Sub(t) < 24*time.Hour {
			n++
		}
	}
	return n
}

// Add publishes posts and returns them as stored.
func (s *Threads) Add(posts ...ThreadsPost) []ThreadsPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ThreadsPost, 0, len(posts))
	for _, p := range posts {
		if p.ID == "" {
			s.nextID += 17
			p.ID = strconv.FormatUint(s.nextID, 10)
		}
		if p.Username == "" {
			p.Username = "user"
		}
		if p.Text == "" && p.TopicTag != "" {
			p.Text = "#" + p.TopicTag
		}
		if p.Timestamp.IsZero() {
			p.Timestamp = s.now()
		}
		p.Timestamp = p.Timestamp.UTC().Truncate(time.Second)
		pp := p
		s.posts = append(s.posts, &pp)
		out = append(out, pp)
	}
	return out
}

var threadsFields = map[string]bool{"id": true, "text": true, "media_type": true, "permalink": true, "timestamp": true,
	"username": true, "has_replies": true, "is_quote_post": true, "is_reply": true, "topic_tag": true,
	"replied_to": true, "quoted_post": true, "reposted_post": true, "shortcode": true, "media_product_type": true}

func (s *Threads) serveSearch(w http.ResponseWriter, r *http.Request) {
	f, ok := s.begin(w, r, nil)
	if !ok {
		return
	}
	if f != nil && f.kind == metaRateLimit {
		metaError(w, http.StatusBadRequest, "(#17) User request limit reached", "OAuthException", 17, 0)
		return
	}
	q := r.URL.Query()
	term := q.Get("q")
	if term == "" {
		metaError(w, http.StatusBadRequest, "(#100) The parameter q is required", "OAuthException", 100, 0)
		return
	}
	mode := q.Get("search_mode")
	if mode == "" {
		mode = "KEYWORD"
	}
	if mode != "KEYWORD" && mode != "TAG" {
		metaError(w, http.StatusBadRequest, "(#100) Param search_mode must be one of {KEYWORD, TAG}", "OAuthException", 100, 0)
		return
	}
	if st := q.Get("search_type"); st != "" && st != "TOP" && st != "RECENT" {
		metaError(w, http.StatusBadRequest, "(#100) Param search_type must be one of {TOP, RECENT}", "OAuthException", 100, 0)
		return
	}
	fields := strings.Split(q.Get("fields"), ",")
	if q.Get("fields") == "" {
		fields = []string{"id"}
	}
	for _, fl := range fields {
		if !threadsFields[fl] {
			metaError(w, http.StatusBadRequest, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s)", fl), "OAuthException", 100, 0)
			return
		}
	}
	var since, until int64 = 0, 1 << 62
	for _, p := range []struct {
		name string
		v    *int64
	}{{"since", &since}, {"until", &until}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1688540400 {
				metaError(w, http.StatusBadRequest, "(#100) Param "+p.name+" must be a Unix timestamp on or after 1688540400", "OAuthException", 100, 0)
				return
			}
			*p.v = n
		}
	}
	limit := 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 100)
	}
	offset := 0
	if a := q.Get("after"); a != "" {
		n, ok := parsePageCursor(a)
		if !ok {
			metaError(w, http.StatusBadRequest, "(#100) The after cursor is not valid", "OAuthException", 100, 0)
			return
		}
		offset = n
	}
	s.mu.Lock()
	var match []*ThreadsPost
	for _, p := range s.posts {
		ts := p.Timestamp.Unix()
		if ts < since || ts > until {
			continue
		}
		if mode == "TAG" && strings.EqualFold(strings.TrimPrefix(term, "#"), p.TopicTag) ||
			mode == "KEYWORD" && strings.Contains(strings.ToLower(p.Text), strings.ToLower(term)) {
			match = append(match, p)
		}
	}
	slices.SortStableFunc(match, func(a, b *ThreadsPost) int { return b.Timestamp.Compare(a.Timestamp) })
	end := min(len(match), offset+limit)
	sel := match[min(offset, len(match)):end]
	if len(sel) > 0 {
		if s.countedLocked() >= s.budget {
			s.mu.Unlock()
			metaError(w, http.StatusBadRequest, "(#613) Calls to this api have exceeded the rate limit.", "OAuthException", 613, 0)
			return
		}
		s.queries = append(s.queries, s.now())
	}
	data := []any{}
	for _, p := range sel {
		data = append(data, s.postJSON(p, fields))
	}
	s.mu.Unlock()
	body := map[string]any{"data": data}
	if end < len(match) {
		after := pageCursor(end)
		body["paging"] = map[string]any{"cursors": map[string]string{"before": pageCursor(offset), "after": after},
			"next": "https://graph.threads.net/" + ThreadsVersion + "/keyword_search?q=" + term + "&after=" + after}
	}
	writeMetaJSON(w, body)
}

func (s *Threads) postJSON(p *ThreadsPost, fields []string) map[string]any {
	out := map[string]any{}
	var prev *ThreadsPost
	if i := slices.Index(s.posts, p); i > 0 {
		prev = s.posts[i-1]
	}
	for _, f := range fields {
		switch f {
		case "id":
			out["id"] = p.ID
		case "text":
			if !p.Repost {
				out["text"] = p.Text
			}
		case "media_type":
			out["media_type"] = "TEXT_POST"
			if p.Repost {
				out["media_type"] = "REPOST_FACADE"
			}
		case "media_product_type":
			out["media_product_type"] = "THREADS"
		case "permalink":
			out["permalink"] = "https://www.threads.com/@" + p.Username + "/post/" + p.ID[len(p.ID)-11:]
		case "shortcode":
			out["shortcode"] = p.ID[len(p.ID)-11:]
		case "timestamp":
			out["timestamp"] = p.Timestamp.Format("2006-01-02T15:04:05-0700")
		case "username":
			out["username"] = p.Username
		case "has_replies":
			out["has_replies"] = false
		case "is_quote_post":
			out["is_quote_post"] = p.Quote
		case "is_reply":
			out["is_reply"] = p.Reply
		case "topic_tag":
			if p.TopicTag != "" {
				out["topic_tag"] = p.TopicTag
			}
		case "replied_to":
			if p.Reply && prev != nil {
				out["replied_to"] = map[string]string{"id": prev.ID}
			}
		case "quoted_post":
			if p.Quote && prev != nil {
				out["quoted_post"] = map[string]string{"id": prev.ID}
			}
		case "reposted_post":
			if p.Repost && prev != nil {
				out["reposted_post"] = map[string]string{"id": prev.ID}
			}
		}
	}
	return out
}
