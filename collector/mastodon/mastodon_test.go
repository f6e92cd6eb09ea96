package mastodon_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/collector/platformtest"
	"github.com/tagpulse/tagpulse/store"
)

func TestMastodonFixturesParse(t *testing.T) {
	dir := mbFixtures(t, "mastodon")
	byFile := map[string][]store.Post{}
	for _, f := range mbJSONFiles(t, dir, ".json") {
		items := readJSONArray(t, f)
		for i, raw := range items {
			p, err := mastodon.ParseStatus(raw, "", store.SourceMastodon, mbNow)
			if err != nil {
				t.Errorf("%s[%d]: %v", filepath.Base(f), i, err)
				continue
			}
			if p.Platform != store.PlatformMastodon || p.ID == "" || p.Author.ID == "" || p.CreatedAt.IsZero() || !p.Kind.Valid() {
				t.Errorf("%s[%d]: incomplete post %+v", filepath.Base(f), i, p)
			}
			if !strings.Contains(p.Author.Handle, "@") {
				t.Errorf("%s[%d]: handle %q has no domain", filepath.Base(f), i, p.Author.Handle)
			}
			byFile[filepath.Base(f)] = append(byFile[filepath.Base(f)], p)
		}
	}

	t.Run("HootTagTimeline", func(t *testing.T) {
		ps := byFile["tag_timeline_hoot_mastodonpy_cassette.json"]
		if len(ps) != 1 {
			t.Fatalf("posts = %d, want 1", len(ps))
		}
		p := ps[0]
		if !slices.Equal(p.Hashtags, []string{"hoot"}) {
			t.Errorf("hashtags = %v, want [hoot]", p.Hashtags)
		}
		if p.Author.Handle != "mastodonpy_test_2@localhost" {
			t.Errorf("handle = %q, want mastodonpy_test_2@localhost", p.Author.Handle)
		}
		if p.Signals.InstanceDomain != "localhost" {
			t.Errorf("instance domain = %q", p.Signals.InstanceDomain)
		}
		if p.ID != "http://localhost:3000/ap/users/117020566092212359/statuses/117020593741189701" {
			t.Errorf("ID = %q, want the status uri", p.ID)
		}
		if p.Author.ID != "acct:mastodonpy_test_2@localhost" {
			t.Errorf("author ID = %q", p.Author.ID)
		}
		if p.Text != "#hoot (hashtag toot)" || p.Lang != "ja" || p.Kind != store.KindOriginal {
			t.Errorf("text %q lang %q kind %q", p.Text, p.Lang, p.Kind)
		}
		if want := time.Date(2026, 8, 1, 13, 55, 55, 867e6, time.UTC); !p.CreatedAt.Equal(want) {
			t.Errorf("created = %v, want %v", p.CreatedAt, want)
		}
	})
	t.Run("ReblogIsRepostByBooster", func(t *testing.T) {
		ps := byFile["status_reblog_wrapper_mastodonpy_cassette.json"]
		if len(ps) != 1 {
			t.Fatalf("posts = %d, want 1", len(ps))
		}
		p := ps[0]
		if p.Kind != store.KindRepost {
			t.Errorf("kind = %q, want repost", p.Kind)
		}
		if p.Author.Handle != "mastodonpy_test@localhost" {
			t.Errorf("author = %q, want the booster", p.Author.Handle)
		}
		if p.ID != "http://localhost:3000/ap/users/117020565966271181/statuses/117020586027094262/activity" {
			t.Errorf("ID = %q, want the boost's uri", p.ID)
		}
		if p.RefID != "http://localhost:3000/ap/users/117020565966271181/statuses/117020586019094258" {
			t.Errorf("RefID = %q, want the boosted status's uri", p.RefID)
		}
		if p.Text != "Toot!" || p.Engagement != 0 {
			t.Errorf("text %q engagement %d", p.Text, p.Engagement)
		}
	})
	t.Run("PublicTimeline", func(t *testing.T) {
		ps := byFile["public_timeline_anonymous_mastodonpy_cassette.json"]
		if len(ps) != 8 {
			t.Fatalf("posts = %d, want 8", len(ps))
		}
		for _, p := range ps {
			if len(p.Hashtags) != 0 {
				t.Errorf("%s: hashtags %v, want none", p.ID, p.Hashtags)
			}
		}
	})
}

func TestMastodonArchivesImport(t *testing.T) {
	dir := mbFixtures(t, "archives/mastodon")
	db := mbOpenStore(t)
	m := mbMatcher("mastodon", "rstats", "twitterfication", "diaspora")
	files := mbJSONFiles(t, dir, ".json")
	if len(files) != 2 {
		t.Fatalf("archives = %d, want 2 (update this test for new ones)", len(files))
	}
	var bad []collector.Malformed
	opts := archive.Options{Now: func() time.Time { return mbNow }, Malformed: func(m collector.Malformed) { bad = append(bad, m) }}
	for _, f := range files {
		res, err := archive.Import(context.Background(), db, m, f, opts)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if res.Format != "mastodon" || res.Records != 20 || res.Malformed != 0 {
			t.Errorf("%s: format %q records %d malformed %d, want mastodon 20 0", filepath.Base(f), res.Format, res.Records, res.Malformed)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("malformed: %v", bad)
	}
	posts := mbPosts(t, db)
	// mastodon4j: all 20 carry #mastodon, 2 #diaspora, 8 replies. rtoot: #rstats
	// on 2 statuses and in 1 boosted original; #twitterfication and #mastodon
	// in 1 boosted original (a repost by the booster carries them).
	for tag, want := range map[string]int{"mastodon": 21, "rstats": 3, "twitterfication": 1, "diaspora": 2} {
		if got := mbCountTag(posts, tag); got != want {
			t.Errorf("#%s: %d posts, want %d", tag, got, want)
		}
	}
	kinds := map[store.Kind]int{}
	for _, p := range posts {
		kinds[p.Kind]++
		if p.Source != store.SourceMastodon || p.Arrival != store.ArrivalImport {
			t.Errorf("%s: source %q arrival %q, want mastodon, import", p.ID, p.Source, p.Arrival)
		}
	}
	if kinds[store.KindReply] != 8 || kinds[store.KindRepost] != 2 {
		t.Errorf("kinds = %v, want 8 replies (2017) and 2 reposts (rtoot)", kinds)
	}
	// 2017: ids were numbers and uris OStatus tags; accounts already user@domain.
	i := slices.IndexFunc(posts, func(p store.Post) bool {
		return p.ID == "tag:mastodon.social,2017-04-21:objectId=3610569:objectType=Status"
	})
	if i < 0 {
		t.Fatal("2017 status by its OStatus uri not stored")
	}
	if p := posts[i]; p.Author.Handle != "jeroenpraat@mastodon.social" || p.Signals.InstanceDomain != "mastodon.social" || p.Kind != store.KindReply {
		t.Errorf("2017 status: %+v", p)
	}
	// 2022: local accounts of social.tchncs.de get its domain from the account URL.
	if p := posts[len(posts)-1]; p.Author.Handle != "chainsawriot@social.tchncs.de" {
		t.Errorf("local acct = %q, want chainsawriot@social.tchncs.de", p.Author.Handle)
	}

	before := db.PostCount()
	for _, f := range files {
		res, err := archive.Import(context.Background(), db, m, f, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.Added != 0 {
			t.Errorf("re-import of %s added %d", filepath.Base(f), res.Added)
		}
	}
	if db.PostCount() != before {
		t.Errorf("re-import: %d posts, want %d", db.PostCount(), before)
	}
}

func TestMastodonImportMalformedLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "statuses.jsonl")
	good := `{"id":"1","uri":"https://a.example/users/x/statuses/1","created_at":"2026-11-29T10:00:00.000Z","content":"<p>#AllForPalestine</p>","account":{"acct":"x","url":"https://a.example/@x"},"tags":[{"name":"allforpalestine"}]}`
	badShape := `{"id":"2","uri":"https://a.example/users/x/statuses/2","created_at":"2026-11-29T10:00:00.000Z","content":"","account":"x","tags":[]}`
	badTime := `{"id":"3","uri":"https://a.example/users/x/statuses/3","created_at":"yesterday","content":"","account":{"acct":"x"},"tags":[]}`
	if err := os.WriteFile(path, []byte(good+"\n"+badShape+"\n"+badTime+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := mbOpenStore(t)
	var bad []string
	res, err := archive.Import(context.Background(), db, mbMatcher("allforpalestine"), path, archive.Options{
		Malformed: func(m collector.Malformed) { bad = append(bad, m.Where) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "mastodon" || res.Added != 1 {
		t.Errorf("format %q added %d, want mastodon 1", res.Format, res.Added)
	}
	if want := []string{path + ":2", path + ":3"}; !slices.Equal(bad, want) {
		t.Errorf("malformed at %v, want %v", bad, want)
	}
	p, err := db.Get(store.PlatformMastodon, "https://a.example/users/x/statuses/1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.Handle != "x@a.example" {
		t.Errorf("handle = %q", p.Author.Handle)
	}
}

// mbPoll polls until the source says nothing more remains, ingesting each page.
func mbPoll(t *testing.T, db *store.DB, m *collector.Matcher, src collector.Poller) (pages int, added int) {
	t.Helper()
	for range 20 {
		cur, err := db.Cursor(src.Name())
		if err != nil {
			t.Fatal(err)
		}
		page, err := src.Poll(context.Background(), cur)
		if err != nil {
			t.Fatalf("poll: %v", err)
		}
		res, err := collector.Ingest(db, m, src.Name(), page)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		added += res.Added
		if !page.More {
			return pages, added
		}
	}
	t.Fatal("poller never caught up")
	return
}

func newMastodonPoller(t *testing.T, srv *platformtest.Mastodon, cfg mastodon.Config, tags ...string) *mastodon.Poller {
	t.Helper()
	p, err := mastodon.New(cfg, srv.URL, tags, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return mbNow }
	return p
}

func TestMastodonLinkPagingCatchesUp(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	src := newMastodonPoller(t, srv, mastodon.Config{MaxPages: 2}, "allforpalestine")
	if !strings.HasPrefix(src.Name(), "mastodon:127.0.0.1:") {
		t.Errorf("name = %q", src.Name())
	}

	srv.Add(platformtest.Toot{Text: "first #AllForPalestine", Tags: []string{"AllForPalestine"}})
	srv.Add(platformtest.Toot{Text: "other tag #cats", Tags: []string{"cats"}})
	if _, added := mbPoll(t, db, m, src); added != 1 {
		t.Fatalf("first poll added %d, want 1", added)
	}

	// Downtime: 95 statuses arrive, more than two pages of 40.
	var want []string
	for i := range 95 {
		ids := srv.Add(platformtest.Toot{Text: fmt.Sprintf("post %d #AllForPalestine", i), Tags: []string{"AllForPalestine"}, Acct: fmt.Sprintf("u%d@far.example", i%7)})
		want = append(want, ids[0])
	}
	cur, _ := db.Cursor(src.Name())
	page, err := src.Poll(context.Background(), cur)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 80 || !page.More {
		t.Fatalf("catch-up poll: %d posts, more=%v; want 80 (2 pages), more", len(page.Posts), page.More)
	}
	if !strings.HasSuffix(page.Posts[0].Text, "post 0 #AllForPalestine") || !strings.HasSuffix(page.Posts[79].Text, "post 79 #AllForPalestine") {
		t.Errorf("pages not oldest first: %q … %q", page.Posts[0].Text, page.Posts[79].Text)
	}
	if page.RateLimit == nil || page.RateLimit.Limit != 300 || !page.RateLimit.Reset.Equal(srv.Reset) {
		t.Errorf("rate limit = %+v, want limit 300 reset %v", page.RateLimit, srv.Reset)
	}
	if _, err := collector.Ingest(db, m, src.Name(), page); err != nil {
		t.Fatal(err)
	}
	pages, added := mbPoll(t, db, m, src)
	if pages != 1 || added != 15 {
		t.Errorf("rest: %d polls added %d, want 1 poll adding 15", pages, added)
	}
	if n := db.PostCount(); n != 96 {
		t.Errorf("stored %d, want 96", n)
	}
	// Every page after the first asked from the previous page's Link min_id.
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("requests = %v, want 4", reqs)
	}
	for i, r := range reqs {
		if !strings.Contains(r, "limit=40") {
			t.Errorf("request %d %q without limit=40", i, r)
		}
	}
	if !strings.Contains(reqs[2], "min_id="+want[39]) || !strings.Contains(reqs[3], "min_id="+want[79]) {
		t.Errorf("pages not chained by min_id: %v", reqs)
	}
	// Nothing new: a poll adds nothing and keeps the cursor.
	before, _ := db.Cursor(src.Name())
	if _, added := mbPoll(t, db, m, src); added != 0 {
		t.Errorf("idle poll added %d", added)
	}
	if after, _ := db.Cursor(src.Name()); string(after) != string(before) {
		t.Errorf("idle poll moved cursor %s → %s", before, after)
	}
}

func TestMastodonPostOnTwoInstancesStoredOnce(t *testing.T) {
	a, b := platformtest.NewMastodon(), platformtest.NewMastodon()
	defer a.Close()
	defer b.Close()
	shared := platformtest.Toot{
		URI: "https://elsewhere.example/users/carol/statuses/42", Acct: "carol@elsewhere.example",
		Text: "#AllForPalestine from afar", Tags: []string{"allforpalestine"}, Followers: 120, Location: "<b>Ramallah</b>, Palestine",
	}
	a.Add(shared, platformtest.Toot{Text: "local on a #AllForPalestine", Tags: []string{"allforpalestine"}})
	b.Add(platformtest.Toot{Text: "local on b #AllForPalestine", Tags: []string{"allforpalestine"}}, shared)

	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	_, addA := mbPoll(t, db, m, newMastodonPoller(t, a, mastodon.Config{}, "allforpalestine"))
	_, addB := mbPoll(t, db, m, newMastodonPoller(t, b, mastodon.Config{}, "allforpalestine"))
	if addA != 2 || addB != 1 || db.PostCount() != 3 {
		t.Fatalf("added %d + %d, stored %d; want 2 + 1 = 3", addA, addB, db.PostCount())
	}
	p, err := db.Get(store.PlatformMastodon, shared.URI)
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.Handle != "carol@elsewhere.example" || p.Signals.InstanceDomain != "elsewhere.example" || p.Author.Followers != 120 {
		t.Errorf("shared post author %+v signals %+v", p.Author, p.Signals)
	}
	if p.Signals.ProfileLocation != "Ramallah, Palestine" {
		t.Errorf("profile location = %q", p.Signals.ProfileLocation)
	}
	if p.Source != store.SourceMastodon {
		t.Errorf("source = %q", p.Source)
	}
}

func TestMastodonRateLimited(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	srv.Reset = time.Date(2026, 11, 29, 12, 10, 0, 0, time.UTC)
	srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
	src := newMastodonPoller(t, srv, mastodon.Config{MaxPages: 1}, "allforpalestine")
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")

	srv.Fail(platformtest.RateLimited)
	page, err := src.Poll(context.Background(), nil)
	if page.RateLimit == nil || page.RateLimit.Remaining != 0 || page.RateLimit.Limit != 300 {
		t.Errorf("the 429's rate limit = %+v, want 0 of 300 (its headers)", page.RateLimit)
	}
	var rl *collector.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v, want *RateLimitedError", err)
	}
	if !rl.Until.Equal(srv.Reset) || rl.Source != src.Name() {
		t.Errorf("until %v source %q, want %v %q", rl.Until, rl.Source, srv.Reset, src.Name())
	}
	mbPoll(t, db, m, src)

	// A 429 in the middle of catching up keeps the pages before it.
	for range 50 {
		srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
	}
	src2 := newMastodonPoller(t, srv, mastodon.Config{MaxPages: 3}, "allforpalestine")
	cur, _ := db.Cursor(src.Name())
	srv.Fail(0, platformtest.RateLimited)
	page, err = src2.Poll(context.Background(), cur)
	if err != nil {
		t.Fatalf("poll with progress returned %v", err)
	}
	if len(page.Posts) != 40 || !page.More || page.Cursor == nil {
		t.Fatalf("posts %d more %v cursor %s; want 40, more, a cursor", len(page.Posts), page.More, page.Cursor)
	}
	if _, err := collector.Ingest(db, m, src.Name(), page); err != nil {
		t.Fatal(err)
	}
	if _, added := mbPoll(t, db, m, src2); added != 10 || db.PostCount() != 51 {
		t.Errorf("after the 429: added %d, stored %d; want 10, 51", added, db.PostCount())
	}
}

func TestMastodonFaults(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	src := newMastodonPoller(t, srv, mastodon.Config{Timeout: 300 * time.Millisecond}, "allforpalestine")
	mbPoll(t, db, m, src)

	for _, f := range []struct {
		name  string
		fault platformtest.MastodonFault
	}{{"ServerError", platformtest.ServerError}, {"Truncated", platformtest.Truncated}, {"Slow", platformtest.Slow}} {
		t.Run(f.name, func(t *testing.T) {
			srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
			cur, _ := db.Cursor(src.Name())
			srv.Fail(f.fault)
			_, err := src.Poll(context.Background(), cur)
			var rl *collector.RateLimitedError
			if err == nil || errors.As(err, &rl) {
				t.Fatalf("err = %v, want a plain error", err)
			}
			if _, added := mbPoll(t, db, m, src); added != 1 {
				t.Errorf("retry added %d, want 1", added)
			}
		})
	}
	t.Run("MalformedItemSkipped", func(t *testing.T) {
		before := db.PostCount()
		srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
		srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}, Raw: `{"uri":"x","account":"not an object"}`})
		srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
		cur, _ := db.Cursor(src.Name())
		page, err := src.Poll(context.Background(), cur)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Malformed) != 1 || len(page.Posts) != 2 || page.Fetched != 3 {
			t.Fatalf("malformed %d posts %d fetched %d; want 1 2 3", len(page.Malformed), len(page.Posts), page.Fetched)
		}
		if _, err := collector.Ingest(db, m, src.Name(), page); err != nil {
			t.Fatal(err)
		}
		if _, added := mbPoll(t, db, m, src); added != 0 || db.PostCount() != before+2 {
			t.Errorf("malformed item re-read: added %d, stored %d", added, db.PostCount()-before)
		}
	})
	t.Run("DuplicateAndOverlappingPages", func(t *testing.T) {
		before := db.PostCount()
		srv.Duplicate(true)
		srv.Overlap(3)
		defer srv.Duplicate(false)
		defer srv.Overlap(0)
		for range 85 {
			srv.Add(platformtest.Toot{Tags: []string{"allforpalestine"}})
		}
		_, added := mbPoll(t, db, m, src)
		if added != 85 || db.PostCount() != before+85 {
			t.Errorf("added %d, stored %d; want 85 each", added, db.PostCount()-before)
		}
	})
}

func TestMastodonTagGroups(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	tags := []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7"}
	for _, tag := range tags {
		srv.Add(platformtest.Toot{Text: "#" + tag, Tags: []string{tag}})
	}
	srv.Add(platformtest.Toot{Text: "#other", Tags: []string{"other"}})
	db := mbOpenStore(t)
	src := newMastodonPoller(t, srv, mastodon.Config{}, tags...)
	_, added := mbPoll(t, db, mbMatcher(tags...), src)
	if added != 7 {
		t.Errorf("added %d, want 7", added)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests %v, want 2 (5 tags, then 2)", reqs)
	}
	if !strings.HasPrefix(reqs[0], "/api/v1/timelines/tag/t1?") || strings.Count(reqs[0], "any%5B%5D=") != 4 ||
		!strings.HasPrefix(reqs[1], "/api/v1/timelines/tag/t6?") || strings.Count(reqs[1], "any%5B%5D=") != 1 {
		t.Errorf("requests = %v", reqs)
	}
	var cur map[string]string
	c, _ := db.Cursor(src.Name())
	if err := json.Unmarshal(c, &cur); err != nil || cur["t1 t2 t3 t4 t5"] == "" || cur["t6 t7"] == "" {
		t.Errorf("cursor %s: want one min_id per group (%v)", c, err)
	}
	for k := range cur {
		if k != "t1 t2 t3 t4 t5" && k != "t6 t7" && !strings.HasPrefix(k, "reached:") {
			t.Errorf("cursor %s: key %q is neither a group nor its backfill record", c, k)
		}
	}
}

func TestMastodonConfigErrors(t *testing.T) {
	if _, err := mastodon.New(mastodon.Config{}, "https://mastodon.social", nil, nil, nil); err == nil {
		t.Error("no tags: want error")
	}
	p, err := mastodon.New(mastodon.Config{}, "mastodon.online", []string{"x"}, nil, nil)
	if err != nil || p.Name() != "mastodon:mastodon.online" {
		t.Errorf("bare host: %v %v", p, err)
	}
}

func TestMastodonNonLatinTagAndBadBody(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	srv.Add(platformtest.Toot{Text: "#كلنا_لفلسطين", Tags: []string{"كلنا_لفلسطين"}, Lang: "ar"})
	db := mbOpenStore(t)
	src := newMastodonPoller(t, srv, mastodon.Config{}, "كلنا_لفلسطين")
	if _, added := mbPoll(t, db, mbMatcher("كلنا_لفلسطين"), src); added != 1 {
		t.Fatalf("added %d, want 1", added)
	}
	if r := srv.Requests(); len(r) != 1 || !strings.HasPrefix(r[0], "/api/v1/timelines/tag/%D9%83%D9%84%D9%86%D8%A7_") {
		t.Errorf("requests = %v, want the tag percent-encoded once", r)
	}

	// A 200 whose body is not an array of statuses is an error, not an empty page.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"error":"This method requires an authenticated user"}`))
	}))
	defer bad.Close()
	p, err := mastodon.New(mastodon.Config{}, bad.URL, []string{"x"}, bad.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Poll(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "not a JSON array") {
		t.Errorf("err = %v, want not a JSON array", err)
	}
}

// A search response (GET /api/v2/search) keeps its statuses under "statuses",
// like a v1.1 search; it is read as Mastodon, not Twitter.
func TestMastodonImportSearchResponse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "search.json")
	body := `{"accounts":[],"hashtags":[{"name":"allforpalestine"}],"statuses":[
	  {"id":"1","uri":"https://a.example/users/x/statuses/1","created_at":"2026-11-29T10:00:00.000Z","content":"<p>#AllForPalestine</p>","account":{"acct":"x","url":"https://a.example/@x"},"tags":[{"name":"AllForPalestine"}]},
	  {"id":"2","uri":"https://a.example/users/x/statuses/2","created_at":"2026-11-29T10:00:00.000Z","content":"","account":[],"tags":[]}]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	db := mbOpenStore(t)
	var bad []string
	res, err := archive.Import(context.Background(), db, mbMatcher("allforpalestine"), path, archive.Options{
		Malformed: func(m collector.Malformed) { bad = append(bad, m.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "mastodon" || res.Added != 1 || len(bad) != 1 || !strings.Contains(bad[0], "statuses[1]") {
		t.Errorf("format %q added %d malformed %v; want mastodon, 1, statuses[1]", res.Format, res.Added, bad)
	}
}

// When the campaign's hashtags change, the new tag groups start from where
// the old ones were, and page forward instead of jumping to the newest page.
func TestMastodonNewHashtagsContinueFromCursor(t *testing.T) {
	srv := platformtest.NewMastodon()
	defer srv.Close()
	db := mbOpenStore(t)
	srv.Add(platformtest.Toot{Tags: []string{"a"}})
	mbPoll(t, db, mbMatcher("a", "b"), newMastodonPoller(t, srv, mastodon.Config{}, "a"))
	for range 50 {
		srv.Add(platformtest.Toot{Tags: []string{"a"}}, platformtest.Toot{Tags: []string{"b"}})
	}
	_, added := mbPoll(t, db, mbMatcher("a", "b"), newMastodonPoller(t, srv, mastodon.Config{}, "a", "b"))
	if added != 100 || db.PostCount() != 101 {
		t.Errorf("added %d, stored %d; want 100, 101", added, db.PostCount())
	}
	var cur map[string]string
	c, _ := db.Cursor("mastodon:" + strings.TrimPrefix(srv.URL, "http://"))
	if err := json.Unmarshal(c, &cur); err != nil || len(cur) != 1 || cur["a b"] == "" {
		t.Errorf("cursor %s (%v): want only the new group", c, err)
	}
}

// TestMastodonTokenGoesOnlyToItsInstance: tokens are per instance host; an
// instance without one gets no Authorization header; a single token is
// refused for several instances.
func TestMastodonTokenGoesOnlyToItsInstance(t *testing.T) {
	a, b := platformtest.NewMastodon(), platformtest.NewMastodon()
	defer a.Close()
	defer b.Close()
	a.Add(platformtest.Toot{Text: "#AllForPalestine", Tags: []string{"allforpalestine"}})
	b.Add(platformtest.Toot{Text: "#AllForPalestine", Tags: []string{"allforpalestine"}})
	cfg := mastodon.Config{Instances: []string{a.URL, b.URL}, Tokens: map[string]string{strings.TrimPrefix(a.URL, "http://"): "tok-a"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	db := mbOpenStore(t)
	m := mbMatcher("allforpalestine")
	mbPoll(t, db, m, newMastodonPoller(t, a, cfg, "allforpalestine"))
	mbPoll(t, db, m, newMastodonPoller(t, b, cfg, "allforpalestine"))
	for _, h := range a.Authorizations() {
		if h != "Bearer tok-a" {
			t.Errorf("instance a got Authorization %q", h)
		}
	}
	for _, h := range b.Authorizations() {
		if h != "" {
			t.Errorf("instance b got Authorization %q", h)
		}
	}
	if len(a.Authorizations()) == 0 || len(b.Authorizations()) == 0 {
		t.Fatal("no requests")
	}
	for _, bad := range []mastodon.Config{
		{Instances: []string{a.URL, b.URL}, Token: "tok"},
		{Instances: []string{a.URL}, Tokens: map[string]string{"other.example": "tok"}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if err := (mastodon.Config{Instances: []string{a.URL}, Token: "tok"}).Validate(); err != nil {
		t.Errorf("one instance, one token: %v", err)
	}
}

// pollOnceThen polls once, after noting the scheduler's health as it was
// before the poll, and ends the run.
type pollOnceThen struct {
	*mastodon.Poller
	sched  **collector.Scheduler
	before *[]collector.SourceHealth
	cancel context.CancelFunc
}

func (p pollOnceThen) Poll(ctx context.Context, cursor []byte) (collector.Page, error) {
	defer p.cancel()
	*p.before = (*p.sched).Health()
	return p.Poller.Poll(ctx, cursor)
}

// TestMastodonInstanceTalliesLast: what each instance brought (posts it
// stored first, campaign posts another instance had first) is kept in the
// store with its cursor, so the health view shows it after a restart, and
// goes on counting from there.
func TestMastodonInstanceTalliesLast(t *testing.T) {
	a, b := platformtest.NewMastodon(), platformtest.NewMastodon()
	defer a.Close()
	defer b.Close()
	shared := platformtest.Toot{URI: "https://elsewhere.example/users/carol/statuses/42", Acct: "carol@elsewhere.example",
		Text: "#AllForPalestine from afar", Tags: []string{"allforpalestine"}}
	a.Add(shared, platformtest.Toot{Text: "local on a #AllForPalestine", Tags: []string{"allforpalestine"}})
	b.Add(platformtest.Toot{Text: "local on b #AllForPalestine", Tags: []string{"allforpalestine"}}, shared)
	path := filepath.Join(t.TempDir(), "tagpulse.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := mbMatcher("allforpalestine")
	pa, pb := newMastodonPoller(t, a, mastodon.Config{}, "allforpalestine"), newMastodonPoller(t, b, mastodon.Config{}, "allforpalestine")
	mbPoll(t, db, m, pa)
	mbPoll(t, db, m, pb)
	tallies, err := db.Tallies()
	if err != nil {
		t.Fatal(err)
	}
	if ta, tb := tallies[pa.Name()], tallies[pb.Name()]; ta != (store.SourceTally{Added: 2}) || tb != (store.SourceTally{Added: 1, Duplicate: 1}) || tb.Seen() != 2 {
		t.Fatalf("tallies %+v; want %s 2 added, %s 1 added and 1 duplicate", tallies, pa.Name(), pb.Name())
	}
	db.Close()

	// A restart: the health view starts from the store's tallies.
	db, err = store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b.Add(platformtest.Toot{Text: "later on b #AllForPalestine", Tags: []string{"allforpalestine"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sched *collector.Scheduler
	var before []collector.SourceHealth
	sched = collector.NewScheduler(db, m, collector.SchedulerOptions{})
	sched.Add(pollOnceThen{pb, &sched, &before, cancel}, time.Hour)
	sched.Run(ctx)
	after := sched.Health()
	if len(before) != 1 || before[0].Stored != (store.SourceTally{Added: 1, Duplicate: 1}) || before[0].PostsAdded != 0 {
		t.Errorf("before the first poll after the restart: %+v", before)
	}
	if len(after) != 1 || after[0].Stored != (store.SourceTally{Added: 2, Duplicate: 1}) || after[0].PostsAdded != 1 {
		t.Errorf("after it: %+v", after)
	}
	if tallies, _ := db.Tallies(); tallies[pb.Name()] != after[0].Stored {
		t.Errorf("the store's tally %+v, the health view's %+v", tallies[pb.Name()], after[0].Stored)
	}
}
