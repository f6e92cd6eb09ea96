package bluesky_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

func newJetstream(t *testing.T, srv *platformtest.Jetstream, db *store.DB, tags ...string) *bluesky.Jetstream {
	t.Helper()
	j, err := bluesky.NewJetstream(bluesky.Config{Jetstream: srv.URL()}, tags, db.Get, db.Redact, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.CursorEvery = 0 // save the cursor whenever the stream goes idle
	j.Now = func() time.Time { return mbNow }
	return j
}

// streamResult is what one Stream call did.
type streamResult struct {
	err       error
	added     int
	dups      int
	malformed int
	pages     []collector.Page
}

// streamUntil runs one Stream from the stored cursor, ingesting every page,
// and stops it once the stored cursor reaches stopAt (or the stream ends).
func streamUntil(t *testing.T, j *bluesky.Jetstream, db *store.DB, m *collector.Matcher, stopAt int64) streamResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cur, err := db.Cursor(j.Name())
	if err != nil {
		t.Fatal(err)
	}
	var r streamResult
	r.err = j.Stream(ctx, cur, func(p collector.Page) error {
		res, err := collector.Ingest(db, m, j.Name(), p)
		if err != nil {
			return err
		}
		r.added += res.Added
		r.dups += res.Duplicates
		r.malformed += res.Malformed
		r.pages = append(r.pages, p)
		if c, _ := strconv.ParseInt(string(p.Cursor), 10, 64); c >= stopAt {
			cancel()
		}
		return nil
	})
	if errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatal("stream did not reach the last event in time")
	}
	return r
}

func storedCursor(t *testing.T, db *store.DB) int64 {
	t.Helper()
	c, err := db.Cursor(store.SourceBluesky)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.ParseInt(string(c), 10, 64)
	return n
}

func TestJetstreamStreamsMatchingPosts(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	j := newJetstream(t, srv, db, "allforpalestine")

	ss := srv.Add(
		platformtest.Skeet{DID: "did:plc:a", Text: "Free Palestine #AllForPalestine", Tags: []string{"AllForPalestine"}, Langs: []string{"ar", "en"}},
		platformtest.Skeet{DID: "did:plc:b", Text: "tagged outside the text", Tags: []string{"allforpalestine"}}, // record.tags
		platformtest.Skeet{DID: "did:plc:c", Text: "no facets, text only #ALLFORPALESTINE"},
		platformtest.Skeet{DID: "did:plc:d", Text: "#cats", Tags: []string{"cats"}},
		platformtest.Skeet{DID: "did:plc:e", Text: "nothing"},
	)
	reply := srv.Add(platformtest.Skeet{DID: "did:plc:f", Text: "yes #AllForPalestine", Tags: []string{"AllForPalestine"}, ReplyTo: ss[3].URI()})[0]
	quote := srv.Add(platformtest.Skeet{DID: "did:plc:g", Text: "this #AllForPalestine", Tags: []string{"AllForPalestine"}, Quote: ss[0].URI()})[0]

	r := streamUntil(t, j, db, m, srv.LastTimeUS())
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("stream ended with %v", r.err)
	}
	if r.added != 5 || db.PostCount() != 5 {
		t.Fatalf("added %d, stored %d; want 5", r.added, db.PostCount())
	}
	if got := storedCursor(t, db); got != srv.LastTimeUS() {
		t.Errorf("cursor %d, want the last event's time %d", got, srv.LastTimeUS())
	}
	p, err := db.Get(store.PlatformBluesky, ss[0].URI())
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.ID != "did:plc:a" || p.Author.Handle != "" || p.Lang != "ar" || p.Source != store.SourceBluesky ||
		!slices.Equal(p.Hashtags, []string{"allforpalestine"}) || !p.CreatedAt.Equal(time.UnixMicro(ss[0].TimeUS)) {
		t.Errorf("post: %+v", p)
	}
	if p.URL != "https://bsky.app/profile/did:plc:a/post/"+ss[0].RKey {
		t.Errorf("URL = %q", p.URL)
	}
	for uri, kind := range map[string]store.Kind{reply.URI(): store.KindReply, quote.URI(): store.KindQuote, ss[1].URI(): store.KindOriginal, ss[2].URI(): store.KindOriginal} {
		p, err := db.Get(store.PlatformBluesky, uri)
		if err != nil || p.Kind != kind {
			t.Errorf("%s: kind %q (%v), want %q", uri, p.Kind, err, kind)
		}
	}
	q := srv.Queries()
	if len(q) != 1 || !strings.Contains(q[0], "wantedCollections=app.bsky.feed.post") || !strings.Contains(q[0], "wantedCollections=app.bsky.feed.repost") {
		t.Errorf("queries = %v", q)
	}
}

func TestJetstreamReconnectRewinds(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	j := newJetstream(t, srv, db, "allforpalestine")
	var all []platformtest.Skeet
	for range 10 {
		all = append(all, srv.Add(platformtest.Skeet{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}})...)
		srv.Add(platformtest.Skeet{Text: "unrelated"})
	}

	srv.DropNext(8) // 4 matching, 4 not
	r := streamUntil(t, j, db, m, srv.LastTimeUS())
	if r.err == nil || errors.Is(r.err, context.Canceled) {
		t.Fatalf("dropped connection: err = %v, want a connection error", r.err)
	}
	if db.PostCount() != 4 {
		t.Fatalf("before the drop: %d stored, want 4", db.PostCount())
	}
	saved := storedCursor(t, db)
	if saved < all[3].TimeUS {
		t.Fatalf("cursor %d does not cover the 4th post at %d", saved, all[3].TimeUS)
	}

	r = streamUntil(t, j, db, m, srv.LastTimeUS())
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("second stream: %v", r.err)
	}
	if db.PostCount() != 10 || r.added != 6 {
		t.Errorf("after reconnect: stored %d (added %d), want 10 (6)", db.PostCount(), r.added)
	}
	cursors := srv.Cursors()
	if want := strconv.FormatInt(saved-5_000_000, 10); len(cursors) != 2 || cursors[0] != "" || cursors[1] != want {
		t.Errorf("connection cursors %q, want [\"\" %s] (5 s rewind)", cursors, want)
	}
	if r.dups == 0 {
		t.Error("the rewind replayed nothing: no duplicates seen")
	}
}

func TestJetstreamDuplicateFrames(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	srv.Duplicate(true)
	db := mbOpenStore(t)
	j := newJetstream(t, srv, db, "allforpalestine")
	for range 6 {
		srv.Add(platformtest.Skeet{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}})
	}
	r := streamUntil(t, j, db, mbMatcher("allforpalestine"), srv.LastTimeUS())
	if r.added != 6 || db.PostCount() != 6 {
		t.Errorf("added %d, stored %d; want 6", r.added, db.PostCount())
	}
}

func TestJetstreamRepostsOfHeldPosts(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	j := newJetstream(t, srv, db, "allforpalestine")
	held := srv.Add(platformtest.Skeet{DID: "did:plc:a", Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}})[0]
	other := srv.Add(platformtest.Skeet{DID: "did:plc:a", Text: "lunch"})[0]
	r1 := srv.Repost("did:plc:b", held.URI())
	srv.Repost("did:plc:c", other.URI())
	srv.Repost("did:plc:d", "at://did:plc:z/app.bsky.feed.post/never-seen")
	streamUntil(t, j, db, m, srv.LastTimeUS())

	// A repost in a later connection finds the post in the store.
	r2 := srv.Repost("did:plc:e", held.URI())
	streamUntil(t, j, db, m, srv.LastTimeUS())

	if db.PostCount() != 3 {
		t.Fatalf("stored %d, want the post and its 2 reposts", db.PostCount())
	}
	for _, uri := range []string{r1, r2} {
		p, err := db.Get(store.PlatformBluesky, uri)
		if err != nil {
			t.Fatalf("repost %s: %v", uri, err)
		}
		if p.Kind != store.KindRepost || p.RefID != held.URI() || !slices.Equal(p.Hashtags, []string{"allforpalestine"}) || !strings.HasPrefix(p.Author.ID, "did:plc:") || p.Author.ID == "did:plc:a" {
			t.Errorf("repost %s: %+v", uri, p)
		}
	}
}

func TestJetstreamDeleteRedacts(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	j := newJetstream(t, srv, db, "allforpalestine")
	ps := srv.Add(
		platformtest.Skeet{Text: "to be deleted #AllForPalestine", Tags: []string{"AllForPalestine"}},
		platformtest.Skeet{Text: "stays #AllForPalestine", Tags: []string{"AllForPalestine"}},
	)
	srv.Delete(ps[0].URI())
	srv.Delete("at://did:plc:q/app.bsky.feed.post/not-ours")
	r := streamUntil(t, j, db, m, srv.LastTimeUS())
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("stream: %v", r.err)
	}
	p, err := db.Get(store.PlatformBluesky, ps[0].URI())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Redacted || p.Text != "" || p.URL != "" {
		t.Errorf("deleted post: redacted %v text %q url %q", p.Redacted, p.Text, p.URL)
	}
	if !slices.Equal(p.Hashtags, []string{"allforpalestine"}) || db.PostCount() != 2 {
		t.Errorf("a deleted post still counts: tags %v, stored %d", p.Hashtags, db.PostCount())
	}
	if q, _ := db.Get(store.PlatformBluesky, ps[1].URI()); q.Redacted {
		t.Error("the other post was redacted")
	}
}

func TestJetstreamClampsCreatedAt(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	j := newJetstream(t, srv, db, "allforpalestine")
	base := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tag := []string{"AllForPalestine"}
	ps := srv.Add(
		platformtest.Skeet{Text: "#AllForPalestine future", Tags: tag, TimeUS: base.UnixMicro(), CreatedAt: base.Add(72 * time.Hour)},
		platformtest.Skeet{Text: "#AllForPalestine backdated", Tags: tag, TimeUS: base.Add(time.Second).UnixMicro(), CreatedAt: base.Add(-48 * time.Hour)},
		platformtest.Skeet{Text: "#AllForPalestine an hour late", Tags: tag, TimeUS: base.Add(2 * time.Second).UnixMicro(), CreatedAt: base.Add(-time.Hour)},
	)
	streamUntil(t, j, db, mbMatcher("allforpalestine"), srv.LastTimeUS())
	for i, want := range []time.Time{base, base.Add(time.Second), base.Add(-time.Hour)} {
		p, err := db.Get(store.PlatformBluesky, ps[i].URI())
		if err != nil {
			t.Fatal(err)
		}
		if !p.CreatedAt.Equal(want) {
			t.Errorf("%s: created %v, want %v", ps[i].Text, p.CreatedAt, want)
		}
	}
}

func TestJetstreamMalformedFrames(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	j := newJetstream(t, srv, db, "allforpalestine")
	srv.Add(platformtest.Skeet{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}})
	srv.AddRaw(`{"did":"did:plc:x","time_us":`)
	srv.AddRaw(`{"hello":"world"}`)
	srv.AddRaw(`{"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":5}}}`)
	srv.Add(platformtest.Skeet{Text: "#AllForPalestine", Tags: []string{"AllForPalestine"}})
	r := streamUntil(t, j, db, mbMatcher("allforpalestine"), srv.LastTimeUS())
	if r.malformed != 3 || r.added != 2 {
		t.Errorf("malformed %d added %d; want 3 and 2", r.malformed, r.added)
	}
}

// The real corpus, replayed: the one post delete in it redacts the post
// when we hold it, and the hashtag posts are kept.
func TestJetstreamReplaysFixtureCorpus(t *testing.T) {
	dir := mbFixtures(t, "jetstream")
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("indierebellion", "talesatwonderworld", "held")
	// Line 17 deletes at://did:plc:4smmjsqf6l5jkzczvw6vsrqc/app.bsky.feed.post/3mpt73z3ejc2p.
	deleted := "at://did:plc:4smmjsqf6l5jkzczvw6vsrqc/app.bsky.feed.post/3mpt73z3ejc2p"
	if _, err := db.Append([]store.Post{{Platform: store.PlatformBluesky, ID: deleted, Kind: store.KindOriginal, Text: "earlier #held", Hashtags: []string{"held"}, Author: store.Author{ID: "did:plc:4smmjsqf6l5jkzczvw6vsrqc"}}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"feed_post_events_v1.jsonl", "identity.json", "account.json", "commit_delete.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				srv.AddRaw(line)
			}
		}
	}
	j := newJetstream(t, srv, db, "indierebellion", "talesatwonderworld", "held")
	r := streamUntil(t, j, db, m, srv.LastTimeUS())
	if !errors.Is(r.err, context.Canceled) || r.malformed != 0 {
		t.Fatalf("stream: %v, %d malformed", r.err, r.malformed)
	}
	if r.added != 2 {
		t.Errorf("added %d, want the 2 hashtag posts", r.added)
	}
	p, err := db.Get(store.PlatformBluesky, deleted)
	if err != nil || !p.Redacted || p.Text != "" {
		t.Errorf("deleted post: %+v %v", p, err)
	}
}

func TestJetstreamConfigErrors(t *testing.T) {
	db := mbOpenStore(t)
	for name, c := range map[string]struct {
		cfg  bluesky.Config
		tags []string
	}{
		"BadScheme": {bluesky.Config{Jetstream: "ftp://x/subscribe"}, []string{"a"}},
		"NoTags":    {bluesky.Config{}, nil},
	} {
		if _, err := bluesky.NewJetstream(c.cfg, c.tags, db.Get, db.Redact, nil); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	j, err := bluesky.NewJetstream(bluesky.Config{}, []string{"a"}, db.Get, db.Redact, nil)
	if err != nil || j.Name() != "bluesky" {
		t.Errorf("default: %v %v", j, err)
	}
}

// A connection that goes quiet is given up after IdleTimeout, so the
// scheduler reconnects instead of waiting on a dead socket.
func TestJetstreamIdleTimeout(t *testing.T) {
	srv := platformtest.NewJetstream()
	defer srv.Close()
	db := mbOpenStore(t)
	j := newJetstream(t, srv, db, "allforpalestine")
	j.IdleTimeout = 50 * time.Millisecond
	err := j.Stream(context.Background(), nil, func(collector.Page) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Errorf("err = %v, want connection lost", err)
	}
}
