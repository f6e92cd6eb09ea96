package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/collector/x"
	"github.com/tagpulse/tagpulse/store"
)

// Zeeschuimer (the browser extension of the Digital Methods Initiative that
// 4CAT uses) captures the items a platform's web client receives as NDJSON,
// one item a line: {"nav_index", "item_id", "timestamp_collected",
// "source_platform", "source_platform_url", "source_url", "user_agent",
// "data": {the platform's own item}}. 4CAT keeps the same items, with the
// envelope moved into the item as "__import_meta", and exports them as
// NDJSON. Both are read here, for the platforms tagpulse knows: X
// (twitter.com, x.com: GraphQL tweets), Instagram (instagram.com) and
// Threads (threads.net, threads.com). Items of other platforms (TikTok,
// LinkedIn, Douyin…) are counted as malformed, naming the platform.
var (
	formatZeeschuimer = collector.Format{Name: "zeeschuimer", Detect: isZeeschuimer, Parse: parseZeeschuimer}
	format4CAT        = collector.Format{Name: "4cat", Detect: is4CAT, Parse: parse4CAT}
)

type zsEnvelope struct {
	ItemID             json.RawMessage `json:"item_id"`
	TimestampCollected json.Number     `json:"timestamp_collected"`
	SourcePlatform     string          `json:"source_platform"`
	Data               json.RawMessage `json:"data"`
}

func isZeeschuimer(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"source_platform"`)) {
		return false
	}
	var e zsEnvelope
	return json.Unmarshal(rec, &e) == nil && e.SourcePlatform != "" && len(e.Data) > 0 && e.Data[0] == '{'
}

func parseZeeschuimer(rec []byte, now time.Time) ([]store.Post, []error) {
	var e zsEnvelope
	if err := json.Unmarshal(rec, &e); err != nil {
		return nil, []error{fmt.Errorf("not a Zeeschuimer item: %w", err)}
	}
	return zsItem(e.SourcePlatform, e.Data, now)
}

func is4CAT(rec []byte) bool {
	var probe struct {
		Meta   *zsEnvelope     `json:"__import_meta"`
		RestID string          `json:"rest_id"`
		Legacy json.RawMessage `json:"legacy"`
		Core   json.RawMessage `json:"core"`
	}
	if json.Unmarshal(rec, &probe) != nil {
		return false
	}
	return (probe.Meta != nil && probe.Meta.SourcePlatform != "") || (probe.RestID != "" && probe.Legacy != nil && probe.Core != nil)
}

func parse4CAT(rec []byte, now time.Time) ([]store.Post, []error) {
	var probe struct {
		Meta *zsEnvelope `json:"__import_meta"`
	}
	if err := json.Unmarshal(rec, &probe); err != nil {
		return nil, []error{fmt.Errorf("not a 4CAT item: %w", err)}
	}
	platform := "x.com" // 4CAT's X datasets from before __import_meta
	if probe.Meta != nil && probe.Meta.SourcePlatform != "" {
		platform = probe.Meta.SourcePlatform
	}
	return zsItem(platform, rec, now)
}

// zsItem maps one captured item by the site it was captured on.
func zsItem(site string, data []byte, now time.Time) ([]store.Post, []error) {
	site = strings.TrimPrefix(strings.ToLower(site), "www.")
	var p store.Post
	var err error
	switch site {
	case "twitter.com", "x.com":
		p, err = x.ParseGraphQLTweet(data, store.SourceImport, now)
	case "instagram.com":
		p, err = zsInstagram(data, now)
	case "threads.net", "threads.com":
		p, err = zsThreads(data, now)
	default:
		err = fmt.Errorf("an item captured on %s, which tagpulse does not read (it reads X, Instagram and Threads items)", site)
	}
	if err != nil {
		return nil, []error{err}
	}
	return []store.Post{p}, nil
}

// metaPost is the part of an Instagram or Threads item (the web client's
// media object) that tagpulse keeps. Both platforms share it.
type metaPost struct {
	ID      string      `json:"id"`
	PK      json.Number `json:"pk"`
	Code    string      `json:"code"`
	TakenAt int64       `json:"taken_at"`
	Caption *struct {
		Text string `json:"text"`
	} `json:"caption"`
	User struct {
		PK       json.Number `json:"pk"`
		ID       string      `json:"id"`
		Username string      `json:"username"`
		FullName string      `json:"full_name"`
	} `json:"user"`
	LikeCount       int64 `json:"like_count"`
	CommentCount    int64 `json:"comment_count"`
	TextPostAppInfo *struct {
		RepostCount      int64 `json:"repost_count"`
		DirectReplyCount int64 `json:"direct_reply_count"`
		QuoteCount       int64 `json:"quote_count"`
		ReplyToAuthor    *struct {
			Username string `json:"username"`
		} `json:"reply_to_author"`
	} `json:"text_post_app_info"`
}

func (m *metaPost) post(platform string, now time.Time) (store.Post, error) {
	if m.Code == "" && m.ID == "" {
		return store.Post{}, errors.New("item without code or id")
	}
	if m.TakenAt <= 0 {
		return store.Post{}, fmt.Errorf("item %s without taken_at", m.Code)
	}
	id := m.Code // the shortcode is in the post's URL on both platforms
	if id == "" {
		id = m.ID
	}
	p := store.Post{
		Platform:    platform,
		ID:          id,
		Source:      store.SourceImport,
		Kind:        store.KindOriginal,
		CreatedAt:   time.Unix(m.TakenAt, 0).UTC(),
		CollectedAt: now.UTC(),
		Engagement:  m.LikeCount + m.CommentCount,
	}
	if m.Caption != nil {
		p.Text = m.Caption.Text
	}
	p.Author.ID = m.User.PK.String()
	if p.Author.ID == "" {
		p.Author.ID = m.User.ID
	}
	p.Author.Handle, p.Author.Name = m.User.Username, m.User.FullName
	p.Hashtags = hashtag.Extract(p.Text)
	if p.Hashtags == nil {
		p.Hashtags = []string{}
	}
	return p, nil
}

func zsInstagram(data []byte, now time.Time) (store.Post, error) {
	var m metaPost
	if err := json.Unmarshal(data, &m); err != nil {
		return store.Post{}, fmt.Errorf("not an Instagram item: %w", err)
	}
	p, err := m.post(store.PlatformInstagram, now)
	if err != nil {
		return p, err
	}
	p.URL = "https://www.instagram.com/p/" + m.Code + "/"
	return p, nil
}

func zsThreads(data []byte, now time.Time) (store.Post, error) {
	var m metaPost
	if err := json.Unmarshal(data, &m); err != nil {
		return store.Post{}, fmt.Errorf("not a Threads item: %w", err)
	}
	p, err := m.post(store.PlatformThreads, now)
	if err != nil {
		return p, err
	}
	if ti := m.TextPostAppInfo; ti != nil {
		p.Engagement = m.LikeCount + ti.RepostCount + ti.DirectReplyCount + ti.QuoteCount
		if ti.ReplyToAuthor != nil {
			p.Kind = store.KindReply
		}
	}
	p.URL = "https://www.threads.com/@" + m.User.Username + "/post/" + m.Code
	return p, nil
}
