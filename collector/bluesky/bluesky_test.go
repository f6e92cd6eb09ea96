package bluesky_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/collector/bluesky"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/store"
)

func TestBlueskyPostViewFixturesParse(t *testing.T) {
	dir := mbFixtures(t, "bluesky")
	byFile := map[string][]store.Post{}
	for _, f := range mbJSONFiles(t, dir, ".json") {
		items := readJSONArray(t, f)
		if !bluesky.Format.Detect(items[0]) {
			t.Errorf("%s: not detected as bluesky", filepath.Base(f))
		}
		for i, raw := range items {
			p, err := bluesky.ParseView(raw, store.SourceImport, mbNow)
			if err != nil {
				t.Errorf("%s[%d]: %v", filepath.Base(f), i, err)
				continue
			}
			if p.Platform != store.PlatformBluesky || !strings.HasPrefix(p.ID, "at://did:") || !strings.HasPrefix(p.Author.ID, "did:") || !p.Kind.Valid() {
				t.Errorf("%s[%d]: incomplete post %+v", filepath.Base(f), i, p)
			}
			byFile[filepath.Base(f)] = append(byFile[filepath.Base(f)], p)
		}
	}
	t.Run("HashtagFacets", func(t *testing.T) {
		ps := byFile["postviews_with_hashtag_facets_subset_twitwi.json"]
		if len(ps) != 5 {
			t.Fatalf("posts = %d, want 5", len(ps))
		}
		for _, p := range ps {
			if len(p.Hashtags) == 0 {
				t.Errorf("%s: no hashtags", p.ID)
			}
		}
		p := ps[0]
		if !slices.Equal(p.Hashtags, []string{"hceres", "esr"}) || p.Kind != store.KindQuote ||
			p.RefID != "at://did:plc:crmrddqmbqzyqd24yjlpibz2/app.bsky.feed.post/3lkicuf37nc2v" {
			t.Errorf("first: tags %v kind %q ref %q", p.Hashtags, p.Kind, p.RefID)
		}
		if p.Author.Handle != "pecqueuxanthony.bsky.social" || p.Lang != "fr" {
			t.Errorf("first: handle %q lang %q", p.Author.Handle, p.Lang)
		}
	})
	t.Run("FeedRepostByReposter", func(t *testing.T) {
		ps := byFile["postviews_array_twitwi.json"]
		if len(ps) != 123 {
			t.Fatalf("posts = %d, want 123", len(ps))
		}
		i := slices.IndexFunc(ps, func(p store.Post) bool {
			return p.RefID == "at://did:plc:aru6i7k6wo43msubk6km5td3/app.bsky.feed.post/3lloj4ipqqh27"
		})
		if i < 0 {
			t.Fatal("repost of 3lloj4ipqqh27 not found")
		}
		p := ps[i]
		if p.Kind != store.KindRepost || p.Author.Handle != "yomguithereal.bsky.social" || !slices.Contains(p.Hashtags, "csv") {
			t.Errorf("repost: kind %q by %q tags %v", p.Kind, p.Author.Handle, p.Hashtags)
		}
		if want := time.Date(2025, 4, 2, 17, 0, 19, 684e6, time.UTC); !p.CreatedAt.Equal(want) {
			t.Errorf("repost time %v, want the repost's %v", p.CreatedAt, want)
		}
	})
}

func TestBlueskyArchivesImport(t *testing.T) {
	dir := mbFixtures(t, "archives/bluesky")
	files := mbJSONFiles(t, dir, ".json")
	if len(files) != 2 {
		t.Fatalf("archives = %d, want 2 (update this test for new ones)", len(files))
	}
	want := map[string]int{
		// getAuthorFeed: facets only; reposts carry the reposted post's tags.
		"rstats": 16, "quartopub": 4, "quarto": 3, "typst": 2,
		// getListFeed
		"software": 4, "computing": 3, "gamedev": 2, "apple": 2, "ai": 2,
	}
	var tags []string
	for tag := range want {
		tags = append(tags, tag)
	}
	db := mbOpenStore(t)
	m := mbMatcher(tags...)
	opts := archive.Options{Now: func() time.Time { return mbNow }}
	for _, f := range files {
		res, err := archive.Import(context.Background(), db, m, f, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != "bluesky" || res.Malformed != 0 {
			t.Errorf("%s: format %q malformed %d", filepath.Base(f), res.Format, res.Malformed)
		}
		wantFetched := map[string]int{"bskyr_getAuthorFeed_chriskenny_2025-05-19.json": 50, "bskyr_getListFeed_2025-05-22.json": 10}[filepath.Base(f)]
		if res.Fetched != wantFetched {
			t.Errorf("%s: %d items, want %d", filepath.Base(f), res.Fetched, wantFetched)
		}
	}
	posts := mbPosts(t, db)
	for tag, n := range want {
		if got := mbCountTag(posts, tag); got != n {
			t.Errorf("#%s: %d posts, want %d", tag, got, n)
		}
	}
	reposts := 0
	for _, p := range posts {
		if p.Kind == store.KindRepost {
			reposts++
			if p.Author.Handle != "chriskenny.bsky.social" {
				t.Errorf("repost %s by %q, want the reposter", p.ID, p.Author.Handle)
			}
		}
	}
	if reposts != 5 { // 7 reposts in the feed, 5 carry a campaign tag
		t.Errorf("reposts = %d, want 5", reposts)
	}
	before := db.PostCount()
	for _, f := range files {
		if res, err := archive.Import(context.Background(), db, m, f, opts); err != nil || res.Added != 0 {
			t.Errorf("re-import %s: added %d, %v", filepath.Base(f), res.Added, err)
		}
	}
	if db.PostCount() != before {
		t.Errorf("re-import changed the count: %d → %d", before, db.PostCount())
	}
}

// The same post views as JSONL and as a searchPosts response {"posts": […]}
// (no verbatim searchPosts body was found, so the subset is wrapped here).
func TestBlueskyImportJSONLAndSearchEnvelope(t *testing.T) {
	dir := mbFixtures(t, "bluesky")
	items := readJSONArray(t, filepath.Join(dir, "postviews_with_hashtag_facets_subset_twitwi.json"))
	tmp := t.TempDir()
	var jsonl bytes.Buffer
	for _, it := range items {
		var c bytes.Buffer
		if err := json.Compact(&c, it); err != nil {
			t.Fatal(err)
		}
		jsonl.Write(c.Bytes())
		jsonl.WriteByte('\n')
	}
	jsonl.WriteString(`{"uri":"at://did:plc:x/app.bsky.feed.post/1","author":{"did":"did:plc:x"},"record":{"text":"#hceres","createdAt":12}}` + "\n")
	env, _ := json.Marshal(map[string]any{"posts": items, "cursor": "5", "hitsTotal": 5})
	for name, body := range map[string][]byte{"views.jsonl": jsonl.Bytes(), "search.json": env} {
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		db := mbOpenStore(t)
		var bad []string
		res, err := archive.Import(context.Background(), db, mbMatcher("hceres"), path, archive.Options{
			Malformed: func(m collector.Malformed) { bad = append(bad, m.Where) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Format != "bluesky" || res.Added != 4 { // 4 of the 5 carry #HCERES
			t.Errorf("%s: format %q added %d, want bluesky 4", name, res.Format, res.Added)
		}
		if name == "views.jsonl" && !slices.Equal(bad, []string{path + ":6"}) {
			t.Errorf("%s: malformed %v, want line 6", name, bad)
		}
	}
}

func TestJetstreamFixturesParse(t *testing.T) {
	dir := mbFixtures(t, "jetstream")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json*"))
	if len(files) == 0 {
		t.Fatal("no jetstream fixtures")
	}
	posts := map[string]store.Post{}
	lines := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			lines++
			if !bluesky.FormatJetstream.Detect(line) {
				t.Errorf("%s: line not detected as jetstream: %.80s", filepath.Base(f), line)
			}
			if mastodon.Format.Detect(line) || bluesky.Format.Detect(line) {
				t.Errorf("%s: line detected as another format", filepath.Base(f))
			}
			ps, bad := bluesky.FormatJetstream.Parse(line, mbNow)
			if len(bad) > 0 {
				t.Errorf("%s: %v", filepath.Base(f), bad)
			}
			for _, p := range ps {
				posts[p.ID] = p
			}
		}
		fh.Close()
	}
	if lines < 23 {
		t.Errorf("read %d lines, want at least 23", lines)
	}
	p, ok := posts["at://did:plc:tn3hni2jpphsgl6amfbb7ja6/app.bsky.feed.post/3mptbypfywk2v"]
	if !ok {
		t.Fatal("facets fixture post missing")
	}
	if !slices.Equal(p.Hashtags, []string{"howtotellaitoshutup", "indierebellion"}) || p.Lang != "de" || p.Kind != store.KindOriginal {
		t.Errorf("facets post: tags %v lang %q kind %q", p.Hashtags, p.Lang, p.Kind)
	}
	if want := time.Date(2026, 7, 4, 14, 38, 7, 323e6, time.UTC); !p.CreatedAt.Equal(want) || p.Author.ID != "did:plc:tn3hni2jpphsgl6amfbb7ja6" {
		t.Errorf("facets post: created %v author %q", p.CreatedAt, p.Author.ID)
	}
	r := posts["at://did:plc:o2rolxey6s5k7d4lxcz3inl4/app.bsky.feed.post/3mptbyp7lu223"]
	if r.Kind != store.KindReply || r.RefID != "at://did:plc:i5y2f3gtpjxs3qg6fwgb6jb4/app.bsky.feed.post/3mpt7u2vlgs2c" {
		t.Errorf("reply fixture: kind %q ref %q", r.Kind, r.RefID)
	}
	// createdAt 14:38:08.420 is after the event time 14:38:08.094: clamped.
	f := posts["at://did:plc:amnbije7mr5g3pgxuun7q44o/app.bsky.feed.post/3mptbyqhi7s2f"]
	if want := time.UnixMicro(1783175888094841).UTC(); !f.CreatedAt.Equal(want) {
		t.Errorf("future createdAt: %v, want event time %v", f.CreatedAt, want)
	}
	if len(posts) != 17 { // 17 creates in the corpus; the two single-event files repeat 2 of them
		t.Errorf("distinct posts = %d, want 17", len(posts))
	}
}

func TestJetstreamImport(t *testing.T) {
	path := filepath.Join(mbFixtures(t, "jetstream"), "feed_post_events_v1.jsonl")
	db := mbOpenStore(t)
	m := mbMatcher("indierebellion", "talesatwonderworld")
	res, err := archive.Import(context.Background(), db, m, path, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "jetstream" || res.Records != 18 || res.Fetched != 17 || res.Added != 2 || res.Malformed != 0 {
		t.Errorf("import: %+v; want jetstream, 18 records, 17 posts, 2 added", res)
	}
	res, err = archive.Import(context.Background(), db, m, path, archive.Options{})
	if err != nil || res.Added != 0 || res.Duplicates != 2 {
		t.Errorf("re-import: %+v %v", res, err)
	}
}
