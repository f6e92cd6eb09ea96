package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// FormatXArchive is data/tweets.js (tweet.js in older archives) from the
// archive X gives an account holder ("Download an archive of your data"):
// `window.YTD.tweets.part0 = [{"tweet": {…}}, …]`, each tweet a v1.1-like
// status with its counts written as strings and no user. The author is the
// account holder, read from account.js beside it (username, accountId);
// profile.js gives the profile location and follower.js, when the archive
// has it, the number of followers. The importer strips the
// `window.YTD.….partN =` prefix.
var FormatXArchive = collector.Format{
	Name:   "x-archive",
	Detect: isXArchiveTweet,
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		return nil, []error{errors.New("an X archive tweet needs account.js beside tweets.js to name its author")}
	},
	ForFile:    xArchiveForFile,
	Companions: []string{"account.js", "profile.js", "follower.js"},
}

// xArchiveTweet is a tweet as X's archive writes it.
type xArchiveTweet struct {
	IDStr                string `json:"id_str"`
	CreatedAt            string `json:"created_at"`
	FullText             string `json:"full_text"`
	Lang                 string `json:"lang"`
	FavoriteCount        string `json:"favorite_count"`
	RetweetCount         string `json:"retweet_count"`
	InReplyToStatusIDStr string `json:"in_reply_to_status_id_str"`
	QuotedStatusIDStr    string `json:"quoted_status_id_str"`
	Entities             struct {
		Hashtags []struct {
			Text string `json:"text"`
		} `json:"hashtags"`
	} `json:"entities"`
	Coordinates *struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"coordinates"`
}

func xArchiveItem(rec []byte) (*xArchiveTweet, error) {
	var item struct {
		Tweet *json.RawMessage `json:"tweet"`
	}
	if err := json.Unmarshal(rec, &item); err != nil {
		return nil, err
	}
	raw := rec
	if item.Tweet != nil { // tweet.js before 2020 lists the tweets bare
		raw = *item.Tweet
	}
	var t xArchiveTweet
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func isXArchiveTweet(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"full_text"`)) || bytes.Contains(rec, []byte(`"user"`)) {
		return false
	}
	t, err := xArchiveItem(rec)
	if err != nil || t.IDStr == "" {
		return false
	}
	_, err = time.Parse(time.RubyDate, t.CreatedAt)
	return err == nil
}

// xArchiveAuthor reads the account holder from the files beside tweets.js.
func xArchiveAuthor(companion func(string) ([]byte, error)) (store.Author, string, error) {
	var acct []struct {
		Account struct {
			AccountID   string `json:"accountId"`
			Username    string `json:"username"`
			DisplayName string `json:"accountDisplayName"`
		} `json:"account"`
	}
	if err := readYTD(companion, "account.js", &acct); errors.Is(err, os.ErrNotExist) {
		return store.Author{}, "", errors.New("this is tweets.js from X's archive, but account.js, which names the author of every tweet, is not beside it: import it from the archive's data folder")
	} else if err != nil {
		return store.Author{}, "", err
	}
	if len(acct) == 0 || acct[0].Account.AccountID == "" {
		return store.Author{}, "", errors.New("account.js names no account (accountId)")
	}
	a := store.Author{ID: acct[0].Account.AccountID, Handle: acct[0].Account.Username, Name: acct[0].Account.DisplayName}
	var followers []json.RawMessage
	if err := readYTD(companion, "follower.js", &followers); err == nil {
		a.Followers = int64(len(followers))
	} else if !errors.Is(err, os.ErrNotExist) {
		return store.Author{}, "", err
	}
	var profile []struct {
		Profile struct {
			Description struct {
				Location string `json:"location"`
			} `json:"description"`
		} `json:"profile"`
	}
	location := ""
	if err := readYTD(companion, "profile.js", &profile); err == nil && len(profile) > 0 {
		location = profile[0].Profile.Description.Location
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return store.Author{}, "", err
	}
	return a, location, nil
}

// readYTD reads one of the archive's `window.YTD.name.partN = […]` files.
func readYTD(companion func(string) ([]byte, error), path string, v any) error {
	b, err := companion(path)
	if err != nil {
		return err
	}
	b, ok := StripYTD(b)
	if !ok {
		return fmt.Errorf("%s is not a file of X's archive (window.YTD.… = […])", path)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// StripYTD returns the JSON of an X archive file without its
// `window.YTD.name.partN = ` prefix, and whether it had one.
func StripYTD(b []byte) ([]byte, bool) {
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	if !bytes.HasPrefix(t, []byte("window.YTD.")) {
		return b, false
	}
	i := bytes.IndexByte(t, '=')
	if i < 0 || bytes.IndexByte(t[:i], '\n') >= 0 {
		return b, false
	}
	return t[i+1:], true
}

func xArchiveForFile(companion func(string) ([]byte, error)) (*collector.Format, error) {
	author, location, err := xArchiveAuthor(companion)
	if err != nil {
		return nil, err
	}
	f := collector.Format{Name: "x-archive", Detect: isXArchiveTweet}
	f.Parse = func(rec []byte, now time.Time) ([]store.Post, []error) {
		t, err := xArchiveItem(rec)
		if err != nil {
			return nil, []error{fmt.Errorf("not an X archive tweet: %w", err)}
		}
		p, err := postFromXArchive(t, author, location, now)
		if err != nil {
			return nil, []error{err}
		}
		return []store.Post{p}, nil
	}
	return &f, nil
}

func postFromXArchive(t *xArchiveTweet, author store.Author, location string, now time.Time) (store.Post, error) {
	if t.IDStr == "" {
		return store.Post{}, errors.New("an X archive tweet without id_str")
	}
	created, err := time.Parse(time.RubyDate, t.CreatedAt)
	if err != nil {
		return store.Post{}, fmt.Errorf("tweet %s: created_at: %w", t.IDStr, err)
	}
	p := store.Post{
		Platform:    store.PlatformX,
		ID:          t.IDStr,
		Source:      store.SourceImport,
		Kind:        store.KindOriginal,
		CreatedAt:   created.UTC(),
		CollectedAt: now.UTC(),
		Lang:        t.Lang,
		Author:      author,
		Text:        t.FullText,
		URL:         "https://x.com/" + author.Handle + "/status/" + t.IDStr,
	}
	if author.Handle == "" {
		p.URL = "https://x.com/i/status/" + t.IDStr
	}
	switch {
	case strings.HasPrefix(t.FullText, "RT @"):
		// The archive keeps a retweet as its "RT @user: …" text, without
		// the original's id.
		p.Kind = store.KindRepost
	case t.InReplyToStatusIDStr != "":
		p.Kind, p.RefID = store.KindReply, t.InReplyToStatusIDStr
	case t.QuotedStatusIDStr != "":
		p.Kind, p.RefID = store.KindQuote, t.QuotedStatusIDStr
	}
	if p.Kind != store.KindRepost {
		likes, _ := strconv.ParseInt(t.FavoriteCount, 10, 64)
		rts, _ := strconv.ParseInt(t.RetweetCount, 10, 64)
		p.Engagement = likes + rts
	}
	var tags []string
	for _, h := range t.Entities.Hashtags {
		tags = append(tags, h.Text)
	}
	p.Hashtags = hashtag.FromEntities(tags, t.FullText)
	if c := t.Coordinates; c != nil && strings.EqualFold(c.Type, "Point") && len(c.Coordinates) == 2 {
		p.Signals.Coordinates = &store.LatLon{Lon: c.Coordinates[0], Lat: c.Coordinates[1]}
	}
	p.Signals.ProfileLocation = location
	return p, nil
}
