// Package platformtest has fake platform servers for tests: they speak the
// platforms' real wire formats (headers, paging, rate limits) on loopback,
// and can misbehave on request. It is a normal package so that tests of
// other packages (the run command's end-to-end test) can use them.
package platformtest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Toot is a status the fake Mastodon serves. Zero fields get defaults.
type Toot struct {
	URI       string    // ActivityPub id; default https://{host}/users/{user}/statuses/{id}
	Acct      string    // "user" for a local account, "user@domain" for a remote one (default "alice")
	Name      string    // display name
	Text      string    // plain text; served as <p>…</p> with hashtags linked
	Tags      []string  // hashtag names as Mastodon lists them (without '#')
	Lang      string    // default "en"
	CreatedAt time.Time // default: 2026-11-29T10:00Z plus one second per status
	Followers int64
	Location  string // a profile field named "Location", HTML as Mastodon sends it
	InReplyTo string // local id of the parent
	Reblog    *Toot  // a boost of this status
	// Raw, when set, is served verbatim as the item (a malformed status);
	// Tags still decide which timelines list it.
	Raw string
}

// MastodonFault is a scripted misbehaviour for one request.
type MastodonFault int

// Faults the fake Mastodon can inject, one per request, in order.
const (
	// RateLimited answers 429 with X-RateLimit-Remaining 0 and the Reset time.
	RateLimited MastodonFault = iota + 1
	// ServerError answers 500.
	ServerError
	// Slow holds the response until the client gives up (its deadline).
	Slow
	// Truncated sends the status line, headers and half the body, then stops.
	Truncated
)

// Mastodon is a fake Mastodon instance serving GET /api/v1/timelines/tag/:tag
// with min_id, max_id, since_id, limit and any[], Link paging headers and
// X-RateLimit-* headers (Reset in ISO 8601, as Mastodon sends it).
type Mastodon struct {
	*httptest.Server
	// Reset is sent as X-RateLimit-Reset; a RateLimited fault points here.
	Reset time.Time

	mu        sync.Mutex
	host      string
	nextID    int64
	statuses  []fakeToot // ascending id
	faults    []MastodonFault
	overlap   int
	dup       bool
	remaining int
	requests  []string
	auths     []string
}

type fakeToot struct {
	id   string
	tags map[string]bool
	json []byte
}

const mastodonFirstID = 113000000000000000

// NewMastodon starts a fake instance; Close it when done (t.Cleanup).
func NewMastodon() *Mastodon {
	m := &Mastodon{
		nextID:    mastodonFirstID,
		remaining: 300,
		Reset:     time.Date(2026, 11, 29, 12, 5, 0, 0, time.UTC),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/timelines/tag/{tag}", m.serveTag)
	m.Server = httptest.NewServer(mux)
	u, _ := url.Parse(m.Server.URL)
	m.host = u.Hostname()
	return m
}

// Host is the instance's host name ("127.0.0.1"), the domain of its local accounts.
func (m *Mastodon) Host() string { return m.host }

// Add publishes statuses and returns their local ids, in order.
func (m *Mastodon) Add(toots ...Toot) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for _, t := range toots {
		ft := fakeToot{id: m.newID(), tags: map[string]bool{}}
		tags := t.Tags
		if t.Reblog != nil {
			tags = append(append([]string{}, tags...), t.Reblog.Tags...)
		}
		for _, tag := range tags {
			ft.tags[strings.ToLower(tag)] = true
		}
		if t.Raw != "" {
			ft.json = []byte(t.Raw)
		} else {
			ft.json = m.render(t, ft.id)
		}
		m.statuses = append(m.statuses, ft)
		ids = append(ids, ft.id)
	}
	return ids
}

func (m *Mastodon) newID() string {
	m.nextID++
	return strconv.FormatInt(m.nextID, 10)
}

// Fail scripts the next requests' faults, one per request.
func (m *Mastodon) Fail(faults ...MastodonFault) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, faults...)
}

// Overlap makes min_id pages also repeat the n statuses at or before min_id,
// as a server with a moving window might.
func (m *Mastodon) Overlap(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.overlap = n
}

// Duplicate makes every page list its first status twice.
func (m *Mastodon) Duplicate(on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dup = on
}

// Requests returns the request URIs (path and query) served so far.
func (m *Mastodon) Requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.requests...)
}

// Authorizations returns the Authorization header of each tag timeline
// request, in order ("" where there was none).
func (m *Mastodon) Authorizations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.auths...)
}

func (m *Mastodon) serveTag(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, r.URL.RequestURI())
	m.auths = append(m.auths, r.Header.Get("Authorization"))
	var fault MastodonFault
	if len(m.faults) > 0 {
		fault, m.faults = m.faults[0], m.faults[1:]
	}
	if m.remaining > 0 {
		m.remaining--
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", "300")
	h.Set("X-RateLimit-Remaining", strconv.Itoa(m.remaining))
	h.Set("X-RateLimit-Reset", m.Reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
	switch fault {
	case RateLimited:
		m.mu.Unlock()
		h.Set("X-RateLimit-Remaining", "0")
		http.Error(w, `{"error":"Too many requests"}`, http.StatusTooManyRequests)
		return
	case ServerError:
		m.mu.Unlock()
		http.Error(w, `{"error":"We're sorry, but something went wrong on our end."}`, http.StatusInternalServerError)
		return
	case Slow:
		m.mu.Unlock()
		<-r.Context().Done() // held until the client's deadline cuts it
		return
	}
	page, links := m.page(r)
	m.mu.Unlock()

	body := []byte("[" + strings.Join(page, ",") + "]")
	h.Set("Content-Type", "application/json; charset=utf-8")
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	if fault == Truncated {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	w.Write(body)
}

// page selects a timeline page as Mastodon does: newest first; min_id
// returns the statuses just after it, max_id/since_id the newest in range.
func (m *Mastodon) page(r *http.Request) ([]string, []string) {
	q := r.URL.Query()
	want := map[string]bool{strings.ToLower(r.PathValue("tag")): true}
	for _, t := range q["any[]"] {
		want[strings.ToLower(t)] = true
	}
	limit := 20
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 40)
	}
	var match []fakeToot // ascending
	for _, s := range m.statuses {
		for t := range s.tags {
			if want[t] {
				match = append(match, s)
				break
			}
		}
	}
	after := func(id, than string) bool { return than == "" || idLess(than, id) }
	before := func(id, than string) bool { return than == "" || idLess(id, than) }
	minID, maxID, sinceID := q.Get("min_id"), q.Get("max_id"), q.Get("since_id")
	var sel []fakeToot
	if minID != "" {
		start := sort.Search(len(match), func(i int) bool { return after(match[i].id, minID) })
		start = max(0, start-m.overlap)
		for _, s := range match[start:] {
			if before(s.id, maxID) && len(sel) < limit {
				sel = append(sel, s)
			}
		}
	} else {
		for i := len(match) - 1; i >= 0 && len(sel) < limit; i-- {
			if s := match[i]; before(s.id, maxID) && after(s.id, sinceID) {
				sel = append([]fakeToot{s}, sel...)
			}
		}
	}
	var out []string
	for i := len(sel) - 1; i >= 0; i-- { // newest first
		out = append(out, string(sel[i].json))
	}
	if m.dup && len(out) > 0 {
		out = append([]string{out[0]}, out...)
	}
	if len(sel) == 0 {
		return out, nil
	}
	base := *r.URL
	base.Scheme, base.Host = "http", r.Host
	link := func(param, id, rel string) string {
		lq := url.Values{}
		for _, t := range q["any[]"] {
			lq.Add("any[]", t)
		}
		if q.Get("limit") != "" {
			lq.Set("limit", q.Get("limit"))
		}
		lq.Set(param, id)
		u := base
		u.RawQuery = lq.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	return out, []string{link("max_id", sel[0].id, "next"), link("min_id", sel[len(sel)-1].id, "prev")}
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (m *Mastodon) render(t Toot, id string) []byte {
	return mustJSON(m.status(t, id))
}

func (m *Mastodon) status(t Toot, id string) map[string]any {
	acct := t.Acct
	if acct == "" {
		acct = "alice"
	}
	user, domain, remote := strings.Cut(acct, "@")
	if !remote {
		domain = m.host
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	created := t.CreatedAt
	if created.IsZero() {
		created = time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC).Add(time.Duration(n-mastodonFirstID) * time.Second)
	}
	uri := t.URI
	if uri == "" {
		uri = fmt.Sprintf("https://%s/users/%s/statuses/%s", domain, user, id)
	}
	lang := t.Lang
	if lang == "" {
		lang = "en"
	}
	var fields []map[string]any
	if t.Location != "" {
		fields = append(fields, map[string]any{"name": "Location", "value": t.Location, "verified_at": nil})
	}
	tags := []map[string]string{}
	for _, tag := range t.Tags {
		tags = append(tags, map[string]string{"name": strings.ToLower(tag), "url": "https://" + m.host + "/tags/" + url.PathEscape(tag)})
	}
	content := html.EscapeString(t.Text)
	for _, tag := range t.Tags {
		content = strings.ReplaceAll(content, "#"+tag, fmt.Sprintf(`<a href="https://%s/tags/%s" class="mention hashtag" rel="tag">#<span>%s</span></a>`, m.host, url.PathEscape(tag), html.EscapeString(tag)))
	}
	s := map[string]any{
		"id":                     id,
		"created_at":             created.UTC().Format("2006-01-02T15:04:05.000Z"),
		"in_reply_to_id":         nil,
		"in_reply_to_account_id": nil,
		"sensitive":              false,
		"spoiler_text":           "",
		"visibility":             "public",
		"language":               lang,
		"uri":                    uri,
		"url":                    fmt.Sprintf("https://%s/@%s/%s", domain, user, id),
		"replies_count":          0,
		"reblogs_count":          0,
		"favourites_count":       0,
		"quotes_count":           0,
		"content":                "<p>" + content + "</p>",
		"reblog":                 nil,
		"quote":                  nil,
		"account": map[string]any{
			"id":              strconv.Itoa(len(user)),
			"username":        user,
			"acct":            acct,
			"display_name":    t.Name,
			"url":             fmt.Sprintf("https://%s/@%s", domain, user),
			"uri":             fmt.Sprintf("https://%s/users/%s", domain, user),
			"followers_count": t.Followers,
			"fields":          fields,
		},
		"media_attachments": []any{},
		"mentions":          []any{},
		"tags":              tags,
		"emojis":            []any{},
	}
	if t.InReplyTo != "" {
		s["in_reply_to_id"] = t.InReplyTo
	}
	if t.Reblog != nil {
		s["reblog"] = m.status(*t.Reblog, m.newID())
		s["content"] = ""
		if t.URI == "" {
			s["uri"] = uri + "/activity"
		}
	}
	return s
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
