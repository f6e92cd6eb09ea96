// Package telegram reads the JSON that Telegram Desktop writes when a chat,
// group or channel is exported ("Export chat history", format
// "Machine-readable JSON"), and the whole-account export that holds many
// chats. Telegram has no hashtag search that tagpulse could poll, so it is a
// format for `tagpulse import` only: each message is a post on platform
// telegram, its hashtags are the export's text_entities of type hashtag, and
// its author is the export's from_id. An export says nothing of followers or
// places, so Telegram posts add participants but no potential reach, and
// their country is Unknown.
package telegram

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// Format is one Telegram Desktop export: result.json of one chat
// ({"name", "type", "id", "messages": […]}) or of the whole account
// ({"chats": {"list": [chat, …]}}).
var Format = collector.Format{
	Name:   "telegram",
	Detect: detect,
	Parse:  parse,
}

type chat struct {
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	ID       json.Number       `json:"id"`
	Messages []json.RawMessage `json:"messages"`
}

type export struct {
	chat
	Chats *struct {
		List []chat `json:"list"`
	} `json:"chats"`
}

// message is one entry of "messages". text is a string or a list of strings
// and entity objects; text_entities (exports since 2021) is always a list.
type message struct {
	ID           json.Number     `json:"id"`
	Type         string          `json:"type"`
	Date         string          `json:"date"`
	DateUnix     string          `json:"date_unixtime"`
	From         *string         `json:"from"`
	FromID       string          `json:"from_id"`
	Forwarded    *string         `json:"forwarded_from"`
	ReplyTo      json.Number     `json:"reply_to_message_id"`
	Text         json.RawMessage `json:"text"`
	TextEntities []entity        `json:"text_entities"`
}

type entity struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func detect(rec []byte) bool {
	if !bytes.Contains(rec, []byte(`"messages"`)) {
		return false
	}
	var e export
	if json.Unmarshal(rec, &e) != nil {
		return false
	}
	if e.Chats != nil {
		return true
	}
	return e.Messages != nil && e.ID != "" && e.Type != ""
}

func parse(rec []byte, now time.Time) ([]store.Post, []error) {
	var e export
	if err := json.Unmarshal(rec, &e); err != nil {
		return nil, []error{fmt.Errorf("not a Telegram export: %w", err)}
	}
	chats := []chat{e.chat}
	if e.Chats != nil {
		chats = e.Chats.List
	}
	var posts []store.Post
	var bad []error
	for _, c := range chats {
		for i, raw := range c.Messages {
			var m message
			if err := json.Unmarshal(raw, &m); err != nil {
				bad = append(bad, fmt.Errorf("%s: %w", where(&c, i), err))
				continue
			}
			if m.Type != "message" {
				continue // service messages: joins, pins, title changes
			}
			p, err := post(&c, &m, now)
			if err != nil {
				bad = append(bad, fmt.Errorf("%s: %w", where(&c, i), err))
				continue
			}
			posts = append(posts, p)
		}
	}
	return posts, bad
}

// where names message i of chat c in an error: by its index when the
// record holds the chat's messages, by the chat alone when it holds one
// (ReadExport's records, which the importer names by their line).
func where(c *chat, i int) string {
	if len(c.Messages) == 1 {
		return fmt.Sprintf("chat %s", c.ID)
	}
	return fmt.Sprintf("chat %s messages[%d]", c.ID, i)
}

func post(c *chat, m *message, now time.Time) (store.Post, error) {
	if m.ID == "" || c.ID == "" {
		return store.Post{}, errors.New("message without id")
	}
	created, err := created(m)
	if err != nil {
		return store.Post{}, fmt.Errorf("message %s: %w", m.ID, err)
	}
	text, ents := messageText(m)
	var tags []string
	for _, e := range ents {
		if e.Type == "hashtag" {
			tags = append(tags, e.Text)
		}
	}
	p := store.Post{
		Platform:    store.PlatformTelegram,
		ID:          string(c.ID) + "/" + string(m.ID), // message ids count per chat
		Source:      store.SourceImport,
		Kind:        store.KindOriginal,
		CreatedAt:   created,
		CollectedAt: now.UTC(),
		Text:        text,
		Hashtags:    hashtag.FromEntities(tags, text),
	}
	switch {
	case m.Forwarded != nil:
		p.Kind = store.KindRepost
	case m.ReplyTo != "":
		p.Kind, p.RefID = store.KindReply, string(c.ID)+"/"+string(m.ReplyTo)
	}
	// A channel's posts are from the channel; a group's from each member.
	p.Author.ID = m.FromID
	if m.From != nil {
		p.Author.Name = *m.From
	}
	if p.Author.ID == "" {
		p.Author.ID = "chat" + string(c.ID)
		p.Author.Name = c.Name
	}
	return p, nil
}

// created is the message's time: date_unixtime where the export has it;
// older exports have only date, in the exporting computer's local time,
// which is read as UTC.
func created(m *message) (time.Time, error) {
	if m.DateUnix != "" {
		s, err := strconv.ParseInt(m.DateUnix, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("date_unixtime %q: %w", m.DateUnix, err)
		}
		return time.Unix(s, 0).UTC(), nil
	}
	t, err := time.Parse("2006-01-02T15:04:05", m.Date)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", m.Date, err)
	}
	return t, nil
}

// messageText joins the message's text, from text_entities when present,
// else from text (a string, or a list of strings and {type, text} parts).
func messageText(m *message) (string, []entity) {
	ents := m.TextEntities
	if ents == nil && len(m.Text) > 0 {
		var s string
		if json.Unmarshal(m.Text, &s) == nil {
			ents = []entity{{Type: "plain", Text: s}}
		} else {
			var parts []json.RawMessage
			if json.Unmarshal(m.Text, &parts) == nil {
				for _, pt := range parts {
					var e entity
					if json.Unmarshal(pt, &s) == nil {
						e = entity{Type: "plain", Text: s}
					} else if json.Unmarshal(pt, &e) != nil {
						continue
					}
					ents = append(ents, e)
				}
			}
		}
	}
	var b strings.Builder
	for _, e := range ents {
		b.WriteString(e.Text)
	}
	return b.String(), ents
}
