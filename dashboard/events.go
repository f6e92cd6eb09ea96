package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
)

// events streams server-sent events: "changed" whenever the rollups of the
// campaign named by ?campaign= change (of any campaign without it;
// coalesced, at most one a second), and a comment every EventKeepAlive
// (25 s) to keep proxies from closing the connection. Pages refetch the
// figures on "changed".
// Through a public link the stream follows that link's campaign only and
// carries no figure of the whole store, so it tells nothing of others.
//
// Every open stream holds a connection, so at most MaxEventStreams are open
// at once, and at most MaxEventStreamsPerClient from one client address; the
// next gets a 503 with Retry-After (the page then polls). Each write, the
// keep-alive comments too, has StreamWriteTimeout to reach the client, so
// one that stopped reading is let go once its socket buffers are full. A
// socket that never reads can take a long time to fill them with comments
// alone, so every stream also ends after EventStreamMaxAge: the browser
// reconnects with Last-Event-ID and is told at once to refetch, so no
// change is missed, while a socket that never reads loses its slot.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	campaign := r.URL.Query().Get("campaign")
	public := false
	if c, ok := publicCampaign(r); ok {
		campaign, public = c, true
	} else if campaign != "" && h.agg.Campaign(campaign) == nil {
		h.httpError(w, r, fmt.Errorf("%w %q", aggregator.ErrUnknownCampaign, campaign))
		return
	}
	if _, ok := w.(http.Flusher); !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	busy := func(msg string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"error": msg})
	}
	client := clientKey(r)
	if !h.slots.take(client) {
		busy("too many live updates open from your address; poll the API instead")
		return
	}
	defer h.slots.release(client)
	if n := h.streams.Add(1); n > h.maxStreams {
		h.streams.Add(-1)
		busy("too many live updates open; poll the API instead")
		return
	}
	defer h.streams.Add(-1)
	rc := http.NewResponseController(w)
	send := func(s string) bool {
		rc.SetWriteDeadline(time.Now().Add(h.streamWrite)) // not supported by every writer (tests' recorders): then none
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch, stop := h.agg.Subscribe(campaign)
	defer stop()
	// The id makes the browser send Last-Event-ID when it reconnects
	// (after EventStreamMaxAge, or a dropped connection): it may have
	// missed a change meanwhile, so it is told at once.
	if !send("retry: 3000\nid: 1\n\n") {
		return
	}
	reconnect := make(chan struct{}, 1)
	if r.Header.Get("Last-Event-ID") != "" {
		reconnect <- struct{}{}
	}
	keep := time.NewTicker(h.keepAlive)
	defer keep.Stop()
	age := time.NewTimer(h.slots.maxAge)
	defer age.Stop()
	var last time.Time
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-age.C:
			return // the browser reconnects; a socket that never reads is let go
		case <-keep.C:
			msg = ": keep-alive\n\n"
		case <-reconnect:
			msg = "event: changed\ndata: {}\n\n"
		case <-ch:
			if wait := time.Second - time.Since(last); wait > 0 {
				select {
				case <-time.After(wait):
				case <-r.Context().Done():
					return
				}
			}
			last = time.Now()
			if public {
				msg = "event: changed\ndata: {}\n\n"
			} else {
				lag, _ := h.agg.Lag()
				msg = fmt.Sprintf("event: changed\ndata: {\"aggregator_lag_posts\":%d}\n\n", lag)
			}
		}
		if !send(msg) {
			return
		}
	}
}

// streamSlots counts the event streams open per client address.
type streamSlots struct {
	max    int           // per client
	maxAge time.Duration // of any stream
	mu     sync.Mutex
	open   map[string]int
}

func (s *streamSlots) take(client string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		s.open = map[string]int{}
	}
	if s.open[client] >= s.max {
		return false
	}
	s.open[client]++
	return true
}

func (s *streamSlots) release(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[client]--; s.open[client] <= 0 {
		delete(s.open, client)
	}
}

// clientKey is the address a stream is counted against: the peer's IP
// address; when the peer is on loopback (a reverse proxy on this host), the
// address that proxy appended last to X-Forwarded-For, the one it saw.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if fwd := strings.TrimSpace(parts[len(parts)-1]); fwd != "" {
				return fwd
			}
		}
	}
	return host
}
