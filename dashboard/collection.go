package dashboard

import (
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// Collection states, in the headline's "collection".
const (
	CollectingOK    = "collecting"     // every source is collecting
	CollectingSome  = "some_failing"   // some sources are failing, others collect
	CollectingStop  = "stopped"        // every source is failing; Since is the last success
	CollectingNever = "never"          // every source is failing and none has succeeded since start
	CollectingWait  = "waiting"        // every source waits for a rate-limit reset; Until is the first
	CollectingNone  = "not_collecting" // no live source: stored (imported) figures only
)

// Collection is a campaign's collection state as its headline carries it,
// so a stopped collection does not look like a quiet hashtag.
type Collection struct {
	State   string             `json:"state"`
	Since   *time.Time         `json:"since,omitempty"` // stopped: the last success of any source
	Until   *time.Time         `json:"until,omitempty"` // waiting: the first rate-limit reset
	Sources []CollectionSource `json:"sources"`
}

// CollectionSource is one source's part: whether it collects, and if not
// why, in a class the page words plainly (store.ErrorDNS, …), with the
// raw error for those who want it.
type CollectionSource struct {
	Name     string     `json:"name"`
	Source   string     `json:"source"`
	OK       bool       `json:"ok"`
	State    string     `json:"state"`
	Reason   string     `json:"reason,omitempty"` // a store.Error class
	Host     string     `json:"host,omitempty"`
	Status   int        `json:"status,omitempty"`
	Until    *time.Time `json:"until,omitempty"` // waiting for a rate-limit reset until
	Since    *time.Time `json:"since,omitempty"` // last success
	Error    string     `json:"error,omitempty"` // the raw message; left out where a public link may not see it
	ErrorsIn int        `json:"consecutive_errors"`
}

// collectionOf sums up the collectors serving a campaign. public keeps the
// raw messages of collectors shared with other campaigns out (they can
// name other campaigns' hashtags; see publicSources).
func collectionOf(health []store.SourceHealth, public bool) *Collection {
	c := &Collection{Sources: []CollectionSource{}}
	var ok, waiting, failing int
	for _, h := range health {
		cs := CollectionSource{Name: h.Name, Source: h.Source, State: h.State, Since: h.LastSuccess, ErrorsIn: h.ConsecutiveErrors}
		switch {
		case h.State == store.StateWaitingForReset:
			waiting++
			cs.Reason, cs.Until = store.ErrorRateLimited, h.WaitingForResetUntil
			if cs.Until != nil && (c.Until == nil || cs.Until.Before(*c.Until)) {
				c.Until = cs.Until
			}
		case h.ConsecutiveErrors > 0 || h.State == store.StateBackoff || h.State == store.StateStopped:
			failing++
			cs.Reason = store.ErrorOther
		default:
			ok++
			cs.OK = true
		}
		if !cs.OK && h.LastError != nil {
			e := h.LastError
			if e.Class != "" {
				cs.Reason = e.Class
			}
			cs.Host, cs.Status = e.Host, e.Status
			if !public || !h.Shared() {
				cs.Error = e.Message
			}
		}
		if cs.Host == "" {
			cs.Host = hostOf(h.Name)
		}
		if h.LastSuccess != nil && (c.Since == nil || h.LastSuccess.After(*c.Since)) {
			c.Since = h.LastSuccess
		}
		c.Sources = append(c.Sources, cs)
	}
	switch {
	case len(health) == 0:
		c.State = CollectingNone
	case waiting+failing == 0:
		c.State = CollectingOK
	case ok > 0:
		c.State = CollectingSome
	case failing == 0:
		c.State = CollectingWait
	case c.Since == nil:
		c.State = CollectingNever
	default:
		c.State = CollectingStop
	}
	if c.State != CollectingStop {
		c.Since = nil
	}
	if c.State != CollectingWait {
		c.Until = nil
	}
	return c
}

// hostOf is the host a collector's name carries ("mastodon:mastodon.social"),
// else "".
func hostOf(name string) string {
	kind, rest, ok := strings.Cut(name, ":")
	if !ok || kind != store.SourceMastodon {
		return ""
	}
	return rest
}
