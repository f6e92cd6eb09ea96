package dashboard

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestEventStreamCap: beyond MaxEventStreams open streams the next gets a
// 503 with Retry-After (the page polls instead); a closed stream frees its
// place. Public links' streams count too.
func TestEventStreamCap(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.MaxEventStreams = 2
		o.Public = map[string]string{"afp": "public-secret-0123456789"}
	})
	srv := newServer(t, f.h)
	open := func(url string) *http.Response {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusOK {
			buf := make([]byte, 16)
			if n, _ := resp.Body.Read(buf); !strings.HasPrefix(string(buf[:n]), "retry:") {
				t.Fatalf("stream began %q", buf[:n])
			}
		}
		return resp
	}
	a := open(srv + "/api/v1/events?campaign=afp")
	b := open(srv + "/p/public-secret-0123456789/api/v1/events")
	defer b.Body.Close()
	if a.StatusCode != 200 || b.StatusCode != 200 {
		t.Fatalf("first two streams: %d %d", a.StatusCode, b.StatusCode)
	}
	for _, url := range []string{srv + "/api/v1/events", srv + "/p/public-secret-0123456789/api/v1/events"} {
		c := open(url)
		var body []byte
		if c.StatusCode != http.StatusOK { // a stream, wrongly opened, would never end
			body, _ = io.ReadAll(c.Body)
		}
		c.Body.Close()
		if c.StatusCode != http.StatusServiceUnavailable || c.Header.Get("Retry-After") == "" || !strings.Contains(string(body), `"error"`) {
			t.Errorf("third stream %s: %d Retry-After %q %s", url, c.StatusCode, c.Header.Get("Retry-After"), body)
		}
	}
	if w := f.get(t, "/api/v1/campaigns/afp/headline"); w.Code != 200 {
		t.Errorf("the API while streams are full: %d", w.Code)
	}
	a.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := open(srv + "/api/v1/events")
		c.Body.Close()
		if c.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream did not free its place: %d", c.StatusCode)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition: the server sees the close
	}
}

// stalledWriter is a client that never reads: each write blocks until the
// write deadline, then fails as a connection's would.
type stalledWriter struct {
	hdr      http.Header
	mu       sync.Mutex
	deadline time.Time
	set      chan struct{} // a deadline was set
}

func newStalledWriter() *stalledWriter {
	return &stalledWriter{hdr: http.Header{}, set: make(chan struct{}, 1000)}
}

func (s *stalledWriter) Header() http.Header { return s.hdr }
func (s *stalledWriter) WriteHeader(int)     {}
func (s *stalledWriter) Flush()              {}

func (s *stalledWriter) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	s.deadline = t
	s.mu.Unlock()
	s.set <- struct{}{}
	return nil
}

func (s *stalledWriter) Write(b []byte) (int, error) {
	for {
		s.mu.Lock()
		d := s.deadline
		s.mu.Unlock()
		if d.IsZero() {
			<-s.set // no deadline: blocks until one is set
			continue
		}
		select {
		case <-time.After(time.Until(d)):
			return 0, os.ErrDeadlineExceeded
		case <-s.set:
		}
	}
}

// TestEventStreamLetsGoOfAStalledClient: a stream whose client stopped
// reading ends once a write has waited StreamWriteTimeout, and frees its
// place; before, it waited for ever.
func TestEventStreamLetsGoOfAStalledClient(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.MaxEventStreams = 1
		o.StreamWriteTimeout = 50 * time.Millisecond
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.h.ServeHTTP(newStalledWriter(), httptest.NewRequest("GET", "/api/v1/events?campaign=afp", nil))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream to a client that stopped reading did not end")
	}
	if n := f.h.(*root).h.streams.Load(); n != 0 {
		t.Errorf("%d streams counted after the only one ended", n)
	}
}
