package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// TestClassify: the typed errors a platform request really fails with are
// told apart, with the host they concern.
func TestClassify(t *testing.T) {
	// A refused connection: a loopback port nobody listens on any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := http.Get("http://" + addr + "/api/v1/timelines/tag/x")

	// A timeout: a server that does not answer until the test ends.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, timedOut := http.DefaultClient.Do(req)

	dns := &url.Error{Op: "Get", URL: "https://mastodon.example/api/v1/timelines/tag/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "mastodon.example", IsNotFound: true}}}
	srvHost, _ := url.Parse(srv.URL)
	cases := []struct {
		err    error
		class  string
		host   string
		status int
	}{
		{refused, store.ErrorDial, "127.0.0.1", 0},
		{timedOut, store.ErrorTimeout, srvHost.Hostname(), 0},
		{dns, store.ErrorDNS, "mastodon.example", 0},
		{fmt.Errorf("x:afp: /2/tweets/search/recent: HTTP 401: Unauthorized"), store.ErrorUnauthorized, "", 401},
		{fmt.Errorf("x:afp: /2/tweets/search/recent: HTTP 403: Forbidden"), store.ErrorForbidden, "", 403},
		{fmt.Errorf("mastodon:m.example: HTTP 503"), store.ErrorServer, "", 503},
		{fmt.Errorf("mastodon:m.example: GET /api/v1/timelines/tag/x: 502 Bad Gateway: "), store.ErrorServer, "", 502},
		{fmt.Errorf("bluesky: read page: 429 Too Many Requests"), store.ErrorRateLimited, "", 429},
		{fmt.Errorf("wrap: %w", &RateLimitedError{Source: "x", Until: time.Now()}), store.ErrorRateLimited, "", 0},
		{errors.New("decode page: unexpected EOF"), store.ErrorOther, "", 0},
	}
	for _, c := range cases {
		if c.err == nil {
			t.Fatalf("case %s: no error to classify", c.class)
		}
		class, host, status := classify(c.err)
		if class != c.class || host != c.host || status != c.status {
			t.Errorf("classify(%v) = %s %q %d, want %s %q %d", c.err, class, host, status, c.class, c.host, c.status)
		}
	}
}
