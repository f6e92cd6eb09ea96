package dashboard

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tagpulse/tagpulse/aggregator"
)

// events streams server-sent events: "changed" whenever the rollups of the
// campaign named by ?campaign= change (of any campaign without it;
// coalesced, at most one a second), and a comment every 25 s to keep proxies
// from closing the connection. Pages refetch the figures on "changed".
// Through a public link the stream follows that link's campaign only and
// carries no figure of the whole store, so it tells nothing of others.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	campaign := r.URL.Query().Get("campaign")
	public := false
	if c, ok := publicCampaign(r); ok {
		campaign, public = c, true
	} else if campaign != "" && h.agg.Campaign(campaign) == nil {
		h.httpError(w, r, fmt.Errorf("%w %q", aggregator.ErrUnknownCampaign, campaign))
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	ch, stop := h.agg.Subscribe(campaign)
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
			if public {
				fmt.Fprint(w, "event: changed\ndata: {}\n\n")
			} else {
				lag, _ := h.agg.Lag()
				fmt.Fprintf(w, "event: changed\ndata: {\"aggregator_lag_posts\":%d}\n\n", lag)
			}
		}
		fl.Flush()
	}
}
