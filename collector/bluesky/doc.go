// Package bluesky collects posts from Bluesky: Jetstream streams the
// network's posts, reposts and deletes from a Jetstream websocket and keeps
// those carrying campaign hashtags; Format reads archives of post views and
// feed items as the AppView's search and feed endpoints return them,
// FormatRecords listRecords pages, FormatCAR whole repository exports (CAR
// files, read by ReadRepo), and FormatJetstream archives of Jetstream
// events.
package bluesky
