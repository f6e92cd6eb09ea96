package store

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDLen bounds a post ID (a Mastodon status uri is the longest kind).
const MaxIDLen = 2048

// ValidID reports why id is not a post ID the platform can produce: every
// platform's parser refuses such a post (it is bad input, counted and
// skipped), so " ", "javascript:alert(1)" or an ID with control characters
// never reaches the store, the dashboard's links or an export.
//
//	x         the tweet id: 1 to 20 ASCII digits
//	mastodon  the status uri (or url): an absolute http or https URL with a
//	          host, or an OStatus tag: URI
//	bluesky   the at-URI: at://did:method:id/collection/rkey
//	others    printable, without spaces
func ValidID(platform, id string) error {
	if platform == PlatformX && id != "" && len(id) <= 20 && allDigits(id) {
		return nil // most often, and valid: what follows would pass it
	}
	if id == "" {
		return fmt.Errorf("no post id")
	}
	if len(id) > MaxIDLen {
		return fmt.Errorf("post id of %d bytes (at most %d)", len(id), MaxIDLen)
	}
	if !utf8.ValidString(id) || strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return fmt.Errorf("post id %q has spaces, control or invalid characters", id)
	}
	switch platform {
	case PlatformX:
		if len(id) > 20 || strings.Trim(id, "0123456789") != "" {
			return fmt.Errorf("post id %q is not a tweet id (digits)", id)
		}
	case PlatformMastodon:
		u, err := url.Parse(id)
		web := err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
		// Before ActivityPub (2017), statuses had OStatus tag: URIs
		// (RFC 4151): tag:mastodon.social,2017-04-21:objectId=1:objectType=Status.
		ostatus := err == nil && u.Scheme == "tag" && strings.Contains(u.Opaque, ",") && strings.Contains(u.Opaque, ":")
		if !web && !ostatus {
			return fmt.Errorf("post id %q is not a status uri (http, https or tag:)", id)
		}
	case PlatformBluesky:
		if !validATURI(id) {
			return fmt.Errorf("post id %q is not an at-URI (at://did/collection/rkey)", id)
		}
	}
	return nil
}

// validATURI checks the syntax of at://did:method:id/collection/rkey as the
// AT Protocol specifies DIDs, NSIDs and record keys.
func validATURI(s string) bool {
	rest, ok := strings.CutPrefix(s, "at://")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return false
	}
	did, coll, rkey := parts[0], parts[1], parts[2]
	m := strings.SplitN(did, ":", 3)
	if len(m) != 3 || m[0] != "did" || m[1] == "" || m[2] == "" || !only(m[1], "abcdefghijklmnopqrstuvwxyz") ||
		!only(m[2], alnum+"._:%-") || strings.HasSuffix(m[2], ":") {
		return false
	}
	if coll == "" || !only(coll, alnum+".-") || !strings.Contains(coll, ".") {
		return false
	}
	return rkey != "" && rkey != "." && rkey != ".." && len(rkey) <= 512 && only(rkey, alnum+"._:~-")
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func only(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) < 0 {
			return false
		}
	}
	return true
}

// allDigits reports whether s is only ASCII digits.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
