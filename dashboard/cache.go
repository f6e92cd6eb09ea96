package dashboard

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// On the day of action many people keep the page open, and every change
// event makes each of them fetch the same dozen API answers. The cache
// answers repeats from memory: an entry holds while the aggregator's
// watermark has not moved (no new posts folded in) and for at most
// cacheTTL, so "today", "same time yesterday" and rebuilt rollups are
// never staler than that.
const (
	cacheTTL        = 5 * time.Second
	cacheMaxEntries = 2000
)

type cachedResponse struct {
	watermark uint64
	at        time.Time
	status    int
	header    http.Header
	body      []byte
}

type responseCache struct {
	mu      sync.Mutex
	entries map[string]*cachedResponse
}

// cacheable reports whether a path's answer depends only on the rollups
// (the collectors' health and the platform counts change without them).
func cacheable(path string) bool {
	return strings.HasPrefix(path, "/api/v1/campaigns") && !strings.HasSuffix(path, "/crosscheck")
}

// recorder captures a response for the cache while writing it through.
type recorder struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (h *handler) cached(next http.Handler) http.Handler {
	c := &responseCache{entries: map[string]*cachedResponse{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cacheable(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		var wm uint64
		if err := h.agg.DB().ViewRollups(func(tx *store.RollupTx) error { wm = tx.Watermark(); return nil }); err != nil {
			next.ServeHTTP(w, r)
			return
		}
		// The language (card.svg) comes from the query, the cookie or Accept-Language.
		lc, _ := r.Cookie(langCookie)
		key := r.URL.Path + "?" + r.URL.RawQuery + "\x00" + r.Header.Get("Accept-Language")
		if lc != nil {
			key += "\x00" + lc.Value
		}
		now := time.Now()
		c.mu.Lock()
		e := c.entries[key]
		c.mu.Unlock()
		if e != nil && e.watermark == wm && now.Sub(e.at) < cacheTTL {
			hd := w.Header()
			for k, v := range e.header {
				hd[k] = v
			}
			w.WriteHeader(e.status)
			w.Write(e.body)
			return
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status != http.StatusOK {
			return
		}
		e = &cachedResponse{watermark: wm, at: now, status: rec.status, header: w.Header().Clone(), body: rec.buf.Bytes()}
		c.mu.Lock()
		if len(c.entries) >= cacheMaxEntries {
			clear(c.entries)
		}
		c.entries[key] = e
		c.mu.Unlock()
	})
}
