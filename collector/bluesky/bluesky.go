package bluesky

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Bluesky (AT Protocol) collection NSIDs tagpulse reads.
const (
	bskyCollectionPost   = "app.bsky.feed.post"
	bskyCollectionRepost = "app.bsky.feed.repost"
	bskyFacetTag         = "app.bsky.richtext.facet#tag"
	bskyReasonRepost     = "app.bsky.feed.defs#reasonRepost"
)

// bskyMaxSkew is how far a post's createdAt may be from the time the
// network saw it (Jetstream's time_us, the AppView's indexedAt) before it is
// distrusted and replaced by that time. createdAt is set by the client, so a
// wrong clock or a backdated import would otherwise land a post on the
// wrong campaign day.
const bskyMaxSkew = 24 * time.Hour

// bskyPostRecord is an app.bsky.feed.post record, as Jetstream commits and
// post views carry it.
type bskyPostRecord struct {
	Type      string      `json:"$type"`
	Text      string      `json:"text"`
	CreatedAt string      `json:"createdAt"`
	Langs     []string    `json:"langs"`
	Tags      []string    `json:"tags"`
	Facets    []bskyFacet `json:"facets"`
	Reply     *struct {
		Parent bskyRef `json:"parent"`
		Root   bskyRef `json:"root"`
	} `json:"reply"`
	Embed *bskyEmbed `json:"embed"`
}

type bskyFacet struct {
	Features []struct {
		Type string `json:"$type"`
		Tag  string `json:"tag"`
	} `json:"features"`
}

// bskyRef is a com.atproto.repo.strongRef.
type bskyRef struct {
	URI string `json:"uri"`
	CID string `json:"cid"`
}

// bskyEmbed holds what a quote needs from an embed: app.bsky.embed.record
// has record = strongRef; app.bsky.embed.recordWithMedia has record = an
// embed.record. Other embeds (images, links, …) are not decoded.
type bskyEmbed struct {
	Type   string          `json:"$type"`
	Record json.RawMessage `json:"record"`
}

// quoted returns the at-URI of the post a record quotes, or "".
func (e *bskyEmbed) quoted() string {
	if e == nil || !strings.HasPrefix(e.Type, "app.bsky.embed.record") || len(e.Record) == 0 {
		return ""
	}
	var r struct {
		URI    string `json:"uri"`
		Record struct {
			URI string `json:"uri"`
		} `json:"record"`
	}
	if json.Unmarshal(e.Record, &r) != nil {
		return ""
	}
	uri := r.URI
	if uri == "" {
		uri = r.Record.URI
	}
	if _, coll, _, ok := bskyParseATURI(uri); !ok || coll != bskyCollectionPost {
		return "" // an embedded list, feed or starter pack is not a quote
	}
	return uri
}

// bskyParseATURI splits at://did/collection/rkey.
func bskyParseATURI(uri string) (did, collection, rkey string, ok bool) {
	rest, found := strings.CutPrefix(uri, "at://")
	if !found {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func bskyATURI(did, collection, rkey string) string {
	return "at://" + did + "/" + collection + "/" + rkey
}

// bskyPost maps a post record by did at uri. seen is when the network saw
// it (Jetstream time_us or indexedAt; zero when unknown): a createdAt after
// it, more than a day before it, or unreadable is replaced by it.
func bskyPost(uri string, rec *bskyPostRecord, seen time.Time, source string, now time.Time) (store.Post, error) {
	did, coll, rkey, ok := bskyParseATURI(uri)
	if !ok || coll != bskyCollectionPost || store.ValidID(store.PlatformBluesky, uri) != nil {
		return store.Post{}, fmt.Errorf("%.200q is not a post at-URI", uri)
	}
	created, err := bskyCreated(rec.CreatedAt, seen)
	if err != nil {
		return store.Post{}, fmt.Errorf("post %s: %w", uri, err)
	}
	p := store.Post{
		Platform:    store.PlatformBluesky,
		ID:          uri,
		Source:      source,
		Kind:        store.KindOriginal,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		URL:         "https://bsky.app/profile/" + did + "/post/" + rkey,
		Text:        rec.Text,
		Author:      store.Author{ID: did},
		Hashtags:    bskyHashtags(rec),
	}
	if len(rec.Langs) > 0 {
		p.Lang = rec.Langs[0]
	}
	if rec.Reply != nil {
		p.Kind = store.KindReply
		p.RefID = rec.Reply.Parent.URI
	} else if q := rec.Embed.quoted(); q != "" {
		p.Kind = store.KindQuote
		p.RefID = q
	}
	return p, nil
}

// bskyHashtags are the record's #tag facets and its outline tags
// (record.tags), each taken whole as its author's client wrote it
// (hashtag.NormalizeTag: "#Rstats-powered" is rstats-powered, not rstats). The text is read only when the record has no facets at
// all: a client that wrote facets (links, mentions) and made none of a
// "#word" a tag did not publish it as a hashtag, and Bluesky does not treat
// it as one; a record without facets comes from a client or bot that does
// not write them, and there the text is all there is.
func bskyHashtags(rec *bskyPostRecord) []string {
	// A Set: linear in the facets (a record may hold thousands), and
	// capped at hashtag.MaxPerPost.
	var set hashtag.Set
	if len(rec.Facets) == 0 {
		for _, t := range hashtag.Extract(rec.Text) {
			set.Add(t)
		}
	}
	for _, f := range rec.Facets {
		for _, ft := range f.Features {
			if ft.Type == bskyFacetTag && !set.Full() {
				set.Add(hashtag.NormalizeTag(ft.Tag))
			}
		}
	}
	for _, t := range rec.Tags {
		if !set.Full() {
			set.Add(hashtag.NormalizeTag(t))
		}
	}
	if set.List() == nil {
		return []string{}
	}
	return set.List()
}

// bskyCreated parses createdAt and clamps it to seen (see bskyPost).
func bskyCreated(createdAt string, seen time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, createdAt)
	if seen.IsZero() {
		if err != nil {
			return time.Time{}, fmt.Errorf("createdAt: %w", err)
		}
		return t.UTC(), nil
	}
	seen = seen.UTC()
	if err != nil || t.After(seen) || seen.Sub(t) > bskyMaxSkew {
		return seen, nil
	}
	return t.UTC(), nil
}

// bskyPostView is app.bsky.feed.defs#postView, as the AppView returns it.
type bskyPostView struct {
	URI    string `json:"uri"`
	Author *struct {
		DID            string `json:"did"`
		Handle         string `json:"handle"`
		DisplayName    string `json:"displayName"`
		FollowersCount int64  `json:"followersCount"`
	} `json:"author"`
	Record      *bskyPostRecord `json:"record"`
	IndexedAt   string          `json:"indexedAt"`
	LikeCount   int64           `json:"likeCount"`
	RepostCount int64           `json:"repostCount"`
	ReplyCount  int64           `json:"replyCount"`
	QuoteCount  int64           `json:"quoteCount"`
}

// bskyFeedItem is app.bsky.feed.defs#feedViewPost: a post, and why it is
// in the feed (a repost by someone).
type bskyFeedItem struct {
	Post   *bskyPostView `json:"post"`
	Reason *struct {
		Type      string `json:"$type"`
		URI       string `json:"uri"`
		IndexedAt string `json:"indexedAt"`
		By        *struct {
			DID         string `json:"did"`
			Handle      string `json:"handle"`
			DisplayName string `json:"displayName"`
		} `json:"by"`
	} `json:"reason"`
}

func postFromPostView(v *bskyPostView, source string, now time.Time) (store.Post, error) {
	if v.Record == nil {
		return store.Post{}, fmt.Errorf("post view %s: no record", v.URI)
	}
	if v.Author == nil || v.Author.DID == "" {
		return store.Post{}, fmt.Errorf("post view %s: no author", v.URI)
	}
	seen, _ := time.Parse(time.RFC3339Nano, v.IndexedAt)
	p, err := bskyPost(v.URI, v.Record, seen, source, now)
	if err != nil {
		return store.Post{}, err
	}
	p.Author = store.Author{ID: v.Author.DID, Handle: v.Author.Handle, Name: v.Author.DisplayName, Followers: store.ClampFollowers(v.Author.FollowersCount)}
	if v.Author.Handle != "" {
		_, _, rkey, _ := bskyParseATURI(v.URI)
		p.URL = "https://bsky.app/profile/" + v.Author.Handle + "/post/" + rkey
	}
	p.Engagement = v.LikeCount + v.RepostCount + v.ReplyCount + v.QuoteCount
	return p, nil
}

// postFromFeedItem maps a feed item: the post itself, or, when a repost put
// it in the feed, a repost by the reposter carrying the post's hashtags.
func postFromFeedItem(it *bskyFeedItem, source string, now time.Time) (store.Post, error) {
	if it.Post == nil {
		return store.Post{}, errors.New("feed item without post")
	}
	p, err := postFromPostView(it.Post, source, now)
	if err != nil || it.Reason == nil || it.Reason.Type != bskyReasonRepost {
		return p, err
	}
	if it.Reason.By == nil || it.Reason.By.DID == "" {
		return store.Post{}, fmt.Errorf("repost of %s: no reposter", p.ID)
	}
	return bskyRepost(p, it.Reason.URI, it.Reason.By.DID, it.Reason.IndexedAt, time.Time{}, source, now,
		store.Author{ID: it.Reason.By.DID, Handle: it.Reason.By.Handle, Name: it.Reason.By.DisplayName})
}

// bskyRepost makes the repost by author of the post of. uri is the repost
// record's at-URI; feed views before 2025 leave it out, and then the ID is
// made from reposter and subject (one repost per person and post), which
// does not match the Jetstream at-URI of the same repost.
func bskyRepost(of store.Post, uri, did, createdAt string, seen time.Time, source string, now time.Time, author store.Author) (store.Post, error) {
	created, err := bskyCreated(createdAt, seen)
	if err != nil {
		return store.Post{}, fmt.Errorf("repost of %s: %w", of.ID, err)
	}
	check := uri
	if uri == "" {
		check = "at://" + did + "/" + bskyCollectionRepost + "/x" // the made-up ID's did
		uri = "at://" + did + "/" + bskyCollectionRepost + "/subject=" + of.ID
	}
	if err := store.ValidID(store.PlatformBluesky, check); err != nil {
		return store.Post{}, fmt.Errorf("repost of %s: %w", of.ID, err)
	}
	return store.Post{
		Platform:    store.PlatformBluesky,
		ID:          uri,
		Source:      source,
		Kind:        store.KindRepost,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		URL:         of.URL,
		Text:        of.Text,
		Lang:        of.Lang,
		Hashtags:    append([]string{}, of.Hashtags...),
		RefID:       of.ID,
		Author:      author,
	}, nil
}

// Format is Bluesky post views as the AppView returns them: a JSON
// array or JSONL of postView or feedViewPost objects, or whole responses
// {"feed": […]} (getAuthorFeed, getListFeed, getTimeline, getFeed) and
// {"posts": […]} (searchPosts, getPosts).
var Format = collector.Format{
	Name: "bluesky",
	Detect: func(rec []byte) bool {
		var probe struct {
			bskyProbe
			Post  *bskyProbe  `json:"post"`
			Feed  []bskyProbe `json:"feed"`
			Posts []bskyProbe `json:"posts"`
		}
		if json.Unmarshal(rec, &probe) != nil {
			return false
		}
		switch {
		case len(probe.Feed) > 0:
			return probe.Feed[0].Post != nil && probe.Feed[0].Post.isView()
		case len(probe.Posts) > 0:
			return probe.Posts[0].isView()
		case probe.Post != nil:
			return probe.Post.isView()
		}
		return probe.isView()
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		var env struct {
			Feed  []json.RawMessage `json:"feed"`
			Posts []json.RawMessage `json:"posts"`
		}
		if err := json.Unmarshal(rec, &env); err != nil {
			return nil, []error{fmt.Errorf("not a Bluesky post view: %w", err)}
		}
		items, field := env.Feed, "feed"
		if items == nil {
			items, field = env.Posts, "posts"
		}
		if items == nil {
			p, err := ParseView(rec, store.SourceImport, now)
			if err != nil {
				return nil, []error{err}
			}
			return []store.Post{p}, nil
		}
		var posts []store.Post
		var bad []error
		for i, raw := range items {
			p, err := ParseView(raw, store.SourceImport, now)
			if err != nil {
				bad = append(bad, fmt.Errorf("%s[%d]: %w", field, i, err))
				continue
			}
			posts = append(posts, p)
		}
		return posts, bad
	},
}

// ParseView parses one postView or feedViewPost object into a post.
func ParseView(raw []byte, source string, now time.Time) (store.Post, error) {
	var it struct {
		bskyPostView
		bskyFeedItem
	}
	if err := json.Unmarshal(raw, &it); err != nil {
		return store.Post{}, fmt.Errorf("not a Bluesky post view: %w", err)
	}
	if it.Post != nil {
		return postFromFeedItem(&it.bskyFeedItem, source, now)
	}
	return postFromPostView(&it.bskyPostView, source, now)
}

type bskyProbe struct {
	URI    string          `json:"uri"`
	Record json.RawMessage `json:"record"`
	Author json.RawMessage `json:"author"`
	Post   *bskyProbe      `json:"post"`
}

func (p *bskyProbe) isView() bool {
	return strings.HasPrefix(p.URI, "at://") && len(p.Record) > 0 && len(p.Author) > 0
}
