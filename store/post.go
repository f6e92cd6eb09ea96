package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Kind says what a post is in relation to other posts.
type Kind string

// The kinds of post. Every post has exactly one.
const (
	KindOriginal Kind = "original"
	KindRepost   Kind = "repost" // retweet, Mastodon boost, Bluesky repost
	KindReply    Kind = "reply"
	KindQuote    Kind = "quote"
)

// Kinds lists every kind, in display order.
var Kinds = []Kind{KindOriginal, KindRepost, KindReply, KindQuote}

// Valid reports whether k is one of the known kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindOriginal, KindRepost, KindReply, KindQuote:
		return true
	}
	return false
}

// Platforms: the namespace in which a post ID is unique. A tweet is one post
// on PlatformX whether it came through v1.1, v2 or an archive.
const (
	PlatformX         = "x"
	PlatformMastodon  = "mastodon"
	PlatformBluesky   = "bluesky"
	PlatformInstagram = "instagram"
	PlatformThreads   = "threads"
	PlatformYouTube   = "youtube"
	PlatformDemo      = "demo"
	PlatformTelegram  = "telegram" // archives only: Telegram Desktop's chat exports
)

// Sources: the platform a post came from. Rollups are broken down by
// source; how it reached tagpulse is its Arrival.
const (
	SourceX         = "x"
	SourceMastodon  = "mastodon"
	SourceBluesky   = "bluesky"
	SourceInstagram = "instagram"
	SourceThreads   = "threads"
	SourceYouTube   = "youtube"
	SourceTelegram  = "telegram" // imported chat exports only
	SourceDemo      = "demo"
	// SourceImport is what posts imported before arrivals were kept
	// carry; they are counted under their platform, arrived by import
	// (see SourceOf). Parsers may still pass it: the importer sets the
	// platform and ArrivalImport on every post it stores.
	SourceImport = "import"
)

// Sources lists every source, in display order. SourceImport stays last,
// for stores whose rollups predate arrivals.
var Sources = []string{SourceX, SourceMastodon, SourceBluesky, SourceInstagram, SourceThreads, SourceYouTube, SourceTelegram, SourceDemo, SourceImport}

// Arrivals: how a post reached tagpulse.
const (
	ArrivalLive   = "live"   // collected from the platform as it happened
	ArrivalImport = "import" // read from an archive by tagpulse import
)

// Arrivals lists every arrival, in display order.
var Arrivals = []string{ArrivalLive, ArrivalImport}

// SourceOf is the source and the arrival a post is counted under: an
// imported post keeps its platform (a post stored with SourceImport, before
// arrivals were kept, counts under its platform, arrived by import).
func SourceOf(p *Post) (source, arrival string) {
	source, arrival = p.Source, p.Arrival
	if source == SourceImport || source == "" {
		source, arrival = p.Platform, ArrivalImport
	}
	if arrival == "" {
		arrival = ArrivalLive
	}
	return source, arrival
}

// UnknownCountry is CLDR's "Unknown Region": the country of a post that
// cannot be attributed.
const UnknownCountry = "ZZ"

// Post is one platform item that carries a campaign hashtag, stored raw as
// collected. Everything the aggregator derives (country, campaign, day) is
// re-derived from these fields, so they hold the signals, not conclusions.
type Post struct {
	Platform    string    `json:"platform"`          // PlatformX, …: the dedupe namespace
	ID          string    `json:"id"`                // platform's ID: tweet id, status URI, at-URI
	Source      string    `json:"source"`            // SourceX, …: the platform it came from
	Arrival     string    `json:"arrival,omitempty"` // ArrivalImport, or live ("" as stored)
	Kind        Kind      `json:"kind"`              // original, repost, reply, quote
	CreatedAt   time.Time `json:"created_at"`        // when it was posted (UTC)
	CollectedAt time.Time `json:"collected_at"`      // when tagpulse stored it (UTC)
	URL         string    `json:"url,omitempty"`     // link to the original, when known
	Text        string    `json:"text,omitempty"`    // empty once redacted
	Lang        string    `json:"lang,omitempty"`    // BCP 47 as the platform gave it
	Hashtags    []string  `json:"hashtags"`          // normalised (see collector/hashtag), deduplicated
	RefID       string    `json:"ref_id,omitempty"`  // the reposted, replied-to or quoted post's ID
	Author      Author    `json:"author"`
	Signals     Signals   `json:"signals"`
	// Engagement is the platform's own likes+reposts+replies+quotes when
	// collected; it ranks top posts.
	Engagement int64 `json:"engagement,omitempty"`
	// Redacted is set when the platform told us the post was deleted; its
	// content is gone but it still counts where it was counted.
	Redacted bool `json:"redacted,omitempty"`
}

// Key is the post's dedupe key: platform and ID.
func (p *Post) Key() string { return postKey(p.Platform, p.ID) }

// postKey is a post's key in the dedupe index.
func postKey(platform, id string) string { return platform + "\x00" + keyPart(id) }

// maxKeyPart bounds a platform-given identifier inside a store key: bbolt
// refuses keys over 32 KB, and one hostile post with a huge ID must not stop
// ingest or aggregation. Real IDs are far shorter; a longer one stands as
// its SHA-256, which keeps it distinct.
const maxKeyPart = 1024

func keyPart(s string) string {
	if len(s) <= maxKeyPart {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Author is who posted. Followers is the follower count as seen with this
// post; reach uses the latest one seen.
//
// An empty ID means the platform does not say who posted (Instagram's
// hashtag search never names the author). Such a post is meant to count as
// a post only, with no participant and nothing towards reach; until the
// aggregator skips empty IDs, one platform's author-less posts make one
// participant with no followers.
type Author struct {
	ID        string `json:"id"`               // stable platform ID (user id, acct URI, DID)
	Handle    string `json:"handle,omitempty"` // screen name, user@domain, handle.bsky.social
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
}

// Key identifies the author across the store: platform and author ID. A
// Mastodon author is its canonical acct@domain (case-insensitive, as
// Mastodon compares them), also for posts stored when the ID was the
// account's url, which the remote server chooses and many accounts can share.
func (a Author) Key(platform string) string {
	if platform == PlatformMastodon && strings.Contains(a.Handle, "@") {
		return platform + ":" + keyPart("acct:"+strings.ToLower(a.Handle))
	}
	return platform + ":" + keyPart(a.ID)
}

// Signals are the raw location signals a post carried. Country attribution
// reads only these, so a better gazetteer can re-attribute history.
type Signals struct {
	PlaceCountry    string  `json:"place_country,omitempty"`    // platform place's country code, as given
	Coordinates     *LatLon `json:"coordinates,omitempty"`      // exact point, when geotagged
	ProfileLocation string  `json:"profile_location,omitempty"` // free text from the profile
	InstanceDomain  string  `json:"instance_domain,omitempty"`  // Mastodon: the author's server
}

// LatLon is a WGS 84 point.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// NormalizeLang turns a platform language tag into the rollup value:
// lower-case primary subtag, "und" when unknown.
func NormalizeLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if lang == "" || lang == "zxx" || lang == "qme" || lang == "qht" || lang == "qam" || lang == "art" {
		return "und"
	}
	// A BCP 47 language subtag is 2 to 8 letters; anything else (a poster
	// controls Bluesky's langs) is no language.
	if len(lang) < 2 || len(lang) > 8 || strings.IndexFunc(lang, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return "und"
	}
	return lang
}
