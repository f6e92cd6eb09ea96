package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// This file maps X API v2 response pages (search/recent, tweet lookups, user
// timelines, and the twarc2 archives made of them) to posts. The live poller
// and the twarc2 importer both go through parseV2Page: one mapping, no copies.

// v2Page is the envelope every v2 tweet endpoint answers with. data is an
// array for searches and multi-tweet lookups, an object for a single-tweet
// lookup. Items are kept raw so one bad item does not fail the page.
type v2Page struct {
	Data     json.RawMessage `json:"data"`
	Includes struct {
		Users  []json.RawMessage `json:"users"`
		Tweets []json.RawMessage `json:"tweets"`
		Places []json.RawMessage `json:"places"`
	} `json:"includes"`
	Meta   v2Meta            `json:"meta"`
	Errors []json.RawMessage `json:"errors"` // partial errors: withheld, deleted, suspended items
}

type v2Meta struct {
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token"`
}

type v2Tweet struct {
	ID               string `json:"id"`
	Text             string `json:"text"`
	AuthorID         string `json:"author_id"`
	CreatedAt        string `json:"created_at"`
	Lang             string `json:"lang"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Entities  *v2Entities `json:"entities"`
	NoteTweet *struct {
		Text     string      `json:"text"`
		Entities *v2Entities `json:"entities"`
	} `json:"note_tweet"` // posts longer than 280 characters: the full text
	Geo *struct {
		PlaceID     string `json:"place_id"`
		Coordinates *struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"` // [lon, lat]
		} `json:"coordinates"`
	} `json:"geo"`
	PublicMetrics *struct {
		RetweetCount int64 `json:"retweet_count"`
		ReplyCount   int64 `json:"reply_count"`
		LikeCount    int64 `json:"like_count"`
		QuoteCount   int64 `json:"quote_count"`
	} `json:"public_metrics"`
}

type v2Entities struct {
	Hashtags []struct {
		Tag string `json:"tag"`
	} `json:"hashtags"`
}

type v2User struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	Location      string `json:"location"`
	PublicMetrics *struct {
		FollowersCount int64 `json:"followers_count"`
	} `json:"public_metrics"`
}

type v2Place struct {
	ID          string `json:"id"`
	CountryCode string `json:"country_code"`
	FullName    string `json:"full_name"`
}

// v2Result is what one page held.
type v2Result struct {
	Posts   []store.Post
	Bad     []error // items that could not be parsed, each naming its position
	Fetched int     // items in data, good or bad
	Meta    v2Meta
	Partial int // entries in the page's "errors" array (not failures of the page)
}

// v2Includes indexes a page's expansions by ID.
type v2Includes struct {
	users  map[string]*v2User
	tweets map[string]*v2Tweet
	places map[string]*v2Place
}

// parseV2Page parses one v2 response page. The error is for an envelope that
// is not JSON or not a v2 page (a truncated body); bad items inside a good
// envelope are returned in Bad and the rest are kept.
func parseV2Page(raw []byte, source string, now time.Time) (v2Result, error) {
	var res v2Result
	var page v2Page
	if err := json.Unmarshal(raw, &page); err != nil {
		return res, fmt.Errorf("not a v2 page: %w", err)
	}
	res.Meta, res.Partial = page.Meta, len(page.Errors)
	items, err := v2DataItems(page.Data)
	if err != nil {
		return res, err
	}
	inc := v2Includes{users: map[string]*v2User{}, tweets: map[string]*v2Tweet{}, places: map[string]*v2Place{}}
	// An include that does not parse is dropped; the tweets that refer to it
	// lose that detail (author's handle, place), not their existence.
	for _, r := range page.Includes.Users {
		u := new(v2User)
		if json.Unmarshal(r, u) == nil && u.ID != "" {
			inc.users[u.ID] = u
		}
	}
	for _, r := range page.Includes.Places {
		p := new(v2Place)
		if json.Unmarshal(r, p) == nil && p.ID != "" {
			inc.places[p.ID] = p
		}
	}
	for _, r := range page.Includes.Tweets {
		t := new(v2Tweet)
		if json.Unmarshal(r, t) == nil && t.ID != "" {
			inc.tweets[t.ID] = t
		}
	}
	res.Fetched = len(items)
	for i, r := range items {
		var t v2Tweet
		if err := json.Unmarshal(r, &t); err != nil {
			res.Bad = append(res.Bad, fmt.Errorf("data[%d]: %w", i, err))
			continue
		}
		p, err := postFromTweetV2(&t, &inc, source, now)
		if err != nil {
			res.Bad = append(res.Bad, fmt.Errorf("data[%d]: %w", i, err))
			continue
		}
		res.Posts = append(res.Posts, p)
	}
	return res, nil
}

// v2DataItems splits data into items: an array's elements, or a single object.
func v2DataItems(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0 || bytes.Equal(data, []byte("null")):
		return nil, nil // a page with no results has no data
	case data[0] == '{':
		return []json.RawMessage{data}, nil
	case data[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		return items, nil
	}
	return nil, errors.New("data is neither an array nor an object")
}

// postFromTweetV2 maps one v2 tweet with its page's expansions.
func postFromTweetV2(t *v2Tweet, inc *v2Includes, source string, now time.Time) (store.Post, error) {
	if t.ID == "" {
		return store.Post{}, errors.New("tweet without id")
	}
	if err := store.ValidID(store.PlatformX, t.ID); err != nil {
		return store.Post{}, fmt.Errorf("tweet: %w", err)
	}
	if t.AuthorID == "" {
		return store.Post{}, fmt.Errorf("tweet %s: no author_id (request expansions=author_id)", t.ID)
	}
	created, err := v2CreatedAt(t)
	if err != nil {
		return store.Post{}, fmt.Errorf("tweet %s: %w", t.ID, err)
	}
	p := store.Post{
		Platform:    store.PlatformX,
		ID:          t.ID,
		Source:      source,
		Kind:        store.KindOriginal,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		Lang:        t.Lang,
		Author:      store.Author{ID: t.AuthorID},
	}
	if u := inc.users[t.AuthorID]; u != nil {
		p.Author.Handle, p.Author.Name = u.Username, u.Name
		if u.PublicMetrics != nil {
			p.Author.Followers = store.ClampFollowers(u.PublicMetrics.FollowersCount)
		}
		p.Signals.ProfileLocation = u.Location
	}
	p.URL = "https://x.com/i/status/" + t.ID
	if p.Author.Handle != "" {
		p.URL = "https://x.com/" + p.Author.Handle + "/status/" + t.ID
	}
	if m := t.PublicMetrics; m != nil {
		p.Engagement = m.LikeCount + m.RetweetCount + m.ReplyCount + m.QuoteCount
	}
	// One kind per post; a reply that quotes is a reply, as for v1.1.
	var retweeted, repliedTo, quoted string
	for _, r := range t.ReferencedTweets {
		switch r.Type {
		case "retweeted":
			retweeted = r.ID
		case "replied_to":
			repliedTo = r.ID
		case "quoted":
			quoted = r.ID
		}
	}
	switch {
	case retweeted != "":
		p.Kind, p.RefID = store.KindRepost, retweeted
		p.Engagement = 0 // a retweet's public_metrics are the original's
	case repliedTo != "":
		p.Kind, p.RefID = store.KindReply, repliedTo
	case quoted != "":
		p.Kind, p.RefID = store.KindQuote, quoted
	case t.ReferencedTweets == nil && strings.HasPrefix(t.Text, "RT @"):
		// Fetched without tweet.fields=referenced_tweets: the text is all
		// that tells a retweet, and the original's ID is unknown.
		p.Kind = store.KindRepost
	}
	text, tags := v2TextAndTags(t)
	p.Text = text
	// A retweet's own text is cut at 140 characters ("RT @a: …") and so are
	// its entities: take the hashtags (and full text) of the retweeted tweet
	// when the page includes it, keeping any the retweet itself listed.
	if orig := inc.tweets[retweeted]; retweeted != "" && orig != nil {
		otext, otags := v2TextAndTags(orig)
		tags = append(otags, tags...)
		text = otext
		if ou := inc.users[orig.AuthorID]; ou != nil && ou.Username != "" {
			p.Text = "RT @" + ou.Username + ": " + otext
		}
	}
	p.Hashtags = hashtag.FromEntities(tags, text)
	// Location signals are the poster's own (for a retweet: the retweeter's).
	if g := t.Geo; g != nil {
		if pl := inc.places[g.PlaceID]; g.PlaceID != "" && pl != nil {
			p.Signals.PlaceCountry = pl.CountryCode
		}
		if c := g.Coordinates; c != nil && strings.EqualFold(c.Type, "Point") && len(c.Coordinates) == 2 {
			p.Signals.Coordinates = &store.LatLon{Lon: c.Coordinates[0], Lat: c.Coordinates[1]}
		}
	}
	return p, nil
}

// v2TextAndTags returns the full text and the hashtag entities of a tweet,
// from note_tweet for long posts.
func v2TextAndTags(t *v2Tweet) (string, []string) {
	text, ents := t.Text, t.Entities
	if n := t.NoteTweet; n != nil && n.Text != "" {
		text = n.Text
		if n.Entities != nil {
			ents = n.Entities
		}
	}
	var tags []string
	if ents != nil {
		for _, h := range ents.Hashtags {
			tags = append(tags, h.Tag)
		}
	}
	return text, tags
}

// twitterEpochMS is the Snowflake epoch: tweet IDs since November 2010 carry
// their creation time in milliseconds after it, in the bits above 22.
const twitterEpochMS = 1288834974657

// v2CreatedAt is created_at, or when a response left it out (tweet.fields
// without created_at) the time inside a Snowflake ID.
func v2CreatedAt(t *v2Tweet) (time.Time, error) {
	if t.CreatedAt != "" {
		c, err := time.Parse(time.RFC3339Nano, t.CreatedAt)
		if err != nil {
			return time.Time{}, fmt.Errorf("created_at: %w", err)
		}
		return c.UTC(), nil
	}
	id, err := strconv.ParseUint(t.ID, 10, 64)
	if err != nil || id < 1<<32 { // pre-Snowflake IDs hold no time
		return time.Time{}, errors.New("no created_at (request tweet.fields=created_at)")
	}
	return time.UnixMilli(int64(id>>22) + twitterEpochMS).UTC(), nil
}

// idLess compares two decimal tweet IDs numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
