package platformtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Skeet is a Bluesky post the fake Jetstream sends as a create commit.
type Skeet struct {
	DID       string    // author; default did:plc:alice
	RKey      string    // record key; default generated
	Text      string    // the text; each of Tags found in it as "#tag" gets a #tag facet
	Tags      []string  // hashtags to mark with facets (in Text) or, when absent from Text, record.tags
	Langs     []string  // default ["en"]
	CreatedAt time.Time // default: the event's time
	ReplyTo   string    // at-URI of the parent: a reply
	Quote     string    // at-URI of a quoted post (app.bsky.embed.record)
	TimeUS    int64     // event time; default: the previous event's plus Step
}

// URI is the post's at-URI (after Add filled in its defaults).
func (s Skeet) URI() string { return "at://" + s.DID + "/app.bsky.feed.post/" + s.RKey }

// Jetstream is a fake Jetstream v1 server: GET /subscribe upgrades to a
// websocket that replays events from the cursor query parameter (time_us)
// and then sends events as they are added. A connection without a cursor is
// served from the first event (the real one starts live), so tests see all.
// It can drop connections mid-stream, send every frame twice, and send
// malformed frames.
type Jetstream struct {
	*httptest.Server
	// Step separates events added without a time (default 1s), so that a
	// 5-second rewind replays a known number of them.
	Step time.Duration

	mu      sync.Mutex
	events  []jsFrame
	notify  chan struct{} // closed and replaced when an event is added
	drops   []int         // per next connection: frames to send before dropping (-1 none)
	dup     bool
	cursors []string // the cursor parameter of every connection, "" when none
	queries []string
	next    int64
	rkeys   int
}

type jsFrame struct {
	timeUS int64
	data   []byte
}

// jetstreamEpoch is the first event time: 2026-11-29T09:00:00Z.
var jetstreamEpoch = time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC).UnixMicro()

// NewJetstream starts a fake Jetstream; Close it when done.
func NewJetstream() *Jetstream {
	j := &Jetstream{Step: time.Second, notify: make(chan struct{}), next: jetstreamEpoch}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /subscribe", j.serve)
	j.Server = httptest.NewServer(mux)
	return j
}

// URL is the subscribe address, ws://127.0.0.1:port/subscribe.
func (j *Jetstream) URL() string {
	return "ws" + strings.TrimPrefix(j.Server.URL, "http") + "/subscribe"
}

func (j *Jetstream) timeLocked(t int64) int64 {
	if t == 0 {
		j.next += j.Step.Microseconds()
		return j.next
	}
	if t > j.next {
		j.next = t
	}
	return t
}

func (j *Jetstream) appendLocked(t int64, data []byte) {
	j.events = append(j.events, jsFrame{timeUS: t, data: data})
	close(j.notify)
	j.notify = make(chan struct{})
}

// Add sends posts and returns them with their defaults filled in (URI, time).
func (j *Jetstream) Add(skeets ...Skeet) []Skeet {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]Skeet, 0, len(skeets))
	for _, s := range skeets {
		if s.DID == "" {
			s.DID = "did:plc:alice"
		}
		if s.RKey == "" {
			j.rkeys++
			s.RKey = fmt.Sprintf("3mfake%07d", j.rkeys)
		}
		if len(s.Langs) == 0 {
			s.Langs = []string{"en"}
		}
		s.TimeUS = j.timeLocked(s.TimeUS)
		created := s.CreatedAt
		if created.IsZero() {
			created = time.UnixMicro(s.TimeUS)
		}
		rec := map[string]any{
			"$type":     "app.bsky.feed.post",
			"createdAt": created.UTC().Format("2006-01-02T15:04:05.000Z"),
			"langs":     s.Langs,
			"text":      s.Text,
		}
		var facets []any
		var extra []string
		for _, tag := range s.Tags {
			i := strings.Index(s.Text, "#"+tag)
			if i < 0 {
				extra = append(extra, tag)
				continue
			}
			facets = append(facets, map[string]any{
				"features": []any{map[string]any{"$type": "app.bsky.richtext.facet#tag", "tag": tag}},
				"index":    map[string]int{"byteStart": i, "byteEnd": i + 1 + len(tag)},
			})
		}
		if facets != nil {
			rec["facets"] = facets
		}
		if extra != nil {
			rec["tags"] = extra
		}
		if s.ReplyTo != "" {
			ref := map[string]string{"uri": s.ReplyTo, "cid": "bafyreifakeparent"}
			rec["reply"] = map[string]any{"parent": ref, "root": ref}
		}
		if s.Quote != "" {
			rec["embed"] = map[string]any{"$type": "app.bsky.embed.record", "record": map[string]string{"uri": s.Quote, "cid": "bafyreifakequote"}}
		}
		j.appendLocked(s.TimeUS, commit(s.DID, s.TimeUS, "create", "app.bsky.feed.post", s.RKey, rec))
		out = append(out, s)
	}
	return out
}

// Repost sends a repost by did of the post at subject, returning its at-URI.
func (j *Jetstream) Repost(did, subject string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.rkeys++
	rkey := fmt.Sprintf("3mrepost%07d", j.rkeys)
	t := j.timeLocked(0)
	rec := map[string]any{
		"$type":     "app.bsky.feed.repost",
		"createdAt": time.UnixMicro(t).UTC().Format("2006-01-02T15:04:05.000Z"),
		"subject":   map[string]string{"uri": subject, "cid": "bafyreifakesubject"},
	}
	j.appendLocked(t, commit(did, t, "create", "app.bsky.feed.repost", rkey, rec))
	return "at://" + did + "/app.bsky.feed.repost/" + rkey
}

// Delete sends the deletion of the record at an at-URI.
func (j *Jetstream) Delete(uri string) {
	parts := strings.Split(strings.TrimPrefix(uri, "at://"), "/")
	if len(parts) != 3 {
		panic("platformtest: not an at-URI: " + uri)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	t := j.timeLocked(0)
	j.appendLocked(t, commit(parts[0], t, "delete", parts[1], parts[2], nil))
}

// AddRaw sends a frame verbatim: a fixture line or a malformed frame. Its
// time_us, when it has one, orders it for cursors; otherwise it follows the
// previous event.
func (j *Jetstream) AddRaw(frame string) {
	var probe struct {
		TimeUS int64 `json:"time_us"`
	}
	json.Unmarshal([]byte(frame), &probe)
	j.mu.Lock()
	defer j.mu.Unlock()
	t := probe.TimeUS
	if t == 0 {
		t = j.next // no time of its own: sent with the previous event
	} else {
		t = j.timeLocked(t)
	}
	j.appendLocked(t, []byte(frame))
}

// DropNext makes the next connection close abruptly after sending n frames.
func (j *Jetstream) DropNext(n int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.drops = append(j.drops, n)
}

// Duplicate makes the server send every frame twice.
func (j *Jetstream) Duplicate(on bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.dup = on
}

// Cursors returns the cursor parameter of every connection so far ("" for none).
func (j *Jetstream) Cursors() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.cursors...)
}

// Queries returns the raw query of every connection so far.
func (j *Jetstream) Queries() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.queries...)
}

// LastTimeUS is the time of the newest event.
func (j *Jetstream) LastTimeUS() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.events) == 0 {
		return 0
	}
	var t int64
	for _, e := range j.events {
		t = max(t, e.timeUS)
	}
	return t
}

func (j *Jetstream) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cursor int64
	if c := q.Get("cursor"); c != "" {
		var err error
		if cursor, err = strconv.ParseInt(c, 10, 64); err != nil {
			http.Error(w, "bad cursor", http.StatusBadRequest)
			return
		}
	}
	wanted := map[string]bool{}
	for _, c := range q["wantedCollections"] {
		wanted[c] = true
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	j.mu.Lock()
	j.cursors = append(j.cursors, q.Get("cursor"))
	j.queries = append(j.queries, r.URL.RawQuery)
	drop := -1
	if len(j.drops) > 0 {
		drop, j.drops = j.drops[0], j.drops[1:]
	}
	j.mu.Unlock()
	ctx := conn.CloseRead(r.Context())

	sent, i := 0, 0
	for {
		j.mu.Lock()
		var batch []jsFrame
		for ; i < len(j.events); i++ {
			if e := j.events[i]; e.timeUS >= cursor && wantedFrame(e.data, wanted) {
				batch = append(batch, e)
			}
		}
		notify, dup := j.notify, j.dup
		j.mu.Unlock()
		for _, e := range batch {
			n := 1
			if dup {
				n = 2
			}
			for range n {
				if drop >= 0 && sent >= drop {
					return // abrupt: no close frame
				}
				if err := conn.Write(ctx, websocket.MessageText, e.data); err != nil {
					return
				}
				sent++
			}
		}
		select {
		case <-notify:
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return
		}
	}
}

// wantedFrame filters commits by wantedCollections, as Jetstream does;
// other events and unreadable frames always go out.
func wantedFrame(data []byte, wanted map[string]bool) bool {
	if len(wanted) == 0 {
		return true
	}
	var ev struct {
		Kind   string `json:"kind"`
		Commit struct {
			Collection string `json:"collection"`
		} `json:"commit"`
	}
	if json.Unmarshal(data, &ev) != nil || ev.Kind != "commit" {
		return true
	}
	return wanted[ev.Commit.Collection]
}

func commit(did string, t int64, op, collection, rkey string, rec map[string]any) []byte {
	c := map[string]any{"rev": "3mfakerev", "operation": op, "collection": collection, "rkey": rkey}
	if rec != nil {
		c["record"] = rec
		c["cid"] = "bafyreifake" + rkey
	}
	return mustJSON(map[string]any{"did": did, "time_us": t, "kind": "commit", "commit": c})
}
