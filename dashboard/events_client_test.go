package dashboard

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEventStreamsPerClientCap: one address holds at most
// MaxEventStreamsPerClient streams; another address (as a reverse proxy on
// loopback forwards it) still gets one.
func TestEventStreamsPerClientCap(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxEventStreamsPerClient = 2 })
	srv := newServer(t, f.h)
	open := func(forwarded string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv+"/api/v1/events?campaign=afp", nil)
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	a, b := open(""), open("")
	if a.StatusCode != 200 || b.StatusCode != 200 {
		t.Fatalf("first two streams: %d %d", a.StatusCode, b.StatusCode)
	}
	c := open("")
	body, _ := io.ReadAll(c.Body)
	if c.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "from your address") {
		t.Fatalf("third stream from one address: %d %s", c.StatusCode, body)
	}
	if d := open("198.51.100.7"); d.StatusCode != 200 {
		t.Fatalf("a stream from another client behind the proxy: %d", d.StatusCode)
	}
}

// TestEventStreamSocketThatNeverReads: 20 raw sockets send a request and
// never read. Each stream still ends after EventStreamMaxAge and frees its
// slot (before, such sockets held every slot for as long as they liked: the
// keep-alive comments never filled their buffers, so the write timeout
// never fired). A browser reconnecting with Last-Event-ID is told to
// refetch at once.
func TestEventStreamSocketThatNeverReads(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.MaxEventStreams = 20
		o.MaxEventStreamsPerClient = 20
		o.EventStreamMaxAge = 200 * time.Millisecond
		o.EventKeepAlive = 20 * time.Millisecond
	})
	srv := newServer(t, f.h)
	addr := strings.TrimPrefix(srv, "http://")
	for range 20 {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /api/v1/events?campaign=afp HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.h.(*root).h.streams.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // polling a condition: the server accepts them
	}
	for f.h.(*root).h.streams.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still held by sockets that never read", f.h.(*root).h.streams.Load())
		}
		time.Sleep(10 * time.Millisecond) // polling a condition: the streams end
	}
	req, _ := http.NewRequest("GET", srv+"/api/v1/events?campaign=afp", nil)
	req.Header.Set("Last-Event-ID", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	var got []string
	for sc.Scan() && len(got) < 6 {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, ":") {
			got = append(got, l)
		}
		if strings.HasPrefix(sc.Text(), "data:") {
			break
		}
	}
	if strings.Join(got, "|") != "retry: 3000|id: 1|event: changed|data: {}" {
		t.Fatalf("a reconnecting stream began %q, want a change at once", got)
	}
}
