package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// FormatOutbox is outbox.json from a Mastodon account's archive ("Request
// your archive" in Mastodon's settings): an ActivityPub OrderedCollection
// whose orderedItems are Create activities holding the account's own Notes
// and Announce activities (boosts) naming the boosted status by its URI.
// actor.json beside it describes the account (preferredUsername, url,
// attachment PropertyValue fields); without it the author is taken from the
// activities' actor URI. A boost carries only the boosted status's URI, so
// its hashtags are unknown and it matches no campaign (the original counts
// when an archive lists it on its own). The archive holds no follower
// count: reach from it is 0.
var FormatOutbox = collector.Format{
	Name:   "mastodon-outbox",
	Detect: isOutbox,
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		return parseOutbox(rec, nil, now)
	},
	Companions: []string{"actor.json"},
	ForFile: func(companion func(string) ([]byte, error)) (*collector.Format, error) {
		actor, err := readActor(companion)
		if err != nil {
			return nil, err
		}
		return &collector.Format{Name: "mastodon-outbox", Detect: isOutbox, Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
			return parseOutbox(rec, actor, now)
		}}, nil
	},
}

type apObject struct {
	ID           string            `json:"id"`
	Type         string            `json:"type"`
	Actor        string            `json:"actor"`
	Published    string            `json:"published"`
	URL          json.RawMessage   `json:"url"` // a string, or a Link
	AttributedTo string            `json:"attributedTo"`
	InReplyTo    *string           `json:"inReplyTo"`
	Summary      *string           `json:"summary"`
	Content      string            `json:"content"`
	ContentMap   map[string]string `json:"contentMap"`
	Tag          []struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tag"`
	Object json.RawMessage `json:"object"` // a Note, or a URI (Announce)
}

// actor is the account as actor.json describes it.
type actor struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	PreferredUsername string `json:"preferredUsername"`
	Name              string `json:"name"`
	URL               string `json:"url"`
	Attachment        []struct {
		Type  string `json:"type"`
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"attachment"`
}

func isOutbox(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"orderedItems"`)) {
		return false
	}
	var c struct {
		Type  string     `json:"type"`
		Items []apObject `json:"orderedItems"`
	}
	if json.Unmarshal(rec, &c) != nil || (c.Type != "OrderedCollection" && c.Type != "OrderedCollectionPage") {
		return false
	}
	for _, it := range c.Items {
		if it.Type == "Create" || it.Type == "Announce" {
			return true
		}
	}
	return len(c.Items) == 0
}

func readActor(companion func(string) ([]byte, error)) (*actor, error) {
	const path = "actor.json"
	b, err := companion(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the author comes from the activities' actor
	}
	if err != nil {
		return nil, err
	}
	var a actor
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%s: not an ActivityPub actor: %w", path, err)
	}
	return &a, nil
}

// account is the actor as the status API would give it, so that a post
// from the archive has the same author as the same post collected live.
func (a *actor) account(actorURI string) *mastodonAccount {
	acc := &mastodonAccount{URI: actorURI}
	if a != nil && (a.ID == actorURI || actorURI == "") {
		acc.URI, acc.URL, acc.Username, acc.DisplayName = a.ID, a.URL, a.PreferredUsername, a.Name
		for _, f := range a.Attachment {
			if f.Type == "PropertyValue" {
				acc.Fields = append(acc.Fields, mastodonField{Name: f.Name, Value: f.Value})
			}
		}
	}
	if acc.Username == "" {
		// https://host/users/name is Mastodon's actor URI
		if u, err := url.Parse(acc.URI); err == nil {
			if p := strings.Split(strings.Trim(u.Path, "/"), "/"); len(p) == 2 && p[0] == "users" {
				acc.Username = p[1]
				if acc.URL == "" {
					acc.URL = u.Scheme + "://" + u.Host + "/@" + p[1]
				}
			}
		}
	}
	return acc
}

func parseOutbox(rec []byte, a *actor, now time.Time) ([]store.Post, []error) {
	var c struct {
		Items []json.RawMessage `json:"orderedItems"`
	}
	if err := json.Unmarshal(rec, &c); err != nil {
		return nil, []error{fmt.Errorf("not an ActivityPub outbox: %w", err)}
	}
	var posts []store.Post
	var bad []error
	for i, raw := range c.Items {
		var act apObject
		if err := json.Unmarshal(raw, &act); err != nil {
			bad = append(bad, fmt.Errorf("orderedItems[%d]: %w", i, err))
			continue
		}
		if act.Type != "Create" && act.Type != "Announce" {
			continue // Follow, Like, Update…: not posts
		}
		p, err := postFromActivity(&act, a, now)
		if err != nil {
			bad = append(bad, fmt.Errorf("orderedItems[%d] (%s): %w", i, act.ID, err))
			continue
		}
		posts = append(posts, p)
	}
	return posts, bad
}

func postFromActivity(act *apObject, a *actor, now time.Time) (store.Post, error) {
	author, domain := mastodonAuthor(a.account(act.Actor), "")
	p := store.Post{
		Platform:    store.PlatformMastodon,
		Source:      store.SourceImport,
		Kind:        store.KindOriginal,
		CollectedAt: now.UTC(),
		Author:      author,
		Hashtags:    []string{},
	}
	p.Signals.InstanceDomain = domain
	p.Signals.ProfileLocation = mastodonLocation(a.account(act.Actor).Fields)
	if act.Type == "Announce" {
		var uri string
		if err := json.Unmarshal(act.Object, &uri); err != nil {
			return store.Post{}, errors.New("an Announce activity without the boosted status's URI")
		}
		// A boost's own id is the activity: ".../statuses/ID/activity".
		p.ID = strings.TrimSuffix(act.ID, "/activity")
		p.Kind, p.RefID = store.KindRepost, uri
		created, err := time.Parse(time.RFC3339, act.Published)
		if err != nil {
			return store.Post{}, fmt.Errorf("published: %w", err)
		}
		p.CreatedAt = created.UTC()
		return p, nil
	}
	var note apObject
	if err := json.Unmarshal(act.Object, &note); err != nil || note.ID == "" {
		return store.Post{}, errors.New("a Create activity without its object")
	}
	created, err := time.Parse(time.RFC3339, note.Published)
	if err != nil {
		return store.Post{}, fmt.Errorf("published: %w", err)
	}
	p.ID, p.CreatedAt = note.ID, created.UTC()
	var u string
	if json.Unmarshal(note.URL, &u) == nil {
		p.URL = u
	}
	if note.InReplyTo != nil && *note.InReplyTo != "" {
		p.Kind, p.RefID = store.KindReply, *note.InReplyTo
	}
	content := note.Content
	if len(note.ContentMap) == 1 { // Mastodon writes {"en": content}: the status's language
		for lang, c := range note.ContentMap {
			p.Lang = lang
			if content == "" {
				content = c
			}
		}
	}
	p.Text = mastodonHTMLText(content)
	if note.Summary != nil && strings.TrimSpace(*note.Summary) != "" {
		p.Text = strings.TrimSpace(*note.Summary) + "\n\n" + p.Text
	}
	var tags []string
	for _, t := range note.Tag {
		if t.Type == "Hashtag" {
			tags = append(tags, t.Name)
		}
	}
	p.Hashtags = hashtag.FromEntities(tags, p.Text)
	if p.Hashtags == nil {
		p.Hashtags = []string{}
	}
	return p, nil
}
