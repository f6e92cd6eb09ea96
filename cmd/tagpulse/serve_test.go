package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
	"github.com/tagpulse/tagpulse/store"
	"github.com/tagpulse/tagpulse/store/storetest"
)

// logRecords is a slog.Handler that hands each record to the test.
type logRecords chan slog.Record

func (l logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l logRecords) Handle(_ context.Context, r slog.Record) error {
	select {
	case l <- r.Clone():
	default:
	}
	return nil
}
func (l logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l logRecords) WithGroup(string) slog.Handler      { return l }

// startServe runs serve over agg on a loopback port until the test ends and
// returns its address (host:port) and its log.
func startServe(t *testing.T, agg *aggregator.Aggregator, opts serveOptions) (string, logRecords) {
	t.Helper()
	logs := make(logRecords, 100)
	opts.Addr, opts.Logger = "127.0.0.1:0", slog.New(logs)
	env, _, _ := testEnv()
	addr := make(chan string, 1)
	env.Ready = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, env, agg, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case a := <-addr:
		return a, logs
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return "", nil
}

func testAggregator(t *testing.T) (*store.DB, *aggregator.Aggregator) {
	db := storetest.Open(t)
	return db, aggregator.New(db, []store.Campaign{{Name: "c", Hashtags: []string{"t"}, Timezone: "UTC"}}, aggregator.Options{})
}

// rawGet sends a request line and headers (and body, if any) over a new
// connection and returns it with a reader of what comes back.
func rawGet(t *testing.T, addr, request string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a test bound; what is asserted comes sooner
	return conn, bufio.NewReader(conn)
}

// TestBackupCutsOffAStalledReader: a /backup client that stops reading is
// cut off once a write has waited BackupWriteTimeout, which ends the read
// transaction (before, it stayed open as long as the connection). A copy
// asked for afterwards is whole.
func TestBackupCutsOffAStalledReader(t *testing.T) {
	const token = "backup-token-0123456789"
	db, agg := testAggregator(t)
	// A store much larger than what the sockets between server and client
	// can hold, so that the server's writes block.
	var posts []store.Post
	for i := range 2500 {
		at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
		posts = append(posts, store.Post{Platform: store.PlatformDemo, ID: fmt.Sprint(i), Source: store.SourceMastodon, Kind: store.KindOriginal,
			CreatedAt: at, CollectedAt: at, Text: strings.Repeat("x", 8000), Hashtags: []string{"t"}, Author: store.Author{ID: "a"}})
	}
	if _, err := db.Append(posts, nil); err != nil {
		t.Fatal(err)
	}
	size := db.Size()
	if size < 16<<20 {
		t.Fatalf("store is only %d bytes", size)
	}
	addr, logs := startServe(t, agg, serveOptions{BackupToken: token, limits: serveLimits{BackupWriteTimeout: 200 * time.Millisecond}})

	conn, br := rawGet(t, addr, "GET /backup HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "+token+"\r\n\r\n")
	conn.(*net.TCPConn).SetReadBuffer(4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 || resp.ContentLength != size {
		t.Fatalf("backup: %v %v", resp, err)
	}
	// Read nothing more until the server has given up.
	var cut slog.Record
	for cut.Message != "backup cut short" {
		select {
		case cut = <-logs:
		case <-time.After(20 * time.Second):
			t.Fatal("the server kept writing to a client that stopped reading")
		}
	}
	attrs := map[string]slog.Value{}
	cut.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
	err, _ = attrs["err"].Any().(error)
	if !errors.Is(err, os.ErrDeadlineExceeded) || attrs["bytes"].Int64() >= size {
		t.Fatalf("log: %s %v", cut.Message, attrs)
	}
	conn.(*net.TCPConn).SetReadBuffer(4 << 20) // or the window opens slowly
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil || n >= size {
		t.Errorf("the stalled client got %d of %d bytes, then %v", n, size, err)
	}

	// The store is free: a reading client gets it all.
	req, _ := http.NewRequest("GET", "http://"+addr+"/backup", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if n, err := io.Copy(io.Discard, resp.Body); err != nil || n != size {
		t.Errorf("second backup: %d of %d bytes, %v", n, size, err)
	}
}

// TestServeLimits: event streams are capped (the next is a 503 with
// Retry-After, and the API still answers) yet outlive the server's read and
// write timeouts; an idle keep-alive connection is closed; a request body
// that does not arrive does not hold its connection.
func TestServeLimits(t *testing.T) {
	_, agg := testAggregator(t)
	addr, _ := startServe(t, agg, serveOptions{limits: serveLimits{
		ReadTimeout: 150 * time.Millisecond, WriteTimeout: 150 * time.Millisecond, IdleTimeout: 150 * time.Millisecond,
		EventKeepAlive: 20 * time.Millisecond, MaxEventStreams: 1,
	}})
	base := "http://" + addr

	stream, err := http.Get(base + "/api/v1/events")
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("event stream: %v %v", stream, err)
	}
	defer stream.Body.Close()
	second, err := http.Get(base + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	second.Body.Close()
	if second.StatusCode != http.StatusServiceUnavailable || second.Header.Get("Retry-After") == "" {
		t.Errorf("second stream with room for one: %d, Retry-After %q", second.StatusCode, second.Header.Get("Retry-After"))
	}
	if code, _ := getBody(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz with the streams full: %d", code)
	}
	// 20 keep-alives 20 ms apart: the stream has lived past the 150 ms
	// read and write timeouts.
	sc := bufio.NewScanner(stream.Body)
	for kept := 0; kept < 20; {
		if !sc.Scan() {
			t.Fatalf("the stream ended after %d keep-alives: %v", kept, sc.Err())
		}
		if sc.Text() == ": keep-alive" {
			kept++
		}
	}

	// Idle keep-alive connections are closed.
	_, br := rawGet(t, addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 || resp.Close {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("an idle connection was not closed: %v", err)
	}

	// A body that never comes does not hold the connection: the server
	// closes it (the client's read ends, not by its own deadline).
	_, br = rawGet(t, addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nabc")
	if _, err := io.ReadAll(br); err != nil {
		t.Errorf("a connection waiting for a body was not closed: %v", err)
	}
}
