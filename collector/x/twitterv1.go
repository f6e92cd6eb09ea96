//lint:file-ignore SA1019 go-twitter is the dependency the project names for v1.1; it is deprecated upstream and contained in this package

package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dghubble/go-twitter/twitter"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// tweetV1 is a Twitter v1.1 status as go-twitter types it. go-twitter is
// deprecated upstream; nothing outside this package sees its types.
type tweetV1 = twitter.Tweet

// ParseTweetV1 parses one v1.1 status object (as search/tweets returns and
// twarc1 archives store, one per line) into a post. source is the store
// source to record (SourceX when collected live, SourceImport from archives).
func ParseTweetV1(raw []byte, source string, now time.Time) (store.Post, error) {
	var t tweetV1
	if err := json.Unmarshal(raw, &t); err != nil {
		return store.Post{}, fmt.Errorf("not a v1.1 status: %w", err)
	}
	return postFromTweetV1(&t, source, now)
}

func postFromTweetV1(t *tweetV1, source string, now time.Time) (store.Post, error) {
	id := t.IDStr
	if id == "" && t.ID != 0 {
		id = fmt.Sprint(t.ID)
	}
	if id == "" {
		return store.Post{}, errors.New("v1.1 status without id")
	}
	if err := store.ValidID(store.PlatformX, id); err != nil {
		return store.Post{}, fmt.Errorf("v1.1 status: %w", err)
	}
	if t.User == nil {
		return store.Post{}, fmt.Errorf("status %s: no user", id)
	}
	created, err := t.CreatedAtTime()
	if err != nil {
		return store.Post{}, fmt.Errorf("status %s: created_at: %w", id, err)
	}
	p := store.Post{
		Platform:    store.PlatformX,
		ID:          id,
		Source:      source,
		Kind:        store.KindOriginal,
		CreatedAt:   created.UTC(),
		CollectedAt: now.UTC(),
		Lang:        t.Lang,
		Author:      authorFromUserV1(t.User),
		Engagement:  int64(t.FavoriteCount + t.RetweetCount + t.ReplyCount + t.QuoteCount),
	}
	p.URL = "https://x.com/" + t.User.ScreenName + "/status/" + id
	if t.User.ScreenName == "" {
		p.URL = "https://x.com/i/status/" + id
	}
	// The text and entities that carry the hashtags: a retweet's own text is
	// truncated ("RT @a: …"), so read the retweeted status's.
	content := t
	switch {
	case t.RetweetedStatus != nil:
		p.Kind = store.KindRepost
		p.RefID = t.RetweetedStatus.IDStr
		p.Engagement = 0 // the counts on a retweet are the original's
		content = t.RetweetedStatus
	case t.InReplyToStatusIDStr != "" || t.InReplyToStatusID != 0:
		p.Kind = store.KindReply
		p.RefID = t.InReplyToStatusIDStr
	case t.QuotedStatusIDStr != "" || t.QuotedStatus != nil:
		p.Kind = store.KindQuote
		p.RefID = t.QuotedStatusIDStr
	}
	text, ents := tweetTextV1(content)
	if content != t {
		p.Text = "RT @" + userHandle(content.User) + ": " + text
	} else {
		p.Text = text
	}
	var tags []string
	if ents != nil {
		for _, h := range ents.Hashtags {
			tags = append(tags, h.Text)
		}
	}
	p.Hashtags = hashtag.FromEntities(tags, text)
	// Location signals are the retweeter's own: where the repost was made from.
	if t.Place != nil {
		p.Signals.PlaceCountry = t.Place.CountryCode
	}
	if t.Coordinates != nil && strings.EqualFold(t.Coordinates.Type, "Point") {
		p.Signals.Coordinates = &store.LatLon{Lon: t.Coordinates.Coordinates[0], Lat: t.Coordinates.Coordinates[1]}
	}
	p.Signals.ProfileLocation = t.User.Location
	return p, nil
}

// tweetTextV1 returns the full text and its entities, whichever mode the
// status was fetched in (tweet_mode=extended, or compat with extended_tweet).
func tweetTextV1(t *tweetV1) (string, *twitter.Entities) {
	if t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "" {
		return t.ExtendedTweet.FullText, t.ExtendedTweet.Entities
	}
	if t.FullText != "" {
		return t.FullText, t.Entities
	}
	return t.Text, t.Entities
}

func authorFromUserV1(u *twitter.User) store.Author {
	id := u.IDStr
	if id == "" && u.ID != 0 {
		id = fmt.Sprint(u.ID)
	}
	return store.Author{ID: id, Handle: u.ScreenName, Name: u.Name, Followers: store.ClampFollowers(int64(u.FollowersCount))}
}

func userHandle(u *twitter.User) string {
	if u == nil {
		return ""
	}
	return u.ScreenName
}

// FormatTwitterV1 is one v1.1 status per record (twarc1, the v1.1 API, most
// tweet archives), or a v1.1 search response with "statuses".
var FormatTwitterV1 = collector.Format{
	Name: "twitter-v1.1",
	Detect: func(rec []byte) bool {
		var probe struct {
			IDStr     string          `json:"id_str"`
			CreatedAt string          `json:"created_at"`
			User      json.RawMessage `json:"user"`
			Statuses  json.RawMessage `json:"statuses"`
		}
		if json.Unmarshal(rec, &probe) != nil {
			return false
		}
		if probe.Statuses != nil {
			return true
		}
		_, err := time.Parse(time.RubyDate, probe.CreatedAt)
		return probe.IDStr != "" && probe.User != nil && err == nil
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		var env struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		if bytes.Contains(rec, []byte(`"statuses"`)) && json.Unmarshal(rec, &env) == nil && env.Statuses != nil {
			var posts []store.Post
			var bad []error
			for i, s := range env.Statuses {
				p, err := ParseTweetV1(s, store.SourceImport, now)
				if err != nil {
					bad = append(bad, fmt.Errorf("statuses[%d]: %w", i, err))
					continue
				}
				posts = append(posts, p)
			}
			return posts, bad
		}
		p, err := ParseTweetV1(rec, store.SourceImport, now)
		if err != nil {
			return nil, []error{err}
		}
		return []store.Post{p}, nil
	},
}
