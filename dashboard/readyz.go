package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// ReadyMaxLag is the most posts the aggregator may have left to fold in
// for /readyz to answer ready: below one batch it has caught up with the
// log, beyond it (a start after downtime or an import, a rebuild) the
// figures are behind and a load balancer should send people elsewhere.
const ReadyMaxLag = 1000

// readyz answers 200 when tagpulse is ready for traffic: its store is open
// and readable, the aggregator works and has caught up with the post log
// (Lag ≤ ReadyMaxLag). Otherwise 503 with the reason. /healthz says whether
// the process should be restarted; /readyz whether to route people to it.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	notReady := func(reason string, lag any) {
		w.WriteHeader(http.StatusServiceUnavailable)
		json.NewEncoder(w).Encode(map[string]any{"status": "not_ready", "reason": reason, "aggregator_lag_posts": lag})
	}
	lag, err := h.agg.Lag()
	if err != nil {
		h.log.Warn("readyz: store unreadable", "err", err)
		notReady("store: "+err.Error(), nil)
		return
	}
	if err := h.agg.Err(); err != nil {
		notReady("aggregator: "+err.Error(), lag)
		return
	}
	if h.ready != nil {
		if ok, reason := h.ready(); !ok {
			notReady(reason, lag)
			return
		}
	}
	if lag > ReadyMaxLag {
		notReady(fmt.Sprintf("aggregator catching up: %d posts not yet in the figures (ready at %d or fewer)", lag, ReadyMaxLag), lag)
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"status": "ready", "aggregator_lag_posts": lag})
}
