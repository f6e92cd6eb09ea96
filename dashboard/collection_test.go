package dashboard

import (
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// TestHeadlineCollectionState: the headline API says whether the campaign
// is being collected, so a stopped collection does not read as a quiet
// hashtag: stopped since the last success, never succeeded, some failing,
// waiting for a rate-limit reset, collecting; each failing source with a
// plain reason and host, and its raw error.
func TestHeadlineCollectionState(t *testing.T) {
	last := gazaNow.Add(-95 * time.Minute)
	reset := gazaNow.Add(12 * time.Minute)
	dialErr := &store.ErrorInfo{Message: `mastodon:mastodon.social: Get "https://mastodon.social/api/v1/timelines/tag/allforpalestine": dial tcp: connect: connection refused`,
		At: gazaNow, Class: store.ErrorDial, Host: "mastodon.social"}
	tokenErr := &store.ErrorInfo{Message: "x:afp: /2/tweets/search/recent: HTTP 401: Unauthorized", At: gazaNow, Class: store.ErrorUnauthorized, Status: 401}
	masto := func(ok bool) store.SourceHealth {
		h := store.SourceHealth{Name: "mastodon:mastodon.social", Source: "mastodon", Kind: "poll", State: store.StateOK, LastSuccess: &last}
		if !ok {
			h.State, h.ConsecutiveErrors, h.LastError = store.StateBackoff, 4, dialErr
		}
		return h
	}
	x := func(ok bool) store.SourceHealth {
		h := store.SourceHealth{Name: "x:afp", Campaign: "afp", Source: "x", Kind: "poll", State: store.StateOK}
		if !ok {
			h.State, h.ConsecutiveErrors, h.LastError = store.StateBackoff, 2, tokenErr
		}
		return h
	}
	never := x(false) // never succeeded: no LastSuccess
	mNever := masto(false)
	mNever.LastSuccess = nil
	waiting := store.SourceHealth{Name: "x:afp", Campaign: "afp", Source: "x", Kind: "poll", State: store.StateWaitingForReset, WaitingForResetUntil: &reset,
		LastError: &store.ErrorInfo{Message: "rate limited", At: gazaNow, Class: store.ErrorRateLimited}}
	cases := []struct {
		name   string
		health []store.SourceHealth
		state  string
		since  *time.Time
		until  *time.Time
	}{
		{"stopped", []store.SourceHealth{masto(false), never}, CollectingStop, &last, nil},
		{"never", []store.SourceHealth{mNever, never}, CollectingNever, nil, nil},
		{"some", []store.SourceHealth{masto(true), x(false)}, CollectingSome, nil, nil},
		{"waiting", []store.SourceHealth{waiting}, CollectingWait, nil, &reset},
		{"collecting", []store.SourceHealth{masto(true), x(true)}, CollectingOK, nil, nil},
		{"none", nil, CollectingNone, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(o *Options) { o.Sources = healthFor(c.health) })
			f.fill(t)
			var hl headlineView
			f.getJSON(t, "/api/v1/campaigns/afp/headline", &hl)
			col := hl.Collection
			if col == nil || col.State != c.state {
				t.Fatalf("collection = %+v, want state %s", col, c.state)
			}
			if (c.since == nil) != (col.Since == nil) || (c.since != nil && !col.Since.Equal(*c.since)) {
				t.Errorf("since = %v, want %v", col.Since, c.since)
			}
			if (c.until == nil) != (col.Until == nil) || (c.until != nil && !col.Until.Equal(*c.until)) {
				t.Errorf("until = %v, want %v", col.Until, c.until)
			}
			if len(col.Sources) != len(c.health) {
				t.Fatalf("sources = %+v", col.Sources)
			}
			for i, s := range col.Sources {
				h := c.health[i]
				if s.OK != (h.LastError == nil) {
					t.Errorf("%s ok = %v", s.Name, s.OK)
				}
				if h.LastError != nil && (s.Reason != h.LastError.Class || s.Error != h.LastError.Message) {
					t.Errorf("%s: reason %q error %q, want %q and the raw message", s.Name, s.Reason, s.Error, h.LastError.Class)
				}
				if h.Source == "mastodon" && s.Host != "mastodon.social" {
					t.Errorf("%s: host %q", s.Name, s.Host)
				}
			}
		})
	}
	// Through a public link, a shared collector's raw error stays private.
	f := newFixture(t, func(o *Options) {
		o.Sources = healthFor([]store.SourceHealth{masto(false), never})
		o.Public = map[string]string{"afp": "public-secret-0123456789"}
	})
	var hl headlineView
	f.getJSON(t, "/p/public-secret-0123456789/api/v1/campaigns/afp/headline", &hl)
	if hl.Collection == nil || hl.Collection.State != CollectingStop || len(hl.Collection.Sources) != 2 {
		t.Fatalf("public collection = %+v", hl.Collection)
	}
	for _, s := range hl.Collection.Sources {
		if s.Name == "mastodon:mastodon.social" && (s.Error != "" || s.Reason != store.ErrorDial) {
			t.Errorf("public view of a shared collector: %+v, want its reason without its message", s)
		}
		if s.Name == "x:afp" && s.Error == "" {
			t.Errorf("public view of the campaign's own collector lost its error: %+v", s)
		}
	}
}

// TestCollectionMessages: every state and every failure class the page
// may be given has its message in every language.
func TestCollectionMessages(t *testing.T) {
	ls, _ := loadCatalogs()
	var keys []string
	for _, s := range []string{CollectingOK, CollectingSome, CollectingStop, CollectingNever, CollectingWait, CollectingNone} {
		keys = append(keys, "coll."+s)
	}
	for _, c := range []string{store.ErrorDNS, store.ErrorDial, store.ErrorTimeout, store.ErrorUnauthorized, store.ErrorForbidden, store.ErrorRateLimited, store.ErrorServer, store.ErrorHTTP, store.ErrorOther} {
		keys = append(keys, "reason."+c)
	}
	for _, src := range store.Sources {
		keys = append(keys, "source."+src)
	}
	for _, a := range store.Arrivals {
		keys = append(keys, "arrival."+a)
	}
	for _, lang := range Languages {
		for _, k := range keys {
			if _, ok := ls[lang].msgs[k]; !ok {
				t.Errorf("%s: no message %q", lang, k)
			}
		}
	}
}
