package platformtest

// The fake Instagram Graph API (hashtag search), and what it shares with the
// fake Threads API: Meta's error objects, its usage headers and its faults.
// Built from https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/hashtag-search
// and the IG Hashtag / recent_media references.

import (
	"encoding/base64"
	"encoding/json"
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

// MetaFault is a scripted misbehaviour of a fake Meta API (Instagram,
// Threads) for one request.
type MetaFault struct {
	kind   metaFaultKind
	regain time.Duration
}

type metaFaultKind int

const (
	metaRateLimit metaFaultKind = iota + 1
	metaExpired
	metaCursorLost
	metaServerError
)

// MetaRateLimit throttles one request as Meta does for a business use case
// (Instagram: HTTP 400, OAuthException code 80002; Threads: code 17), with
// the usage headers at 100% and estimated_time_to_regain_access of regain
// (rounded to minutes).
func MetaRateLimit(regain time.Duration) MetaFault {
	return MetaFault{kind: metaRateLimit, regain: regain}
}

// MetaExpiredToken answers as Meta does for an expired user token: HTTP 400,
// OAuthException code 190, subcode 463.
func MetaExpiredToken() MetaFault { return MetaFault{kind: metaExpired} }

// MetaCursorLost refuses a request that carries a page cursor (after) with
// HTTP 400, code 100; a request without one is served normally.
func MetaCursorLost() MetaFault { return MetaFault{kind: metaCursorLost} }

// MetaServerError answers HTTP 500 with code 2 ("Service temporarily unavailable").
func MetaServerError() MetaFault { return MetaFault{kind: metaServerError} }

// metaState is what both Meta fakes keep: the token, the clock, usage,
// faults and requests.
type metaState struct {
	mu       sync.Mutex
	token    string
	expired  bool
	now      func() time.Time
	faults   []MetaFault
	requests []Request
	usage    int // percent of the allowance, in the usage headers
	calls    int
	holds    []*metaHold
	closing  chan struct{}
}

// metaHold is a request held unanswered: see Hold.
type metaHold struct {
	suffix  string
	n, seen int
	arrived chan struct{}
}

// Hold makes the nth request whose path ends in suffix hang unanswered
// until its client goes away or the server closes; the returned channel is
// closed when that request arrives. A test uses it to kill a client at a
// known point.
func (m *metaState) Hold(suffix string, n int) <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := &metaHold{suffix: suffix, n: n, arrived: make(chan struct{})}
	m.holds = append(m.holds, h)
	return h.arrived
}

// release ends every held request.
func (m *metaState) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closing:
	default:
		close(m.closing)
	}
}

// begin records a request and checks its token; it returns the fault to
// apply, if any, and false when it has answered.
func (m *metaState) begin(w http.ResponseWriter, r *http.Request, bucHeader func(pct, regainMin int) string) (*MetaFault, bool) {
	m.mu.Lock()
	auth, tok := "", ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		auth, tok = "bearer", strings.TrimPrefix(h, "Bearer ")
	} else if t := r.URL.Query().Get("access_token"); t != "" {
		auth, tok = "query", t
	}
	q := r.URL.Query()
	q.Del("access_token")
	m.requests = append(m.requests, Request{Path: r.URL.Path, Query: q, Auth: auth})
	m.calls++
	var f *MetaFault
	if len(m.faults) > 0 {
		if m.faults[0].kind != metaCursorLost || r.URL.Query().Get("after") != "" {
			f = &m.faults[0]
			m.faults = m.faults[1:]
		}
	}
	usage := m.usage
	token, expired := m.token, m.expired
	now := m.now()
	var hold *metaHold
	for _, h := range m.holds {
		if strings.HasSuffix(r.URL.Path, h.suffix) {
			if h.seen++; h.seen == h.n {
				hold = h
			}
		}
	}
	m.mu.Unlock()
	if hold != nil {
		close(hold.arrived)
		select {
		case <-r.Context().Done():
		case <-m.closing:
		}
		return nil, false
	}

	regain := 0
	if f != nil && f.kind == metaRateLimit {
		usage, regain = 100, int((f.regain+time.Minute-1)/time.Minute)
	}
	w.Header().Set("X-App-Usage", fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, usage, usage/2, usage/2))
	if bucHeader != nil {
		w.Header().Set("X-Business-Use-Case-Usage", bucHeader(usage, regain))
	}
	switch {
	case token != "" && tok != token:
		metaError(w, http.StatusBadRequest, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190, 0)
		return nil, false
	case expired || f != nil && f.kind == metaExpired:
		metaError(w, http.StatusBadRequest, "Error validating access token: Session has expired on "+
			now.Add(-time.Hour).UTC().Format("Monday, 02-Jan-06 15:04:05 MST")+". The current time is "+now.UTC().Format("Monday, 02-Jan-06 15:04:05 MST")+".",
			"OAuthException", 190, 463)
		return nil, false
	case f != nil && f.kind == metaServerError:
		metaError(w, http.StatusInternalServerError, "Service temporarily unavailable", "OAuthException", 2, 0)
		return nil, false
	case f != nil && f.kind == metaCursorLost:
		metaError(w, http.StatusBadRequest, "(#100) The after cursor is not valid", "OAuthException", 100, 0)
		return nil, false
	}
	return f, true
}

func metaError(w http.ResponseWriter, status int, msg, typ string, code, subcode int) {
	e := map[string]any{"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_request" "`+msg+`"`)
	w.WriteHeader(status)
	w.Write(mustJSON(map[string]any{"error": e}))
}

func (m *metaState) push(f ...MetaFault) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, f...)
}

// pageCursor and parsePageCursor are the fakes' opaque after cursors.
func pageCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("QVFI" + strconv.Itoa(offset)))
}

func parsePageCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "QVFI") {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[4:]))
	return n, err == nil && n >= 0
}

// IGMedia is a media object on the fake Instagram. Zero fields get defaults.
type IGMedia struct {
	ID        string    // assigned when empty
	Caption   string    // default: the hashtags, each with '#'
	Hashtags  []string  // hashtags it is found under (without '#'); default: those in Caption
	MediaType string    // IMAGE, VIDEO or CAROUSEL_ALBUM (default IMAGE)
	Timestamp time.Time // default: the server's clock when added
	Likes     int64
	HideLikes bool // the owner hid the like count: like_count is left out
	Comments  int64
}

// Instagram is a fake graph.facebook.com for one Instagram professional
// account: ig_hashtag_search, /{hashtag-id}/recent_media (the last 24
// hours, newest first, pages of at most 50 with an after cursor) and
// /{user-id}/recently_searched_hashtags, with the 30-hashtags-per-7-days
// limit, X-App-Usage and X-Business-Use-Case-Usage headers, and Meta's
// error objects. Its API base URL (version included) is BaseURL().
type Instagram struct {
	*httptest.Server
	metaState
	userID   string
	nextID   uint64
	media    []*IGMedia
	tagIDs   map[string]string    // hashtag name → node ID
	searched map[string]time.Time // node ID → first searched by the account
	limit    int
	blocked  map[string]bool // hashtags Meta deems sensitive
}

// Version is the Graph API version the fakes serve under.
const Version = "v24.0"

// NewInstagram starts a fake for the account userID; with a non-nil tb it
// is closed when the test ends.
func NewInstagram(tb testing.TB, userID string) *Instagram {
	s := &Instagram{userID: userID, nextID: 17_900_000_000_000_000, tagIDs: map[string]string{}, searched: map[string]time.Time{}, limit: 30, blocked: map[string]bool{}}
	s.now, s.closing = time.Now, make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+Version+"/ig_hashtag_search", s.serveSearch)
	mux.HandleFunc("GET /"+Version+"/{node}/recent_media", s.serveRecent)
	mux.HandleFunc("GET /"+Version+"/{node}/recently_searched_hashtags", s.serveRecentlySearched)
	s.Server = httptest.NewServer(mux)
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

// Close releases held requests and stops the server.
func (s *Instagram) Close() {
	s.release()
	s.Server.Close()
}

// BaseURL is the API base to configure: the server's URL and the version.
func (s *Instagram) BaseURL() string { return s.URL + "/" + Version }

// RequireToken makes every request without this token fail with code 190.
func (s *Instagram) RequireToken(token string) { s.mu.Lock(); s.token = token; s.mu.Unlock() }

// ExpireToken makes every request fail as with an expired token (on) or
// stop doing so.
func (s *Instagram) ExpireToken(on bool) { s.mu.Lock(); s.expired = on; s.mu.Unlock() }

// SetNow replaces the fake's clock (the 24-hour window, the 7-day limit).
func (s *Instagram) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetUsage sets the call_count percentage the usage headers report.
func (s *Instagram) SetUsage(pct int) { s.mu.Lock(); s.usage = pct; s.mu.Unlock() }

// Fail queues faults for the next requests, one per request.
func (s *Instagram) Fail(f ...MetaFault) { s.push(f...) }

// Requests returns the requests so far (the access_token parameter removed).
func (s *Instagram) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// MarkSearched records hashtags as searched by the account at t (by another
// tool, say): they count against the limit and are listed by
// recently_searched_hashtags.
func (s *Instagram) MarkSearched(t time.Time, tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tag := range tags {
		s.searched[s.tagIDLocked(tag)] = t
	}
}

// Block makes ig_hashtag_search answer a generic error for these hashtags,
// as Instagram does for hashtags it deems sensitive or offensive.
func (s *Instagram) Block(tags ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tags {
		s.blocked[strings.ToLower(t)] = true
	}
}

// Searched returns the distinct hashtags the account searched in the last 7 days.
func (s *Instagram) Searched() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.activeLocked())
}

func (s *Instagram) activeLocked() []string {
	now := s.now()
	var ids []string
	for id, t := range s.searched {
		if now.Sub(t) < 7*24*time.Hour {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (s *Instagram) tagIDLocked(tag string) string {
	tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
	id, ok := s.tagIDs[tag]
	if !ok {
		id = strconv.FormatUint(17_841_560_000_000_000+uint64(len(s.tagIDs)+1)*7919, 10)
		s.tagIDs[tag] = id
	}
	return id
}

// Add publishes media and returns them as stored.
func (s *Instagram) Add(media ...IGMedia) []IGMedia {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IGMedia, 0, len(media))
	for _, m := range media {
		if m.ID == "" {
			s.nextID += 13
			m.ID = strconv.FormatUint(s.nextID, 10)
		}
		if m.Caption == "" {
			for _, h := range m.Hashtags {
				m.Caption += "#" + h + " "
			}
			m.Caption = strings.TrimSpace(m.Caption)
		}
		if m.Hashtags == nil {
			m.Hashtags = tagsIn(m.Caption)
		}
		if m.MediaType == "" {
			m.MediaType = "IMAGE"
		}
		if m.Timestamp.IsZero() {
			m.Timestamp = s.now()
		}
		m.Timestamp = m.Timestamp.UTC().Truncate(time.Second)
		mm := m
		s.media = append(s.media, &mm)
		out = append(out, mm)
	}
	return out
}

func (s *Instagram) buc(pct, regain int) string {
	return fmt.Sprintf(`{"%s":[{"type":"instagram","call_count":%d,"total_cputime":%d,"total_time":%d,"estimated_time_to_regain_access":%d}]}`,
		s.userID, pct, pct/2, pct/2, regain)
}

func (s *Instagram) begin(w http.ResponseWriter, r *http.Request) bool {
	f, ok := s.metaState.begin(w, r, s.buc)
	if !ok {
		return false
	}
	if f != nil && f.kind == metaRateLimit {
		metaError(w, http.StatusBadRequest, "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.", "OAuthException", 80002, 0)
		return false
	}
	if r.URL.Query().Get("user_id") != s.userID && r.PathValue("node") != s.userID {
		metaError(w, http.StatusBadRequest, "(#100) Param user_id must be the ID of an Instagram professional account this token manages", "OAuthException", 100, 0)
		return false
	}
	return true
}

func (s *Instagram) serveSearch(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r) {
		return
	}
	q := strings.ToLower(strings.TrimPrefix(r.URL.Query().Get("q"), "#"))
	if q == "" || strings.ContainsAny(q, " #") {
		metaError(w, http.StatusBadRequest, "(#100) The parameter q is required and must be one hashtag", "OAuthException", 100, 0)
		return
	}
	s.mu.Lock()
	if s.blocked[q] {
		s.mu.Unlock()
		metaError(w, http.StatusBadRequest, "Invalid parameter", "OAuthException", 100, 0)
		return
	}
	id := s.tagIDLocked(q)
	now := s.now()
	t, seen := s.searched[id]
	if !seen || now.Sub(t) >= 7*24*time.Hour {
		if len(s.activeLocked()) >= s.limit {
			s.mu.Unlock()
			metaError(w, http.StatusBadRequest, "(#24) This account has queried the maximum number of unique hashtags allowed in 7 days", "OAuthException", 24, 0)
			return
		}
		s.searched[id] = now
	}
	s.mu.Unlock()
	writeMetaJSON(w, map[string]any{"data": []any{map[string]string{"id": id}}})
}

func (s *Instagram) serveRecentlySearched(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r) {
		return
	}
	s.mu.Lock()
	data := []any{}
	for _, id := range s.activeLocked() {
		data = append(data, map[string]string{"id": id})
	}
	s.mu.Unlock()
	writeMetaJSON(w, map[string]any{"data": data})
}

var igFields = map[string]bool{"id": true, "caption": true, "media_type": true, "permalink": true, "timestamp": true,
	"like_count": true, "comments_count": true, "children": true, "media_url": true}

func (s *Instagram) serveRecent(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r) {
		return
	}
	q := r.URL.Query()
	fields := strings.Split(q.Get("fields"), ",")
	if q.Get("fields") == "" {
		fields = []string{"id"}
	}
	for _, f := range fields {
		if !igFields[f] {
			metaError(w, http.StatusBadRequest, fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (ShadowIGMediaBuilder)", f), "OAuthException", 100, 0)
			return
		}
	}
	limit := 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 50)
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
	node := r.PathValue("node")
	s.mu.Lock()
	now := s.now()
	var tag string
	for name, id := range s.tagIDs {
		if id == node {
			tag = name
		}
	}
	if _, ok := s.searched[node]; tag == "" || !ok {
		s.mu.Unlock()
		metaError(w, http.StatusBadRequest, "(#100) Unsupported get request. Object with ID '"+node+"' does not exist", "GraphMethodException", 100, 33)
		return
	}
	var match []*IGMedia // newest first
	for i := len(s.media) - 1; i >= 0; i-- {
		m := s.media[i]
		if now.Sub(m.Timestamp) > 24*time.Hour || m.Timestamp.After(now) {
			continue
		}
		for _, h := range m.Hashtags {
			if strings.EqualFold(h, tag) {
				match = append(match, m)
				break
			}
		}
	}
	slices.SortStableFunc(match, func(a, b *IGMedia) int { return b.Timestamp.Compare(a.Timestamp) })
	var data []any
	end := min(len(match), offset+limit)
	for _, m := range match[min(offset, len(match)):end] {
		data = append(data, s.mediaJSON(m, fields))
	}
	s.mu.Unlock()
	body := map[string]any{"data": data}
	if data == nil {
		body["data"] = []any{}
	}
	if end < len(match) {
		after := pageCursor(end)
		next := fmt.Sprintf("%s/%s/%s/recent_media?user_id=%s&fields=%s&limit=%d&after=%s", "https://graph.facebook.com", Version, node, s.userID, q.Get("fields"), limit, after)
		body["paging"] = map[string]any{"cursors": map[string]string{"after": after}, "next": next}
	}
	writeMetaJSON(w, body)
}

func (s *Instagram) mediaJSON(m *IGMedia, fields []string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		switch f {
		case "id":
			out["id"] = m.ID
		case "caption":
			out["caption"] = m.Caption
		case "media_type":
			out["media_type"] = m.MediaType
		case "permalink":
			out["permalink"] = "https://www.instagram.com/p/" + base64.RawURLEncoding.EncodeToString([]byte(m.ID))[:11] + "/"
		case "timestamp":
			out["timestamp"] = m.Timestamp.UTC().Format("2006-01-02T15:04:05-0700")
		case "like_count":
			if !m.HideLikes {
				out["like_count"] = m.Likes
			}
		case "comments_count":
			out["comments_count"] = m.Comments
		}
	}
	return out
}

func writeMetaJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Write(b)
}
