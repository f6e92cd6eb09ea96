package dashboard

import (
	"bytes"
	"container/list"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
)

// On the day of action many people keep the page open, and every change
// event makes each of them fetch the same dozen API answers. The cache
// answers repeats from memory: an entry holds while the aggregator's
// watermark has not moved (no new posts folded in) and for at most
// cacheTTL, so "today", "same time yesterday" and rebuilt rollups are
// never staler than that.
//
// Anyone who may read the API, a public link's visitors too, chooses the
// keys, so the cache is bounded by what it holds, not only by how many: an
// entry is keyed by what determines the answer (the path, the query
// parameters the endpoint reads, canonicalised, and the resolved language
// where the answer has one), so a parameter the endpoint ignores or a long
// Accept-Language header makes no new entry; answers larger than
// cacheMaxEntryBytes are not kept; and the least recently used entries go
// when the total would pass cacheMaxBytes or cacheMaxEntries.
const (
	cacheTTL           = 5 * time.Second
	cacheMaxEntries    = 2000
	cacheMaxBytes      = 32 << 20
	cacheMaxEntryBytes = 1 << 20
)

// entryOverhead approximates what an entry costs besides its key, headers
// and body (the map slot, the list element, the struct).
const entryOverhead = 256

type cachedResponse struct {
	key       string
	size      int // bytes counted against the cache's budget
	watermark uint64
	at        time.Time
	status    int
	header    http.Header
	body      []byte
}

type responseCache struct {
	maxEntries, maxBytes, maxEntryBytes int

	mu      sync.Mutex
	entries map[string]*list.Element // of *cachedResponse
	lru     list.List                // most recently used first
	bytes   int                      // sum of the entries' sizes
}

func newResponseCache() *responseCache {
	return &responseCache{maxEntries: cacheMaxEntries, maxBytes: cacheMaxBytes, maxEntryBytes: cacheMaxEntryBytes, entries: map[string]*list.Element{}}
}

// stats returns how many entries the cache holds and their size in bytes.
func (c *responseCache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

func (c *responseCache) get(key string) *cachedResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.entries[key]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedResponse)
}

// put stores e, replacing an entry with its key, and evicts the least
// recently used entries until the cache is within its bounds.
func (c *responseCache) put(e *cachedResponse) {
	e.size = entryOverhead + len(e.key) + len(e.body)
	for k, vs := range e.header {
		e.size += len(k)
		for _, v := range vs {
			e.size += len(v)
		}
	}
	if e.size > c.maxEntryBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.entries[e.key]; el != nil {
		c.remove(el)
	}
	c.entries[e.key] = c.lru.PushFront(e)
	c.bytes += e.size
	for len(c.entries) > c.maxEntries || c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

func (c *responseCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cachedResponse)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// recorder captures a response for the cache while writing it through; it
// stops keeping a copy once the body passes limit bytes.
type recorder struct {
	http.ResponseWriter
	status int
	limit  int
	buf    bytes.Buffer
	over   bool
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if !r.over {
		if r.buf.Len()+len(b) > r.limit {
			r.over = true
			r.buf = bytes.Buffer{}
		} else {
			r.buf.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// cacheKey is the key of r's answer: its path, then each of params (the
// query parameters the endpoint reads) with its value as the endpoint reads
// it (the first, "" when absent), and the language of the answer when
// byLang. ok is false when a value is not one the endpoint answers with a
// 200 for, or not in its canonical form: such a request is not cached.
func cacheKey(r *http.Request, byLang bool, params []string) (key string, ok bool) {
	q := r.URL.Query()
	var b strings.Builder
	b.WriteString(r.URL.Path)
	for i, p := range params {
		v := q.Get(p)
		if p == "by" && v != "" {
			by, err := aggregator.ParseBy(v)
			if err != nil {
				return "", false
			}
			v = strings.Join(by, ",")
		}
		b.WriteByte("?&"[min(i, 1)])
		b.WriteString(p)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if byLang {
		b.WriteString("\x00")
		b.WriteString(requestLang(r))
	}
	return b.String(), true
}

// cached serves next's answers from h.cache where they depend only on the
// rollups: params are the query parameters next reads, byLang says its
// answer is in the request's language.
func (h *handler) cached(next http.HandlerFunc, byLang bool, params ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := cacheKey(r, byLang, params)
		if !ok {
			next(w, r)
			return
		}
		wm, err := h.agg.Watermark()
		if err != nil {
			next(w, r)
			return
		}
		now := time.Now()
		// A client that asks for a fresh answer (Cache-Control: no-cache,
		// as benchmarks of the uncached path do) gets one; it then replaces
		// the entry.
		fresh := strings.Contains(strings.ToLower(r.Header.Get("Cache-Control")), "no-cache")
		if e := h.cache.get(key); e != nil && !fresh && e.watermark == wm && now.Sub(e.at) < cacheTTL {
			hd := w.Header()
			for k, v := range e.header {
				hd[k] = v
			}
			w.WriteHeader(e.status)
			w.Write(e.body)
			return
		}
		rec := &recorder{ResponseWriter: w, limit: h.cache.maxEntryBytes}
		next(rec, r)
		if rec.status != http.StatusOK || rec.over {
			return
		}
		h.cache.put(&cachedResponse{key: key, watermark: wm, at: now, status: rec.status, header: w.Header().Clone(), body: rec.buf.Bytes()})
	})
}
