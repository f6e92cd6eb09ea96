package x

import (
	"encoding/json"

	gojson "github.com/goccy/go-json"
)

// decodeTweetV1 decodes one v1.1 status into go-twitter's types, which stay
// the contract: the full decoder, for what scanPostV1 hands on. It uses
// goccy/go-json, a drop-in for encoding/json that
// decodes these objects several times faster (decoding was the largest
// part of an import's CPU); when it fails, encoding/json decodes again, so a
// malformed record is reported with the standard library's message.
// TestFastDecoderMatchesStd holds the two to the same posts.
func decodeTweetV1(raw []byte, t *tweetV1) error {
	if gojson.Unmarshal(raw, t) == nil {
		return nil
	}
	*t = tweetV1{}
	return json.Unmarshal(raw, t)
}
