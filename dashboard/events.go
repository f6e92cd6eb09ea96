package dashboard

import (
	"fmt"
	"net/http"
	"time"
)

// events streams server-sent events: "changed" whenever the rollups change
// (coalesced, at most one a second), and a comment every 25 s to keep proxies
// from closing the connection. Pages refetch the figures on "changed".
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch, stop := h.agg.Subscribe()
	defer stop()
	fmt.Fprint(w, "retry: 3000\n\n")
	fl.Flush()
	keep := time.NewTicker(25 * time.Second)
	defer keep.Stop()
	var last time.Time
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-ch:
			if wait := time.Second - time.Since(last); wait > 0 {
				select {
				case <-time.After(wait):
				case <-r.Context().Done():
					return
				}
			}
			last = time.Now()
			lag, _ := h.agg.Lag()
			fmt.Fprintf(w, "event: changed\ndata: {\"aggregator_lag_posts\":%d}\n\n", lag)
		}
		fl.Flush()
	}
}
