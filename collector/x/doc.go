// Package x collects posts from X (Twitter): the X API v2 recent search
// and counts endpoints (V2), the v1.1 standard search (TwitterV1), and the
// archive formats of both (FormatTwitterV1 for v1.1 statuses and search
// responses, FormatTwarc2 for twarc2 pages and flattened tweets).
//
// The v1.1 client and parser use github.com/dghubble/go-twitter, which is
// archived and deprecated upstream. It is contained here: none of its types
// appears in an exported identifier (tweetV1 is an unexported alias, and
// TwitterV1 builds its go-twitter client inside Poll), and no package outside
// collector/x imports it, so it can be replaced by a decoder of our own
// without touching callers.
package x
