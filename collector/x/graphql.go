package x

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tagpulse/tagpulse/store"
)

// ParseGraphQLTweet parses a tweet as X's web client receives it from its
// GraphQL API (a TweetResult: rest_id, core.user_results, legacy…), the
// items that Zeeschuimer captures and 4CAT exports. Its legacy object is a
// v1.1 status without its user, so the tweet is rebuilt as one (the user
// from core.user_results, the retweeted status from
// legacy.retweeted_status_result, a long post's text from note_tweet) and
// mapped like any v1.1 status.
func ParseGraphQLTweet(raw []byte, source string, now time.Time) (store.Post, error) {
	v1, err := graphQLToV1(raw, 0)
	if err != nil {
		return store.Post{}, err
	}
	b, err := json.Marshal(v1)
	if err != nil {
		return store.Post{}, err
	}
	return ParseTweetV1(b, source, now)
}

type gqlTweet struct {
	Typename string          `json:"__typename"`
	RestID   string          `json:"rest_id"`
	Tweet    json.RawMessage `json:"tweet"` // TweetWithVisibilityResults wraps the tweet
	Core     struct {
		UserResults struct {
			Result gqlUser `json:"result"`
		} `json:"user_results"`
	} `json:"core"`
	NoteTweet *struct {
		Results struct {
			Result struct {
				Text      string          `json:"text"`
				EntitySet json.RawMessage `json:"entity_set"`
			} `json:"result"`
		} `json:"note_tweet_results"`
	} `json:"note_tweet"`
	Legacy map[string]json.RawMessage `json:"legacy"`
}

type gqlUser struct {
	RestID string `json:"rest_id"`
	Core   struct {
		ScreenName string `json:"screen_name"`
		Name       string `json:"name"`
	} `json:"core"` // since 2025; before, in legacy
	Location struct {
		Location string `json:"location"`
	} `json:"location"`
	Legacy struct {
		ScreenName     string `json:"screen_name"`
		Name           string `json:"name"`
		FollowersCount int64  `json:"followers_count"`
		Location       string `json:"location"`
	} `json:"legacy"`
}

func graphQLToV1(raw []byte, depth int) (map[string]json.RawMessage, error) {
	if depth > 2 {
		return nil, errors.New("tweets nested too deep")
	}
	var t gqlTweet
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("not an X GraphQL tweet: %w", err)
	}
	if len(t.Tweet) > 0 && t.Legacy == nil {
		return graphQLToV1(t.Tweet, depth)
	}
	if t.Legacy == nil {
		if t.Typename == "TweetTombstone" || t.Typename == "TweetUnavailable" {
			return nil, fmt.Errorf("tweet %s is unavailable (%s)", t.RestID, t.Typename)
		}
		return nil, errors.New("an X GraphQL tweet without legacy")
	}
	v1 := t.Legacy
	u := t.Core.UserResults.Result
	uid := u.RestID
	if s, ok := v1["user_id_str"]; ok && uid == "" {
		json.Unmarshal(s, &uid)
	}
	user := map[string]any{
		"id_str":          uid,
		"screen_name":     firstNonEmpty(u.Core.ScreenName, u.Legacy.ScreenName),
		"name":            firstNonEmpty(u.Core.Name, u.Legacy.Name),
		"followers_count": u.Legacy.FollowersCount,
		"location":        firstNonEmpty(u.Location.Location, u.Legacy.Location),
	}
	ub, _ := json.Marshal(user)
	v1["user"] = ub
	if _, ok := v1["id_str"]; !ok && t.RestID != "" {
		v1["id_str"], _ = json.Marshal(t.RestID)
	}
	if t.NoteTweet != nil && t.NoteTweet.Results.Result.Text != "" {
		v1["full_text"], _ = json.Marshal(t.NoteTweet.Results.Result.Text)
		if len(t.NoteTweet.Results.Result.EntitySet) > 0 {
			v1["entities"] = t.NoteTweet.Results.Result.EntitySet
		}
	}
	if rs, ok := v1["retweeted_status_result"]; ok {
		var wrap struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(rs, &wrap) == nil && len(wrap.Result) > 0 {
			orig, err := graphQLToV1(wrap.Result, depth+1)
			if err != nil {
				return nil, fmt.Errorf("retweeted tweet: %w", err)
			}
			v1["retweeted_status"], _ = json.Marshal(orig)
		}
		delete(v1, "retweeted_status_result")
	}
	return v1, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
