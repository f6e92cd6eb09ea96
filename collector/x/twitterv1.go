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
	var p store.Post
	if err, ok := scanPostV1(raw, source, now, &p); ok {
		return p, err
	}
	var t tweetV1
	if err := decodeTweetV1(raw, &t); err != nil {
		if !isPollTypeError(err) {
			return store.Post{}, fmt.Errorf("not a v1.1 status: %w", err)
		}
		// go-twitter types a poll's duration_minutes as a string; the API
		// sends a number. Decode the status again with its polls in our
		// own type, so that an error anywhere else still shows.
		fixed, ferr := withoutPolls(raw)
		if ferr != nil {
			return store.Post{}, fmt.Errorf("not a v1.1 status: %w", ferr)
		}
		t = tweetV1{}
		if err := json.Unmarshal(fixed, &t); err != nil {
			return store.Post{}, fmt.Errorf("not a v1.1 status: %w", err)
		}
	}
	return postFromTweetV1(&t, source, now, nil)
}

// pollEntityV1 is a poll as the v1.1 API (enterprise and premium) sends it,
// in entities.polls: go-twitter's PollEntity types duration_minutes as a
// string, so statuses with polls are decoded through this type instead.
type pollEntityV1 struct {
	Options []struct {
		Position int    `json:"position"`
		Text     string `json:"text"`
	} `json:"options"`
	EndDateTime     string      `json:"end_datetime"`
	DurationMinutes json.Number `json:"duration_minutes"`
}

// isPollTypeError reports whether err is go-twitter's PollEntity refusing a
// poll's numeric duration_minutes.
func isPollTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te) && (te.Field == "polls.duration_minutes" || strings.HasSuffix(te.Field, ".polls.duration_minutes"))
}

// withoutPolls returns the status with every entities.polls checked against
// pollEntityV1 and then removed (tagpulse keeps nothing of a poll), at any
// depth: the status, its extended_tweet and the statuses it embeds.
func withoutPolls(raw []byte) ([]byte, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // ids and counts stay exact
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var strip func(v any) error
	strip = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if ents, ok := c.(map[string]any); ok && (k == "entities" || k == "extended_entities") {
					if polls, ok := ents["polls"]; ok {
						b, _ := json.Marshal(polls)
						var ps []pollEntityV1
						if err := json.Unmarshal(b, &ps); err != nil {
							return fmt.Errorf("%s.polls: %w", k, err)
						}
						delete(ents, "polls")
					}
				}
				if err := strip(c); err != nil {
					return err
				}
			}
		case []any:
			for _, c := range x {
				if err := strip(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := strip(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// postFromTweetV1 makes the post of the status t. Its strings are joined
// by strs, which may be nil (the fast path's, see v1Strings).
func postFromTweetV1(t *tweetV1, source string, now time.Time, strs *v1Strings) (store.Post, error) {
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
	created, err := createdAtV1(t.CreatedAt)
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
	if t.User.ScreenName == "" {
		p.URL = strs.join("https://x.com/i/status/", id)
	} else {
		p.URL = strs.join("https://x.com/", t.User.ScreenName, "/status/", id)
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
		p.Text = strs.join("RT @", userHandle(content.User), ": ", text)
	} else {
		p.Text = text
	}
	tags := strs.tagBuf()
	if ents != nil {
		for _, h := range ents.Hashtags {
			tags = append(tags, h.Text)
		}
	}
	p.Hashtags = hashtag.FromEntities(tags, text)
	strs.keepTags(tags)
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

// createdAtV1 parses a status's created_at as go-twitter's CreatedAtTime
// does (time.Parse with time.RubyDate), by hand when the text is in that
// layout to the letter ("Mon Jan 02 15:04:05 -0700 2006", as the API
// writes it), and through time.Parse for anything else, which then gives
// its error or its leniency. TestCreatedAtV1 holds the two to the same
// instants and the same failures.
func createdAtV1(s string) (time.Time, error) {
	if t, ok := rubyDate(s); ok {
		return t, nil
	}
	return time.Parse(time.RubyDate, s)
}

// rubyDate is time.Parse(time.RubyDate, s) for a text with single spaces,
// two-digit fields, names as time.Format writes them and every field in
// range; ok is false for any other text.
func rubyDate(s string) (time.Time, bool) {
	if len(s) != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' || s[25] != ' ' || (s[20] != '+' && s[20] != '-') {
		return time.Time{}, false
	}
	// The names as three bytes in a word, compared at once.
	name := func(s string) uint32 { return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2]) }
	switch name(s[:3]) {
	case 'S'<<16 | 'u'<<8 | 'n', 'M'<<16 | 'o'<<8 | 'n', 'T'<<16 | 'u'<<8 | 'e', 'W'<<16 | 'e'<<8 | 'd',
		'T'<<16 | 'h'<<8 | 'u', 'F'<<16 | 'r'<<8 | 'i', 'S'<<16 | 'a'<<8 | 't':
	default:
		return time.Time{}, false
	}
	month := 0
	switch name(s[4:7]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		month = 1
	case 'F'<<16 | 'e'<<8 | 'b':
		month = 2
	case 'M'<<16 | 'a'<<8 | 'r':
		month = 3
	case 'A'<<16 | 'p'<<8 | 'r':
		month = 4
	case 'M'<<16 | 'a'<<8 | 'y':
		month = 5
	case 'J'<<16 | 'u'<<8 | 'n':
		month = 6
	case 'J'<<16 | 'u'<<8 | 'l':
		month = 7
	case 'A'<<16 | 'u'<<8 | 'g':
		month = 8
	case 'S'<<16 | 'e'<<8 | 'p':
		month = 9
	case 'O'<<16 | 'c'<<8 | 't':
		month = 10
	case 'N'<<16 | 'o'<<8 | 'v':
		month = 11
	case 'D'<<16 | 'e'<<8 | 'c':
		month = 12
	default:
		return time.Time{}, false
	}
	num := func(d string) int {
		n := 0
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return -1
			}
			n = n*10 + int(d[i]-'0')
		}
		return n
	}
	day, hour, minute, sec := num(s[8:10]), num(s[11:13]), num(s[14:16]), num(s[17:19])
	zh, zm, year := num(s[21:23]), num(s[23:25]), num(s[26:30])
	if day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 || zh < 0 || zh > 23 || zm < 0 || zm > 59 || year < 0 {
		return time.Time{}, false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	if day > days {
		return time.Time{}, false
	}
	offset := (zh*60 + zm) * 60
	if s[20] == '-' {
		offset = -offset
	}
	// The days since 1970-01-01 of the civil date (H. Hinnant's
	// days_from_civil), as time.Date counts them.
	y := year
	if month <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	doy := (153*((month+9)%12)+2)/5 + day - 1
	days1970 := int64(era)*146097 + int64(yoe*365+yoe/4-yoe/100+doy) - 719468
	unix := days1970*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	return time.Unix(unix, 0).UTC(), true
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
// tweet archives), a v1.1 search response with "statuses", or a page of the
// premium and enterprise search APIs ({"results": […], "next": …}, as the
// 30-day and full-archive endpoints and their client libraries such as
// searchtweets write them), one per line or pretty-printed.
var FormatTwitterV1 = collector.Format{
	Name: "twitter-v1.1",
	Detect: func(rec []byte) bool {
		var probe struct {
			IDStr     string          `json:"id_str"`
			CreatedAt string          `json:"created_at"`
			User      json.RawMessage `json:"user"`
			Statuses  json.RawMessage `json:"statuses"`
			Results   []struct {
				IDStr     string          `json:"id_str"`
				CreatedAt string          `json:"created_at"`
				User      json.RawMessage `json:"user"`
			} `json:"results"`
		}
		if json.Unmarshal(rec, &probe) != nil {
			return false
		}
		if probe.Statuses != nil {
			return true
		}
		if len(probe.Results) > 0 {
			// A premium/enterprise page: judged by its first result, since
			// other APIs use "results" too.
			r := probe.Results[0]
			_, err := time.Parse(time.RubyDate, r.CreatedAt)
			return r.IDStr != "" && r.User != nil && err == nil
		}
		_, err := time.Parse(time.RubyDate, probe.CreatedAt)
		return probe.IDStr != "" && probe.User != nil && err == nil
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		posts, bad := parseV1(nil, rec, now)
		if len(posts) == 0 {
			posts = nil
		}
		return posts, bad
	},
	AppendParse: parseV1,
}

// parseV1 is FormatTwitterV1's AppendParse: the record's posts appended to
// posts.
func parseV1(posts []store.Post, rec []byte, now time.Time) ([]store.Post, []error) {
	// The fast path takes a status whose top-level keys include no
	// "statuses" or "results" (in any case): no envelope.
	n := len(posts)
	posts = append(posts, store.Post{})
	if err, ok := scanPostV1(rec, store.SourceImport, now, &posts[n]); ok {
		if err != nil {
			posts[n] = store.Post{}
			return posts[:n], []error{err}
		}
		return posts, nil
	}
	posts = posts[:n]
	var env struct {
		Statuses []json.RawMessage `json:"statuses"`
		Results  []json.RawMessage `json:"results"`
	}
	if hasTopLevelKey(rec, "statuses", "results") && json.Unmarshal(rec, &env) == nil && (env.Statuses != nil || env.Results != nil) {
		list, key := env.Statuses, "statuses"
		if list == nil {
			list, key = env.Results, "results"
		}
		var bad []error
		for i, s := range list {
			p, err := ParseTweetV1(s, store.SourceImport, now)
			if err != nil {
				bad = append(bad, fmt.Errorf("%s[%d]: %w", key, i, err))
				continue
			}
			posts = append(posts, p)
		}
		return posts, bad
	}
	p, err := ParseTweetV1(rec, store.SourceImport, now)
	if err != nil {
		return posts, []error{err}
	}
	return append(posts, p), nil
}
