package mastodon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/tagpulse/tagpulse/collector"
	"github.com/tagpulse/tagpulse/collector/hashtag"
	"github.com/tagpulse/tagpulse/store"
)

// mastodonStatus is the part of a Mastodon Status entity that tagpulse maps.
//
// We decode into our own type rather than github.com/mattn/go-mastodon's
// Status: that type decodes some forty fields strictly (cards, polls,
// filters, …), so a server's surprise in a field we never read would make the
// whole status malformed; it has no Mastodon 4.4 `quote`; and its client
// hides the response headers we need for rate limits and Link paging.
// Decoding only what we map keeps 2017 statuses (numeric ids, no language)
// and 2026 ones alike readable, while a wrong shape in a field we use
// (account not an object, created_at not a time) still fails.
type mastodonStatus struct {
	ID              flexID           `json:"id"`
	URI             string           `json:"uri"`
	URL             string           `json:"url"`
	CreatedAt       string           `json:"created_at"`
	InReplyToID     flexID           `json:"in_reply_to_id"`
	Content         string           `json:"content"`
	SpoilerText     string           `json:"spoiler_text"`
	Language        string           `json:"language"`
	Account         *mastodonAccount `json:"account"`
	Reblog          *mastodonStatus  `json:"reblog"`
	Quote           *mastodonQuote   `json:"quote"`
	Tags            []mastodonTag    `json:"tags"`
	RepliesCount    int64            `json:"replies_count"`
	ReblogsCount    int64            `json:"reblogs_count"`
	FavouritesCount int64            `json:"favourites_count"`
	QuotesCount     int64            `json:"quotes_count"`
}

type mastodonAccount struct {
	ID             flexID          `json:"id"`
	Acct           string          `json:"acct"`
	Username       string          `json:"username"`
	DisplayName    string          `json:"display_name"`
	URL            string          `json:"url"`
	URI            string          `json:"uri"`
	FollowersCount int64           `json:"followers_count"`
	Fields         []mastodonField `json:"fields"`
}

type mastodonField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type mastodonTag struct {
	Name string `json:"name"`
}

// mastodonQuote is Mastodon 4.4's Quote (quoted_status) or ShallowQuote
// (quoted_status_id) entity.
type mastodonQuote struct {
	State          string          `json:"state"`
	QuotedStatus   *mastodonStatus `json:"quoted_status"`
	QuotedStatusID flexID          `json:"quoted_status_id"`
}

// flexID is a Mastodon ID: a string today, a number before Mastodon 2.0.
type flexID string

func (id *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = flexID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("id %s: not a string or number", b)
		}
		*id = flexID(n.String())
	}
	return nil
}

// mastodonLocationNames are profile field names taken as a location, in
// lower case: English and the common translations people use.
var mastodonLocationNames = map[string]bool{
	"location": true, "locations": true, "loc": true, "based in": true, "where": true, "city": true, "country": true,
	"ort": true, "standort": true, "wohnort": true, "heimat": true, // de
	"lieu": true, "localisation": true, "localité": true, "ville": true, "pays": true, // fr
	"ubicación": true, "ubicacion": true, "localización": true, "localizacion": true, "lugar": true, "ciudad": true, "país": true, // es
	"localização": true, "localizacao": true, "local": true, "cidade": true, // pt
	"posizione": true, "luogo": true, "località": true, "città": true, "paese": true, // it
	"locatie": true, "plaats": true, "woonplaats": true, "land": true, // nl, de
	"الموقع": true, "المكان": true, "الموقع الجغرافي": true, "المدينة": true, "البلد": true, // ar
	"место": true, "местоположение": true, "город": true, "страна": true, // ru
	"місце": true, "місцезнаходження": true, "розташування": true, "місто": true, // uk
	"lokalizacja": true, "miejsce": true, "miasto": true, // pl
	"konum": true, "yer": true, "şehir": true, // tr
	"plats": true, "sted": true, "sijainti": true, "paikkakunta": true, // sv, no/da, fi
	"umístění": true, "místo": true, "helyszín": true, "hely": true, "τοποθεσία": true, // cs, hu, el
	"מיקום": true, "مکان": true, "موقعیت": true, "مقام": true, // he, fa, ur
	"所在地": true, "場所": true, "居住地": true, "位置": true, "地点": true, "所在": true, "위치": true, "지역": true, // ja, zh, ko
	"lokasi": true, "vị trí": true, "ที่อยู่": true, "स्थान": true, "ঠিকানা": true, // id/ms, vi, th, hi, bn
	"from": true, "home": true, "hometown": true, "based": true, "lives in": true, "living in": true, // en, as people write them
	"herkunft": true, "origine": true, "procedencia": true, "mekan": true, "şehir/ülke": true,
}

// mastodonPinNames are field names that are only a symbol of place (📍,
// 🏠, 🌍…): what is left of them after trimming is empty, so they are
// matched before.
var mastodonPinNames = map[string]bool{"📍": true, "🏠": true, "🏡": true, "🌍": true, "🌎": true, "🌏": true, "🌐": true, "🗺": true, "🗺️": true}

// ParseStatus parses one Mastodon Status entity into a post.
// instance is the server it was fetched from (a host name, "" for archives):
// local accounts' acct has no domain, so it is completed with instance, or
// with the host of the account's URL when instance is "".
func ParseStatus(raw []byte, instance, source string, now time.Time) (store.Post, error) {
	var s mastodonStatus
	if err := json.Unmarshal(raw, &s); err != nil {
		return store.Post{}, fmt.Errorf("not a Mastodon status: %w", err)
	}
	return postFromMastodon(&s, instance, source, now)
}

func postFromMastodon(s *mastodonStatus, instance, source string, now time.Time) (store.Post, error) {
	id := s.URI
	if id == "" {
		id = s.URL
	}
	if id == "" {
		return store.Post{}, fmt.Errorf("status %s: no uri", s.ID)
	}
	if err := store.ValidID(store.PlatformMastodon, id); err != nil {
		return store.Post{}, fmt.Errorf("status %.64q: %w", s.ID, err)
	}
	if s.Account == nil {
		return store.Post{}, fmt.Errorf("status %s: no account", id)
	}
	created, err := time.Parse(time.RFC3339Nano, s.CreatedAt)
	if err != nil {
		return store.Post{}, fmt.Errorf("status %s: created_at: %w", id, err)
	}
	author, domain := mastodonAuthor(s.Account, instance)
	p := store.Post{
		Platform:    store.PlatformMastodon,
		ID:          id,
		Source:      source,
		Kind:        store.KindOriginal,
		CreatedAt:   created.UTC(),
		CollectedAt: now.UTC(),
		URL:         s.URL,
		Lang:        s.Language,
		Author:      author,
		Engagement:  s.RepliesCount + s.ReblogsCount + s.FavouritesCount + s.QuotesCount,
	}
	p.Signals.ProfileLocation = mastodonLocation(s.Account.Fields)
	p.Signals.InstanceDomain = domain
	content := s
	switch {
	case s.Reblog != nil:
		// A boost: a repost by the booster, carrying the boosted status's
		// text and hashtags (the wrapper's own tags are empty).
		p.Kind = store.KindRepost
		p.RefID = s.Reblog.URI
		p.Engagement = 0 // the counts on a boost are the original's
		p.Lang = s.Reblog.Language
		if p.URL == "" {
			p.URL = s.Reblog.URL
		}
		content = s.Reblog
	case s.InReplyToID != "":
		// in_reply_to_id is the instance's local id, not the parent's uri,
		// so RefID stays empty rather than holding an id nothing matches.
		p.Kind = store.KindReply
	case s.Quote != nil:
		p.Kind = store.KindQuote
		if s.Quote.QuotedStatus != nil {
			p.RefID = s.Quote.QuotedStatus.URI
		}
	}
	p.Text = mastodonText(content)
	tags := make([]string, 0, len(content.Tags))
	for _, t := range content.Tags {
		tags = append(tags, t.Name)
	}
	p.Hashtags = hashtag.FromEntities(tags, p.Text)
	if p.Hashtags == nil {
		p.Hashtags = []string{}
	}
	return p, nil
}

// mastodonAuthor maps an account, returning it and its instance domain.
func mastodonAuthor(a *mastodonAccount, instance string) (store.Author, string) {
	acct := strings.TrimPrefix(a.Acct, "@")
	if acct == "" {
		acct = a.Username
	}
	domain := ""
	if i := strings.LastIndexByte(acct, '@'); i >= 0 {
		domain = acct[i+1:]
	} else {
		domain = instance
		if domain == "" {
			domain = mastodonHost(a.URL)
		}
		if domain == "" {
			domain = mastodonHost(a.URI)
		}
		if domain != "" && acct != "" {
			acct += "@" + domain
		}
	}
	domain = strings.ToLower(domain)
	// The canonical acct@domain identifies the account, as Mastodon does
	// (store.Author.Key): its url and uri are whatever its server says, and
	// one server can give many accounts the same one.
	id := ""
	if strings.Contains(acct, "@") {
		id = "acct:" + strings.ToLower(acct)
	}
	if id == "" {
		id = a.URI
	}
	if id == "" {
		id = a.URL
	}
	return store.Author{ID: id, Handle: acct, Name: a.DisplayName, Followers: store.ClampFollowers(a.FollowersCount)}, domain
}

// mastodonLocation returns the value of the first profile field named like
// a location, as plain text.
// A value that is a link (Mastodon renders URLs in fields as <a href>) is
// a map or a website, not a place, and is passed over.
func mastodonLocation(fields []mastodonField) string {
	for _, f := range fields {
		raw := strings.ToLower(mastodonHTMLText(f.Name))
		name := strings.TrimFunc(raw, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
		if mastodonLocationNames[name] || (name == "" && mastodonPinNames[strings.TrimRight(strings.TrimSpace(raw), ":")]) {
			if v := strings.TrimSpace(mastodonHTMLText(f.Value)); v != "" && !mastodonIsLink(f.Value, v) {
				return v
			}
		}
	}
	return ""
}

// mastodonIsLink reports whether a field value (HTML, and as text) is a URL.
func mastodonIsLink(html, text string) bool {
	if strings.Contains(strings.ToLower(html), "<a ") && (strings.Contains(text, "://") || !strings.ContainsRune(text, ' ') && strings.ContainsRune(text, '.') && strings.ContainsRune(text, '/')) {
		return true
	}
	t := strings.ToLower(text)
	return strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://")
}

func mastodonText(s *mastodonStatus) string {
	text := mastodonHTMLText(s.Content)
	if cw := strings.TrimSpace(s.SpoilerText); cw != "" {
		text = cw + "\n\n" + text
	}
	return text
}

// mastodonHTMLText turns Mastodon's status HTML into plain text: paragraphs and
// line breaks become newlines, tags go, entities are decoded.
func mastodonHTMLText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s[i:]) // a stray '<' is text
			break
		}
		tag := strings.ToLower(s[i+1 : i+j])
		name := strings.TrimLeft(tag, "/")
		if k := strings.IndexAny(name, " \t\n/"); k >= 0 {
			name = name[:k]
		}
		switch {
		case name == "br":
			b.WriteByte('\n')
		case name == "p" && strings.HasPrefix(tag, "/"):
			b.WriteString("\n\n")
		}
		s = s[i+j+1:]
	}
	return strings.TrimSpace(html.UnescapeString(b.String()))
}

func mastodonHost(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return pu.Hostname()
}

// Format is Mastodon statuses: a JSON array or JSONL of Status
// entities (tag and account timelines as rtoot, Mastodon.py, mastodon4j and
// others save them), or a search response {"statuses": […]}.
var Format = collector.Format{
	Name: "mastodon",
	Detect: func(rec []byte) bool {
		var probe struct {
			mastodonProbe
			Statuses []mastodonProbe `json:"statuses"`
			Accounts json.RawMessage `json:"accounts"`
		}
		if json.Unmarshal(rec, &probe) != nil {
			return false
		}
		if probe.Accounts != nil && len(probe.Statuses) > 0 {
			return probe.Statuses[0].is()
		}
		return probe.is()
	},
	Parse: func(rec []byte, now time.Time) ([]store.Post, []error) {
		var env struct {
			Statuses []json.RawMessage `json:"statuses"`
		}
		if bytes.Contains(rec, []byte(`"statuses"`)) && json.Unmarshal(rec, &env) == nil && env.Statuses != nil {
			var posts []store.Post
			var bad []error
			for i, s := range env.Statuses {
				p, err := ParseStatus(s, "", store.SourceImport, now)
				if err != nil {
					bad = append(bad, fmt.Errorf("statuses[%d]: %w", i, err))
					continue
				}
				posts = append(posts, p)
			}
			return posts, bad
		}
		p, err := ParseStatus(rec, "", store.SourceImport, now)
		if err != nil {
			return nil, []error{err}
		}
		return []store.Post{p}, nil
	},
}

type mastodonProbe struct {
	URI       string          `json:"uri"`
	CreatedAt string          `json:"created_at"`
	Content   *string         `json:"content"`
	Account   json.RawMessage `json:"account"`
}

func (p mastodonProbe) is() bool {
	var acct struct {
		Acct *string `json:"acct"`
	}
	return p.URI != "" && p.CreatedAt != "" && p.Content != nil && len(p.Account) > 0 &&
		json.Unmarshal(p.Account, &acct) == nil && acct.Acct != nil
}

// errNoStatuses is returned for a timeline response that is not a JSON array.
var errNoStatuses = errors.New("response is not a JSON array of statuses")
