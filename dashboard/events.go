package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
// at once; the next gets a 503 with Retry-After (the page then polls). A
// stream has no overall deadline, but each write has StreamWriteTimeout to
// reach the client, so one that stopped reading is let go.
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
	if n := h.streams.Add(1); n > h.maxStreams {
		h.streams.Add(-1)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]string{"error": "too many live updates open; poll the API instead"})
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
	if !send("retry: 3000\n\n") {
		return
	}
	keep := time.NewTicker(h.keepAlive)
	defer keep.Stop()
	var last time.Time
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			msg = ": keep-alive\n\n"
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
