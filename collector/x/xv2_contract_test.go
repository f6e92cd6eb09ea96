package x_test

import (
	"context"
	"encoding/json"
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
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

// xFixtureDir returns ../../../shared/fixtures/<sub>; see fixtureDir.
func xFixtureDir(t *testing.T, sub string) string { t.Helper(); return fixtureDir(t, sub) }

// xFixtureFiles lists dir's files matching pattern and fails the test
// unless every one is in want: a new payload needs its own assertions.
func xFixtureFiles(t *testing.T, dir, pattern string, want []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no %s in %s", pattern, dir)
	}
	for _, f := range files {
		if !slices.Contains(want, filepath.Base(f)) {
			t.Errorf("fixture %s has no contract test: add its facts", filepath.Base(f))
		}
	}
}

// replayed is a recorded response: body file and its .headers.json.
type replayed struct {
	body    []byte
	headers http.Header
}

func loadReplay(t *testing.T, dir, name string) replayed {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name+".headers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for k, vs := range rec.Headers {
		switch strings.ToLower(k) {
		case "content-encoding", "content-length", "set-cookie":
			continue // the stored body is decompressed
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return replayed{body: body, headers: h}
}

// replayServer answers each path with its recorded response.
func replayServer(t *testing.T, routes map[string]replayed) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, vs := range rec.headers {
			w.Header()[k] = vs
		}
		w.Write(rec.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func parseV2Fixture(t *testing.T, dir, name string) ([]store.Post, []error) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !x.FormatTwarc2.Detect(raw) {
		t.Fatalf("%s: not detected as a v2 page", name)
	}
	return x.FormatTwarc2.Parse(raw, time.Now())
}

func byID(posts []store.Post) map[string]store.Post {
	m := map[string]store.Post{}
	for _, p := range posts {
		m[p.ID] = p
	}
	return m
}

func kinds(posts []store.Post) map[store.Kind]int {
	m := map[store.Kind]int{}
	for _, p := range posts {
		m[p.Kind]++
	}
	return m
}

func TestXv2Fixtures(t *testing.T) {
	dir := xFixtureDir(t, "x_v2")
	xFixtureFiles(t, dir, "*.json", []string{
		"counts_recent_q_tweepy_hour_tweepy_cassette.headers.json",
		"counts_recent_q_tweepy_hour_tweepy_cassette.json",
		"search_recent_q_tweepy_tweepy_cassette.headers.json",
		"search_recent_q_tweepy_tweepy_cassette.json",
		"search_response_includes_users_places_geo_twitwi.json",
		"search_response_includes_users_tweets_media_twitwi.json",
		"tweets_lookup_geo_place_id_expansion_docs_example.json",
		"users_tweets_includes_users_pagination_docs_example.json",
	})

	// The two recorded exchanges, replayed with their real headers
	// through the live poller.
	srv := replayServer(t, map[string]replayed{
		"/2/tweets/search/recent": loadReplay(t, dir, "search_recent_q_tweepy_tweepy_cassette"),
		"/2/tweets/counts/recent": loadReplay(t, dir, "counts_recent_q_tweepy_hour_tweepy_cassette"),
	})
	v2 := x.NewV2(x.Config{BaseURL: srv.URL, BearerToken: "t"}, xCampaign, srv.Client(), nil)

	t.Run("search_recent_q_tweepy", func(t *testing.T) {
		page, err := v2.Poll(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		rl := page.RateLimit
		if rl == nil || rl.Limit != 450 || rl.Remaining != 448 || !rl.Reset.Equal(time.Unix(1665183229, 0)) {
			t.Errorf("RateLimit = %+v, want 450/448 reset 1665183229", rl)
		}
		// Requested without expansions: no author, so no post, each one
		// reported with the reason; the paging still moves on.
		if page.Fetched != 10 || len(page.Posts) != 0 || len(page.Malformed) != 10 {
			t.Fatalf("fetched=%d posts=%d malformed=%d, want 10, 0, 10", page.Fetched, len(page.Posts), len(page.Malformed))
		}
		if !strings.Contains(page.Malformed[0].Error(), "author_id") {
			t.Errorf("malformed reason %q does not name author_id", page.Malformed[0].Error())
		}
		var c map[string]string
		json.Unmarshal(page.Cursor, &c)
		if !page.More || c["next_token"] != "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul" || c["newest"] != "1578516068309794817" {
			t.Errorf("more=%v cursor=%v", page.More, c)
		}
	})
	t.Run("counts_recent_q_tweepy_hour", func(t *testing.T) {
		counts, err := v2.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, n := range counts {
			sum += n
		}
		// 169 buckets; the first starts at 19:18:24 and is left out.
		if len(counts) != 168 || sum != 410 {
			t.Errorf("%d hours summing to %d, want 168 and 410", len(counts), sum)
		}
		if n := counts[time.Date(2021, 9, 17, 12, 0, 0, 0, time.UTC)]; n != 3 {
			t.Errorf("2021-09-17T12 = %d, want 3", n)
		}
		if n, ok := counts[time.Date(2021, 9, 20, 19, 0, 0, 0, time.UTC)]; !ok || n != 1 {
			t.Errorf("current hour 2021-09-20T19 = %d (%v), want 1", n, ok)
		}
		if _, ok := counts[time.Date(2021, 9, 13, 19, 0, 0, 0, time.UTC)]; ok {
			t.Error("the partial first hour was kept")
		}
	})
	t.Run("search_response_includes_users_places_geo_twitwi", func(t *testing.T) {
		posts, bad := parseV2Fixture(t, dir, "search_response_includes_users_places_geo_twitwi.json")
		if len(posts) != 2 || len(bad) != 0 {
			t.Fatalf("posts=%d bad=%v", len(posts), bad)
		}
		m := byID(posts)
		o := m["1382840699322732544"]
		if o.Kind != store.KindOriginal || o.Signals.PlaceCountry != "US" || o.Signals.ProfileLocation != "Miami, FL" || o.Author.Followers != 1663 || o.Author.Handle != "joselcherrez" {
			t.Errorf("original = %+v", o)
		}
		if c := o.Signals.Coordinates; c == nil || c.Lat != 25.7751 || c.Lon != -80.1936 {
			t.Errorf("coordinates = %+v, want 25.7751,-80.1936", c)
		}
		rt := m["1382860305341030411"]
		if rt.Kind != store.KindRepost || rt.RefID != "1382840699322732544" || rt.Signals.PlaceCountry != "" {
			t.Errorf("retweet = %s ref %s place %q", rt.Kind, rt.RefID, rt.Signals.PlaceCountry)
		}
		// "teamgeprotection" is past the cut of the retweet's own text.
		if !slices.Contains(rt.Hashtags, "teamgeprotection") || !slices.Contains(rt.Hashtags, "tbt") {
			t.Errorf("retweet hashtags %v lack the original's", rt.Hashtags)
		}
		if !rt.CreatedAt.Equal(time.Date(2021, 4, 16, 0, 56, 3, 0, time.UTC)) || rt.Lang != "en" {
			t.Errorf("created %s lang %s", rt.CreatedAt, rt.Lang)
		}
	})
	t.Run("search_response_includes_users_tweets_media_twitwi", func(t *testing.T) {
		posts, bad := parseV2Fixture(t, dir, "search_response_includes_users_tweets_media_twitwi.json")
		if len(posts) != 10 || len(bad) != 0 {
			t.Fatalf("posts=%d bad=%v", len(posts), bad)
		}
		if k := kinds(posts); k[store.KindRepost] != 9 || k[store.KindReply] != 1 {
			t.Errorf("kinds = %v, want 9 reposts and 1 reply", k)
		}
		m := byID(posts)
		r := m["1383054846186639361"]
		if r.Kind != store.KindReply || r.RefID != "1383054056906711040" || r.Lang != "sv" || r.Signals.ProfileLocation != "Sweden" || !slices.Equal(r.Hashtags, []string{"covidiot"}) {
			t.Errorf("reply = %+v", r)
		}
		if rt := m["1383054927191175168"]; !slices.Contains(rt.Hashtags, "ashwagandha") {
			t.Errorf("retweet hashtags %v lack the original's #ashwagandha", rt.Hashtags)
		}
		if a := m["1383055313276964865"].Author; a.Followers != 469 || a.Handle != "Mehbub89927336" {
			t.Errorf("author = %+v", a)
		}
	})
	t.Run("tweets_lookup_geo_place_id_expansion_docs_example", func(t *testing.T) {
		posts, bad := parseV2Fixture(t, dir, "tweets_lookup_geo_place_id_expansion_docs_example.json")
		// The docs example asked for geo only: no author, so not a post.
		if len(posts) != 0 || len(bad) != 1 || !strings.Contains(bad[0].Error(), "1136048014974423040") {
			t.Fatalf("posts=%d bad=%v, want one error naming the tweet", len(posts), bad)
		}
	})
	t.Run("users_tweets_includes_users_pagination_docs_example", func(t *testing.T) {
		posts, bad := parseV2Fixture(t, dir, "users_tweets_includes_users_pagination_docs_example.json")
		if len(posts) != 5 || len(bad) != 0 {
			t.Fatalf("posts=%d bad=%v", len(posts), bad)
		}
		m := byID(posts)
		if p := m["1300888112948752389"]; !slices.Equal(p.Hashtags, []string{"twitterapi"}) || p.Author.Handle != "TwitterDev" {
			t.Errorf("post = %+v, want #twitterapi from the text, by TwitterDev", p)
		}
		// No referenced_tweets requested: "RT @" is all that tells a retweet.
		if p := m["1301546240887398401"]; p.Kind != store.KindRepost || p.RefID != "" {
			t.Errorf("RT post = %s ref %q, want repost with unknown ref", p.Kind, p.RefID)
		}
		if k := kinds(posts); k[store.KindRepost] != 2 || k[store.KindOriginal] != 3 {
			t.Errorf("kinds = %v", k)
		}
	})
	t.Run("counts_is_not_a_tweet_page", func(t *testing.T) {
		raw, _ := os.ReadFile(filepath.Join(dir, "counts_recent_q_tweepy_hour_tweepy_cassette.json"))
		if x.FormatTwarc2.Detect(raw) {
			t.Error("a counts response was detected as tweets")
		}
	})
}

func TestTwarc2ArchiveFixtures(t *testing.T) {
	dir := xFixtureDir(t, filepath.Join("archives", "twitter"))
	xFixtureFiles(t, dir, "*.jsonl", []string{
		"twarc2_search_recent_brexit_2021-09-22.jsonl",
		"twarc2_mixed_pages_withheld_reliance.jsonl",
		"twarc1_v11_search_dlfteach_2018.jsonl",
	})
	type want struct {
		format   string
		tags     []string
		records  int
		added    int
		kinds    map[store.Kind]int // of the added posts
		check    func(t *testing.T, db *store.DB)
		allPosts int // every tweet in the file, parsed line by line
	}
	cases := map[string]want{
		"twarc2_search_recent_brexit_2021-09-22.jsonl": {
			format: "twarc2", tags: []string{"brexit"}, records: 1, allPosts: 100,
			// Every tweet of a "#brexit" search carries it: the 67
			// retweets through the retweeted tweet, whose own cut text
			// often lost it (59 show it in their own entities).
			added: 100,
			kinds: map[store.Kind]int{store.KindRepost: 67, store.KindQuote: 11, store.KindReply: 10, store.KindOriginal: 12},
			check: func(t *testing.T, db *store.DB) {
				p, err := db.Get(store.PlatformX, "1440716797032816645")
				if err != nil {
					t.Fatal(err)
				}
				if p.Kind != store.KindRepost || p.RefID != "1440560491789787136" || !slices.Contains(p.Hashtags, "brexit") ||
					p.Signals.ProfileLocation != "Baden-Baden, Germany" || p.Author.Followers != 179 || p.Source != store.SourceX || p.Arrival != store.ArrivalImport {
					t.Errorf("retweet = %+v", p)
				}
			},
		},
		"twarc2_mixed_pages_withheld_reliance.jsonl": {
			format: "twarc2", tags: []string{"reliance"}, records: 5, allPosts: 215, added: 20,
			check: func(t *testing.T, db *store.DB) {
				p, err := db.Get(store.PlatformX, "1404371637592592388")
				if err != nil || p.Kind != store.KindReply || p.RefID != "1404366923190521857" || p.Author.ID != "1389136099335757825" {
					t.Errorf("#reliance reply = %+v, %v", p, err)
				}
				// Retweets withheld in India carry no #Reliance: not stored.
				if _, err := db.Get(store.PlatformX, "1404396331897085955"); err == nil {
					t.Error("an untagged withheld retweet was stored")
				}
			},
		},
		"twarc1_v11_search_dlfteach_2018.jsonl": {
			format: "twitter-v1.1", tags: []string{"dlfteach"}, records: 4, allPosts: 4, added: 4,
			kinds: map[store.Kind]int{store.KindRepost: 2, store.KindOriginal: 2},
		},
	}
	for name, w := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			db := xOpenStore(t)
			m := collector.NewMatcher([]store.Campaign{{Name: "c", Hashtags: w.tags}})
			var bad []collector.Malformed
			opts := archive.Options{Malformed: func(m collector.Malformed) { bad = append(bad, m) }}
			res, err := archive.Import(context.Background(), db, m, path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Format != w.format || res.Records != w.records || res.Added != w.added || res.Malformed != 0 || len(bad) != 0 {
				t.Fatalf("import = %+v (malformed %v), want format %s, %d records, %d added, none malformed", res, bad, w.format, w.records, w.added)
			}
			if w.kinds != nil {
				got := map[store.Kind]int{}
				db.Posts(0, func(_ uint64, p *store.Post) error { got[p.Kind]++; return nil })
				for k, n := range w.kinds {
					if got[k] != n {
						t.Errorf("%s = %d, want %d (all: %v)", k, got[k], n, got)
					}
				}
			}
			if w.check != nil {
				w.check(t, db)
			}
			again, err := archive.Import(context.Background(), db, m, path, opts)
			if err != nil || again.Added != 0 || again.Duplicates != w.added {
				t.Fatalf("re-import: %+v, %v; want nothing added, %d duplicates", again, err, w.added)
			}
			if n := db.PostCount(); n != w.added {
				t.Errorf("store holds %d posts, want %d", n, w.added)
			}
			// Line by line, every tweet parses.
			raw, _ := os.ReadFile(path)
			f := x.FormatTwarc2
			if w.format != "twarc2" {
				f = x.FormatTwitterV1
			}
			var all int
			for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				posts, errs := f.Parse([]byte(line), time.Now())
				if len(errs) > 0 {
					t.Errorf("parse errors: %v", errs)
				}
				all += len(posts)
			}
			if all != w.allPosts {
				t.Errorf("%d posts in the file, want %d", all, w.allPosts)
			}
		})
	}

	t.Run("WithheldPagesFacts", func(t *testing.T) {
		raw, _ := os.ReadFile(filepath.Join(dir, "twarc2_mixed_pages_withheld_reliance.jsonl"))
		var posts []store.Post
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
			p, errs := x.FormatTwarc2.Parse([]byte(line), time.Now())
			if len(errs) > 0 {
				t.Fatalf("a page with an errors array failed: %v", errs)
			}
			posts = append(posts, p...)
		}
		if k := kinds(posts); k[store.KindRepost] != 83 || k[store.KindReply] != 62 || k[store.KindQuote] != 8 || k[store.KindOriginal] != 62 {
			t.Errorf("kinds = %v, want 83 reposts, 62 replies, 8 quotes, 62 originals", k)
		}
		places, coords := map[string]int{}, 0
		for _, p := range posts {
			if p.Signals.PlaceCountry != "" {
				places[p.Signals.PlaceCountry]++
			}
			if p.Signals.Coordinates != nil {
				coords++
			}
		}
		if places["US"] != 28 || places["IN"] != 2 || coords != 3 {
			t.Errorf("places %v coordinates %d, want US 28, IN 2, 3 points", places, coords)
		}
		m := byID(posts)
		if p, ok := m["1388424788171841537"]; !ok || p.Lang != "en" || !p.CreatedAt.Equal(time.Date(2021, 5, 1, 9, 27, 19, 0, time.UTC)) {
			t.Errorf("withheld tweet 1388424788171841537 = %+v (%v)", p, ok)
		}
		if p := m["25712847277"]; p.CreatedAt.Year() != 2010 {
			t.Errorf("pre-Snowflake tweet created %s, want 2010", p.CreatedAt)
		}
		if c := m["1256638945653391361"].Signals.Coordinates; c == nil || c.Lat != 39.9527 || c.Lon != -75.1651 {
			t.Errorf("Philadelphia point = %+v", c)
		}
	})
}

// flatten rebuilds, from a v2 page, a tweet as "twarc2 flatten" writes it:
// author, referenced tweets (with theirs) and the place merged into geo.
func flatten(t *testing.T, page []byte, id string) []byte {
	t.Helper()
	var p struct {
		Data     []map[string]any `json:"data"`
		Includes struct {
			Users  []map[string]any `json:"users"`
			Tweets []map[string]any `json:"tweets"`
			Places []map[string]any `json:"places"`
		} `json:"includes"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		t.Fatal(err)
	}
	index := func(list []map[string]any) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, o := range list {
			m[o["id"].(string)] = o
		}
		return m
	}
	users, tweets, places := index(p.Includes.Users), index(p.Includes.Tweets), index(p.Includes.Places)
	var expand func(tw map[string]any) map[string]any
	expand = func(tw map[string]any) map[string]any {
		out := map[string]any{"__twarc": map[string]any{"version": "2.14.0"}}
		for k, v := range tw {
			out[k] = v
		}
		if a, ok := users[tw["author_id"].(string)]; ok {
			out["author"] = a
		}
		if g, ok := tw["geo"].(map[string]any); ok {
			if pl, ok := places[g["place_id"].(string)]; ok {
				merged := map[string]any{}
				for k, v := range g {
					merged[k] = v
				}
				for k, v := range pl {
					merged[k] = v
				}
				out["geo"] = merged
			}
		}
		if refs, ok := tw["referenced_tweets"].([]any); ok {
			var ex []any
			for _, r := range refs {
				r := r.(map[string]any)
				if full, ok := tweets[r["id"].(string)]; ok {
					e := expand(full)
					e["type"] = r["type"]
					ex = append(ex, e)
				} else {
					ex = append(ex, r)
				}
			}
			out["referenced_tweets"] = ex
		}
		return out
	}
	for _, tw := range p.Data {
		if tw["id"] == id {
			b, err := json.Marshal(expand(tw))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("tweet %s not in page", id)
	return nil
}

func TestTwarc2Flattened(t *testing.T) {
	dir := xFixtureDir(t, filepath.Join("archives", "twitter"))
	read := func(name string, line int) []byte {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(strings.Split(string(raw), "\n")[line])
	}
	for _, c := range []struct {
		file string
		line int
		id   string
	}{
		{"twarc2_search_recent_brexit_2021-09-22.jsonl", 0, "1440716797032816645"}, // retweet, tag only in the original
		{"twarc2_mixed_pages_withheld_reliance.jsonl", 3, "1256638945653391361"},   // place and point
		{"twarc2_mixed_pages_withheld_reliance.jsonl", 4, "1404371637592592388"},   // reply
	} {
		t.Run(c.id, func(t *testing.T) {
			page := read(c.file, c.line)
			flat := flatten(t, page, c.id)
			if !x.FormatTwarc2.Detect(flat) {
				t.Fatal("flattened tweet not detected")
			}
			got, bad := x.FormatTwarc2.Parse(flat, time.Unix(0, 0))
			if len(bad) != 0 || len(got) != 1 {
				t.Fatalf("posts=%d bad=%v", len(got), bad)
			}
			fromPage, _ := x.FormatTwarc2.Parse(page, time.Unix(0, 0))
			want := byID(fromPage)[c.id]
			gj, _ := json.Marshal(got[0])
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Errorf("flattened:\n%s\npage:\n%s", gj, wj)
			}
		})
	}
}
