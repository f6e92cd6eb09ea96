package platformtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BskyProfile is an account the fake AppView knows.
type BskyProfile struct {
	DID       string
	Handle    string
	Name      string // displayName
	Followers int64
}

// BskyEngagement is what the fake AppView says of a post's engagement.
type BskyEngagement struct {
	Likes, Reposts, Replies, Quotes int64
}

// AppView is a fake Bluesky AppView (and PDS, for the logged-in search)
// speaking XRPC as the lexicons define it:
//   - GET /xrpc/app.bsky.actor.getProfiles?actors=…  (≤25) → {"profiles": [profileViewDetailed]}
//   - GET /xrpc/app.bsky.feed.getPosts?uris=…        (≤25) → {"posts": [postView]}
//   - POST /xrpc/com.atproto.server.createSession {identifier, password} → {accessJwt, refreshJwt, handle, did}
//   - GET /xrpc/app.bsky.feed.searchPosts?q&tag&since&until&sort&limit&cursor with a Bearer
//     token → {"cursor"?, "hitsTotal", "posts": [postView]}; the cursor gives out after
//     SearchDepth results, as the real one does near 10,000
//
// Errors are XRPC's {"error", "message"} bodies: 400 InvalidRequest, 401
// AuthenticationRequired, 400 ExpiredToken, 429 RateLimitExceeded. Every
// answer carries ratelimit-limit, -remaining, -reset (epoch seconds) and
// -policy headers; when Remaining reaches 0 requests are refused with 429
// until Reset.
type AppView struct {
	*httptest.Server
	// SearchDepth is how many results one search query gives before its
	// cursor runs out (default 10000).
	SearchDepth int

	mu        sync.Mutex
	profiles  map[string]BskyProfile
	engaged   map[string]BskyEngagement
	search    []json.RawMessage // postViews, newest first
	searchAt  []time.Time
	account   [2]string // identifier, password
	tokens    map[string]bool
	tokenN    int
	limit     int
	remaining int
	reset     time.Time
	calls     map[string]int
	actors    [][]string // every getProfiles call's actors
	queries   []string   // every searchPosts query string
	holds     []*avHold
	closing   chan struct{}
}

type avHold struct {
	method  string
	n, seen int
	arrived chan struct{}
}

// NewAppView starts a fake AppView with a generous rate limit.
func NewAppView() *AppView {
	a := &AppView{SearchDepth: 10000, profiles: map[string]BskyProfile{}, engaged: map[string]BskyEngagement{},
		tokens: map[string]bool{}, limit: 3000, remaining: 3000, reset: time.Now().Add(5 * time.Minute), calls: map[string]int{},
		closing: make(chan struct{})}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	return a
}

// Close stops the server, letting held requests go.
func (a *AppView) Close() {
	a.mu.Lock()
	select {
	case <-a.closing:
	default:
		close(a.closing)
	}
	a.mu.Unlock()
	a.Server.Close()
}

// Hold makes the nth call of an XRPC method hang unanswered until its
// client goes away or the server closes; the returned channel is closed
// when that call arrives. A test uses it to kill a client at a known point.
func (a *AppView) Hold(method string, n int) <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	h := &avHold{method: method, n: n, arrived: make(chan struct{})}
	a.holds = append(a.holds, h)
	return h.arrived
}

// AddProfiles adds or replaces accounts.
func (a *AppView) AddProfiles(ps ...BskyProfile) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range ps {
		a.profiles[p.DID] = p
	}
}

// SetEngagement sets a post's counts.
func (a *AppView) SetEngagement(uri string, e BskyEngagement) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.engaged[uri] = e
}

// SetAccount sets the one account that can log in.
func (a *AppView) SetAccount(identifier, password string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.account = [2]string{identifier, password}
}

// ExpireTokens makes every session issued so far expired.
func (a *AppView) ExpireTokens() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.tokens)
}

// SetRateLimit sets the rate-limit window.
func (a *AppView) SetRateLimit(limit, remaining int, reset time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.limit, a.remaining, a.reset = limit, remaining, reset
}

// AddSearchPost adds a post searchPosts can find: a Skeet as a postView by
// its author's profile, indexed at its CreatedAt. Posts are returned newest
// first.
func (a *AppView) AddSearchPost(s Skeet) {
	a.mu.Lock()
	defer a.mu.Unlock()
	at := s.CreatedAt.UTC()
	v := a.postViewLocked(s.URI(), s.DID, s.Text, s.Tags, at)
	i, _ := slices.BinarySearchFunc(a.searchAt, at, func(x, t time.Time) int { return t.Compare(x) })
	a.search = slices.Insert(a.search, i, v)
	a.searchAt = slices.Insert(a.searchAt, i, at)
}

// Calls returns how many calls each XRPC method had.
func (a *AppView) Calls(method string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[method]
}

// ProfileCalls returns the actors of every getProfiles call.
func (a *AppView) ProfileCalls() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.actors)
}

// SearchQueries returns every searchPosts query string.
func (a *AppView) SearchQueries() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.queries)
}

func xrpcErr(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
}

func (a *AppView) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/xrpc/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	var hold *avHold
	for _, h := range a.holds {
		if h.method == method {
			if h.seen++; h.seen == h.n {
				hold = h
			}
		}
	}
	if hold != nil {
		a.mu.Unlock()
		close(hold.arrived)
		select {
		case <-r.Context().Done():
		case <-a.closing:
		}
		return
	}
	defer a.mu.Unlock()
	a.calls[method]++
	now := time.Now()
	if !now.Before(a.reset) {
		a.remaining, a.reset = a.limit, now.Add(5*time.Minute)
	}
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(a.limit))
	h.Set("RateLimit-Reset", strconv.FormatInt(a.reset.Unix(), 10))
	h.Set("RateLimit-Policy", fmt.Sprintf("%d;w=300", a.limit))
	if a.remaining <= 0 {
		h.Set("RateLimit-Remaining", "0")
		xrpcErr(w, http.StatusTooManyRequests, "RateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	a.remaining--
	h.Set("RateLimit-Remaining", strconv.Itoa(a.remaining))
	q := r.URL.Query()
	switch method {
	case "app.bsky.actor.getProfiles":
		actors := q["actors"]
		if len(actors) == 0 {
			xrpcErr(w, 400, "InvalidRequest", `Error: Params must have the property "actors"`)
			return
		}
		if len(actors) > 25 {
			xrpcErr(w, 400, "InvalidRequest", "Error: actors must not have more than 25 elements")
			return
		}
		for i, d := range actors {
			if !strings.HasPrefix(d, "did:") && !strings.Contains(d, ".") {
				xrpcErr(w, 400, "InvalidRequest", fmt.Sprintf("Error: actors/%d must be a valid did or a handle", i))
				return
			}
		}
		a.actors = append(a.actors, slices.Clone(actors))
		out := []any{}
		for _, d := range actors {
			p, ok := a.profiles[d]
			if !ok {
				continue // unknown actors are left out
			}
			out = append(out, map[string]any{
				"did": p.DID, "handle": p.Handle, "displayName": p.Name, "description": "",
				"avatar":         "https://cdn.bsky.app/img/avatar/plain/" + p.DID + "/bafkreiavatar@jpeg",
				"associated":     map[string]any{"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": false},
				"indexedAt":      "2024-01-01T00:00:00.000Z",
				"createdAt":      "2023-09-23T13:41:23.762Z",
				"viewer":         map[string]any{"muted": false, "blockedBy": false},
				"labels":         []any{},
				"followersCount": p.Followers, "followsCount": 12, "postsCount": 345,
			})
		}
		writeXRPC(w, map[string]any{"profiles": out})
	case "app.bsky.feed.getPosts":
		uris := q["uris"]
		if len(uris) == 0 || len(uris) > 25 {
			xrpcErr(w, 400, "InvalidRequest", "Error: uris must not have more than 25 elements")
			return
		}
		out := []json.RawMessage{}
		for _, u := range uris {
			did, _, ok := strings.Cut(strings.TrimPrefix(u, "at://"), "/")
			if !ok || !strings.HasPrefix(u, "at://") || !strings.HasPrefix(did, "did:") && !strings.Contains(did, ".") {
				xrpcErr(w, 400, "InvalidRequest", "Error: uris/0 must be a valid at-uri")
				return
			}
			out = append(out, a.postViewLocked(u, did, "", nil, now.UTC()))
		}
		writeXRPC(w, map[string]any{"posts": out})
	case "com.atproto.server.createSession":
		if r.Method != http.MethodPost {
			xrpcErr(w, 400, "InvalidRequest", "Incorrect HTTP method (GET) expected procedure")
			return
		}
		var in struct{ Identifier, Password string }
		if json.NewDecoder(r.Body).Decode(&in) != nil || in.Identifier == "" {
			xrpcErr(w, 400, "InvalidRequest", `Input must have the property "identifier"`)
			return
		}
		if a.account[0] == "" || in.Identifier != a.account[0] || in.Password != a.account[1] {
			xrpcErr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		a.tokenN++
		tok := fmt.Sprintf("fake-access-jwt-%d", a.tokenN)
		a.tokens[tok] = true
		writeXRPC(w, map[string]any{"accessJwt": tok, "refreshJwt": tok + "-refresh", "handle": in.Identifier, "did": "did:plc:tagpulsebackfill", "active": true})
	case "app.bsky.feed.searchPosts":
		auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			xrpcErr(w, 401, "AuthenticationRequired", "Authentication Required")
			return
		}
		if !a.tokens[auth] {
			xrpcErr(w, 400, "ExpiredToken", "Token has expired")
			return
		}
		if q.Get("q") == "" {
			xrpcErr(w, 400, "InvalidRequest", `Error: Params must have the property "q"`)
			return
		}
		a.queries = append(a.queries, r.URL.RawQuery)
		since, _ := time.Parse(time.RFC3339, q.Get("since"))
		until, _ := time.Parse(time.RFC3339, q.Get("until"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 || limit > 100 {
			limit = 25
		}
		var hits []json.RawMessage
		for i, v := range a.search {
			t := a.searchAt[i]
			if (!since.IsZero() && t.Before(since)) || (!until.IsZero() && !t.Before(until)) {
				continue
			}
			if tags := q["tag"]; len(tags) > 0 && !viewHasTags(v, tags) {
				continue
			}
			hits = append(hits, v)
		}
		off, _ := strconv.Atoi(q.Get("cursor"))
		end := min(off+limit, len(hits), a.SearchDepth)
		out := map[string]any{"hitsTotal": len(hits)}
		if off < end {
			out["posts"] = hits[off:end]
		} else {
			out["posts"] = []any{}
		}
		if end < len(hits) && end < a.SearchDepth {
			out["cursor"] = strconv.Itoa(end)
		}
		writeXRPC(w, out)
	default:
		xrpcErr(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

func writeXRPC(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

func viewHasTags(v json.RawMessage, tags []string) bool {
	var pv struct {
		Record struct {
			Tags   []string `json:"tags"`
			Facets []struct {
				Features []struct {
					Tag string `json:"tag"`
				} `json:"features"`
			} `json:"facets"`
		} `json:"record"`
	}
	json.Unmarshal(v, &pv)
	have := map[string]bool{}
	for _, t := range pv.Record.Tags {
		have[strings.ToLower(t)] = true
	}
	for _, f := range pv.Record.Facets {
		for _, ft := range f.Features {
			have[strings.ToLower(ft.Tag)] = true
		}
	}
	for _, t := range tags {
		if !have[strings.ToLower(t)] {
			return false
		}
	}
	return true
}

// postViewLocked is app.bsky.feed.defs#postView: author as
// profileViewBasic (which has no follower count), record, counts.
func (a *AppView) postViewLocked(uri, did, text string, tags []string, at time.Time) json.RawMessage {
	p := a.profiles[did]
	handle := p.Handle
	if handle == "" {
		handle = "handle.invalid"
	}
	e := a.engaged[uri]
	rec := map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": at.Format("2006-01-02T15:04:05.000Z"), "langs": []string{"en"}}
	var facets []any
	for _, t := range tags {
		i := strings.Index(strings.ToLower(text), "#"+strings.ToLower(t))
		if i < 0 {
			rec["tags"] = append(asStrings(rec["tags"]), t)
			continue
		}
		facets = append(facets, map[string]any{
			"index":    map[string]int{"byteStart": i, "byteEnd": i + 1 + len(t)},
			"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": t}},
		})
	}
	if facets != nil {
		rec["facets"] = facets
	}
	v := map[string]any{
		"uri": uri, "cid": "bafyreifakecid" + strconv.Itoa(len(uri)),
		"author": map[string]any{"did": did, "handle": handle, "displayName": p.Name, "labels": []any{}, "createdAt": "2023-09-23T13:41:23.762Z",
			"viewer": map[string]any{"muted": false, "blockedBy": false}},
		"record":     rec,
		"replyCount": e.Replies, "repostCount": e.Reposts, "likeCount": e.Likes, "quoteCount": e.Quotes,
		"indexedAt": at.Format("2006-01-02T15:04:05.000Z"),
		"viewer":    map[string]any{"threadMuted": false, "embeddingDisabled": false},
		"labels":    []any{},
	}
	b, _ := json.Marshal(v)
	return b
}

func asStrings(v any) []string {
	s, _ := v.([]string)
	return s
}
