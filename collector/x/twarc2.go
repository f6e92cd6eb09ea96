package x

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/store"
)

// FormatTwarc2 is X API v2 output as twarc2 writes it: one response page per
// line ({"data", "includes", "meta", "__twarc"}), from search, timelines or
// tweet lookups; also a single v2 response page saved as a JSON file, and
// "twarc2 flatten" output (one tweet per line with its author, place and
// referenced tweets embedded). Pages go through the same mapping as the live
// X v2 poller. The "errors" array of a page (withheld, deleted, suspended
// items) is not a failure: the page's good tweets are kept.
var FormatTwarc2 = collector.Format{
	Name:   "twarc2",
	Detect: detectTwarc2,
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		if isFlatTweetV2(rec) {
			p, err := parseFlatTweetV2(rec, store.SourceImport, now)
			if err != nil {
				return nil, []error{err}
			}
			return []store.Post{p}, nil
		}
		res, err := parseV2Page(rec, store.SourceImport, now)
		if err != nil {
			return nil, []error{err}
		}
		return res.Posts, res.Bad
	},
}

// detectTwarc2 accepts a v2 page whose data holds tweets (id and text; a
// counts response's data does not), or a flattened v2 tweet.
func detectTwarc2(rec []byte) bool {
	var probe struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(rec, &probe) != nil {
		return false
	}
	if probe.Data == nil {
		return isFlatTweetV2(rec)
	}
	items, err := v2DataItems(probe.Data)
	if err != nil || len(items) == 0 {
		return false
	}
	var t struct {
		ID   *string `json:"id"`
		Text *string `json:"text"`
	}
	return json.Unmarshal(items[0], &t) == nil && t.ID != nil && t.Text != nil
}

// flatTweetV2 is the part of a flattened tweet that carries expansions.
type flatTweetV2 struct {
	ID        string          `json:"id"`
	Text      *string         `json:"text"`
	AuthorID  string          `json:"author_id"`
	CreatedAt string          `json:"created_at"`
	Author    json.RawMessage `json:"author"`
	Geo       json.RawMessage `json:"geo"`
	Refs      []flatTweetV2   `json:"referenced_tweets"`
}

func isFlatTweetV2(rec []byte) bool {
	var f flatTweetV2
	if json.Unmarshal(rec, &f) != nil || f.ID == "" || f.Text == nil || f.AuthorID == "" {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, f.CreatedAt)
	return err == nil
}

// parseFlatTweetV2 rebuilds the includes a flattened tweet embeds (author,
// place fields merged into geo, referenced tweets and their authors) and maps
// it like any page's tweet.
func parseFlatTweetV2(rec []byte, source string, now time.Time) (store.Post, error) {
	var t v2Tweet
	if err := json.Unmarshal(rec, &t); err != nil {
		return store.Post{}, err
	}
	var f flatTweetV2
	if err := json.Unmarshal(rec, &f); err != nil {
		return store.Post{}, err
	}
	inc := v2Includes{users: map[string]*v2User{}, tweets: map[string]*v2Tweet{}, places: map[string]*v2Place{}}
	addUser := func(raw json.RawMessage) {
		u := new(v2User)
		if len(raw) > 0 && json.Unmarshal(raw, u) == nil && u.ID != "" {
			inc.users[u.ID] = u
		}
	}
	addUser(f.Author)
	if len(f.Geo) > 0 && t.Geo != nil && t.Geo.PlaceID != "" {
		pl := new(v2Place)
		if json.Unmarshal(f.Geo, pl) == nil && pl.CountryCode != "" {
			pl.ID = t.Geo.PlaceID
			inc.places[pl.ID] = pl
		}
	}
	var refs []json.RawMessage
	var probe struct {
		Refs []json.RawMessage `json:"referenced_tweets"`
	}
	if json.Unmarshal(rec, &probe) == nil {
		refs = probe.Refs
	}
	for i, r := range refs {
		rt := new(v2Tweet)
		if json.Unmarshal(r, rt) == nil && rt.ID != "" && i < len(f.Refs) && f.Refs[i].Text != nil {
			inc.tweets[rt.ID] = rt
			addUser(f.Refs[i].Author)
		}
	}
	if t.ID == "" {
		return store.Post{}, errors.New("tweet without id")
	}
	return postFromTweetV2(&t, &inc, source, now)
}
