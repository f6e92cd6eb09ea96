package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
)

// A phone that keeps the campaign page open on the day pays for every byte.
// Two things here keep that small, for every answer but the event stream:
//
//   - conditional answers the API's 200s with an ETag, a hash of the body,
//     and a 304 with no body to a request whose If-None-Match holds it. Its
//     answers are "Cache-Control: no-cache" (kept, but asked again each
//     time) instead of no-store, so browsers revalidate. The tag is of the
//     body, not only of the aggregator's watermark and the query: "today",
//     the same-time-yesterday figures and the collectors' health change
//     while the watermark stands still, and a tag must change with them.
//   - compress gzips text answers (pages, JSON, CSV, SVG, scripts, styles)
//     for clients that accept it.

// conditional adds ETag and If-None-Match handling to next's GET answers.
// The event stream is passed through untouched (it never ends).
func conditional(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || strings.HasSuffix(r.URL.Path, "/events") {
			next.ServeHTTP(w, r)
			return
		}
		b := &bufferedWriter{header: w.Header()}
		next.ServeHTTP(b, r)
		if b.status == 0 {
			b.status = http.StatusOK
		}
		if b.status != http.StatusOK {
			w.WriteHeader(b.status)
			w.Write(b.body.Bytes())
			return
		}
		sum := sha256.Sum256(b.body.Bytes())
		tag := `W/"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
		hd := w.Header()
		hd.Set("ETag", tag)
		if cc := hd.Get("Cache-Control"); cc == "" || cc == "no-store" {
			hd.Set("Cache-Control", "no-cache")
		}
		if etagMatch(r.Header.Get("If-None-Match"), tag) {
			for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition"} {
				hd.Del(k)
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(http.StatusOK)
		w.Write(b.body.Bytes())
	})
}

// etagMatch reports whether an If-None-Match header holds tag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, tag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// bufferedWriter keeps an answer in memory so its tag can be known before
// it is sent.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// compressible are the content types worth gzipping.
var compressible = []string{"text/html", "text/css", "text/csv", "text/plain", "text/javascript", "application/javascript", "application/json", "image/svg+xml"}

var gzipPool = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}

// compress gzips text answers for clients that accept gzip. Whether to is
// decided when the answer's header is written: an event stream, a range,
// an answer already encoded or without a body is sent as it is.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		g := &gzipWriter{ResponseWriter: w}
		defer g.close()
		next.ServeHTTP(g, r)
	})
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) without q=0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

type gzipWriter struct {
	http.ResponseWriter
	decided bool
	zw      *gzip.Writer
}

func (g *gzipWriter) decide(code int) {
	if g.decided {
		return
	}
	g.decided = true
	hd := g.Header()
	if !strings.Contains(strings.Join(hd.Values("Vary"), ","), "Accept-Encoding") {
		hd.Add("Vary", "Accept-Encoding")
	}
	ct := hd.Get("Content-Type")
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified || code == http.StatusPartialContent ||
		hd.Get("Content-Encoding") != "" || hd.Get("Content-Range") != "" || strings.HasPrefix(ct, "text/event-stream") {
		return
	}
	ok := false
	for _, c := range compressible {
		if strings.HasPrefix(ct, c) {
			ok = true
		}
	}
	if !ok {
		return
	}
	hd.Set("Content-Encoding", "gzip")
	hd.Del("Content-Length")
	hd.Del("Accept-Ranges")
	g.zw = gzipPool.Get().(*gzip.Writer)
	g.zw.Reset(g.ResponseWriter)
}

func (g *gzipWriter) WriteHeader(code int) {
	g.decide(code)
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(p []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(p))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.zw == nil {
		return g.ResponseWriter.Write(p)
	}
	return g.zw.Write(p)
}

// Flush sends what is compressed so far (http.ResponseController uses it).
func (g *gzipWriter) Flush() {
	if g.zw != nil {
		g.zw.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (write
// deadlines of event streams).
func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.zw != nil {
		g.zw.Close()
		gzipPool.Put(g.zw)
		g.zw = nil
	}
}
