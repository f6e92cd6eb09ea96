package platformtest

// The fake X. Posts are added by the test, so it can assert exact counts;
// faults are queued through methods and hit the next request, so no test
// needs to sleep to line things up.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tweet is a post on the fake X. Zero fields get defaults when added.
type Tweet struct {
	ID        string    // decimal; assigned in increasing order when empty
	AuthorID  string    // default: derived from Username
	Username  string    // default "user"
	Name      string    // display name
	Followers int64     // author's followers_count
	Location  string    // author's profile location
	Text      string    // default: the hashtags, each with '#'
	Hashtags  []string  // without '#'; default: parsed from Text
	Lang      string    // default "en"
	CreatedAt time.Time // default: the server's clock when added

	RetweetOf string // ID of a tweet added earlier: this is its retweet
	ReplyTo   string // ID of the tweet this replies to
	Quotes    string // ID of the tweet this quotes

	PlaceID      string      // a place; PlaceCountry is its country_code
	PlaceCountry string      //
	PlaceName    string      // full_name
	Coordinates  *[2]float64 // exact point, [lon, lat]

	Likes int64
	// Hidden tweets are counted by counts/recent but never returned by a
	// search: what the platform holds and a collector cannot see.
	Hidden bool
}

// Request is one request the fake received.
type Request struct {
	Path  string
	Query url.Values
	Auth  string // "bearer", "oauth1" or ""
}

// Endpoint paths the fake serves.
const (
	PathV2Search = "/2/tweets/search/recent"
	PathV2Counts = "/2/tweets/counts/recent"
	PathV1Search = "/1.1/search/tweets.json"
)

type faultKind int

const (
	faultStatus faultKind = iota
	faultRateLimit
	faultTruncate
	faultStall
	faultMalformed
	faultDuplicate
	faultPartial
)

type fault struct {
	kind       faultKind
	status     int
	reset      time.Time
	retryAfter time.Duration
}

type window struct {
	limit, remaining int
	reset            time.Time
}

// XServer is a fake api.x.com: X API v2 recent search and counts, and
// Twitter v1.1 search/tweets, over the same tweets. Its URL is the base URL
// for both APIs (the poller's base_url).
type XServer struct {
	*httptest.Server

	mu        sync.Mutex
	token     string // required bearer token, "" for any
	now       func() time.Time
	tweets    []*Tweet // in ID order
	byID      map[string]*Tweet
	lastID    uint64
	faults    []fault
	requests  []Request
	windows   map[string]*window
	limits    map[string]int
	overlap   int
	sinceMin  string // since_id below this is refused, as X refuses one older than 7 days
	lastBody  map[string][]byte
	closing   chan struct{}
	closeOnce sync.Once
}

// NewX starts a fake X on loopback. With a non-nil tb it is closed when the
// test ends; otherwise call Close.
func NewX(tb testing.TB) *XServer {
	s := &XServer{
		now:      time.Now,
		byID:     map[string]*Tweet{},
		lastID:   1_500_000_000_000_000_000,
		windows:  map[string]*window{},
		limits:   map[string]int{PathV2Search: 450, PathV2Counts: 300, PathV1Search: 180},
		lastBody: map[string][]byte{},
		closing:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathV2Search, s.serveV2Search)
	mux.HandleFunc("GET "+PathV2Counts, s.serveV2Counts)
	mux.HandleFunc("GET "+PathV1Search, s.serveV1Search)
	s.Server = httptest.NewServer(mux)
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close releases stalled requests and stops the server.
func (s *XServer) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.Server.Close()
}

// RequireToken makes the fake answer 401 unless the request carries this
// bearer token (v2, and v1.1 app-only auth; v1.1 OAuth1 is accepted as is).
func (s *XServer) RequireToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = token
}

// SetNow replaces the fake's clock (rate-limit windows, counts, defaults).
func (s *XServer) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetRateLimit sets the requests allowed per 15-minute window on a path
// (defaults: v2 search 450, counts 300, v1.1 search 180). When a window runs
// out the fake answers 429 until its reset.
func (s *XServer) SetRateLimit(path string, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[path] = limit
	delete(s.windows, path)
}

// SetOverlap makes every page fetched with a next_token / max_id repeat the
// last n tweets of the page before it, as overlapping pages do.
func (s *XServer) SetOverlap(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overlap = n
}

// RejectSinceIDBelow makes v2 search answer 400, as X does for a since_id
// older than its 7-day window, when since_id is below id ("" to stop).
func (s *XServer) RejectSinceIDBelow(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinceMin = id
}

// Add adds tweets, filling defaults, and returns them as stored (with IDs).
func (s *XServer) Add(tweets ...Tweet) []Tweet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Tweet, 0, len(tweets))
	for _, t := range tweets {
		if t.ID == "" {
			s.lastID += 1 << 22 // Snowflake-like: room for the timestamp bits
			t.ID = strconv.FormatUint(s.lastID, 10)
		} else if id, err := strconv.ParseUint(t.ID, 10, 64); err == nil && id > s.lastID {
			s.lastID = id
		}
		if t.Username == "" {
			t.Username = "user"
		}
		if t.AuthorID == "" {
			t.AuthorID = strconv.FormatUint(fnv(t.Username)+1, 10)
		}
		if t.Name == "" {
			t.Name = t.Username
		}
		if t.Lang == "" {
			t.Lang = "en"
		}
		if t.CreatedAt.IsZero() {
			t.CreatedAt = s.now()
		}
		t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Second)
		if t.Text == "" {
			for _, h := range t.Hashtags {
				t.Text += "#" + h + " "
			}
			t.Text = strings.TrimSpace(t.Text)
		}
		if t.Hashtags == nil {
			t.Hashtags = tagsIn(t.Text)
		}
		if t.RetweetOf != "" {
			orig := s.byID[t.RetweetOf]
			if orig == nil {
				panic("platformtest: RetweetOf " + t.RetweetOf + " not added")
			}
			t.Text = "RT @" + orig.Username + ": " + orig.Text
			t.Hashtags = nil // a retweet's own text is cut short: see v2Tweet
		}
		tw := t
		s.byID[tw.ID] = &tw
		s.tweets = append(s.tweets, &tw)
		slices.SortFunc(s.tweets, func(a, b *Tweet) int { return cmpID(a.ID, b.ID) })
		out = append(out, tw)
	}
	return out
}

// Requests returns the requests received so far, oldest first.
func (s *XServer) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// FailNext makes the next request answer with this HTTP status and an error body.
func (s *XServer) FailNext(status int) { s.push(fault{kind: faultStatus, status: status}) }

// RateLimitNext makes the next request answer 429 with x-rate-limit-reset
// at reset and, when retryAfter > 0, a Retry-After header in seconds.
func (s *XServer) RateLimitNext(reset time.Time, retryAfter time.Duration) {
	s.push(fault{kind: faultRateLimit, reset: reset, retryAfter: retryAfter})
}

// TruncateNext makes the next response declare its full length, send half
// of the body, and close the connection.
func (s *XServer) TruncateNext() { s.push(fault{kind: faultTruncate}) }

// StallNext makes the next request hang until the client gives up (or the
// server closes): a time-out.
func (s *XServer) StallNext() { s.push(fault{kind: faultStall}) }

// MalformedNext adds one unparseable item to the next response's data or
// statuses, beside the good ones.
func (s *XServer) MalformedNext() { s.push(fault{kind: faultMalformed}) }

// PartialErrorsNext gives the next v2 response an "errors" array beside its
// data, as X sends for deleted or withheld referenced items.
func (s *XServer) PartialErrorsNext() { s.push(fault{kind: faultPartial}) }

// DuplicateNext makes the next request on a path answer with the body that
// path sent last: a page delivered twice.
func (s *XServer) DuplicateNext() { s.push(fault{kind: faultDuplicate}) }

func (s *XServer) push(f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// begin records the request, checks auth and the rate-limit window, and
// applies a queued fault. It returns false when it has answered.
func (s *XServer) begin(w http.ResponseWriter, r *http.Request, v1 bool) (ok bool, f *fault) {
	s.mu.Lock()
	auth := ""
	h := r.Header.Get("Authorization")
	switch {
	case strings.HasPrefix(h, "Bearer "):
		auth = "bearer"
	case strings.HasPrefix(h, "OAuth ") && strings.Contains(h, "oauth_consumer_key=") && strings.Contains(h, "oauth_signature="):
		auth = "oauth1"
	}
	s.requests = append(s.requests, Request{Path: r.URL.Path, Query: r.URL.Query(), Auth: auth})
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	now := s.now()
	win := s.windows[r.URL.Path]
	if win == nil || !now.Before(win.reset) {
		win = &window{limit: s.limits[r.URL.Path], remaining: s.limits[r.URL.Path], reset: now.Add(15 * time.Minute).Truncate(time.Second)}
		s.windows[r.URL.Path] = win
	}
	token := s.token
	last := s.lastBody[r.URL.Path]
	s.mu.Unlock()

	setRL := func(remaining int, reset time.Time) {
		w.Header().Set("x-rate-limit-limit", strconv.Itoa(win.limit))
		w.Header().Set("x-rate-limit-remaining", strconv.Itoa(remaining))
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
	}
	if token != "" && (auth == "" || auth == "bearer" && h != "Bearer "+token) {
		writeError(w, v1, http.StatusUnauthorized)
		return false, nil
	}
	if f != nil {
		switch f.kind {
		case faultStatus:
			writeError(w, v1, f.status)
			return false, nil
		case faultRateLimit:
			setRL(0, f.reset)
			if f.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(f.retryAfter/time.Second)))
			}
			writeError(w, v1, http.StatusTooManyRequests)
			return false, nil
		case faultStall:
			select {
			case <-r.Context().Done():
			case <-s.closing:
			}
			return false, nil
		case faultTruncate:
			// answered by the handler through truncate
			w.Header().Set("X-Platformtest-Truncate", "1")
		case faultDuplicate:
			if last != nil {
				setRL(win.remaining, win.reset)
				writeJSON(w, r, last)
				return false, nil
			}
		}
	}
	s.mu.Lock()
	if win.remaining <= 0 {
		s.mu.Unlock()
		setRL(0, win.reset)
		writeError(w, v1, http.StatusTooManyRequests)
		return false, nil
	}
	win.remaining--
	remaining := win.remaining
	s.mu.Unlock()
	setRL(remaining, win.reset)
	return true, f
}

func (f *fault) is(k faultKind) bool { return f != nil && f.kind == k }

func (s *XServer) finish(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	s.lastBody[r.URL.Path] = body
	s.mu.Unlock()
	writeJSON(w, r, body)
}

// writeJSON sends body, or when the request drew TruncateNext, half of it
// under a Content-Length for the whole, then drops the connection.
func writeJSON(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if w.Header().Get("X-Platformtest-Truncate") == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	w.Header().Del("X-Platformtest-Truncate")
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic("platformtest: hijack: " + err.Error())
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n", len(body))
	w.Header().Write(buf)
	buf.WriteString("\r\n")
	buf.Write(body[:len(body)/2])
	buf.Flush()
}

func writeError(w http.ResponseWriter, v1 bool, status int) {
	var body any
	if v1 {
		code := map[int]int{401: 32, 429: 88}[status]
		if code == 0 {
			code = 131
		}
		body = map[string]any{"errors": []map[string]any{{"code": code, "message": http.StatusText(status)}}}
	} else {
		body = map[string]any{"title": http.StatusText(status), "detail": http.StatusText(status), "type": "about:blank", "status": status}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// queryTags reads "#a OR #b" (and v1.1's q) into lower-case tags.
func queryTags(q string) map[string]bool {
	tags := map[string]bool{}
	for _, f := range strings.Fields(q) {
		if strings.HasPrefix(f, "#") {
			tags[strings.ToLower(strings.TrimPrefix(f, "#"))] = true
		}
	}
	return tags
}

// matches reports whether a search for tags finds t: its hashtags or, for a
// retweet, the original's.
func (s *XServer) matches(t *Tweet, tags map[string]bool) bool {
	hs := t.Hashtags
	if o := s.byID[t.RetweetOf]; o != nil {
		hs = o.Hashtags
	}
	for _, h := range hs {
		if tags[strings.ToLower(h)] {
			return true
		}
	}
	return false
}

// search returns the visible tweets matching tags with an ID above sinceID
// and created from start, newest first.
func (s *XServer) search(tags map[string]bool, sinceID string, start time.Time) []*Tweet {
	var out []*Tweet
	for i := len(s.tweets) - 1; i >= 0; i-- {
		t := s.tweets[i]
		if t.Hidden || !s.matches(t, tags) {
			continue
		}
		if sinceID != "" && cmpID(t.ID, sinceID) <= 0 {
			continue
		}
		if !start.IsZero() && t.CreatedAt.Before(start) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// page cuts one page from hits (newest first) below the boundary, repeating
// overlap tweets from above it.
func (s *XServer) page(all []*Tweet, below string, n int) (page []*Tweet, more bool) {
	start := 0
	if below != "" {
		for start < len(all) && cmpID(all[start].ID, below) >= 0 {
			start++
		}
		back := min(s.overlap, start, n-1)
		start -= back
	}
	end := min(start+n, len(all))
	return all[start:end], end < len(all)
}

func (s *XServer) serveV2Search(w http.ResponseWriter, r *http.Request) {
	ok, f := s.begin(w, r, false)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	floor := s.sinceMin
	s.mu.Unlock()
	if sid := q.Get("since_id"); sid != "" && floor != "" && cmpID(sid, floor) < 0 {
		b, _ := json.Marshal(map[string]any{
			"errors": []any{map[string]any{"parameters": map[string]any{"since_id": []string{sid}},
				"message": "Invalid 'since_id':'" + sid + "'. 'since_id' must be a tweet id created after the start of the 7-day window."}},
			"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
			"type": "https://api.twitter.com/2/problems/invalid-request"})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(b)
		return
	}
	n, err := strconv.Atoi(q.Get("max_results"))
	if q.Get("max_results") == "" {
		n, err = 10, nil
	}
	if err != nil || n < 10 || n > 100 {
		writeError(w, false, http.StatusBadRequest)
		return
	}
	var start time.Time
	if st := q.Get("start_time"); st != "" {
		if start, err = time.Parse(time.RFC3339, st); err != nil {
			writeError(w, false, http.StatusBadRequest)
			return
		}
	}
	below := ""
	if tok := q.Get("next_token"); tok != "" {
		if !strings.HasPrefix(tok, "nt") {
			writeError(w, false, http.StatusBadRequest)
			return
		}
		below = strings.TrimPrefix(tok, "nt")
	}
	s.mu.Lock()
	all := s.search(queryTags(q.Get("query")), q.Get("since_id"), start)
	pg, more := s.page(all, below, n)
	body := s.v2Body(pg, more, f.is(faultMalformed), f.is(faultPartial))
	s.mu.Unlock()
	s.finish(w, r, body)
}

func (s *XServer) v2Body(pg []*Tweet, more, malformed, partial bool) []byte {
	type obj = map[string]any
	data := []any{}
	users, places, refs := map[string]obj{}, map[string]obj{}, map[string]obj{}
	addUser := func(t *Tweet) {
		users[t.AuthorID] = obj{"id": t.AuthorID, "username": t.Username, "name": t.Name, "location": t.Location,
			"public_metrics": obj{"followers_count": t.Followers, "following_count": 1, "tweet_count": 1, "listed_count": 0}}
	}
	for _, t := range pg {
		data = append(data, s.v2Tweet(t))
		addUser(t)
		if t.PlaceID != "" {
			places[t.PlaceID] = obj{"id": t.PlaceID, "country_code": t.PlaceCountry, "full_name": t.PlaceName}
		}
		for _, id := range []string{t.RetweetOf, t.ReplyTo, t.Quotes} {
			if o := s.byID[id]; o != nil {
				refs[id] = s.v2Tweet(o)
				addUser(o)
			}
		}
	}
	if malformed {
		data = append(data, obj{"id": 12345, "text": []string{"not", "a", "tweet"}})
	}
	out := obj{}
	meta := obj{"result_count": len(pg)}
	if len(pg) > 0 {
		out["data"] = data
		meta["newest_id"], meta["oldest_id"] = pg[0].ID, pg[len(pg)-1].ID
		inc := obj{}
		if len(users) > 0 {
			inc["users"] = values(users)
		}
		if len(places) > 0 {
			inc["places"] = values(places)
		}
		if len(refs) > 0 {
			inc["tweets"] = values(refs)
		}
		out["includes"] = inc
	} else if malformed {
		out["data"] = data
	}
	if more {
		meta["next_token"] = "nt" + pg[len(pg)-1].ID
	}
	if partial {
		out["errors"] = []any{map[string]any{"value": "1", "detail": "Could not find tweet with referenced_tweets.id: [1].",
			"title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id", "resource_id": "1",
			"type": "https://api.twitter.com/2/problems/resource-not-found"}}
	}
	out["meta"] = meta
	b, _ := json.Marshal(out)
	return b
}

func values(m map[string]map[string]any) []any {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// v2Tweet is t as v2 sends it. A retweet's text is cut, as X cuts it, and
// its entities cover only what is left.
func (s *XServer) v2Tweet(t *Tweet) map[string]any {
	text := t.Text
	tags := t.Hashtags
	if t.RetweetOf != "" {
		text = cut(text, 40)
		tags = tagsIn(text)
	}
	o := map[string]any{
		"id": t.ID, "text": text, "author_id": t.AuthorID, "lang": t.Lang, "conversation_id": t.ID,
		"created_at":             t.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
		"public_metrics":         map[string]any{"retweet_count": 0, "reply_count": 0, "like_count": t.Likes, "quote_count": 0},
		"edit_history_tweet_ids": []string{t.ID},
	}
	if len(tags) > 0 {
		var hs []any
		for _, h := range tags {
			hs = append(hs, map[string]any{"start": 0, "end": len(h) + 1, "tag": h})
		}
		o["entities"] = map[string]any{"hashtags": hs}
	}
	var refs []any
	for typ, id := range map[string]string{"retweeted": t.RetweetOf, "replied_to": t.ReplyTo, "quoted": t.Quotes} {
		if id != "" {
			refs = append(refs, map[string]any{"type": typ, "id": id})
		}
	}
	if refs != nil {
		o["referenced_tweets"] = refs
	}
	if t.PlaceID != "" || t.Coordinates != nil {
		geo := map[string]any{}
		if t.PlaceID != "" {
			geo["place_id"] = t.PlaceID
		}
		if c := t.Coordinates; c != nil {
			geo["coordinates"] = map[string]any{"type": "Point", "coordinates": []float64{c[0], c[1]}}
		}
		o["geo"] = geo
	}
	return o
}

func (s *XServer) serveV2Counts(w http.ResponseWriter, r *http.Request) {
	if ok, _ := s.begin(w, r, false); !ok {
		return
	}
	q := r.URL.Query()
	if g := q.Get("granularity"); g != "" && g != "hour" {
		writeError(w, false, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	now := s.now().UTC().Truncate(time.Second)
	from := now.Add(-7 * 24 * time.Hour)
	tags := queryTags(q.Get("query"))
	var data []any
	var total int64
	for start := from; start.Before(now); {
		end := start.Truncate(time.Hour).Add(time.Hour)
		if end.After(now) {
			end = now
		}
		var n int64
		for _, t := range s.tweets {
			if s.matches(t, tags) && !t.CreatedAt.Before(start) && t.CreatedAt.Before(end) {
				n++
			}
		}
		total += n
		data = append(data, map[string]any{"start": start.Format("2006-01-02T15:04:05.000Z"), "end": end.Format("2006-01-02T15:04:05.000Z"), "tweet_count": n})
		start = end
	}
	s.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"data": data, "meta": map[string]any{"total_tweet_count": total}})
	s.finish(w, r, b)
}

func (s *XServer) serveV1Search(w http.ResponseWriter, r *http.Request) {
	ok, f := s.begin(w, r, true)
	if !ok {
		return
	}
	malformed := f.is(faultMalformed)
	q := r.URL.Query()
	n := 15
	if c := q.Get("count"); c != "" {
		var err error
		if n, err = strconv.Atoi(c); err != nil || n < 1 {
			writeError(w, true, http.StatusBadRequest)
			return
		}
		n = min(n, 100)
	}
	extended := q.Get("tweet_mode") == "extended"
	below := ""
	if m := q.Get("max_id"); m != "" {
		id, err := strconv.ParseUint(m, 10, 64)
		if err != nil {
			writeError(w, true, http.StatusBadRequest)
			return
		}
		below = strconv.FormatUint(id+1, 10) // max_id is inclusive
	}
	s.mu.Lock()
	all := s.search(queryTags(q.Get("q")), q.Get("since_id"), time.Time{})
	pg, more := s.page(all, below, n)
	statuses := []any{}
	for _, t := range pg {
		statuses = append(statuses, s.v1Status(t, extended))
	}
	s.mu.Unlock()
	if malformed {
		statuses = append(statuses, map[string]any{"id_str": 12345, "created_at": 7, "user": "nobody"})
	}
	meta := map[string]any{"count": n, "query": q.Get("q"), "completed_in": 0.01,
		"since_id": 0, "since_id_str": "0", "max_id": 0, "max_id_str": "0"}
	if sid := q.Get("since_id"); sid != "" {
		meta["since_id_str"] = sid
		meta["since_id"], _ = strconv.ParseUint(sid, 10, 64)
	}
	if len(pg) > 0 {
		meta["max_id_str"] = pg[0].ID
		meta["max_id"], _ = strconv.ParseUint(pg[0].ID, 10, 64)
		meta["refresh_url"] = "?since_id=" + pg[0].ID + "&q=" + url.QueryEscape(q.Get("q")) + "&result_type=recent&include_entities=1"
	}
	if more {
		low, _ := strconv.ParseUint(pg[len(pg)-1].ID, 10, 64)
		meta["next_results"] = "?max_id=" + strconv.FormatUint(low-1, 10) + "&q=" + url.QueryEscape(q.Get("q")) + "&count=" + strconv.Itoa(n) + "&include_entities=1&result_type=recent"
	}
	b, _ := json.Marshal(map[string]any{"statuses": statuses, "search_metadata": meta})
	s.finish(w, r, b)
}

// v1Status is t as v1.1 sends it (full_text in extended mode).
func (s *XServer) v1Status(t *Tweet, extended bool) map[string]any {
	id, _ := strconv.ParseUint(t.ID, 10, 64)
	uid, _ := strconv.ParseUint(t.AuthorID, 10, 64)
	text, tags := t.Text, t.Hashtags
	if t.RetweetOf != "" {
		text = cut(text, 40)
		tags = tagsIn(text)
	}
	var hs []any
	for _, h := range tags {
		hs = append(hs, map[string]any{"text": h, "indices": []int{0, len(h) + 1}})
	}
	o := map[string]any{
		"id": id, "id_str": t.ID, "created_at": t.CreatedAt.Format(time.RubyDate), "lang": t.Lang,
		"entities":       map[string]any{"hashtags": hs, "user_mentions": []any{}, "urls": []any{}, "symbols": []any{}},
		"favorite_count": t.Likes, "retweet_count": 0, "truncated": false,
		"user": map[string]any{"id": uid, "id_str": t.AuthorID, "screen_name": t.Username, "name": t.Name,
			"followers_count": t.Followers, "location": t.Location},
		"metadata": map[string]any{"result_type": "recent", "iso_language_code": t.Lang},
	}
	if extended {
		o["full_text"] = text
		o["display_text_range"] = []int{0, len([]rune(text))}
	} else {
		o["text"] = cut(text, 140)
	}
	if orig := s.byID[t.RetweetOf]; orig != nil {
		o["retweeted_status"] = s.v1Status(orig, extended)
	}
	if t.ReplyTo != "" {
		rid, _ := strconv.ParseUint(t.ReplyTo, 10, 64)
		o["in_reply_to_status_id"], o["in_reply_to_status_id_str"] = rid, t.ReplyTo
	}
	if t.Quotes != "" {
		qid, _ := strconv.ParseUint(t.Quotes, 10, 64)
		o["quoted_status_id"], o["quoted_status_id_str"], o["is_quote_status"] = qid, t.Quotes, true
	}
	if t.PlaceID != "" {
		o["place"] = map[string]any{"id": t.PlaceID, "country_code": t.PlaceCountry, "full_name": t.PlaceName, "place_type": "city"}
	}
	if c := t.Coordinates; c != nil {
		o["coordinates"] = map[string]any{"type": "Point", "coordinates": []float64{c[0], c[1]}}
	}
	return o
}

// cut shortens text to n runes with an ellipsis, as X cuts retweets.
func cut(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	return string(r[:n-1]) + "…"
}

// tagsIn finds the whole #hashtags in text (not one cut by an ellipsis).
func tagsIn(text string) []string {
	var out []string
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "#") && !strings.HasSuffix(f, "…") && len(f) > 1 {
			out = append(out, strings.TrimPrefix(f, "#"))
		}
	}
	return out
}

// cmpID compares decimal IDs numerically.
func cmpID(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h % 1_000_000_000_000
}
