package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// publicKey marks a request that came through a public link; its value is
// the link's campaign.
type publicKey struct{}

// publicCampaign returns the campaign of the public link r came through.
func publicCampaign(r *http.Request) (string, bool) {
	c, ok := r.Context().Value(publicKey{}).(string)
	return c, ok
}

func withPublic(r *http.Request, campaign string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), publicKey{}, campaign))
}

func (h *handler) listSources(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.format(w, r, "json"); !ok {
		return
	}
	var v any = []any{}
	if h.sources != nil {
		v = h.sources()
	}
	if campaign, ok := publicCampaign(r); ok {
		v = sourcesFor(v, campaign)
	}
	writeJSON(w, v)
}

// Collectors are named as the collector names them (collector.SourceHealth,
// whose JSON this reads, so that the dashboard does not depend on the
// collector): "x:CAMPAIGN" and "twitter:CAMPAIGN" serve one campaign;
// "mastodon:HOST", "bluesky", "instagram:USER", "threads", "youtube" and
// "demo" serve every campaign.
var (
	perCampaignCollectors = []string{"x", "twitter"}
	sharedCollectors      = []string{"mastodon", "bluesky", "instagram", "threads", "youtube", "demo"}
)

// sharedFields are what a public link shows of a collector that serves every
// campaign: its state and timings. Its counters add up every campaign's
// posts and its error messages can name another campaign's hashtags (a
// Mastodon tag timeline's path), so they stay private; last_error keeps only
// when it happened.
var sharedFields = []string{"name", "source", "kind", "state", "every", "last_success", "last_error",
	"consecutive_errors", "waiting_for_reset_until", "next_attempt", "rate_limit", "completeness"}

// sourcesFor narrows the collectors' health (a JSON list of objects, as
// collector.SourceHealth encodes) to what concerns one campaign, for its
// public link: that campaign's own collectors, whole, and the shared ones,
// without what they say about other campaigns. Completeness figures of
// another campaign are dropped. Anything it does not recognise (another
// shape, an unknown collector) is left out: a public link shows too little
// rather than another campaign.
func sourcesFor(v any, campaign string) []map[string]json.RawMessage {
	out := []map[string]json.RawMessage{}
	b, err := json.Marshal(v)
	if err != nil {
		return out
	}
	var list []map[string]json.RawMessage
	if json.Unmarshal(b, &list) != nil {
		return out
	}
	for _, s := range list {
		var name string
		if json.Unmarshal(s["name"], &name) != nil {
			continue
		}
		kind, rest, _ := strings.Cut(name, ":")
		switch {
		case slices.Contains(perCampaignCollectors, kind):
			if rest != campaign {
				continue
			}
		case slices.Contains(sharedCollectors, kind):
			kept := map[string]json.RawMessage{}
			for _, k := range sharedFields {
				if v, ok := s[k]; ok {
					kept[k] = v
				}
			}
			if e, ok := kept["last_error"]; ok {
				var at struct {
					At json.RawMessage `json:"at"`
				}
				if json.Unmarshal(e, &at) != nil || at.At == nil {
					delete(kept, "last_error")
				} else {
					kept["last_error"], _ = json.Marshal(map[string]json.RawMessage{"at": at.At})
				}
			}
			s = kept
		default:
			continue
		}
		if c, ok := s["completeness"]; ok {
			var of struct {
				Campaign string `json:"campaign"`
			}
			if json.Unmarshal(c, &of) != nil || of.Campaign != campaign {
				delete(s, "completeness")
			}
		}
		out = append(out, s)
	}
	return out
}
