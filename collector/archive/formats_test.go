package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/archive"
	"github.com/tagpulse/tagpulse/collector/mastodon"
	"github.com/tagpulse/tagpulse/store"
)

// premiumPage wraps real v1.1 statuses in the envelope of the premium and
// enterprise search APIs (30-day and full-archive), as their client
// libraries (searchtweets) write each page: {"results": […], "next": …,
// "requestParameters": {…}}.
func premiumPage(t *testing.T, indent bool) ([]byte, int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtureDir(t, "twitter_v1"), "search_tweets_q_tweepy_tweepy_cassette.json"))
	if err != nil {
		t.Fatal(err)
	}
	var search struct {
		Statuses []json.RawMessage `json:"statuses"`
	}
	if err := json.Unmarshal(raw, &search); err != nil {
		t.Fatal(err)
	}
	page := map[string]any{
		"results":           search.Statuses,
		"next":              "eyJtYXhJZCI6MTE0OTI0MzQ1NjAzNzQ5NDc4NH0=",
		"requestParameters": map[string]any{"maxResults": 100, "fromDate": "201907010000", "toDate": "201907310000"},
	}
	var b []byte
	if indent {
		b, err = json.MarshalIndent(page, "", "  ")
	} else {
		b, err = json.Marshal(page)
	}
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n'), len(search.Statuses)
}

// Premium and enterprise search pages import exactly like the same tweets one
// per line, on one line or pretty-printed, one page or several.
func TestImportPremiumSearchPages(t *testing.T) {
	line, n := premiumPage(t, false)
	pretty, _ := premiumPage(t, true)
	var perLine bytes.Buffer
	{
		var page struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(line, &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Results {
			perLine.Write(r)
			perLine.WriteByte('\n')
		}
	}
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"python", "twitter", "data", "tweets"}, Timezone: "UTC"}})
	want, _, err := importFile(t, xOpenStore(t), m, "lines.jsonl", perLine.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if want.Fetched != n || want.Added == 0 {
		t.Fatalf("per-line import = %+v; want %d posts fetched, some added", want, n)
	}
	for name, content := range map[string][]byte{
		"one-line":     line,
		"pretty":       pretty,
		"two-pages":    append(append([]byte{}, line...), line...),
		"pretty-twice": append(append([]byte{}, pretty...), pretty...),
	} {
		t.Run(name, func(t *testing.T) {
			got, bad, err := importFile(t, xOpenStore(t), m, "premium.json", content)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != 0 {
				t.Fatalf("malformed: %v", bad)
			}
			pages := 1
			if strings.HasPrefix(name, "two") || strings.HasSuffix(name, "twice") {
				pages = 2
			}
			if got.Format != "twitter-v1.1" || got.Records != pages || got.Fetched != pages*want.Fetched ||
				got.Matched != pages*want.Matched || got.Added != want.Added || got.Duplicates != (pages-1)*want.Added {
				t.Errorf("import of %d pages = %+v; want the per-line figures %+v once, the rest duplicates", pages, got, want)
			}
		})
	}
}

// A refused file names the top-level keys of its first record, not "line
// 1", which in a pretty-printed file is only "{".
func TestImportUnknownFormatNamesKeys(t *testing.T) {
	content := []byte("{\n  \"data\": {\"children\": []},\n  \"kind\": \"Listing\"\n}\n")
	_, _, err := importFile(t, xOpenStore(t), mbMatcher("brexit"), "reddit.json", content)
	if !errors.Is(err, archive.ErrUnknownFormat) {
		t.Fatalf("err = %v; want unknown format", err)
	}
	if !strings.Contains(err.Error(), `"data", "kind"`) || strings.Contains(err.Error(), "line 1 is") {
		t.Errorf("error = %q; want the keys \"data\", \"kind\" named", err)
	}
}

// A poll tweet as the v1.1 API sends it (entities.polls with a numeric
// duration_minutes, per the v1.1 entities documentation) is a post, not a
// malformed record; an error elsewhere in such a status still shows.
func TestImportPollTweet(t *testing.T) {
	poll := `{"created_at":"Thu May 25 22:20:27 +0000 2017","id":867851811316490240,"id_str":"867851811316490240",` +
		`"full_text":"Which answer? #AllForPalestine","lang":"en",` +
		`"user":{"id":6253282,"id_str":"6253282","screen_name":"TwitterAPI","followers_count":6133636,"location":"San Francisco, CA"},` +
		`"entities":{"hashtags":[{"indices":[14,30],"text":"AllForPalestine"}],"urls":[],"user_mentions":[],"symbols":[],` +
		`"polls":[{"options":[{"position":1,"text":"I read documentation once."},{"position":2,"text":"I read documentation twice."}],` +
		`"end_datetime":"Thu May 25 22:20:27 +0000 2017","duration_minutes":60}]}}`
	quoting := `{"created_at":"Fri May 26 08:00:00 +0000 2017","id_str":"867999999999999999","full_text":"#AllForPalestine see this",` +
		`"user":{"id_str":"7","screen_name":"b"},"entities":{"hashtags":[{"text":"AllForPalestine"}]},` +
		`"quoted_status_id_str":"867851811316490240","quoted_status":` + poll + `}`
	broken := strings.Replace(poll, `"id_str":"6253282"`, `"id_str":6253282`, 1)
	broken = strings.Replace(broken, `"867851811316490240"`, `"867851811316490241"`, 1)
	content := poll + "\n" + quoting + "\n" + broken + "\n"
	db := xOpenStore(t)
	res, bad, err := importFile(t, db, mbMatcher("allforpalestine"), "polls.jsonl", []byte(content))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || len(bad) != 1 || !strings.HasSuffix(bad[0].Where, "polls.jsonl:3") {
		t.Fatalf("import = %+v, malformed %v; want the poll and its quote added, line 3 malformed (user.id_str a number)", res, bad)
	}
	p, err := db.Get(store.PlatformX, "867851811316490240")
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.Followers != 6133636 || p.Author.Handle != "TwitterAPI" || len(p.Hashtags) != 1 {
		t.Errorf("poll post = %+v; want its author and hashtag", p)
	}
}

// twarc-csv's CSV (its default columns, retweets merged with their original,
// hashtags as ["#tag"], line breaks written as \n) and its pre-0.5 layout
// (JSON-encoded text, referenced_tweets in one JSON cell) import as posts.
// Both files are written for these tests from twarc-csv's documented column
// set (DEFAULT_TWEET_COLUMNS) and encoding.
func TestImportTwarcCSV(t *testing.T) {
	db := xOpenStore(t)
	m := mbMatcher("allforpalestine")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	res, bad, err := importFile(t, db, m, "tweets.csv", read("twarc_csv_allforpalestine.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "twarc-csv" || res.Records != 4 || res.Fetched != 4 || res.Matched != 3 || res.Added != 3 {
		t.Errorf("import = %+v; want twarc-csv, 4 rows, 3 matching added", res)
	}
	if len(bad) != 1 || !strings.HasSuffix(bad[0].Where, "tweets.csv:7") || !strings.Contains(bad[0].Err.Error(), "2 cells") {
		t.Errorf("malformed = %v; want the short row at line 7 (after a row spanning two lines)", bad)
	}
	orig, err := db.Get(store.PlatformX, "1597600000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if orig.Kind != store.KindOriginal || orig.Author.Handle != "ramallah_voice" || orig.Author.Followers != 5200 ||
		orig.Signals.PlaceCountry != "PS" || orig.Signals.ProfileLocation != "Ramallah, Palestine" || orig.Engagement != 53 ||
		!strings.Contains(orig.Text, "#AllForPalestine\nJoin") {
		t.Errorf("original = %+v", orig)
	}
	rt, err := db.Get(store.PlatformX, "1597600000000000002")
	if err != nil {
		t.Fatal(err)
	}
	if rt.Kind != store.KindRepost || rt.RefID != "1597600000000000001" || rt.Author.Handle != "london_friend" || len(rt.Hashtags) != 1 {
		t.Errorf("retweet = %+v; want a repost by london_friend carrying the original's hashtag", rt)
	}
	reply, err := db.Get(store.PlatformX, "1597600000000000003")
	if err != nil {
		t.Fatal(err)
	}
	if reply.Kind != store.KindReply || reply.Signals.Coordinates == nil || reply.Signals.Coordinates.Lat != 30.0444 ||
		!strings.Contains(reply.Text, "commas,\nand") || len(reply.Hashtags) != 2 {
		t.Errorf("reply = %+v", reply)
	}

	res, bad, err = importFile(t, db, m, "old.csv", read("twarc_csv_old_layout.csv"))
	if err != nil || len(bad) != 0 || res.Added != 1 {
		t.Fatalf("old layout: %+v, %v, %v", res, bad, err)
	}
	q, err := db.Get(store.PlatformX, "1597600000000000010")
	if err != nil {
		t.Fatal(err)
	}
	if q.Kind != store.KindQuote || q.Signals.ProfileLocation != "Amman, Jordan" || q.Text != "Quote, with a line\nbreak #AllForPalestine" {
		t.Errorf("old-layout quote = %+v", q)
	}
}

// X's own archive: data/tweets.js (window.YTD.tweets.part0 = […]) with
// counts as strings and no user; account.js names the author, profile.js
// the location, follower.js the followers. The files are written for this
// test in the layout X's archive uses.
func TestImportXArchive(t *testing.T) {
	db := xOpenStore(t)
	var bad []collector.Malformed
	path := filepath.Join("testdata", "x-archive", "data", "tweets.js")
	res, err := archive.Import(context.Background(), db, mbMatcher("allforpalestine"), path, archive.Options{Malformed: func(m collector.Malformed) { bad = append(bad, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "x-archive" || res.Records != 3 || res.Matched != 2 || res.Added != 2 || len(bad) != 0 {
		t.Fatalf("import = %+v, malformed %v; want x-archive, 3 tweets, 2 added", res, bad)
	}
	p, err := db.Get(store.PlatformX, "1597500000000000001")
	if err != nil {
		t.Fatal(err)
	}
	want := store.Author{ID: "1200000000000000001", Handle: "gaza_daily", Name: "Gaza Daily", Followers: 3}
	if p.Author != want || p.Signals.ProfileLocation != "Gaza, Palestine" || p.Engagement != 15 || p.URL != "https://x.com/gaza_daily/status/1597500000000000001" {
		t.Errorf("post = %+v; want author %+v, location, engagement 15", p, want)
	}
	rt, err := db.Get(store.PlatformX, "1597500000000000002")
	if err != nil || rt.Kind != store.KindRepost {
		t.Errorf("retweet = %+v, %v; want kind repost", rt, err)
	}

	// Without account.js beside it the author is unknown: refused, saying why.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = importFile(t, xOpenStore(t), mbMatcher("allforpalestine"), "tweets.js", b)
	if err == nil || !strings.Contains(err.Error(), "account.js") {
		t.Errorf("tweets.js alone: err = %v; want it to ask for account.js", err)
	}
}

// Telegram Desktop's JSON export of a channel (result.json), written for
// this test in its layout: service messages are not posts, a forwarded
// message is a repost, hashtags come from text_entities (or the text).
func TestImportTelegramExport(t *testing.T) {
	db := xOpenStore(t)
	b, err := os.ReadFile(filepath.Join("testdata", "telegram_result.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: []string{"savesheikhjarrah"}, Timezone: "UTC"}})
	res, bad, err := importFile(t, db, m, "result.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "telegram" || res.Fetched != 4 || res.Matched != 3 || res.Added != 3 || len(bad) != 0 {
		t.Fatalf("import = %+v, malformed %v; want telegram, 4 messages, 3 matching", res, bad)
	}
	p, err := db.Get(store.PlatformTelegram, "1456789012/2")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(time.Unix(1620651780, 0)) || p.Author.ID != "channel1456789012" || len(p.Hashtags) != 2 || p.Kind != store.KindOriginal {
		t.Errorf("post = %+v", p)
	}
	fw, err := db.Get(store.PlatformTelegram, "1456789012/3")
	if err != nil || fw.Kind != store.KindRepost {
		t.Errorf("forwarded = %+v, %v; want a repost", fw, err)
	}
	old, err := db.Get(store.PlatformTelegram, "1456789012/5")
	if err != nil || !old.CreatedAt.Equal(time.Date(2021, 5, 10, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("old-style message = %+v, %v", old, err)
	}

	// The whole-account export holds the same chat in chats.list.
	var chat map[string]any
	if err := json.Unmarshal(b, &chat); err != nil {
		t.Fatal(err)
	}
	whole, _ := json.MarshalIndent(map[string]any{"about": "Here is the data you requested.", "chats": map[string]any{"about": "", "list": []any{chat}}}, "", " ")
	res, _, err = importFile(t, db, m, "account.json", whole)
	if err != nil || res.Format != "telegram" || res.Duplicates != 3 || res.Added != 0 {
		t.Errorf("account export = %+v, %v; want the same 3 posts, already stored", res, err)
	}
}

// Mastodon's account archive: outbox.json (ActivityPub Create and Announce)
// with actor.json beside it, written for this test in the layout Mastodon
// exports. The author is the same as for a status collected live
// (mastodon.ParseStatus of the account's own status).
func TestImportMastodonOutbox(t *testing.T) {
	db := xOpenStore(t)
	var bad []collector.Malformed
	path := filepath.Join("testdata", "mastodon-archive", "outbox.json")
	res, err := archive.Import(context.Background(), db, mbMatcher("allforpalestine"), path, archive.Options{Malformed: func(m collector.Malformed) { bad = append(bad, m) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "mastodon-outbox" || res.Fetched != 4 || res.Matched != 2 || res.Added != 2 || len(bad) != 0 {
		t.Fatalf("import = %+v, malformed %v; want mastodon-outbox, 4 activities, 2 matching", res, bad)
	}
	p, err := db.Get(store.PlatformMastodon, "https://mastodon.example/users/layla/statuses/109430000000000001")
	if err != nil {
		t.Fatal(err)
	}
	live, err := mastodon.ParseStatus([]byte(`{"id":"109430000000000001","uri":"https://mastodon.example/users/layla/statuses/109430000000000001",`+
		`"created_at":"2022-11-29T07:00:00.000Z","account":{"id":"1","username":"layla","acct":"layla","display_name":"Layla",`+
		`"url":"https://mastodon.example/@layla","uri":"https://mastodon.example/users/layla"},"tags":[{"name":"allforpalestine"}],"content":"<p>Today</p>"}`),
		"mastodon.example", store.SourceMastodon, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Author.Key(store.PlatformMastodon) != live.Author.Key(store.PlatformMastodon) || p.Author.Handle != "layla@mastodon.example" {
		t.Errorf("archive author %+v; live author %+v: want the same key", p.Author, live.Author)
	}
	if p.Signals.ProfileLocation != "Nablus, Palestine" || p.Lang != "en" || p.URL != "https://mastodon.example/@layla/109430000000000001" || p.Text != "Today #AllForPalestine" {
		t.Errorf("post = %+v", p)
	}
	reply, err := db.Get(store.PlatformMastodon, "https://mastodon.example/users/layla/statuses/109430000000000002")
	if err != nil || reply.Kind != store.KindReply || reply.RefID != "https://other.example/users/sam/statuses/1" || !strings.HasPrefix(reply.Text, "Content warning") {
		t.Errorf("reply = %+v, %v", reply, err)
	}
}

// Raw post records from a PDS (com.atproto.repo.listRecords pages, written
// for this test from the lexicon): posts by the DID of their at-URI, dated
// by their createdAt however old, tags taken whole from the facets.
func TestImportBlueskyRecords(t *testing.T) {
	db := xOpenStore(t)
	b, err := os.ReadFile(filepath.Join("testdata", "bluesky_listrecords.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, bad, err := importFile(t, db, mbMatcher("allforpalestine"), "records.json", b)
	if err != nil || len(bad) != 0 || res.Format != "bluesky-records" || res.Added != 2 {
		t.Fatalf("import = %+v, %v, %v; want bluesky-records, 2 added", res, bad, err)
	}
	p, err := db.Get(store.PlatformBluesky, "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kbcvoh3ayu2f")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(time.Date(2023, 11, 29, 9, 30, 0, 0, time.UTC)) || p.Author.ID != "did:plc:ewvi7nxzyoun6zhxrhs64oiz" ||
		!slices.Equal(p.Hashtags, []string{"allforpalestine", "rstats-powered"}) {
		t.Errorf("post = %+v", p)
	}
}

// Zeeschuimer's NDJSON (written for this test in its envelope, with items in
// the shape X's, Instagram's and Threads' web clients receive them) and
// 4CAT's NDJSON export of the same X items (envelope as __import_meta).
func TestImportZeeschuimerAnd4CAT(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	db := xOpenStore(t)
	m := mbMatcher("allforpalestine")
	res, bad, err := importFile(t, db, m, "zs.ndjson", read("zeeschuimer.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != "zeeschuimer" || res.Records != 6 || res.Added != 5 || len(bad) != 1 ||
		!strings.HasSuffix(bad[0].Where, "zs.ndjson:6") || !strings.Contains(bad[0].Err.Error(), "tiktok.com") {
		t.Fatalf("import = %+v, malformed %v; want 5 posts and the TikTok item at line 6 named", res, bad)
	}
	orig, err := db.Get(store.PlatformX, "1729700000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if orig.Author != (store.Author{ID: "901", Handle: "beirut_n", Name: "Beirut N", Followers: 2500}) ||
		orig.Signals.ProfileLocation != "Beirut, Lebanon" || orig.Engagement != 13 {
		t.Errorf("X post = %+v", orig)
	}
	rt, err := db.Get(store.PlatformX, "1729700000000000002")
	if err != nil || rt.Kind != store.KindRepost || rt.RefID != "1729700000000000001" || rt.Author.Handle != "tunis_t" || rt.Signals.ProfileLocation != "Tunis" {
		t.Errorf("retweet = %+v, %v (user in legacy, the pre-2025 layout)", rt, err)
	}
	if p, err := db.Get(store.PlatformX, "1729700000000000003"); err != nil || p.Author.Handle != "doha_d" {
		t.Errorf("TweetWithVisibilityResults = %+v, %v", p, err)
	}
	ig, err := db.Get(store.PlatformInstagram, "C1aBcDeFgHi")
	if err != nil || ig.Author.Handle != "amman_vigil" || !ig.CreatedAt.Equal(time.Unix(1701248400, 0)) || len(ig.Hashtags) != 2 || ig.Engagement != 128 {
		t.Errorf("Instagram post = %+v, %v", ig, err)
	}
	th, err := db.Get(store.PlatformThreads, "C1zYxWvUtSr")
	if err != nil || th.Engagement != 37 || th.URL != "https://www.threads.com/@march_threads/post/C1zYxWvUtSr" {
		t.Errorf("Threads post = %+v, %v", th, err)
	}

	res, bad, err = importFile(t, db, m, "4cat.ndjson", read("4cat_twitter.ndjson"))
	if err != nil || len(bad) != 0 || res.Format != "4cat" || res.Duplicates != 3 || res.Added != 0 {
		t.Errorf("4CAT export = %+v, %v, %v; want the same 3 X posts, already stored", res, bad, err)
	}
}
